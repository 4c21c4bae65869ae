"""What the workspace holds now, against what a plan assumed when it was made.

A plan is only as fresh as the workspace it was read from. Before the first write of a stored plan (a dry
run executed, a resume, a retry), `Freshness.read_all` reads in batch — paginated queries, never a read
per item — what changed since the plan was made:

- every data source holding a remaining target, an input or a child: the pages whose `last_edited_time` is
  on or after the plan's time (rounded down to the minute, as Notion rounds it, less `MARGIN_S` for clock
  skew), so a record not among them still holds what the plan read;
- every create's source query (e.g. "refund requests Approved"), so a source that no longer qualifies —
  changed, or moved to the trash, which no query shows — is noticed;
- every create's guard lookup, `or`-ed a hundred to a request and matched back locally
  (engine.notion.filter_match), so a create whose source already has its page is skipped, naming that page;
- every page a create of this job made that a remaining step builds on (a job stopped between a payout's
  create and its order's update), each read on its own: a page in the trash is in no query's answer, and
  nothing is built on a page moved to the trash, or deleted, by hand.

`verdict` then decides each step from what is known: already at target (skip); everything it assumed
still holds (write); or not (blocked, saying what changed: the operator plans again). `children_unready`
checks a parent just before it is written: its relation as Notion has it now (children linked since
planning included), each child at an accepted value. While a job runs, a parent's data source is read
again for changes when its last read is older than `WINDOW_S`.

A record moved to the trash is invisible to queries: a target in the trash fails its write (Notion refuses
to edit it); a create's source in the trash is caught by the source query.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import trio

from engine.notion.failures import NotionFailure, ResponseShapeError
from engine.notion.filter_match import MAX_OR, depth, matches
from engine.notion.filter_text import describe_filter
from engine.notion.gateway import NotionGateway, RequestCounters
from engine.run.plan import ChildLink, Item, Source, Step
from engine.workspace import props
from engine.workspace.refs import resolve
from engine.workspace.schema import NOUNS

MARGIN_S = 60.0  # clock skew allowed between this machine and Notion, beyond Notion's minute rounding
WINDOW_S = 60.0  # while a job runs, a parent's data source is read again when its last read is older
AT_TARGET = frozenset({"succeeded", "skipped"})
Page = Mapping[str, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


def since_filter(moment: datetime) -> dict[str, Any]:
    """Pages edited on or after `moment`, rounded down to the minute and less the skew margin."""
    floor = moment.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(seconds=MARGIN_S)
    return {
        "timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": floor.strftime("%Y-%m-%dT%H:%M:%S.000Z")},
    }


def source_key(source: Source) -> str:
    return f"{source.logical}:{json.dumps(source.filter, sort_keys=True)}"


def _compact(page_id: str) -> str:
    return page_id.replace("-", "").lower()


@dataclass
class Seen:
    """A page as last known: when (trio time the data is at least as new as), and what it held."""

    as_of: float
    edited: str
    trashed: bool
    values: dict[str, Any] = field(default_factory=dict)  # property of interest -> plain value
    relations: dict[str, list[str]] = field(default_factory=dict)  # relation of interest -> every id


@dataclass(frozen=True)
class Verdict:
    action: Literal["write", "skip", "block", "exists"]
    reason: str = ""
    current: Any = None
    page_id: str | None = None


WRITE = Verdict("write")


@dataclass
class _Interest:
    """What the plan needs to know of one page."""

    logical: str
    values: set[str] = field(default_factory=set)
    relations: set[str] = field(default_factory=set)


class Freshness:
    """The freshest state the engine knows of the pages a plan's remaining steps depend on."""

    def __init__(
        self,
        gateway: NotionGateway,
        data_sources: Mapping[str, str],
        counters: RequestCounters,
        items: Sequence[Item],
        *,
        since: datetime,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.gateway = gateway
        self.data_sources = data_sources
        self.counters = counters
        self.clock = clock
        self.known: dict[str, Seen] = {}
        self.found: dict[str, str] = {}  # create step key -> the page that already exists for it
        self.made: dict[str, str] = {}  # create step key -> the page it made, that remaining steps build on
        self.gone: set[str] = set()  # pages of `made` Notion no longer has (404)
        self.qualified: dict[str, dict[str, str]] = {}  # source key -> {compact page id: last edited}
        self.read_since: dict[str, datetime] = {}  # logical -> changes known from this moment on
        self._read_trio: dict[str, float] = {}  # logical -> trio time of its last read
        self._locks: dict[str, trio.Lock] = {}
        self._since = since
        self.requests = 0
        self._interest: dict[str, _Interest] = {}
        self._steps_by_target: dict[str, list[Step]] = {}
        self._steps_by_key: dict[str, Step] = {}
        self._targets: dict[str, set[tuple[str, str, Any]]] = {}  # logical -> (property, type, value)
        for item in items:
            for step in item.steps:
                self._index(step)
                self._steps_by_key[step.key] = step

    # ---- what the plan needs -------------------------------------------------------------------------

    def _want(self, page: str, logical: str) -> _Interest:
        interest = self._interest.get(page)
        if interest is None:
            interest = self._interest[page] = _Interest(logical)
        return interest

    def _index(self, step: Step) -> None:
        if step.kind == "update":
            written = step.write.get(step.property)
            kind = ""  # the property's type, when the step writes that property alone, as one value
            if len(step.write) == 1 and isinstance(written, Mapping) and len(written) == 1:
                kind = next(iter(written))
            self._targets.setdefault(step.logical, set()).add((step.property, kind, step.after))
            wanted = self._want(step.target, step.logical)
            wanted.values.update(k for k in (step.property, *step.expect) if k)
            self._steps_by_target.setdefault(step.target, []).append(step)
        for link in step.children:
            self._want(step.target, step.logical).relations.add(link.relation)
            for child in link.planned:
                self._want(child, link.logical).values.add(link.property)
        for used in step.inputs:
            self._want(used.page, used.logical)

    # ---- reading -------------------------------------------------------------------------------------

    def observe(self, page: Page, as_of: float) -> bool:
        """Take a page read from Notion (or returned by a write) if the plan cares about it and it is newer
        than what is known; True when taken."""
        page_id = page.get("id")
        interest = self._interest.get(page_id) if isinstance(page_id, str) else None
        if interest is None or not isinstance(page_id, str):
            return False
        known = self.known.get(page_id)
        if known is not None and known.as_of > as_of:
            return False
        seen = Seen(as_of, props.edited(page), props.trashed(page))
        for name in interest.values:
            try:
                seen.values[name] = props.plain(page, name)
            except props.RecordShapeError:
                seen.values[name] = "(unreadable)"
        for name in interest.relations:
            if props.relation_complete(page, name):
                seen.relations[name] = props.relation(page, name)[0]
        self.known[page_id] = seen
        return True

    async def read_all(self, steps: Sequence[Step], states: Mapping[str, Any]) -> dict[str, int]:
        """Everything the remaining `steps` assumed, read in batch; returns pages read per data source."""
        remaining = [s for s in steps if states[s.key].status not in AT_TARGET]
        logicals: set[str] = set()
        for step in remaining:
            if step.kind == "update":
                logicals.add(step.logical)
            logicals.update(link.logical for link in step.children)
            logicals.update(used.logical for used in step.inputs)
        creates = [s for s in remaining if s.kind == "create"]
        made = self._made_by(remaining, states)
        read: dict[str, int] = {}
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._read_changes_into, sorted(logicals), read)
            nursery.start_soon(self._read_sources, creates)
            nursery.start_soon(self._read_guards, creates, states)
            for page, logical in made:
                nursery.start_soon(self._read_made, page, logical)
        return read

    def _made_by(self, remaining: Sequence[Step], states: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The pages creates of this job made that remaining steps build on (a job stopped between a
        payout's create and its order's update, say), as (page, logical); noted in `made`. Each is read on
        its own: a page moved to the trash is in no query's answer. Only an item the job was in the middle
        of has one, so they are few."""
        by_key = self._steps_by_key
        for step in remaining:
            for key in step.depends_on:
                state, create = states.get(key), by_key.get(key)
                if state is None or create is None or create.kind != "create" or not state.page_id:
                    continue
                if state.status == "succeeded":
                    self.made[key] = state.page_id
        return sorted({(page, by_key[key].logical) for key, page in self.made.items()})

    async def _read_made(self, page_id: str, logical: str) -> None:
        self._want(page_id, logical)
        started = trio.current_time()
        try:
            page = await self.gateway.retrieve_page(page_id, self.counters)
        except NotionFailure as err:
            if err.status != 404:
                raise
            self.gone.add(page_id)
            return
        finally:
            self.requests += 1
        self.observe(page, started)

    async def _read_changes_into(self, logicals: Sequence[str], read: dict[str, int]) -> None:
        read.update(await self.read_changes(logicals, {logical: self._since for logical in logicals}))

    async def read_changes(
        self, logicals: Sequence[str], since: Mapping[str, datetime], *, unsettled: bool = False
    ) -> dict[str, int]:
        """The pages of each data source edited since `since[logical]`; what the plan needs is kept. With
        `unsettled`, only those not at the value every update of the data source writes (`not_at_target`)."""
        fetched: dict[str, list[dict[str, Any]]] = {}
        sent: dict[str, float] = {}

        async def one(logical: str) -> None:
            started_wall, sent[logical] = self.clock(), trio.current_time()
            flt = since_filter(since[logical])
            if unsettled and (not_settled := self.not_at_target(logical)) is not None:
                flt = {"and": [flt, not_settled]}
            pages, requests = await self.gateway.query_all(self.data_sources[logical], flt, self.counters)
            self.requests += requests
            fetched[logical] = pages
            self.read_since[logical] = started_wall
            self._read_trio[logical] = sent[logical]

        async with trio.open_nursery() as nursery:
            for logical in logicals:
                nursery.start_soon(one, logical)
        # parents first: a child linked since planning becomes wanted before its page is looked at
        for logical in logicals:
            for page in fetched[logical]:
                interest = self._interest.get(str(page.get("id")))
                if interest is not None and interest.relations:
                    await self._take_parent(page, interest, sent[logical])
        for logical in logicals:
            for page in fetched[logical]:
                self.observe(page, sent[logical])
        return {logical: len(pages) for logical, pages in fetched.items()}

    async def _take_parent(self, page: Page, interest: _Interest, as_of: float) -> None:
        parent = str(page["id"])
        self.observe(page, as_of)
        seen = self.known.get(parent)
        if seen is None:
            return
        for step in self._steps_by_target.get(parent, ()):
            if step.children and step.property in seen.values and step.at_target(seen.values[step.property]):
                continue  # paid (by this job, or by hand): not written again, so its children don't matter
            for link in step.children:
                ids = seen.relations.get(link.relation)
                if ids is None:  # more than 25 children: the property endpoint lists them all
                    prop_id = props.property_id(page, link.relation) or link.relation
                    found, requests = await self.gateway.property_items(parent, prop_id, self.counters)
                    self.requests += requests
                    ids = [
                        r["relation"]["id"]
                        for r in found
                        if isinstance(r.get("relation"), Mapping) and isinstance(r["relation"].get("id"), str)
                    ]
                    seen.relations[link.relation] = ids
                for child in ids:
                    self._want(child, link.logical).values.add(link.property)

    async def _read_sources(self, creates: Sequence[Step]) -> None:
        wanted: dict[str, Source] = {}
        for step in creates:
            if step.source is not None:
                wanted.setdefault(source_key(step.source), step.source)

        async def one(key: str, source: Source) -> None:
            flt = dict(source.filter) or None
            pages, requests = await self.gateway.query_all(
                self.data_sources[source.logical], flt, self.counters
            )
            self.requests += requests
            self.qualified[key] = {_compact(str(p.get("id"))): props.edited(p) for p in pages}

        async with trio.open_nursery() as nursery:
            for key, source in wanted.items():
                nursery.start_soon(one, key, source)

    async def _read_guards(self, creates: Sequence[Step], states: Mapping[str, Any]) -> None:
        """Each create's guard lookup, batched: `or`-ed up to 100 a request per data source."""
        lookups: dict[str, list[tuple[Step, dict[str, Any]]]] = {}
        for step in creates:
            if step.lookup is None:
                continue
            try:
                flt = resolve(dict(step.lookup), states, bare=True)
            except KeyError:  # it names a page another create of this job has not made yet
                continue
            lookups.setdefault(step.logical, []).append((step, flt))

        async def batch(logical: str, chunk: list[tuple[Step, dict[str, Any]]]) -> None:
            nested = len(chunk) > 1 and all(depth(f) <= 1 for _, f in chunk)
            if not nested:
                for step, flt in chunk:
                    await self._lookup_one(logical, step, flt)
                return
            pages = await self._query(logical, {"or": [f for _, f in chunk]})
            for step, flt in chunk:
                answers = [(matches(flt, page), page) for page in pages]
                if any(answer is None for answer, _ in answers):
                    await self._lookup_one(logical, step, flt)
                    continue
                hits = sorted(str(page["id"]) for answer, page in answers if answer)
                if hits:
                    self.found[step.key] = hits[0]

        async with trio.open_nursery() as nursery:
            for logical, entries in lookups.items():
                for start in range(0, len(entries), MAX_OR):
                    nursery.start_soon(batch, logical, entries[start : start + MAX_OR])

    async def _lookup_one(self, logical: str, step: Step, flt: dict[str, Any]) -> None:
        pages = await self._query(logical, flt)
        if pages:
            self.found[step.key] = sorted(str(p["id"]) for p in pages)[0]

    async def _query(self, logical: str, flt: dict[str, Any]) -> list[Page]:
        pages, requests = await self.gateway.query_all(self.data_sources[logical], flt, self.counters)
        self.requests += requests
        return [p for p in pages if not props.trashed(p)]

    def not_at_target(self, logical: str) -> dict[str, Any] | None:
        """A filter for the pages of `logical` not at the value its updates write, when they all write that
        one status or select property and nothing else (a payout's Status Paid), else None.

        A read while the job runs needs no page at that value: such a page is written (this job's own
        writes, most of what changed) or needs no write, and writing it again would change nothing. Any
        other change that matters (set back, cleared, a parent linked to a new child before it is paid)
        leaves it off the value, and the read finds it. A data source whose updates write more than that
        (a payable's Payment Date beside its status) is read whole: a payable paid by hand meanwhile is
        skipped, its date kept."""
        targets = self._targets.get(logical)
        if targets is None or len(targets) != 1:
            return None
        ((name, kind, value),) = targets
        if kind not in ("status", "select") or not isinstance(value, str) or not name:
            return None
        return {
            "or": [
                {"property": name, kind: {"does_not_equal": value}},
                {"property": name, kind: {"is_empty": True}},
            ]
        }

    async def refresh(self, logicals: Iterable[str]) -> dict[str, int]:
        """Read again what changed in each data source whose last read is older than `WINDOW_S` (only the
        pages not at target, see `not_at_target`); returns the pages read of each data source read."""
        read: dict[str, int] = {}
        for logical in sorted(set(logicals)):
            lock = self._locks.setdefault(logical, trio.Lock())
            async with lock:
                last = self._read_trio.get(logical)
                if last is None:
                    self._read_trio[logical] = trio.current_time()  # the plan's own read counts
                    self.read_since.setdefault(logical, self._since)
                    continue
                if trio.current_time() - last < WINDOW_S:
                    continue
                since = {logical: self.read_since.get(logical, self._since)}
                read.update(await self.read_changes([logical], since, unsettled=True))
        return read

    async def retrieve(self, page_id: str, logical: str, prop: str) -> Seen | None:
        """One page read on its own (a child linked since planning that no batch read showed)."""
        self._want(page_id, logical).values.add(prop)
        started = trio.current_time()
        try:
            page = await self.gateway.retrieve_page(page_id, self.counters)
        except (NotionFailure, ResponseShapeError):  # unreadable: the caller treats it as not at target
            return None
        self.requests += 1
        self.observe(page, started)
        return self.known.get(page_id)

    # ---- deciding ------------------------------------------------------------------------------------

    def verdict(self, step: Step, current: Any) -> Verdict:
        """Whether to write `step` now, given `current` (its property's value as the run knows it)."""
        if self.made and step.depends_on:
            unmade = self._unmade(step)
            if unmade is not None:
                return Verdict("block", unmade)
        if step.kind == "create":
            return self._create_verdict(step)
        seen = self.known.get(step.target)
        if seen is None:
            if step.at_target(current):
                return Verdict("skip", current=current)
            return self._inputs_verdict(step)
        if seen.trashed:
            return Verdict("block", f"{_noun(step)} is in the trash in Notion; restore it or plan again")
        now = seen.values.get(step.property, current)
        if step.at_target(now):
            return Verdict("skip", current=now)
        expectations = dict(step.expect) or ({step.property: step.before} if step.property else {})
        for name, planned in expectations.items():
            if name in seen.values and not props.same(seen.values[name], planned):
                return Verdict(
                    "block",
                    f"{_noun(step)} changed in Notion since the plan was made: {name} was "
                    f"{_shown(planned)}, is {_shown(seen.values[name])} now; plan again",
                    current=now,
                )
        return self._inputs_verdict(step)

    def _unmade(self, step: Step) -> str | None:
        """Why `step` must not be written: a page this job made for it is in the trash, or gone."""
        for key in step.depends_on:
            page = self.made.get(key)
            if page is None:
                continue
            seen = self.known.get(page)
            if page in self.gone or (seen is not None and seen.trashed):
                where = "deleted from Notion" if page in self.gone else "in the trash in Notion"
                noun = _noun_of(self._interest[page].logical)
                return f"the {noun} this job made for it, {page}, is {where}; restore it, or plan again"
        return None

    def _create_verdict(self, step: Step) -> Verdict:
        page = self.found.get(step.key)
        if page is not None:
            return Verdict("exists", f"already made: page {page} exists for it", page_id=page)
        if step.source is not None:
            qualified = self.qualified.get(source_key(step.source))
            if qualified is not None:
                edited = qualified.get(_compact(step.source.page))
                if edited is None:
                    return Verdict(
                        "block",
                        f"its source, {_noun_of(step.source.logical)} {step.source.page}, no longer matches "
                        f"{describe_filter(step.source.filter)} (changed, or moved to the trash, since the "
                        "plan was made); plan again",
                    )
                planned = next((i.edited for i in step.inputs if i.page == step.source.page), "")
                if planned and edited and edited != planned:
                    return Verdict(
                        "block",
                        f"its source {step.source.page} was edited in Notion at {edited}, after the plan "
                        "was made; plan again",
                    )
        return self._inputs_verdict(step)

    def _inputs_verdict(self, step: Step) -> Verdict:
        for used in step.inputs:
            seen = self.known.get(used.page)
            if seen is None or not used.edited:
                continue
            if seen.trashed:
                return Verdict(
                    "block",
                    f"{_noun_of(used.logical)} {used.page} it was computed from is in the trash; plan again",
                )
            if seen.edited and seen.edited != used.edited:
                return Verdict(
                    "block",
                    f"{_noun_of(used.logical)} {used.page} it was computed from was edited in Notion at "
                    f"{seen.edited}, after the plan was made; plan again",
                )
        return WRITE

    async def children_unready(self, step: Step, states: Mapping[str, Any]) -> str | None:
        """Why `step` (a parent) must not be written now, or None: every child its relation links now
        holds an accepted value. Reads the parent's data source again if its last read is old."""
        if not step.children:
            return None
        await self.refresh([step.logical])
        seen = self.known.get(step.target)
        for link in step.children:
            linked = seen.relations.get(link.relation) if seen is not None else None
            ids = list(linked) if linked is not None else list(link.planned)
            for child in ids:
                value, known = self._child_value(child, link, states)
                if not known:
                    fetched = await self.retrieve(child, link.logical, link.property)
                    if fetched is None:
                        return f"{self._child_name(child, link)} cannot be read from Notion"
                    value = fetched.values.get(link.property)
                    if fetched.trashed:
                        value = "in the trash"
                if value not in link.accepted:
                    since = "" if child in link.planned else " (linked since the plan was made)"
                    return f"{self._child_name(child, link)} is {_shown(value)}{since}"
        return None

    def _child_name(self, child: str, link: ChildLink) -> str:
        """A child by its step's label when the plan writes it ("payout Development work on November,
        2026"), else by its noun and page id. Found walking: a payout this job had paid, set back to
        Pending by hand, blocked its payable as "payout 57ffe61c-… is Pending"."""
        for step in self._steps_by_target.get(child, ()):
            if step.label:
                return f"{step.label} ({child})"
        return f"{_noun_of(link.logical)} {child}"

    def _child_value(self, child: str, link: ChildLink, states: Mapping[str, Any]) -> tuple[Any, bool]:
        seen = self.known.get(child)
        if seen is not None and link.property in seen.values:
            return ("in the trash" if seen.trashed else seen.values[link.property]), True
        for step in self._steps_by_target.get(child, ()):
            if step.property != link.property:
                continue
            state = states.get(step.key)
            if state is None:
                continue
            if state.status in AT_TARGET:
                return step.after, True
            return state.current, True
        if child in link.planned:
            return link.planned[child], True
        return None, False


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "empty"
    return str(value)


def _noun_of(logical: str) -> str:
    return NOUNS.get(logical, logical)


def _noun(step: Step) -> str:
    return step.label or f"{_noun_of(step.logical)} {step.target}"

"""The reference model: what each command must do to the workspace, worked out independently of the engine
and carried out on the shadow workspace.

The model takes a job's plan as paydesk stored it (the plan says what the operator confirmed: that is the
specification) and executes it by the rules paydesk promises, written here from DESIGN.md rather than from
the engine's code:

- a step whose record already holds its target is skipped; a create whose source already has its page is
  skipped, and so is every step after it in its item (as a new plan would leave the item); a write of a
  stored plan is sent only if every property it writes still holds what the plan saw, its inputs are
  unchanged since planning and its source still qualifies — otherwise it is blocked;
- a parent is written only when it and every child its relation links *now* are at an accepted value;
- a dry run's plan is refused once a job on an overlapping selection has run after it was made; a new run
  is refused while a job on an overlapping selection is interrupted;
- a write to a record with a permanent fault armed fails, and blocks what depends on it.

A crash leaves a prefix of writes the model cannot predict (workers run in any order): the model adopts
what the crashed run did (`adopt`), and holds the resumed job to the same rules from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.run.plan import Item, Step
from engine.workspace import props
from tests.e2e.journeys.world import Side

AT_TARGET = ("succeeded", "skipped")
AGAIN = ("failed", "blocked", "started", "cancelled", "planned")


@dataclass(frozen=True)
class Selection:
    kind: str
    month: str | None = None
    batch: int | None = None
    contractor: str | None = None

    def overlaps(self, other: Selection) -> bool:
        if self.kind != other.kind:
            return False
        for mine, theirs in ((self.month, other.month), (self.batch, other.batch)):
            if mine is not None and theirs is not None and mine != theirs:
                return False
        a, b = self.contractor, other.contractor
        return not (a and b and a.casefold() != b.casefold())


@dataclass
class MStep:
    status: str = "planned"
    attempts: int = 0
    page: str | None = None  # the shadow page a create made or found


@dataclass
class MJob:
    job_id: str
    selection: Selection
    planned_at: int  # the step of the journey at which the plan was made
    items: list[Item]
    states: dict[str, MStep]
    status: str = "planned"  # planned, running (a crash left it so), completed…, discarded, cancelled
    started_at: int | None = None
    seen: dict[str, str] = field(default_factory=dict)  # shadow page -> last_edited_time when planned

    def steps(self) -> list[Step]:
        return [step for item in self.items for step in item.steps]


class Refused(Exception):
    """The model expects the command to be refused; the message says why."""


class Model:
    def __init__(self, shadow: Side, data_sources: Mapping[str, str]) -> None:
        self.shadow = shadow
        self.data_sources = data_sources
        self.jobs: dict[str, MJob] = {}
        self.to_shadow: dict[str, str] = {}  # SUT page id -> shadow page id (pages made after the start)
        self.faults: dict[str, int] = {}  # SUT page id -> permanent failures still to come

    # ---- ids ---------------------------------------------------------------------------------------------

    def shadow_id(self, sut_id: str) -> str:
        return self.to_shadow.get(sut_id, sut_id)

    def pair(self, sut_id: str, shadow_id: str) -> None:
        if sut_id != shadow_id:
            self.to_shadow[sut_id] = shadow_id

    def to_shadow_ids(self, value: Any) -> Any:
        """A request body with every `{"id": …}` of a page made after the start as the shadow knows it."""
        if isinstance(value, dict):
            if set(value) == {"id"} and isinstance(value["id"], str):
                return {"id": self.shadow_id(value["id"])}
            return {k: self.to_shadow_ids(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.to_shadow_ids(v) for v in value]
        return value

    def _mapped(self, value: Any, job: MJob) -> Any:
        """A write payload or filter with SUT ids as the shadow knows them ($step: the page the model's
        step made)."""
        if isinstance(value, dict):
            if set(value) == {"$step"}:
                made = job.states[value["$step"]].page
                if made is None:
                    raise KeyError(value["$step"])
                return {"id": made}
            if set(value) == {"id"} and isinstance(value["id"], str):
                return {"id": self.shadow_id(value["id"])}
            return {k: self._mapped(v, job) for k, v in value.items()}
        if isinstance(value, list):
            return [self._mapped(v, job) for v in value]
        return value

    def _lookup(self, flt: Any, job: MJob) -> Any:
        if isinstance(flt, dict):
            if set(flt) == {"$step"}:
                made = job.states[flt["$step"]].page
                if made is None:
                    raise KeyError(flt["$step"])
                return made
            return {
                k: (self.shadow_id(v) if k == "contains" and isinstance(v, str) else self._lookup(v, job))
                for k, v in flt.items()
            }
        if isinstance(flt, list):
            return [self._lookup(v, job) for v in flt]
        return flt

    # ---- the shadow ----------------------------------------------------------------------------------------

    async def _query(self, logical: str, flt: Mapping[str, Any] | None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        body: dict[str, Any] = {"page_size": 100, **({"filter": flt} if flt else {})}
        async with self.shadow.http() as http:
            while True:
                answer = await http.post(f"/v1/data_sources/{self.data_sources[logical]}/query", json=body)
                assert answer.status_code == 200, answer.text
                data = answer.json()
                found.extend(p for p in data["results"] if not props.trashed(p))
                if not data["has_more"]:
                    return found
                body["start_cursor"] = data["next_cursor"]

    async def _write(self, page_id: str, properties: dict[str, Any]) -> None:
        async with self.shadow.http() as http:
            answer = await http.patch(f"/v1/pages/{page_id}", json={"properties": properties})
            assert answer.status_code == 200, answer.text

    async def _create(self, logical: str, properties: dict[str, Any]) -> str:
        parent = {"type": "data_source_id", "data_source_id": self.data_sources[logical]}
        async with self.shadow.http() as http:
            answer = await http.post("/v1/pages", json={"parent": parent, "properties": properties})
            assert answer.status_code == 200, answer.text
            made: str = answer.json()["id"]
            return made

    # ---- jobs --------------------------------------------------------------------------------------------

    def planned(self, job_id: str, selection: Selection, at: int, items: list[Item]) -> MJob:
        """A plan paydesk stored (a dry run, or the plan a run executes at once)."""
        job = MJob(job_id, selection, at, items, {s.key: MStep() for i in items for s in i.steps})
        for step in job.steps():
            for used in getattr(step, "inputs", ()):
                page = self.shadow.page(self.shadow_id(used.page))
                if page is not None:
                    job.seen[used.page] = props.edited(page)
        self.jobs[job_id] = job
        return job

    def refuse_run(self, selection: Selection) -> None:
        for other in self.jobs.values():
            if other.status == "running" and other.selection.overlaps(selection):
                raise Refused(f"{other.job_id} on an overlapping selection is interrupted")

    def refuse_resume(self, job: MJob) -> None:
        if job.status == "discarded":
            raise Refused("discarded")
        if job.status == "completed":
            raise Refused("completed")
        if job.status == "planned" and job.started_at is None:
            for other in self.jobs.values():
                ran = other.started_at
                later = other is not job and ran is not None and ran > job.planned_at
                if later and other.selection.overlaps(job.selection):
                    raise Refused(f"{other.job_id} ran on an overlapping selection after the plan")

    def refuse_retry(self, job: MJob) -> None:
        if job.status == "discarded":
            raise Refused("discarded")
        if job.status == "planned" and job.started_at is None:
            raise Refused("a dry run nobody executed")
        if not any(state.status in AGAIN for state in job.states.values()):
            raise Refused("nothing to retry")

    def discard(self, job: MJob) -> None:
        if not (job.status == "planned" and job.started_at is None):
            raise Refused(f"{job.status}")
        job.status = "discarded"

    async def execute(self, job: MJob, at: int, items: Sequence[Item] | None = None) -> None:
        """Run `items` (default: all) of `job` to their outcomes on the shadow."""
        job.started_at = at
        for item in items if items is not None else job.items:
            for step in item.steps:
                state = job.states[step.key]
                if state.status in AT_TARGET:
                    continue
                await self._settle(job, item, step, state)
        statuses = {state.status for state in job.states.values()}
        job.status = "completed_with_failures" if statuses & set(AGAIN) else "completed"

    def resumable(self, job: MJob) -> None:
        for state in job.states.values():
            if state.status in ("blocked", "cancelled"):
                state.status = "planned"

    def retried(self, job: MJob) -> list[Item]:
        for state in job.states.values():
            if state.status in AGAIN and state.status != "started":
                state.status = "planned"
        return [i for i in job.items if any(job.states[s.key].status in AGAIN for s in i.steps)]

    async def resolve_in_doubt(self, job: MJob) -> None:
        for step in job.steps():
            state = job.states[step.key]
            if state.status != "started":
                continue
            state.status = "planned"
            if step.kind == "update":
                page = self.shadow.page(self.shadow_id(step.target))
                if page is not None and step.at_target(props.plain(page, step.property)):
                    state.status = "succeeded"

    async def _settle(self, job: MJob, item: Item, step: Step, state: MStep) -> None:
        sourced = {s.key for s in item.steps if s.kind == "create" and getattr(s, "source", None) is not None}
        if any(k in sourced and job.states[k].status == "skipped" for k in step.depends_on):
            state.status = "skipped"  # the source's page was made outside the job: the item is left alone
            return
        if any(job.states[k].status not in AT_TARGET for k in step.depends_on):
            state.status = "blocked"
            return
        if step.kind == "create":
            await self._create_step(job, step, state)
            return
        target = self.shadow_id(step.target)
        page = self.shadow.page(target)
        if page is None or props.trashed(page):
            state.status, state.attempts = "failed", state.attempts + 1  # Notion refuses to edit it
            return
        now = props.plain(page, step.property)
        if step.at_target(now):
            state.status = "skipped"
            return
        expect = dict(getattr(step, "expect", {})) or ({step.property: step.before} if step.property else {})
        if any(not props.same(props.plain(page, name), planned) for name, planned in expect.items()):
            state.status = "blocked"
            return
        if self._inputs_changed(job, step):
            state.status = "blocked"
            return
        if getattr(step, "children", ()) and not self._children_ready(step, page):
            state.status = "blocked"
            return
        state.attempts += 1
        if self.faults.get(step.target, 0) > 0:
            self.faults[step.target] -= 1
            state.status = "failed"
            return
        await self._write(target, self._mapped(dict(step.write), job))
        state.status = "succeeded"

    def _inputs_changed(self, job: MJob, step: Step) -> bool:
        for used in getattr(step, "inputs", ()):
            page = self.shadow.page(self.shadow_id(used.page))
            if page is None or props.trashed(page):
                continue
            if used.page in job.seen and props.edited(page) != job.seen[used.page]:
                return True
        return False

    def _children_ready(self, step: Step, parent: dict[str, Any]) -> bool:
        for link in step.children:
            for child in props.relation(parent, link.relation)[0]:
                page = self.shadow.page(child)
                value = None if page is None or props.trashed(page) else props.plain(page, link.property)
                if value not in link.accepted:
                    return False
        return True

    async def _create_step(self, job: MJob, step: Step, state: MStep) -> None:
        if step.lookup is not None:
            try:
                found = await self._query(step.logical, self._lookup(dict(step.lookup), job))
            except KeyError:
                found = []
            if found:
                state.page = sorted(p["id"] for p in found)[0]
                state.status = "succeeded" if state.attempts else "skipped"
                return
        if getattr(step, "source", None) is not None:
            assert step.source is not None
            qualifying = await self._query(step.source.logical, dict(step.source.filter) or None)
            if self.shadow_id(step.source.page) not in {p["id"] for p in qualifying}:
                state.status = "blocked"
                return
        if self._inputs_changed(job, step):
            state.status = "blocked"
            return
        state.attempts += 1
        state.page = await self._create(step.logical, self._mapped(dict(step.write), job))
        state.status = "succeeded"

    # ---- after a crash: what the crashed run did becomes the model's --------------------------------------

    async def adopt(self, job: MJob, logged: Mapping[str, tuple[str, int, str | None]], sut: Side) -> None:
        """Take over the step states the SUT's log holds for `job` and make the shadow hold what the crashed
        run wrote: an update whose record the SUT shows at its target; a create whose page the SUT made."""
        job.status = "running"
        for step in job.steps():
            status, attempts, page_id = logged.get(step.key, ("planned", 0, None))
            state = job.states[step.key]
            state.status, state.attempts = status, attempts
            if step.kind == "update":
                theirs = sut.page(step.target)
                mine = self.shadow.page(self.shadow_id(step.target))
                if theirs is None or mine is None or not step.at_target(props.plain(theirs, step.property)):
                    continue
                if not step.at_target(props.plain(mine, step.property)):
                    await self._write(self.shadow_id(step.target), self._mapped(dict(step.write), job))
                continue
            made = page_id if status == "succeeded" else self._made_by_sut(job, step, sut)
            if made is not None and state.page is None:
                state.page = await self._create(step.logical, self._mapped(dict(step.write), job))
                self.pair(made, state.page)

    def _made_by_sut(self, job: MJob, step: Step, sut: Side) -> str | None:
        """The page a create left in doubt by the crash made in the SUT, if it made one: a page its lookup
        finds there that neither existed at the start nor is known to the model."""
        from engine.notion.filter_match import matches

        if step.lookup is None:
            return None
        to_sut = {shadow: sut_id for sut_id, shadow in self.to_shadow.items()}

        def in_sut(value: Any) -> Any:  # `{"$step": KEY}`: the page KEY made, as the SUT knows it
            if isinstance(value, dict):
                if set(value) == {"$step"}:
                    made = job.states[value["$step"]].page
                    if made is None:
                        raise KeyError(value["$step"])
                    return to_sut.get(made, made)
                return {k: in_sut(v) for k, v in value.items()}
            if isinstance(value, list):
                return [in_sut(v) for v in value]
            return value

        try:
            lookup = in_sut(dict(step.lookup))
        except KeyError:
            return None  # the page it would sit under was never made, so neither was it
        for page in sut.pages(self.data_sources[step.logical]):
            page_id = str(page["id"])
            known = page_id in self.to_shadow or self.shadow.page(page_id) is not None
            if not known and not props.trashed(page) and matches(lookup, page):
                return page_id
        return None

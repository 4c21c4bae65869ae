"""Preloading: every record a job needs in ⌈n/100⌉ paginated queries per data source, never per item.

Each query is reported as a `PreloadFact` (data source, filter, pages, requests, milliseconds) for the
event log. Relations listing more than 25 references are completed through the page-property endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import trio

from engine.notion.failures import NotionFailure
from engine.notion.filter_match import MAX_OR, matches
from engine.notion.gateway import NotionGateway, RequestCounters
from engine.workspace import props
from engine.workspace.config import Config
from eventlog import EventLog

Page = dict[str, Any]


@dataclass(frozen=True)
class PreloadFact:
    data_source: str  # logical name
    filter: Mapping[str, Any] | None
    pages: int
    requests: int
    ms: int


Report = Callable[[PreloadFact], Awaitable[None]]
T = TypeVar("T")
LogReader = Callable[[Callable[[EventLog], Any]], Awaitable[Any]]


class Preloader:
    """Queries and lookups for one job, counted against it and reported as they finish."""

    def __init__(
        self,
        gateway: NotionGateway,
        config: Config,
        counters: RequestCounters,
        report: Report,
        read_log: LogReader | None = None,
        sources: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        """`sources`: data source objects by logical name as this engine run's schema check read them
        (what `synced_property` answers from; without them, every relation counts as one-way)."""
        self.gateway = gateway
        self.config = config
        self.counters = counters
        self.report = report
        self.requests = 0
        self._read_log = read_log
        self.sources: Mapping[str, Mapping[str, Any]] = sources if sources is not None else {}

    async def read_log(self, query: Callable[[EventLog], T]) -> T:
        """`query` on a read-only view of the job's event log (for a kind that compares Notion with it)."""
        if self._read_log is None:
            raise RuntimeError("this preloader was made without the event log")
        result: T = await self._read_log(query)
        return result

    async def query(self, logical: str, filter: dict[str, Any] | None = None) -> list[Page]:
        start = trio.current_time()
        pages, requests = await self.gateway.query_all(
            self.config.data_sources[logical], filter, self.counters
        )
        self.requests += requests
        ms = round((trio.current_time() - start) * 1000)
        await self.report(PreloadFact(logical, filter, len(pages), requests, ms))
        return pages

    def synced_property(self, logical: str, name: str) -> str | None:
        """The property of the related data source that mirrors relation `name` of `logical` (a two-way
        relation), as the schema check read it; None when the relation is one-way or its schema unknown."""
        schema = self.sources.get(logical, {}).get("properties")
        prop = schema.get(name) if isinstance(schema, Mapping) else None
        relation = prop.get("relation") if isinstance(prop, Mapping) else None
        if not isinstance(relation, Mapping) or relation.get("type") != "dual_property":
            return None
        dual = relation.get("dual_property")
        synced = dual.get("synced_property_name") if isinstance(dual, Mapping) else None
        return synced if isinstance(synced, str) and synced else None

    async def query_any(
        self, logical: str, clauses: Sequence[dict[str, Any]], also: dict[str, Any] | None = None
    ) -> list[Page]:
        """The pages matching any of `clauses` (and `also`, when given): the clauses `or`-ed a hundred to a
        query, each query paginated; every page once. No clause: no query."""
        found: dict[str, Page] = {}
        for start in range(0, len(clauses), MAX_OR):
            chunk = list(clauses[start : start + MAX_OR])
            either = chunk[0] if len(chunk) == 1 else {"or": chunk}
            for page in await self.query(logical, either if also is None else {"and": [either, also]}):
                found.setdefault(props.page_id(page), page)
        return list(found.values())

    async def complete_relation(self, page: Page, name: str) -> list[str]:
        """Every id of a relation property, fetching beyond the 25 a page object lists."""
        ids, has_more = props.relation(page, name)
        if not has_more:
            return ids
        prop_id = props.property_id(page, name) or name
        items, requests = await self.gateway.property_items(props.page_id(page), prop_id, self.counters)
        self.requests += requests
        full: list[str] = []
        for item in items:
            rel = item.get("relation")
            if isinstance(rel, Mapping) and isinstance(rel.get("id"), str):
                full.append(rel["id"])
        return full

    async def made_lately(
        self, logical: str, targets: Iterable[str], answer: Sequence[Page], flt: Mapping[str, Any]
    ) -> list[Page]:
        """Pages this log's jobs made for `targets` that a query's `answer` (with filter `flt`) lacks,
        read by id and kept when live and matching `flt`. Notion's queries show a new page only after a
        lag, so a page the job before made moments ago is missing from them (found walking: generating
        refunds twice in a row planned, and made, every payout twice). No log, or none made: no request."""
        wanted = sorted(set(targets))
        if self._read_log is None or not wanted:
            return []
        priors = await self.read_log(lambda log: log.creates_for(wanted, other_than=""))
        have = {props.page_id(page) for page in answer}
        made = [p.page_id for p in priors if p.status == "succeeded" and p.page_id and p.page_id not in have]
        unreadable: dict[str, str] = {}
        found = await self.retrieve_missing(made, {}, unreadable, logical)
        return [page for page in found.values() if matches(flt, page)]

    async def retrieve_missing(
        self, ids: Iterable[str], known: Mapping[str, Page], unreadable: dict[str, str], logical: str
    ) -> dict[str, Page]:
        """Pages referenced but not among the queried ones (e.g. already Paid), retrieved one by one.

        A page that cannot be read (deleted, in the trash, not shared) lands in `unreadable` with why.
        """
        wanted = sorted({i for i in ids if i not in known and i not in unreadable})
        found: dict[str, Page] = {}
        if not wanted:
            return found
        start = trio.current_time()

        async def fetch(page_id: str) -> None:
            try:
                page = await self.gateway.retrieve_page(page_id, self.counters)
            except NotionFailure as failure:
                unreadable[page_id] = failure.describe()
                return
            if page.get("in_trash") or page.get("archived"):
                unreadable[page_id] = "the page is in the trash"
            else:
                found[page_id] = page

        async with trio.open_nursery() as nursery:
            for page_id in wanted:
                nursery.start_soon(fetch, page_id)
        self.requests += len(wanted)
        ms = round((trio.current_time() - start) * 1000)
        await self.report(PreloadFact(logical, {"retrieve": len(wanted)}, len(found), len(wanted), ms))
        return found

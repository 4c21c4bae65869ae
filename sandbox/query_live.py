"""A data source query answered over the store without looking at every page for every page of results.

`query_source` answers exactly what `sandbox.query.run_query` answers over the data source's visible pages
(the reference evaluation), request by request, writes between requests included, but:

- without sorts (creation order), it walks the pages from the cursor on, in creation order, and stops as
  soon as it holds one page more than the page size: a page costs the rows it walks, not the data source;
- a filter an equality index can answer (`sandbox.query_index`) walks only the pages filed under the wanted
  keys; when those are few (`FEW`), a sorted query simply puts them in order;
- a sort whose first property keeps its value to itself (`sandbox.query_order.ORDERABLE`, and timestamps)
  walks that property's order index from the cursor's position on, the filter run on each page walked
  (after a dictionary look-up in the filter's equality indexes, when it has some); with an equality filter
  an index answers (or an `and` with such parts) whose candidates are at most `FILTERED_SHARE` of the
  pages, it walks that order restricted to the narrowest part's candidates instead
  (`sandbox.query_upkeep.filtered_order`), so a page walks about as many pages as it returns however few
  pages match; further sorts put each group of equal first values in order as it is walked, so a page
  then costs the groups it touches; when one holds more than `BIG_GROUP` pages (a first sort of few
  distinct values, such as a status), the query is served by the snapshot below instead;
- a sort first on a relation, a formula or a rollup (whose values follow other pages) puts every match in
  order and keeps that as a snapshot while the store does not change (`SandboxStore.generation`): further
  pages are a binary search from the cursor's position, but the first page after any write pays for
  the whole order again.

Indexes are kept current page by page from the store's journal of written pages (`sandbox.query_upkeep`),
never rebuilt for a page write. So pagination keeps its semantics: a cursor resumes strictly after the last
row it returned, in the order of the pages as they are at the next request. Pages written between two
requests show as they are then: a page created after the cursor's position (always the case without sorts)
is listed, a trashed one is not, one whose sort value moved across the position is listed twice or not at
all, the rest exactly once. With a query lag (`query_lag_ms`, which hides pages by wall-clock age) the
reference evaluation runs as is.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sandbox.cursor import invalid_cursor
from sandbox.property_values import property_value
from sandbox.query import PreparedQuery, QueryRow, matching_entries, next_cursor, page_after, prepare_query
from sandbox.query_common import resolve_property
from sandbox.query_index import Compound, Probe, Probes, Slot, probes, slots_after
from sandbox.query_order import ORDERABLE, Group, OrderIndex
from sandbox.query_upkeep import (
    candidate_test,
    candidates,
    creation_slots,
    filtered_order,
    property_order,
    timestamp_order,
)
from sandbox.records import DataSource, Page
from sandbox.sorting import NUMERIC_TYPES, Component, Entry, first_after, ordered
from sandbox.store import SandboxStore

SNAPSHOTS = 4  # ordered results kept per store, for sorts no index answers
FEW = 1_000  # candidates a sorted query puts in order itself rather than walking an order index
BIG_GROUP = 2_000  # ties of a first sort that further sorts order page after page (more: the snapshot)
FILTERED_SHARE = 0.5  # candidates of an equality filter, of all pages, up to which a sort walks only them

Answer = tuple[list[dict[str, Any]], str | None, bool]
_SNAPSHOTS: weakref.WeakKeyDictionary[SandboxStore, dict[tuple[Any, ...], tuple[int, list[Entry]]]] = (
    weakref.WeakKeyDictionary()
)


def query_source(
    store: SandboxStore, source: DataSource, body: Any, *, now: datetime | None = None
) -> Answer:
    """The page of `source`'s query `body` after its cursor: `(pages, next_cursor, has_more)`, as
    `run_query` gives over the data source's visible pages; a QueryError for a body Notion refuses."""
    now = now or datetime.now(UTC)
    query = prepare_query(body, source.properties, now)
    if store.query_lag_ms > 0:
        rows = [query_row(store, page, source) for page in store.visible_rows(source)]
        return page_after(matching_entries(rows, query), query)
    probed = probes(body.get("filter"), source.properties)
    found = _narrowed(store, source, probed)
    if not query.plan.readers:
        after = -1 if query.position is None else query.position.seq
        slots = creation_slots(store, source, after) if found is None else slots_after(found, after)
        return _first_rows(store, source, query, slots)
    if found is not None and sum(map(len, found)) <= FEW:
        return page_after(
            matching_entries(_matching(store, source, query, slots_after(found, -1)), query), query
        )
    first = _first_order(store, source, body["sorts"][0])
    if first is None:
        return page_after(_snapshot(store, source, query, found, body, now), query)
    index, descending, negated, kind = first
    narrowest = _narrowest(store, source, probed, len(index))
    if narrowest is not None:  # walk only the candidates of that part of the filter
        index = filtered_order(store, source, kind, narrowest)
    candidate = None if narrowest is probed else _candidate_test(store, source, probed)
    walked = _walked(store, source, query, index, descending, negated, candidate)
    if walked is None:  # ties of the first sort too many to order page after page
        return page_after(_snapshot(store, source, query, found, body, now), query)
    return walked


def query_row(store: SandboxStore, page: Page, source: DataSource) -> QueryRow:
    """The row a query filters and sorts: the cached full page object if there is one, else a stand-in
    that renders only the properties the filter and the sorts read (the page is rendered in full only if
    it is returned)."""
    cached = store.cached_page(page)
    if cached is not None:
        return QueryRow(page.seq, cached)
    stand_in = {
        "id": page.id,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "properties": _LazyProperties(store, page, source),
    }
    return QueryRow(page.seq, stand_in)


class _LazyProperties(dict[str, Any]):
    """A row's properties computed when a filter or a sort first reads one (by subscript, as they do)."""

    __slots__ = ("_page", "_source", "_store")  # no attribute dictionary: one is made for each row walked

    def __init__(self, store: SandboxStore, page: Page, source: DataSource) -> None:
        self._store, self._page, self._source = store, page, source

    def __missing__(self, name: str) -> Any:
        prop = self._source.properties[name]  # KeyError for an unknown name, as with a full page
        value = property_value(self._store, self._page, self._source, prop, 0)
        self[name] = value
        return value


def _matching(
    store: SandboxStore,
    source: DataSource,
    query: PreparedQuery,
    slots: Iterable[Slot],
    candidate: Callable[[str], bool] | None = None,
) -> Iterator[QueryRow]:
    """The rows of `slots` that are visible and match the filter, in the order of `slots`; with
    `candidate`, only pages it holds for a candidate are read at all."""
    predicate = query.predicate
    for _, page_id in slots:
        if candidate is not None and not candidate(page_id):
            continue
        page = store.pages.get(page_id)
        if page is None or page.in_trash or page.data_source_id != source.id:
            continue
        row = query_row(store, page, source)
        if predicate is None or predicate(row.page):
            yield row


def _first_rows(
    store: SandboxStore,
    source: DataSource,
    query: PreparedQuery,
    slots: Iterable[Slot],
    candidate: Callable[[str], bool] | None = None,
) -> Answer:
    """The page of the first matches among `slots` (already in query order after the cursor)."""
    window: list[QueryRow] = []
    for row in _matching(store, source, query, slots, candidate):
        if len(window) == query.page_size:
            last = window[-1]
            return (
                [row.page for row in window],
                next_cursor(query, (query.plan.key(last.page), last.seq, {})),
                True,
            )
        window.append(row)
    return [row.page for row in window], None, False


def _first_order(
    store: SandboxStore, source: DataSource, sort: dict[str, Any]
) -> tuple[OrderIndex, bool, bool, tuple[str, str]] | None:
    """The order index of the first sort, whether it is descending, whether the sort's components are
    negated (a descending sort on numbers) and what the index is kept under (`("order", property id)` or
    `("timestamp", field)`); None when no index keeps that order."""
    descending = sort["direction"] == "descending"
    if "timestamp" in sort:
        field = sort["timestamp"]
        return timestamp_order(store, source, field), descending, descending, ("timestamp", field)
    prop = resolve_property(source.properties, sort["property"], "body.sorts[0].property", sort=True)
    if prop.type not in ORDERABLE:
        return None
    negated = descending and prop.type in NUMERIC_TYPES
    return property_order(store, source, prop.id), descending, negated, ("order", prop.id)


def _narrowest(store: SandboxStore, source: DataSource, found: Probes, pages: int) -> Probe | None:
    """The part of the filter a filtered order index serves (`sandbox.query_upkeep.filtered_order`): the
    filter itself when an index answers it, or the narrowest such part of its `and`; None when there is
    none, or when its candidates are more than `FILTERED_SHARE` of the `pages` the order index holds (the
    order index itself then walks few pages that are not candidates)."""
    if isinstance(found, Probe):
        parts = [found]
    elif isinstance(found, Compound) and found.all_of:
        parts = [part for part in found.parts if isinstance(part, Probe)]
    else:
        return None
    sized = [(sum(map(len, candidates(store, source, part))), part) for part in parts]
    if not sized:
        return None
    size, narrowest = min(sized, key=itemgetter(0))
    return narrowest if size <= FILTERED_SHARE * pages else None


def _walked(
    store: SandboxStore,
    source: DataSource,
    query: PreparedQuery,
    index: OrderIndex,
    descending: bool,
    negated: bool,
    candidate: Callable[[str], bool] | None,
) -> Answer | None:
    """The page after the cursor, walking the first sort's order index group by group (reading only the
    pages `candidate` holds for candidates, if given). With further sorts, None when the page would need a
    group of more than `BIG_GROUP` pages put in order (the snapshot serves it better)."""
    position = query.position
    try:
        after: tuple[Component, int] | None = None
        if position is not None:
            empty, rank, value = position.key[0]
            after = ((empty, -rank, -value) if negated and not empty else (empty, rank, value), position.seq)
        groups = index.groups(descending, after)
    except TypeError:
        raise invalid_cursor(str(query.cursor)) from None
    if len(query.plan.readers) == 1:
        return _first_rows(store, source, query, _chained(groups), candidate)
    window: list[Entry] = []
    for group in groups:
        if len(group.slots) > BIG_GROUP:
            return None
        rows = [(row.seq, row.page) for row in _matching(store, source, query, group.slots, candidate)]
        entries = ordered(rows, query.plan)
        start = 0
        if group.resumed and position is not None:
            try:
                start = first_after(entries, query.plan, position.key, position.seq)
            except TypeError:
                raise invalid_cursor(str(query.cursor)) from None
        for entry in entries[start:]:
            if len(window) == query.page_size:
                return [entry[2] for entry in window], next_cursor(query, window[-1]), True
            window.append(entry)
    return [entry[2] for entry in window], None, False


def _chained(groups: Iterable[Group]) -> Iterator[Slot]:
    for group in groups:
        yield from group


def _snapshot(
    store: SandboxStore,
    source: DataSource,
    query: PreparedQuery,
    found: list[list[Slot]] | None,
    body: dict[str, Any],
    now: datetime,
) -> list[Entry]:
    """Every match in query order, from the snapshot while the store has not changed since it was made."""
    snapshots = _SNAPSHOTS.setdefault(store, {})
    key = (
        source.id,
        json.dumps(body.get("filter"), sort_keys=True),
        json.dumps(body.get("sorts"), sort_keys=True),
        now.date(),  # relative date filters move with the day
    )
    kept = snapshots.get(key)
    if kept is not None and kept[0] == store.generation:
        return kept[1]
    slots = creation_slots(store, source, -1) if found is None else slots_after(found, -1)
    entries = matching_entries(_matching(store, source, query, slots), query)
    snapshots.pop(key, None)
    snapshots[key] = (store.generation, entries)
    while len(snapshots) > SNAPSHOTS:
        del snapshots[next(iter(snapshots))]
    return entries


def _candidate_test(store: SandboxStore, source: DataSource, found: Probes) -> Callable[[str], bool] | None:
    """Whether a page (by id) may match what indexes answer of the filter (None: any page may)."""
    if found is None:
        return None
    if isinstance(found, Probe):
        return candidate_test(store, source, found)
    parts = [_candidate_test(store, source, part) for part in found.parts]
    if found.all_of:
        answered = [part for part in parts if part is not None]
        return (lambda page_id: all(test(page_id) for test in answered)) if answered else None
    if any(part is None for part in parts):
        return None
    tests = [part for part in parts if part is not None]
    return lambda page_id: any(test(page_id) for test in tests)


def _narrowed(store: SandboxStore, source: DataSource, found: Probes) -> list[list[Slot]] | None:
    """The index buckets holding every candidate for `found` (None: every page is one)."""
    if found is None:
        return None
    if isinstance(found, Probe):
        return candidates(store, source, found)
    parts = [_narrowed(store, source, part) for part in found.parts]
    if not found.all_of:
        return None if any(part is None for part in parts) else [b for part in parts if part for b in part]
    answered = [part for part in parts if part is not None]
    return min(answered, key=lambda part: sum(map(len, part))) if answered else None

"""A data source query answered over the store without looking at every page for every page of results.

`query_source` answers exactly what `sandbox.query.run_query` answers over the data source's visible pages
(the reference evaluation), request by request, writes between requests included, but:

- without sorts (creation order), it walks the pages from the cursor on, in creation order, and stops as
  soon as it holds one page more than the page size: a page costs the rows it walks, not the data source;
- a filter an equality index can answer (`sandbox.query_index`) walks only the pages filed under the wanted
  keys; indexes are built on first use, then kept current from the store's journal of changed pages;
- with sorts, the matches are put in order once and kept as a snapshot while the store does not change
  (`SandboxStore.generation`): each further page is a binary search from the cursor's position. Any write
  drops the snapshot, and the next page orders the matches again, over the pages as they are then.

So pagination keeps its semantics: a cursor resumes strictly after the last row it returned, in the order
of the pages as they are at the next request. Pages written between two requests show as they are then:
a page created after the cursor's position (always the case without sorts) is listed, a trashed one is not,
one whose sort value moved across the position is listed twice or not at all, the rest exactly once.
With a query lag (`query_lag_ms`, which hides pages by wall-clock age) the reference evaluation runs as is.
"""

from __future__ import annotations

import json
import weakref
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.property_values import property_value
from sandbox.query import PreparedQuery, QueryRow, matching_entries, next_cursor, page_after, prepare_query
from sandbox.query_index import INDEXED, EqualityIndex, Probe, Probes, Slot, probes, slots_after
from sandbox.records import DataSource, Page
from sandbox.sorting import Entry
from sandbox.store import SandboxStore

SNAPSHOTS = 4  # ordered results kept per store


@dataclass
class _Creation:
    """A data source's pages in creation order: `seqs` parallel to the store's `pages_by_source` list."""

    listed: list[str] | None = None
    seqs: list[int] = field(default_factory=list)
    in_order: bool = True


@dataclass
class _Index:
    index: EqualityIndex
    prop: str  # the property's definition when filed (JSON); another definition files afresh
    journal: int  # the store's journal position filed up to
    listed: int  # how many of the data source's pages were filed


@dataclass
class _Live:
    creation: dict[str, _Creation] = field(default_factory=dict)
    indexes: dict[tuple[str, str], _Index] = field(default_factory=dict)
    snapshots: dict[tuple[Any, ...], tuple[int, list[Entry]]] = field(default_factory=dict)


_LIVE: weakref.WeakKeyDictionary[SandboxStore, _Live] = weakref.WeakKeyDictionary()


def query_source(
    store: SandboxStore, source: DataSource, body: Any, *, now: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None, bool]:
    """The page of `source`'s query `body` after its cursor: `(pages, next_cursor, has_more)`, as
    `run_query` gives over the data source's visible pages; a QueryError for a body Notion refuses."""
    now = now or datetime.now(UTC)
    query = prepare_query(body, source.properties, now)
    if store.query_lag_ms > 0:
        rows = [query_row(store, page, source) for page in store.visible_rows(source)]
        return page_after(matching_entries(rows, query), query)
    live = _LIVE.setdefault(store, _Live())
    found = _narrowed(store, live, source, probes(body.get("filter"), source.properties))
    if query.plan.readers:
        return page_after(_ordered(store, live, source, query, found, body, now), query)
    after = -1 if query.position is None else query.position.seq
    slots = _creation_slots(store, live, source, after) if found is None else slots_after(found, after)
    window: list[Entry] = []
    for row in _matching(store, source, query, slots):
        if len(window) == query.page_size:
            return [entry[2] for entry in window], next_cursor(query, window[-1]), True
        window.append(((), row.seq, row.page))
    return [entry[2] for entry in window], None, False


def query_row(store: SandboxStore, page: Page, source: DataSource) -> QueryRow:
    """The row a query filters and sorts: the cached full page object if there is one, else a stand-in
    that renders only the properties the filter and the sorts read (the page is rendered in full only if
    it is returned)."""
    cached = store.page_cache.get(page.id)
    if cached is not None and cached[0] == store.generation:
        return QueryRow(page.seq, cached[1])
    stand_in = {
        "id": page.id,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "properties": _LazyProperties(store, page, source),
    }
    return QueryRow(page.seq, stand_in)


class _LazyProperties(dict[str, Any]):
    """A row's properties computed when a filter or a sort first reads one (by subscript, as they do)."""

    def __init__(self, store: SandboxStore, page: Page, source: DataSource) -> None:
        super().__init__()
        self._store, self._page, self._source = store, page, source

    def __missing__(self, name: str) -> Any:
        prop = self._source.properties[name]  # KeyError for an unknown name, as with a full page
        value = property_value(self._store, self._page, self._source, prop, 0)
        self[name] = value
        return value


def _matching(
    store: SandboxStore, source: DataSource, query: PreparedQuery, slots: Iterator[Slot]
) -> Iterator[QueryRow]:
    """The rows of `slots` that are visible and match the filter, in the order of `slots`."""
    predicate = query.predicate
    for _, page_id in slots:
        page = store.pages.get(page_id)
        if page is None or page.in_trash or page.data_source_id != source.id:
            continue
        row = query_row(store, page, source)
        if predicate is None or predicate(row.page):
            yield row


def _ordered(
    store: SandboxStore,
    live: _Live,
    source: DataSource,
    query: PreparedQuery,
    found: list[list[Slot]] | None,
    body: dict[str, Any],
    now: datetime,
) -> list[Entry]:
    """Every match in query order, from the snapshot while the store has not changed since it was made."""
    key = (
        source.id,
        json.dumps(body.get("filter"), sort_keys=True),
        json.dumps(body.get("sorts"), sort_keys=True),
        now.date(),  # relative date filters move with the day
    )
    kept = live.snapshots.get(key)
    if kept is not None and kept[0] == store.generation:
        return kept[1]
    slots = _creation_slots(store, live, source, -1) if found is None else slots_after(found, -1)
    entries = matching_entries(_matching(store, source, query, slots), query)
    live.snapshots.pop(key, None)
    live.snapshots[key] = (store.generation, entries)
    while len(live.snapshots) > SNAPSHOTS:
        del live.snapshots[next(iter(live.snapshots))]
    return entries


def _creation_slots(store: SandboxStore, live: _Live, source: DataSource, after: int) -> Iterator[Slot]:
    """The data source's pages created after sequence `after`, in creation order."""
    listed = store.pages_by_source.get(source.id, [])
    creation = live.creation.get(source.id)
    if creation is None or creation.listed is not listed or len(creation.seqs) > len(listed):
        creation = live.creation[source.id] = _Creation(listed)
    seqs = creation.seqs
    for page_id in listed[len(seqs) :]:
        seq = store.pages[page_id].seq
        creation.in_order = creation.in_order and (not seqs or seqs[-1] < seq)
        seqs.append(seq)
    if not creation.in_order:  # not appended in creation order (never by the sandbox itself)
        yield from (slot for slot in sorted(zip(seqs, listed, strict=True)) if slot[0] > after)
        return
    for index in range(bisect_right(seqs, after), len(seqs)):
        yield seqs[index], listed[index]


def _narrowed(store: SandboxStore, live: _Live, source: DataSource, found: Probes) -> list[list[Slot]] | None:
    """The index buckets holding every candidate for `found` (None: every page is one)."""
    if found is None:
        return None
    if isinstance(found, Probe):
        return _index(store, live, source, found).buckets(found.keys)
    parts = [_narrowed(store, live, source, part) for part in found.parts]
    if not found.all_of:
        return None if any(part is None for part in parts) else [b for part in parts if part for b in part]
    answered = [part for part in parts if part is not None]
    return min(answered, key=lambda part: sum(map(len, part))) if answered else None


def _index(store: SandboxStore, live: _Live, source: DataSource, probe: Probe) -> EqualityIndex:
    """The index of the probed property, brought up to date with the store's journal."""
    name = source.by_id.get(probe.prop_id) or probe.prop_id
    prop = source.properties[name]
    described = json.dumps(prop, sort_keys=True, default=str)
    listed = store.pages_by_source.get(source.id, [])
    held = live.indexes.get((source.id, probe.prop_id))
    if (
        held is None
        or held.prop != described
        or held.journal < store.journal_start
        or held.listed > len(listed)
    ):
        held = _Index(EqualityIndex(INDEXED[probe.prop_type][1]), described, store.journal_end, 0)
        live.indexes[(source.id, probe.prop_id)] = held
    changed = store.journal[held.journal - store.journal_start :] if held.journal < store.journal_end else []
    for page_id in dict.fromkeys([*changed, *listed[held.listed :]]):
        page = store.pages.get(page_id)
        if page is None or page.data_source_id != source.id:
            held.index.drop(page_id)
        else:
            held.index.file(page_id, page.seq, _inner(store, page, source, prop))
    held.journal, held.listed = store.journal_end, len(listed)
    return held.index


def _inner(store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any]) -> Any:
    """What an index files a page by: its relation ids as stored, else the value a filter reads."""
    if prop["type"] == "relation":
        return page.values.get(prop["id"], [])
    return property_value(store, page, source, prop, 0).get(prop["type"])

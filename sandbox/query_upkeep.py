"""Keeping a store's query indexes current: built once, then brought up to date with each page written.

Every change to a page goes through `SandboxStore.mark`, which journals the page's id
(`SandboxStore.journal`). An index remembers how far into the journal it has filed; before it answers a
query, it re-files the pages journalled since (and those listed in the data source since, such as the pages
loaded at open), one by one.
So a write costs the indexes nothing until one is used, and then a binary search or two per written page:
an index is built from every page only the first time, after its property changes type or sort options,
or when it fell behind the journal's cut (`JOURNAL_LIMIT` pages written since it was last used).

Indexes kept per data source:
- the pages in creation order (`creation_slots`): what a query without sorts walks;
- an order index per property or timestamp a query sorts by first (`sandbox.query_order`), which also
  answers equality filters on text and numbers;
- an equality index per other property a filter can narrow by (`sandbox.query_index`): options, relations;
- an order index restricted to the candidates of one equality filter (`filtered_order`), built from the two
  indexes above on first use and re-filed from them, for the last few (`FILTERED`) filters sorted by.

A page in the trash is filed in none of them (a query never lists it). `warm` builds them all for every
data source (but the timestamp orders, built on first use), so that the first query after the server opens
finds them ready.
"""

from __future__ import annotations

import json
import weakref
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from sandbox.filters_tree import TEXT_TYPES
from sandbox.property_values import property_value
from sandbox.query_common import Property
from sandbox.query_index import INDEXED, EqualityIndex, Probe, Slot, slots_after
from sandbox.query_order import ORDERABLE, OrderIndex, filed_component
from sandbox.records import DataSource, Page
from sandbox.sorting import timestamp_component, value_reader
from sandbox.store import SandboxStore

OPTION_TYPES = ("select", "status", "multi_select")
BY_ORDER = TEXT_TYPES | {"number", "unique_id"}  # equality filters answered by the order index
FILTERED = 4  # filtered order indexes kept per store (the least recently used is dropped)
Index = EqualityIndex | OrderIndex
_BUILDS = count()  # numbers each index built or adapted, so that an index filed from it knows it changed


@dataclass
class _Creation:
    """A data source's pages in creation order: `seqs` parallel to the store's `pages_by_source` list."""

    listed: list[str] | None = None
    seqs: list[int] = field(default_factory=list)
    in_order: bool = True


@dataclass
class _Kept:
    index: Index
    described: str  # what the index was built for: rebuilt when this changes
    journal: int  # the store's journal position filed up to
    listed: int  # how many of the data source's pages were filed
    build: int = field(default_factory=lambda: next(_BUILDS))


@dataclass
class _Indexes:
    creation: dict[str, _Creation] = field(default_factory=dict)
    kept: dict[tuple[str, str, str], _Kept] = field(default_factory=dict)
    filtered: OrderedDict[tuple[Hashable, ...], _Kept] = field(default_factory=OrderedDict)


_INDEXES: weakref.WeakKeyDictionary[SandboxStore, _Indexes] = weakref.WeakKeyDictionary()


def _indexes(store: SandboxStore) -> _Indexes:
    return _INDEXES.setdefault(store, _Indexes())


def creation_slots(store: SandboxStore, source: DataSource, after: int) -> Iterator[Slot]:
    """The data source's pages created after sequence `after`, in creation order (trashed ones included)."""
    live = _indexes(store)
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
        return (slot for slot in sorted(zip(seqs, listed, strict=True)) if slot[0] > after)
    return ((seqs[index], listed[index]) for index in range(bisect_right(seqs, after), len(seqs)))


def candidates(store: SandboxStore, source: DataSource, probe: Probe) -> list[list[Slot]]:
    """The buckets holding every page that may match `probe`, each in creation order: from the property's
    order index for text and numbers, else from its equality index."""
    if probe.prop_type in BY_ORDER:
        order = property_order(store, source, probe.prop_id)
        return order.equal_to(probe.keys, text=probe.prop_type in TEXT_TYPES)
    return equality_index(store, source, probe.prop_id).buckets(probe.keys)


def candidate_test(store: SandboxStore, source: DataSource, probe: Probe) -> Callable[[str], bool]:
    """Whether a page (by id) is in `candidates(store, source, probe)`: a dictionary look-up, no rendering."""
    keys = frozenset(probe.keys)
    if probe.prop_type in BY_ORDER:
        order = property_order(store, source, probe.prop_id)
        text = probe.prop_type in TEXT_TYPES
        return lambda page_id: order.filed_equal(page_id, keys, text)
    index = equality_index(store, source, probe.prop_id)
    return lambda page_id: index.filed_under(page_id, keys)


def equality_index(store: SandboxStore, source: DataSource, prop_id: str) -> EqualityIndex:
    """The equality index of the property `prop_id` (of a type in `INDEXED`), current."""
    prop = _property(source, prop_id)
    prop_type = prop["type"]

    def inner(page: Page) -> Any:
        if prop_type == "relation":  # filed by the related ids as stored
            return page.values.get(prop_id, [])
        return property_value(store, page, source, prop, 0).get(prop_type)

    def build() -> Index:
        return EqualityIndex(INDEXED[prop_type][1])

    kept = _current(store, source, ("equality", prop_id), prop_type, build, inner)
    assert isinstance(kept, EqualityIndex)
    return kept


def property_order(store: SandboxStore, source: DataSource, prop_id: str) -> OrderIndex:
    """The order index of the property `prop_id` (of a type in `ORDERABLE`), current.

    Options ranks are positions in the schema's list: when options are only appended (as a page write
    naming a new option does), only the pages whose option the old list lacked can move, and only they
    are re-filed; any other change to the options rebuilds the index."""
    prop = _property(source, prop_id)
    prop_type = prop["type"]
    config = prop.get(prop_type)
    config = config if isinstance(config, dict) else {}
    options = config.get("options") if prop_type in OPTION_TYPES else None
    named = [_option_key(option) for option in options] if isinstance(options, list) else None
    described = json.dumps([prop_type, named])

    def inner(page: Page) -> Any:
        return property_value(store, page, source, prop, 0).get(prop_type)

    def build() -> Index:
        return OrderIndex(value_reader(Property(prop["name"], prop_id, prop_type, config)))

    def adapt(before: str, index: Index, refile: Callable[[str], None]) -> bool:
        old_type, known = json.loads(before)
        if old_type != prop_type or known is None or named is None or not isinstance(index, OrderIndex):
            return False
        if len(known) >= len(named) or named[: len(known)] != known:
            return False
        index.rerank(value_reader(Property(prop["name"], prop_id, prop_type, config)), len(known), refile)
        return True

    kept = _current(store, source, ("order", prop_id), described, build, inner, adapt)
    assert isinstance(kept, OrderIndex)
    return kept


def _option_key(option: Any) -> list[Any] | None:
    """What an option's sort rank depends on: its id and name."""
    return [option.get("id"), option.get("name")] if isinstance(option, dict) else None


def timestamp_order(store: SandboxStore, source: DataSource, field_name: str) -> OrderIndex:
    """The order index of the pages' `created_time` or `last_edited_time`, current."""

    def inner(page: Page) -> Any:
        return page.created_time if field_name == "created_time" else page.last_edited_time

    def build() -> Index:
        return OrderIndex(timestamp_component)

    kept = _current(store, source, ("timestamp", field_name), field_name, build, inner)
    assert isinstance(kept, OrderIndex)
    return kept


def filtered_order(
    store: SandboxStore, source: DataSource, first: tuple[str, str], probe: Probe
) -> OrderIndex:
    """The order index `first` (`("order", property id)` or `("timestamp", field)`) of only the pages in
    `candidates(store, source, probe)`, current: walked by a sorted query with that equality filter, it
    lists nothing but candidates, so a page of results walks about as many pages as it returns however
    few of the data source's pages match.

    It is built from the two indexes it restricts (the candidates' values as the order index files them,
    no page read), and kept current from the journal as they are, each written page re-filed from them; it
    is built again when either of them was."""
    order = (
        property_order(store, source, first[1])
        if first[0] == "order"
        else timestamp_order(store, source, first[1])
    )
    wanted = candidate_test(store, source, probe)
    live = _indexes(store)
    held_by = ("order" if probe.prop_type in BY_ORDER else "equality", probe.prop_id)
    described = json.dumps([live.kept[(source.id, *first)].build, live.kept[(source.id, *held_by)].build])
    full: tuple[Hashable, ...] = (source.id, *first, probe.prop_id, probe.keys)
    listed = store.pages_by_source.get(source.id, [])
    held = live.filtered.get(full)
    if held is not None:
        live.filtered.move_to_end(full)
        if held.described != described or held.journal < store.journal_start or held.listed > len(listed):
            held = None
    index = OrderIndex(filed_component) if held is None else held.index
    assert isinstance(index, OrderIndex)

    def refile(page_id: str) -> None:
        filed = order.filed(page_id)
        if filed is None or not wanted(page_id):
            index.drop(page_id)
        else:
            index.file(page_id, *filed)

    if held is None:
        buckets = candidates(store, source, probe)
        index.fill(order, buckets[0] if len(buckets) == 1 else slots_after(buckets, -1))
        live.filtered[full] = _Kept(index, described, store.journal_end, len(listed))
        while len(live.filtered) > FILTERED:
            live.filtered.popitem(last=False)
        return index
    changed = store.journal[held.journal - store.journal_start :]
    for page_id in dict.fromkeys([*changed, *listed[held.listed :]]):
        refile(page_id)
    held.journal, held.listed = store.journal_end, len(listed)
    return index


def warm(store: SandboxStore) -> None:
    """Build the indexes of every data source now (each property a filter can narrow by or a query can
    sort by), rather than on the first query that needs them. Timestamp orders are built on first use."""
    for source in list(store.sources.values()):
        creation_slots(store, source, -1)
        for prop in list(source.properties.values()):
            if prop["type"] in INDEXED and prop["type"] not in BY_ORDER:
                equality_index(store, source, prop["id"])
            if prop["type"] in ORDERABLE:
                property_order(store, source, prop["id"])


def _property(source: DataSource, prop_id: str) -> dict[str, Any]:
    name = source.by_id.get(prop_id) or prop_id
    prop: dict[str, Any] = source.properties[name]
    return prop


def _current(
    store: SandboxStore,
    source: DataSource,
    key: tuple[str, str],
    described: str,
    build: Callable[[], Index],
    inner: Callable[[Page], Any],
    adapt: Callable[[str, Index, Callable[[str], None]], bool] | None = None,
) -> Index:
    """The index kept under `key` for the data source, built if need be, then caught up with the journal.

    When the description changed, `adapt` (given the old one, the index, and a function that re-files a page)
    may bring the index up to date in place rather than have it rebuilt: it says whether it did."""
    live = _indexes(store)
    listed = store.pages_by_source.get(source.id, [])
    full = (source.id, *key)
    held = live.kept.get(full)

    def refile(page_id: str) -> None:
        assert held is not None
        page = store.pages.get(page_id)
        if page is None or page.in_trash or page.data_source_id != source.id:
            held.index.drop(page_id)
        else:
            held.index.file(page_id, page.seq, inner(page))

    if held is not None and (held.journal < store.journal_start or held.listed > len(listed)):
        held = None
    if held is not None and held.described != described:
        if adapt is not None and adapt(held.described, held.index, refile):
            held.described, held.build = described, next(_BUILDS)
        else:
            held = None
    if held is None:
        held = _Kept(build(), described, store.journal_end, 0)
        live.kept[full] = held
    if held.journal == store.journal_end and held.listed == len(listed):
        return held.index
    changed = store.journal[held.journal - store.journal_start :]
    for page_id in dict.fromkeys([*changed, *listed[held.listed :]]):
        refile(page_id)
    held.journal, held.listed = store.journal_end, len(listed)
    return held.index

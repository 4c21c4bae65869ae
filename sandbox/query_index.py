"""Equality indexes for queries: which pages of a data source may match a filter, without reading them all.

A filter is only ever *narrowed* by an index: `probes` reads a (validated) filter and names, for the parts
an index can answer, the property and the keys a matching page must be filed under; the pages filed there
are candidates, and the query still runs the whole filter on each of them. So an index needs to hold a
superset of the matches, never the exact set, and what it cannot answer (`does_not_equal`, `contains` on
text, dates, formulas, rollups...) simply falls back to every page.

What an index answers (the condition's key, per property type):
- title, rich_text, url, email, phone_number: `equals`, filed under the text ignoring case (as compared);
- select, status: `equals` (one name or a list of names), filed under the option name;
- multi_select: `contains`, filed under each option name;
- number, unique_id: `equals`, filed under the number;
- relation: `contains`, filed under each related page id as stored (a related page in the trash is still
  filed; the filter then drops it, as the relation value leaves it out).

Pages in the trash are not filed (`sandbox.query_upkeep` drops them); a query never lists them.
An `and` is answered by its narrowest answerable part, an `or` only when every part is answerable (by the
union of theirs); an empty compound matches every page. `EqualityIndex` files pages by `(seq, page id)` in
creation order, so that a bucket lists its pages in query order without sorts.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from heapq import merge
from operator import itemgetter
from typing import Any

from sandbox.filters_tree import TEXT_TYPES
from sandbox.query_common import (
    TrackedDict,
    normal_id,
    number_of,
    option_name,
    option_names,
    resolve_property,
    text_of,
)

Slot = tuple[int, str]  # (creation sequence, page id)
Keys = Callable[[Any], tuple[Hashable, ...]]


def _text_keys(inner: Any) -> tuple[Hashable, ...]:
    return (text_of(inner).casefold(),)


def _option_keys(inner: Any) -> tuple[Hashable, ...]:
    return (option_name(inner),)


def _options_keys(inner: Any) -> tuple[Hashable, ...]:
    return tuple(option_names(inner))


def _number_keys(inner: Any) -> tuple[Hashable, ...]:
    return (number_of(inner),)


def _stored_ids_keys(inner: Any) -> tuple[Hashable, ...]:
    """A relation as stored: a list of page ids."""
    if not isinstance(inner, list):
        return ()
    return tuple(normal_id(item) for item in inner if isinstance(item, str))


# property type -> (the condition an index answers, how a value is filed)
INDEXED: dict[str, tuple[str, Keys]] = {
    **{kind: ("equals", _text_keys) for kind in TEXT_TYPES},
    "select": ("equals", _option_keys),
    "status": ("equals", _option_keys),
    "multi_select": ("contains", _options_keys),
    "number": ("equals", _number_keys),
    "unique_id": ("equals", _number_keys),
    "relation": ("contains", _stored_ids_keys),
}


@dataclass(frozen=True)
class Probe:
    """Pages whose property `prop_id` (of type `prop_type`) is filed under one of `keys`."""

    prop_id: str
    prop_type: str
    keys: tuple[Hashable, ...]


@dataclass(frozen=True)
class Compound:
    """`all_of` (and): the narrowest answerable part; otherwise (or) the union of every part."""

    all_of: bool
    parts: tuple[Probes, ...]


Probes = Probe | Compound | None  # None: no index answers this part (every page is a candidate)


def probes(spec: Any, schema: Mapping[str, Any]) -> Probes:
    """What indexes can answer of the filter `spec` (already validated by `compile_filter`)."""
    if not isinstance(spec, dict):
        return None
    for key in ("and", "or"):
        if key in spec and isinstance(spec[key], list):
            parts = tuple(probes(item, schema) for item in spec[key])
            if not parts:
                return None
            return Compound(key == "and", parts)
    if "property" not in spec:
        return None
    prop = resolve_property(schema, spec["property"], "body.filter.property")
    indexed = INDEXED.get(prop.type)
    conditions = [value for key, value in spec.items() if key not in ("property", "type")]
    if indexed is None or len(conditions) != 1 or not isinstance(conditions[0], dict):
        return None
    (condition,) = conditions
    if list(condition) != [indexed[0]]:
        return None
    keys = _wanted(prop.type, condition[indexed[0]])
    return None if keys is None else Probe(prop.id, prop.type, keys)


def _wanted(prop_type: str, target: Any) -> tuple[Hashable, ...] | None:
    """The keys a page matching `target` is filed under (None when the index cannot tell)."""
    if prop_type in TEXT_TYPES:
        return (target.casefold(),) if isinstance(target, str) else None
    if prop_type in ("select", "status"):
        names = target if isinstance(target, list) else [target]
        return tuple(names) if all(isinstance(name, str) for name in names) else None
    if prop_type == "relation":
        try:
            return (normal_id(str(uuid.UUID(target))),)
        except (ValueError, TypeError, AttributeError):
            return None
    if prop_type in ("number", "unique_id"):
        return None if isinstance(target, bool) else (target,)
    return (target,) if isinstance(target, str) else None


class EqualityIndex:
    """The pages of one data source filed by the keys of one property's value."""

    def __init__(self, keys_of: Keys) -> None:
        self._keys_of = keys_of
        self._buckets: dict[Hashable, list[Slot]] = {}
        self._filed: TrackedDict[str, tuple[int, tuple[Hashable, ...]]] = TrackedDict()

    def __len__(self) -> int:
        return len(self._filed)

    def file(self, page_id: str, seq: int, inner: Any) -> None:
        """File (or re-file) the page under the keys of its value `inner`."""
        keys = tuple(dict.fromkeys(self._keys_of(inner)))
        previous = self._filed.get(page_id)
        if previous == (seq, keys):
            return
        if previous is not None:
            self.drop(page_id)
        for key in keys:
            insort(self._buckets.setdefault(key, []), (seq, page_id))
        self._filed[page_id] = (seq, keys)

    def drop(self, page_id: str) -> None:
        """Forget the page (it left the data source)."""
        previous = self._filed.pop(page_id, None)
        if previous is None:
            return
        seq, keys = previous
        for key in keys:
            bucket = self._buckets[key]
            del bucket[bisect_left(bucket, (seq, page_id))]
            if not bucket:
                del self._buckets[key]

    def filed_under(self, page_id: str, keys: Collection[Hashable]) -> bool:
        """Whether the page is filed under one of `keys`."""
        filed = self._filed.get(page_id)
        return filed is not None and any(key in keys for key in filed[1])

    def buckets(self, keys: Sequence[Hashable]) -> list[list[Slot]]:
        """The non-empty buckets of `keys`."""
        found = (self._buckets.get(key) for key in dict.fromkeys(keys))
        return [bucket for bucket in found if bucket]


def slots_after(buckets: Sequence[Sequence[Slot]], seq: int) -> Iterator[Slot]:
    """The slots of `buckets` (each in creation order) after creation sequence `seq`, merged, each once."""
    streams = [_tail(bucket, bisect_right(bucket, seq, key=itemgetter(0))) for bucket in buckets]
    previous: Slot | None = None
    for slot in streams[0] if len(streams) == 1 else merge(*streams):
        if slot != previous:
            yield slot
        previous = slot


def _tail(bucket: Sequence[Slot], start: int) -> Iterator[Slot]:
    for index in range(start, len(bucket)):
        yield bucket[index]

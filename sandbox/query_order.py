"""Ordered indexes for sorted queries: a data source's pages kept in the order of one property's sort values.

An `OrderIndex` files each page under the sort component of one property's value (`sandbox.sorting`): pages
with the same value form a group, in creation order; the groups are kept sorted by value, and the pages
whose value is empty form a last group of their own. That one structure answers both directions of a sort
as `sandbox.sorting` orders them:

- ascending: the groups by value, each in creation order, then the empties;
- descending: the groups in reverse, each still in creation order (the tiebreak is always ascending), then
  the empties (last in both directions).

So a sort on the property walks the groups from a cursor's position on: a page costs the pages it walks,
never the data source. The groups also answer equality filters on text and numbers (`equal_to`), in place
of an equality index. With more sorts, each group of the first is put in order by the others when it is
walked (`sandbox.query_live`). Filing, re-filing and dropping a page cost a binary search in its group
and, for a value no other page holds, in the sorted values. An index can also hold only some of the pages,
filed under another index's values (`filed`, `fill`, `filed_component`): the order of one equality
filter's candidates (`sandbox.query_upkeep.filtered_order`).

Only types whose value is the page's own are ordered here (`ORDERABLE`): a relation's count leaves out
related pages in the trash, and formulas and rollups read other properties and pages, so a write to another
page could move them without the index knowing.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

from sortedcontainers import SortedList

from sandbox.query_common import TrackedDict
from sandbox.sorting import EMPTY, Component

Slot = tuple[int, str]  # (creation sequence, page id)
Value = tuple[int, Any]  # a non-empty component's (rank, value): what a group is filed under

ORDERABLE = frozenset(
    {"title", "rich_text", "url", "email", "phone_number", "number", "unique_id", "checkbox", "date"}
    | {"created_time", "last_edited_time", "select", "status", "multi_select", "people", "created_by"}
    | {"last_edited_by", "files"}
)


@dataclass(frozen=True, slots=True)
class Group:
    """Pages sharing one sort value (`value` None: the empties), in creation order, walked from `start`;
    `resumed` when the group holds the position a cursor resumes after."""

    value: Value | None
    slots: list[Slot]
    start: int = 0
    resumed: bool = False

    def __iter__(self) -> Iterator[Slot]:
        slots = self.slots
        for index in range(self.start, len(slots)):
            yield slots[index]


class OrderIndex:
    """The pages of one data source grouped by the sort component `read` gives for their value."""

    def __init__(self, read: Callable[[Any], Component]) -> None:
        self._read = read
        self._values: SortedList = SortedList()
        self._groups: dict[Value, list[Slot]] = {}
        self._empty: list[Slot] = []
        self._filed: TrackedDict[str, tuple[int, Value | None]] = TrackedDict()

    def __len__(self) -> int:
        return len(self._filed)

    def file(self, page_id: str, seq: int, inner: Any) -> None:
        """File (or re-file) the page under the sort component of its value `inner`."""
        empty, rank, value = self._read(inner)
        key: Value | None = None if empty else (rank, value)
        previous = self._filed.get(page_id)
        if previous is not None:
            if previous == (seq, key):
                return
            self.drop(page_id)
        if key is None:
            group = self._empty
        else:
            found = self._groups.get(key)
            if found is None:
                found = self._groups[key] = []
                self._values.add(key)
            group = found
        insort(group, (seq, page_id))
        self._filed[page_id] = (seq, key)

    def fill(self, other: OrderIndex, slots: Iterable[Slot]) -> None:
        """File into this empty index the pages of `slots` (in creation order: each group is simply appended
        to) under the values `other` files them under; pages `other` does not hold are left out."""
        assert not self._filed, "fill an empty index only"
        groups, empty, filed, held = self._groups, self._empty, self._filed, other._filed.get
        for slot in slots:
            seq_key = held(slot[1])
            if seq_key is None:
                continue
            key = seq_key[1]
            if key is None:
                empty.append(slot)
            else:
                found = groups.get(key)
                if found is None:
                    groups[key] = [slot]
                else:
                    found.append(slot)
            filed[slot[1]] = seq_key
        self._values = SortedList(groups)

    def filed(self, page_id: str) -> tuple[int, Value | None] | None:
        """The creation sequence and the value (None: empty) the page is filed under; None if it is not."""
        return self._filed.get(page_id)

    def drop(self, page_id: str) -> None:
        """Forget the page (it left the data source or went to the trash)."""
        previous = self._filed.pop(page_id, None)
        if previous is None:
            return
        seq, key = previous
        group = self._empty if key is None else self._groups[key]
        del group[bisect_left(group, (seq, page_id))]
        if key is not None and not group:
            del self._groups[key]
            self._values.remove(key)

    def rerank(self, read: Callable[[Any], Component], unknown: int, refile: Callable[[str], None]) -> None:
        """Read values with `read` from now on: the same ranks as before for the options the old schema
        knew, options appended after them. Only the pages holding rank `unknown` (an option the old schema
        lacked) can move: each is handed to `refile`, which files it again."""
        self._read = read
        stale = [value for value in self._values if _holds(value[1], unknown)]
        for value in stale:
            for _, page_id in list(self._groups.get(value, ())):
                refile(page_id)

    def equal_to(self, keys: Iterable[Hashable], text: bool) -> list[list[Slot]]:
        """The non-empty groups an equality filter may match, as `sandbox.query_index` files pages: by number
        (None: empty), or with `text` by the text ignoring case (its value's first part; "": empty)."""
        found: list[list[Slot]] = []
        for key in dict.fromkeys(keys):
            if key is None or (text and key == ""):
                found.append(self._empty)
            elif not text:
                found.append(self._groups.get((0, key), []))
            else:
                for value in self._values.irange(minimum=(0, (key,))):
                    if value[1][0] != key:
                        break
                    found.append(self._groups[value])
        return [group for group in found if group]

    def filed_equal(self, page_id: str, keys: Collection[Hashable], text: bool) -> bool:
        """Whether the page is in one of the groups `equal_to(keys, text)` gives."""
        filed = self._filed.get(page_id)
        if filed is None:
            return False
        value = filed[1]
        if value is None:
            return ("" if text else None) in keys
        return (value[1][0] if text else value[1]) in keys

    def groups(self, descending: bool, after: tuple[Component, int] | None = None) -> Iterator[Group]:
        """The groups in sort order (`descending` or not, empties last), from the position `after` (an
        ascending component and a creation sequence) on, if given: the group holding that position comes
        first (`resumed`), its `start` past the position.

        Raises TypeError, at once, when the position's value cannot be compared with the index's values
        (a forged cursor)."""
        values, groups = self._values, self._groups
        if after is None:
            found = (Group(key, groups[key]) for key in values.islice(reverse=descending))
            return chain(found, (Group(None, self._empty),))
        (empty, rank, value), seq = after
        if empty:
            start = bisect_right(self._empty, seq, key=itemgetter(0))
            return iter((Group(None, self._empty, start, resumed=True),))
        key: Value = (rank, value)
        first: list[Group] = []
        if descending:
            below = values.bisect_left(key)
            if below < len(values) and values[below] == key:
                first.append(self._resumed(values[below], seq))
            rest = values.islice(0, below, reverse=True)
        else:
            above = values.bisect_right(key)
            if above > 0 and values[above - 1] == key:
                first.append(self._resumed(values[above - 1], seq))
            rest = values.islice(above)
        return chain(first, (Group(key, groups[key]) for key in rest), (Group(None, self._empty),))

    def _resumed(self, key: Value, seq: int) -> Group:
        slots = self._groups[key]
        return Group(key, slots, bisect_right(slots, seq, key=itemgetter(0)), resumed=True)


def filed_component(value: Value | None) -> Component:
    """The sort component of a value as `OrderIndex.filed` gives it: the `read` of an index filed from
    another index's values (`sandbox.query_upkeep.filtered_order`)."""
    return EMPTY if value is None else (False, value[0], value[1])


def _holds(value: Any, rank: int) -> bool:
    """Whether an option value (a rank, or a tuple of them for multi_select) holds `rank`."""
    if isinstance(value, tuple):
        return rank in value
    return bool(value == rank)

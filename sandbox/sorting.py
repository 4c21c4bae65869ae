"""A query's `sorts`: validated, turned into sort keys, and the order and keyset positions they define.

Order: each sort in turn, then the page's creation sequence, ascending, as the last tiebreak; without sorts
a query lists pages in creation order (oldest first), which keeps the order stable while pages are edited.
Empty values (empty text, None, an empty list) sort last in both directions, as Notion lists them.
How each property type sorts:
- title, rich_text, url, email, phone_number: by plain text ignoring case (then exact text);
- number, unique_id: by number; checkbox: unchecked first; date, created_time, last_edited_time: by start
  instant (a bare date counts from midnight UTC);
- select, status: by the option's position in the schema (an option the schema lacks goes after the known
  ones); multi_select: by its options' positions in turn;
- people, created_by, last_edited_by: by names ignoring case; relation, files: by count;
- formula: by result type (string, number, boolean, date), then value; rollup: number or date value, arrays
  by count; any other type does not affect the order.

A sort key is a tuple of components ``(empty, rank, value)``, one per sort, built from JSON-friendly values
so that a cursor can carry the key of the last row it returned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sandbox.query_common import (
    Property,
    invalid,
    moment_of,
    names_of,
    number_of,
    resolve_property,
    text_of,
    undefined,
)

Component = tuple[bool, int, Any]
Key = tuple[Component, ...]
Reader = Callable[[Mapping[str, Any]], Component]

EMPTY: Component = (True, 0, None)
CONSTANT: Component = (False, 0, 0)
MAX_SORTS = 100
DIRECTIONS = ("ascending", "descending")
TIMESTAMPS = ("created_time", "last_edited_time")
# Property types whose sort values are all numbers, so a descending sort can negate them.
NUMERIC_TYPES = frozenset(
    {"number", "unique_id", "checkbox", "date", "created_time", "last_edited_time", "select", "status"}
    | {"relation", "files", "rollup"}
)


# A page in query order: `(sort key, creation sequence, page)`; a plain tuple, as queries build thousands.
Entry = tuple[Key, int, dict[str, Any]]


@dataclass(frozen=True)
class SortPlan:
    """What `sorts` asked for: a reader per sort, and a fingerprint cursors are tied to.

    A descending sort on numbers (numbers, dates, options, counts) reads negated components, which then sort
    ascending; any other descending sort is `flipped`: compared in reverse, empties still last."""

    readers: tuple[Reader, ...]
    flipped: tuple[bool, ...]
    fingerprint: str

    def key(self, page: Mapping[str, Any]) -> Key:
        return tuple([read(page) for read in self.readers])


def compile_sorts(sorts: Any, schema: Mapping[str, Any]) -> SortPlan:
    """The plan for a `sorts` body value (None or a list), or a QueryError for sorts Notion refuses."""
    if sorts is None:
        sorts = []
    if not isinstance(sorts, list):
        raise invalid("body.sorts", "an array", sorts)
    if len(sorts) > MAX_SORTS:
        raise invalid("body.sorts.length", f"≤ `{MAX_SORTS}`", len(sorts))
    readers: list[Reader] = []
    flipped: list[bool] = []
    identity: list[list[Any]] = []
    for index, sort in enumerate(sorts):
        path = f"body.sorts[{index}]"
        reader, what, numeric = _sort_reader(sort, path, schema)
        direction = sort.get("direction")
        if direction is None:
            raise undefined(f"{path}.direction")
        if direction not in DIRECTIONS:
            raise invalid(f"{path}.direction", '`"ascending"` or `"descending"`', direction)
        descending = direction == "descending"
        readers.append(_negated(reader) if descending and numeric else reader)
        flipped.append(descending and not numeric)
        identity.append([what, direction])
    digest = hashlib.blake2b(json.dumps(identity).encode(), digest_size=6).hexdigest()
    return SortPlan(tuple(readers), tuple(flipped), digest)


def _sort_reader(sort: Any, path: str, schema: Mapping[str, Any]) -> tuple[Reader, str, bool]:
    """The reader for one sort, what it sorts on (for the fingerprint), and whether its values are numbers."""
    if not isinstance(sort, dict):
        raise invalid(path, "an object", sort)
    for key in sort:
        if key not in ("property", "timestamp", "direction"):
            raise invalid(f"{path}.{key}", "not present", sort[key])
    if "property" in sort and "timestamp" in sort:
        raise invalid(f"{path}.timestamp", "not present", sort["timestamp"])
    if "timestamp" in sort:
        field = sort["timestamp"]
        if field not in TIMESTAMPS:
            raise invalid(f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`', field)
        return (lambda page: timestamp_component(page.get(field))), f"timestamp:{field}", True
    if "property" not in sort:
        raise undefined(f"{path}.property", f"{path}.timestamp")
    prop = resolve_property(schema, sort["property"], f"{path}.property", sort=True)
    return _property_reader(prop), f"property:{prop.id}", prop.type in NUMERIC_TYPES


def _property_reader(prop: Property) -> Reader:
    name, prop_type = prop.name, prop.type
    read = value_reader(prop)

    def reader(page: Mapping[str, Any]) -> Component:
        try:
            inner = page["properties"][name][prop_type]
        except (KeyError, TypeError, IndexError):
            inner = None
        return read(inner)

    return reader


def value_reader(prop: Property) -> Callable[[Any], Component]:
    """The ascending sort component of a value of `prop` (its inner part, `value[prop.type]`)."""
    prop_type = prop.type
    if prop_type in ("title", "rich_text", "url", "email", "phone_number"):
        return _text
    if prop_type in ("number", "unique_id"):
        return _number
    if prop_type == "checkbox":
        return lambda inner: (False, 0, int(inner is True))
    if prop_type in ("date", "created_time", "last_edited_time"):
        return timestamp_component
    if prop_type in ("select", "status", "multi_select"):
        return _options_reader(prop)
    if prop_type in ("people", "created_by", "last_edited_by"):
        return _people
    if prop_type in ("relation", "files"):
        return _count
    if prop_type == "formula":
        return _formula
    if prop_type == "rollup":
        return _rollup
    return lambda inner: CONSTANT


def _text(inner: Any) -> Component:
    text = text_of(inner)
    return (False, 0, (text.casefold(), text)) if text else EMPTY


def _number(inner: Any) -> Component:
    number = number_of(inner)
    return EMPTY if number is None else (False, 0, number)


def timestamp_component(inner: Any) -> Component:
    """The ascending sort component of a date value or a timestamp."""
    moment = moment_of(inner)
    return EMPTY if moment is None else (False, 0, moment.epoch)


def _people(inner: Any) -> Component:
    names = names_of(inner)
    return (False, 0, tuple(name.casefold() for name in names)) if names else EMPTY


def _count(inner: Any) -> Component:
    return (False, 0, len(inner)) if isinstance(inner, list) and inner else EMPTY


def _options_reader(prop: Property) -> Callable[[Any], Component]:
    options = prop.config.get("options")
    options = options if isinstance(options, list) else []
    by_id: dict[Any, int] = {}
    by_name: dict[Any, int] = {}
    for index, option in enumerate(options):
        if isinstance(option, dict):
            by_id.setdefault(option.get("id"), index)
            by_name.setdefault(option.get("name"), index)
    by_id.pop(None, None)
    unknown = len(options)

    def rank(option: Any) -> int | None:
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            return None
        found = by_id.get(option.get("id"))
        return found if found is not None else by_name.get(option["name"], unknown)

    if prop.type == "multi_select":

        def read_many(inner: Any) -> Component:
            found = [r for r in map(rank, inner) if r is not None] if isinstance(inner, list) else []
            return (False, 0, tuple(found)) if found else EMPTY

        return read_many

    def read_one(inner: Any) -> Component:
        found = rank(inner)
        return EMPTY if found is None else (False, 0, found)

    return read_one


def _formula(inner: Any) -> Component:
    if not isinstance(inner, dict):
        return EMPTY
    result_type = inner.get("type")
    value = inner.get(result_type) if isinstance(result_type, str) else None
    if result_type == "string":
        text = value if isinstance(value, str) else ""
        return (False, 0, (text.casefold(), text)) if text else EMPTY
    if result_type == "number":
        return _with_rank(_number(value), 1)
    if result_type == "boolean":
        return (False, 2, int(value is True))
    if result_type == "date":
        return _with_rank(timestamp_component(value), 3)
    return EMPTY


def _rollup(inner: Any) -> Component:
    if not isinstance(inner, dict):
        return EMPTY
    result_type = inner.get("type")
    if result_type == "number":
        return _number(inner.get("number"))
    if result_type == "date":
        return _with_rank(timestamp_component(inner.get("date")), 1)
    if result_type == "array":
        return _with_rank(_count(inner.get("array")), 2)
    return EMPTY


def _with_rank(component: Component, rank: int) -> Component:
    return component if component[0] else (False, rank, component[2])


def _negated(read: Reader) -> Reader:
    """`read` with ranks and numeric values negated (empties stay empty): descending sorted ascending."""

    def reader(page: Mapping[str, Any]) -> Component:
        empty, rank, value = read(page)
        return EMPTY if empty else (False, -rank, -value)

    return reader


def _descending_form(component: Component) -> tuple[bool, int, Any]:
    """The component as sorted in reverse so that empties still come last."""
    return (not component[0], component[1], component[2])


def ordered(rows: Iterable[tuple[int, dict[str, Any]]], plan: SortPlan) -> list[Entry]:
    """`(seq, page)` pairs as entries in query order: one sort when no component is flipped, else a stable
    sort per component, last sort first."""
    key = plan.key
    entries = [(key(page), seq, page) for seq, page in rows]
    if not any(plan.flipped):
        entries.sort(key=itemgetter(0, 1))
        return entries
    entries.sort(key=itemgetter(1))
    for index in reversed(range(len(plan.readers))):
        if plan.flipped[index]:
            entries.sort(key=lambda entry: _descending_form(entry[0][index]), reverse=True)
        else:
            entries.sort(key=lambda entry: entry[0][index])
    return entries


def precedes(key: Key, seq: int, other: Entry, flipped: tuple[bool, ...]) -> bool:
    """Whether the position `(key, seq)` comes strictly before `other` in query order.

    Raises TypeError when the key cannot be compared with the entry's (a forged cursor)."""
    other_key, other_seq, _ = other
    for mine, theirs, reverse in zip(key, other_key, flipped, strict=True):
        if mine == theirs:
            continue
        if reverse:
            return bool(_descending_form(mine) > _descending_form(theirs))
        return bool(mine < theirs)
    return seq < other_seq


def first_after(entries: list[Entry], plan: SortPlan, key: Key, seq: int) -> int:
    """The index of the first entry strictly after the position `(key, seq)`, by binary search."""
    low, high = 0, len(entries)
    while low < high:
        middle = (low + high) // 2
        if precedes(key, seq, entries[middle], plan.flipped):
            high = middle
        else:
            low = middle + 1
    return low

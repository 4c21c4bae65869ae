"""Amounts in events: decimal strings since JobPlanned v2, ItemPlanned v2 and StepPlanned v3.

An amount is money or hours: a job's `totals`, an item's `data` under `AMOUNT_KEYS` (at any depth), a number
property's `before`, `after` and `expect` in a planned step. Events written since those versions carry them
as decimal strings ("2.68"), exactly; older events carried JSON numbers, which the upcasters turn into the
strings they read as (`as_text`). The projections keep showing JSON numbers (`as_number`), as they always
did, so that a log's projections rebuilt from its upcast events are those it built when it was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

AMOUNT_KEYS = frozenset({"amount", "total", "total_hours", "hours", "old_hours"})


def as_text(value: Any) -> Any:
    """A JSON number as the decimal string it reads as (5145 -> "5145", 25.3 -> "25.3"); anything else
    unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return str(value) if isinstance(value, int) else str(Decimal(repr(value)))


def as_number(value: Any) -> Any:
    """A decimal string as the JSON number the projections show ("5145" -> 5145, "25.30" -> 25.3);
    anything else unchanged."""
    if not isinstance(value, str):
        return value
    try:
        exact = Decimal(value)
    except InvalidOperation:
        return value
    if not exact.is_finite():
        return value
    if "." not in value and "e" not in value.lower():
        return int(exact)
    return float(exact)


def map_amounts(data: Any, convert: Any) -> Any:
    """`data` with `convert` applied to the values under `AMOUNT_KEYS`, at any depth."""
    if isinstance(data, Mapping):
        return {
            key: convert(value)
            if key in AMOUNT_KEYS and not isinstance(value, Mapping | list)
            else map_amounts(value, convert)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [map_amounts(value, convert) for value in data]
    return data


def amounts_as_numbers(data: Any) -> Any:
    """`map_amounts(data, as_number)` for JSON values (dicts and lists, as decoded or as an event holds
    them), without building anything where no amount is found: the same object is then returned."""
    kind = type(data)
    if kind is dict:
        changed: dict[str, Any] | None = None
        for key, value in data.items():
            inner = type(value)
            if inner is dict or inner is list:
                new = amounts_as_numbers(value)
            elif key in AMOUNT_KEYS:
                new = as_number(value)
            else:
                continue
            if new is not value:
                if changed is None:
                    changed = dict(data)
                changed[key] = new
        return data if changed is None else changed
    if kind is list:
        items = [amounts_as_numbers(value) for value in data]
        return data if all(new is old for new, old in zip(items, data, strict=True)) else items
    return data


def is_number_property(write: Any, name: Any) -> bool:
    """Whether `name` is among `number_properties(write)`, without building the set."""
    if type(write) is not dict:
        return isinstance(write, Mapping) and name in number_properties(write)
    value = write.get(name)
    if type(value) is dict:
        return "number" in value
    return isinstance(value, Mapping) and "number" in value


def number_properties(write: Any) -> frozenset[str]:
    """The properties a step's write payload sets as numbers."""
    if not isinstance(write, Mapping):
        return frozenset()
    return frozenset(
        name for name, value in write.items() if isinstance(value, Mapping) and "number" in value
    )

"""Rollup values: every function Notion offers, over the related pages' values of the rolled-up property.

`rollup_value` takes those values in property-item shape (``{"type": "number", "number": 4}``) and answers in
the rollup's response shape: ``{"type": "number" | "date" | "array" | "unsupported", …, "function": f}``.
Pure: no store, no clock.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from sandbox.errors import validation
from sandbox.formula_values import DateValue, date_of

COUNTING = ("count", "count_values", "empty", "not_empty", "unique", "percent_empty", "percent_not_empty",
            "checked", "unchecked", "percent_checked", "percent_unchecked")  # fmt: skip
NUMERIC = ("sum", "average", "median", "min", "max", "range")
DATED = ("earliest_date", "latest_date", "date_range")
LISTING = ("show_original", "show_unique")
GROUPED = ("count_per_group", "percent_per_group")
ROLLUP_FUNCTIONS = frozenset((*COUNTING, *NUMERIC, *DATED, *LISTING, *GROUPED))


def check_rollup_function(function: object) -> str:
    if not isinstance(function, str) or function not in ROLLUP_FUNCTIONS:
        options = ", ".join(f"`{f}`" for f in sorted(ROLLUP_FUNCTIONS))
        raise validation(
            f"body failed validation: rollup.function should be one of {options}, instead was `{function!r}`."
        )
    return function


def rollup_type(function: str) -> str:
    """The value type a rollup function gives: number, date, array or unsupported."""
    if function in DATED:
        return "date"
    if function in LISTING:
        return "array"
    if function in GROUPED:
        return "unsupported"
    return "number"


def rollup_value(function: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The rollup value of `function` over `items` (the related pages' values, in property-item shape)."""
    kind = rollup_type(function)
    if kind == "array":
        shown = list(items)
        if function == "show_unique":
            shown = [item for at, item in enumerate(shown) if item not in shown[:at]]
        return {"type": "array", "array": shown, "function": function}
    if kind == "unsupported":
        return {"type": "unsupported", "unsupported": {}, "function": function}
    if kind == "date":
        return {"type": "date", "date": _dates(function, items), "function": function}
    return {"type": "number", "number": _number(function, items), "function": function}


def _inner(item: dict[str, Any]) -> Any:
    value = item.get(str(item.get("type", "")))
    if isinstance(value, dict) and value.get("type") in ("number", "string", "boolean", "date"):
        return value.get(value["type"])
    return value


def _is_empty(item: dict[str, Any]) -> bool:
    value = _inner(item)
    return value is None or value == [] or value == "" or value is False


def _numbers(items: Sequence[dict[str, Any]]) -> list[float | int]:
    found: list[float | int] = []
    for item in items:
        value = _inner(item)
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.append(value)
    return found


def _number(function: str, items: Sequence[dict[str, Any]]) -> float | int | None:
    total = len(items)
    filled = [item for item in items if not _is_empty(item)]
    checked = sum(1 for item in items if _inner(item) is True)
    counts: dict[str, float | int] = {
        "count": total,
        "count_values": len(filled),
        "empty": total - len(filled),
        "not_empty": len(filled),
        "unique": len({repr(_inner(item)) for item in filled}),
        "percent_empty": (total - len(filled)) / total if total else 0,
        "percent_not_empty": len(filled) / total if total else 0,
        "checked": checked,
        "unchecked": total - checked,
        "percent_checked": checked / total if total else 0,
        "percent_unchecked": (total - checked) / total if total else 0,
    }
    if function in counts:
        return counts[function]
    numbers = _numbers(items)
    if not numbers:
        return 0 if function == "sum" else None
    if function == "sum":
        return sum(numbers)
    if function == "average":
        return sum(numbers) / len(numbers)
    if function == "median":
        return statistics.median(numbers)
    if function == "min":
        return min(numbers)
    if function == "max":
        return max(numbers)
    return max(numbers) - min(numbers)


def _dates(function: str, items: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    found = [moment for item in items if (moment := date_of(_inner(item))) is not None]
    if not found:
        return None
    earliest = min(found, key=lambda d: d.start)
    latest = max(found, key=lambda d: d.end or d.start)
    first = DateValue(earliest.start, None, earliest.has_time).to_json()
    last = DateValue(latest.end or latest.start, None, latest.has_time).to_json()
    if function == "earliest_date":
        return first
    if function == "latest_date":
        return last
    return {**first, "end": last["start"]}

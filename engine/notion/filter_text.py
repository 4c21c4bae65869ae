"""A Notion filter in words, for messages: `Payment Status = Pending and Period = 2026-10-15`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_WORDS = {
    "equals": "=",
    "does_not_equal": "≠",
    "contains": "contains",
    "does_not_contain": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "on_or_after": "on or after",
    "on_or_before": "on or before",
    "before": "before",
    "after": "after",
    "greater_than": ">",
    "less_than": "<",
    "greater_than_or_equal_to": "≥",
    "less_than_or_equal_to": "≤",
}


def describe_filter(flt: Mapping[str, Any] | None) -> str:
    """The filter in words; "every record" for no filter."""
    if not flt:
        return "every record"
    return _describe(flt, top=True)


def _describe(flt: Mapping[str, Any], *, top: bool = False) -> str:
    for key in ("and", "or"):
        parts = flt.get(key)
        if isinstance(parts, list):
            text = f" {key} ".join(_describe(p) for p in parts if isinstance(p, Mapping))
            return text if top or len(parts) < 2 else f"({text})"
    name = flt.get("property") or flt.get("timestamp") or "?"
    for kind, condition in flt.items():
        if kind in ("property", "timestamp") or not isinstance(condition, Mapping):
            continue
        for operator, operand in condition.items():
            if operator == "is_empty":
                return f"{name} is empty"
            if operator == "is_not_empty":
                return f"{name} is not empty"
            return f"{name} {_WORDS.get(operator, operator.replace('_', ' '))} {operand}"
    return str(name)

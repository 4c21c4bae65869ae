"""A query's `filter`, validated and compiled once into a predicate over page objects.

A filter is a property filter (``{"property": P, "<type>": {condition}}``), a timestamp filter
(``{"timestamp": "created_time", "created_time": {condition}}``) or a compound (``{"and": [...]}`` /
``{"or": [...]}``) of at most 100 filters; compounds nest at most two levels deep. An empty compound
matches every page, as Notion drops empty filter groups.

Formula filters name the formula's result type (``{"formula": {"number": {...}}}``); a page whose formula
gives another type does not match. Rollup filters read ``{"rollup": {"any"|"every"|"none": {<type>: ...}}}``
over array rollups (an item of another type fails the item test; `every` holds on an empty array), or
``{"rollup": {"number"|"date": ...}}`` over number and date rollups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sandbox.filters_conditions import (
    Test,
    checkbox_condition,
    files_condition,
    ids_condition,
    multi_select_condition,
    number_condition,
    option_condition,
    split_condition,
    text_condition,
    verification_condition,
)
from sandbox.filters_dates import date_condition
from sandbox.query_common import QueryError, invalid, resolve_property, undefined

Predicate = Callable[[Mapping[str, Any]], bool]

MAX_DEPTH = 2
MAX_ITEMS = 100
TIMESTAMPS = ("created_time", "last_edited_time")

# Which family of conditions each property type takes; the filter key is the property type itself.
FAMILIES: dict[str, str] = {
    "title": "text",
    "rich_text": "text",
    "url": "text",
    "email": "text",
    "phone_number": "text",
    "number": "number",
    "unique_id": "number",
    "checkbox": "checkbox",
    "select": "option",
    "status": "option",
    "multi_select": "multi_select",
    "date": "date",
    "created_time": "date",
    "last_edited_time": "date",
    "people": "ids",
    "created_by": "ids",
    "last_edited_by": "ids",
    "relation": "ids",
    "files": "files",
    "verification": "verification",
}
# Property types whose filters take one another's key (a `rich_text` filter on a title, as Notion allows).
TEXT_TYPES = frozenset({"title", "rich_text", "url", "email", "phone_number"})
FORMULA_TYPES = {"string": "string", "number": "number", "checkbox": "boolean", "date": "date"}
ROLLUP_AGGREGATES = ("any", "every", "none")
FILTER_KEYS = (*FAMILIES, "formula", "rollup")


def compile_filter(spec: Any, schema: Mapping[str, Any], now: datetime) -> Predicate:
    """A predicate over page objects for the filter `spec`, or a QueryError for a filter Notion refuses."""
    return _compile(spec, "body.filter", schema, now, depth=0)


def _compile(spec: Any, path: str, schema: Mapping[str, Any], now: datetime, depth: int) -> Predicate:
    if not isinstance(spec, dict):
        raise invalid(path, "an object", spec)
    if "and" in spec or "or" in spec:
        return _compound(spec, path, schema, now, depth)
    if "timestamp" in spec:
        return _timestamp(spec, path, now)
    if "property" in spec:
        return _property(spec, path, schema, now)
    raise undefined(*(f"{path}.{key}" for key in ("or", "and", "property", "timestamp")))


def _compound(
    spec: Mapping[str, Any], path: str, schema: Mapping[str, Any], now: datetime, depth: int
) -> Predicate:
    key = "and" if "and" in spec else "or"
    for other in spec:
        if other != key:
            raise invalid(f"{path}.{other}", "not present", spec[other])
    if depth >= MAX_DEPTH:
        raise QueryError(
            f"body failed validation: {path}.{key} should be not present: "
            f"compound filters nest at most {MAX_DEPTH} levels deep."
        )
    items = spec[key]
    if not isinstance(items, list):
        raise invalid(f"{path}.{key}", "an array", items)
    if len(items) > MAX_ITEMS:
        raise invalid(f"{path}.{key}.length", f"≤ `{MAX_ITEMS}`", len(items))
    parts = tuple(
        _compile(item, f"{path}.{key}[{i}]", schema, now, depth + 1) for i, item in enumerate(items)
    )
    if not parts:
        return lambda page: True
    if len(parts) == 1:
        return parts[0]
    if key == "and":
        return lambda page: all(part(page) for part in parts)
    return lambda page: any(part(page) for part in parts)


def _timestamp(spec: Mapping[str, Any], path: str, now: datetime) -> Predicate:
    field = spec["timestamp"]
    if field not in TIMESTAMPS:
        raise invalid(f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`', field)
    for other in spec:
        if other not in ("timestamp", field):
            raise invalid(f"{path}.{other}", "not present", spec[other])
    if field not in spec:
        raise undefined(f"{path}.{field}")
    test = date_condition(spec[field], f"{path}.{field}", now)
    return lambda page: test(page.get(field))


def _property(spec: Mapping[str, Any], path: str, schema: Mapping[str, Any], now: datetime) -> Predicate:
    prop = resolve_property(schema, spec["property"], f"{path}.property")
    keys = [key for key in spec if key not in ("property", "type")]
    for key in keys:
        if key not in FILTER_KEYS:
            raise invalid(f"{path}.{key}", "not present", spec[key])
    if not keys:
        raise undefined(f"{path}.{prop.type or 'rich_text'}")
    if len(keys) > 1:
        raise invalid(f"{path}.{keys[1]}", "not present", spec[keys[1]])
    key = keys[0]
    if key != prop.type and not (key in TEXT_TYPES and prop.type in TEXT_TYPES):
        raise QueryError(f"database property {prop.type or 'unknown'} does not match filter {key}")
    test = value_test(key, spec[key], f"{path}.{key}", now)
    name, stored = prop.name, prop.type

    def matches(page: Mapping[str, Any]) -> bool:
        try:
            inner = page["properties"][name][stored]
        except (KeyError, TypeError, IndexError):
            inner = None
        return test(inner)

    return matches


def value_test(prop_type: str, cond: Any, path: str, now: datetime) -> Test:
    """A test over the inner part of a `prop_type` value for the condition object `cond`."""
    family = FAMILIES.get(prop_type)
    if family == "text":
        return text_condition(cond, path)
    if family == "number":
        return number_condition(cond, path)
    if family == "checkbox":
        return checkbox_condition(cond, path)
    if family == "option":
        return option_condition(cond, path)
    if family == "multi_select":
        return multi_select_condition(cond, path)
    if family == "date":
        return date_condition(cond, path, now)
    if family == "ids":
        return ids_condition(cond, path)
    if family == "files":
        return files_condition(cond, path)
    if family == "verification":
        return verification_condition(cond, path)
    if prop_type == "formula":
        return _formula(cond, path, now)
    if prop_type == "rollup":
        return _rollup(cond, path, now)
    raise QueryError(f"Filtering on a {prop_type or 'unknown'} property is not supported.")


def _formula(cond: Any, path: str, now: datetime) -> Test:
    key, inner_cond = split_condition(cond, path, tuple(FORMULA_TYPES))
    result_type = FORMULA_TYPES[key]
    test = value_test("rich_text" if key == "string" else key, inner_cond, f"{path}.{key}", now)

    def matches(inner: Any) -> bool:
        if not isinstance(inner, dict) or inner.get("type") != result_type:
            return False
        return test(inner.get(result_type))

    return matches


def _rollup(cond: Any, path: str, now: datetime) -> Test:
    key, inner_cond = split_condition(cond, path, (*ROLLUP_AGGREGATES, "number", "date"))
    if key in ("number", "date"):
        test = value_test(key, inner_cond, f"{path}.{key}", now)

        def matches_scalar(inner: Any) -> bool:
            if not isinstance(inner, dict) or inner.get("type") != key:
                return False
            return test(inner.get(key))

        return matches_scalar
    item_key, item_cond = split_condition(inner_cond, f"{path}.{key}", tuple(FAMILIES))
    item_test = value_test(item_key, item_cond, f"{path}.{key}.{item_key}", now)
    family = FAMILIES[item_key]

    def item_matches(item: Any) -> bool:
        if not isinstance(item, dict):
            return False
        item_type = item.get("type")
        if not isinstance(item_type, str) or FAMILIES.get(item_type) != family:
            return False
        return item_test(item.get(item_type))

    def items_of(inner: Any) -> list[Any]:
        if isinstance(inner, dict) and inner.get("type") == "array" and isinstance(inner.get("array"), list):
            return list(inner["array"])
        return []

    if key == "any":
        return lambda inner: any(item_matches(item) for item in items_of(inner))
    if key == "every":
        return lambda inner: all(item_matches(item) for item in items_of(inner))
    return lambda inner: not any(item_matches(item) for item in items_of(inner))

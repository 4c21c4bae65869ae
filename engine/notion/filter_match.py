"""Whether a page matches a Notion filter, decided locally for the conditions paydesk's guards use.

Creates are guarded by a lookup filter each (engine.run.plan.Step.lookup). Before a stored plan is executed,
those lookups are sent in batches (`{"or": [lookup, …]}`, up to 100 a request) and each page that comes back
is matched to the lookups it satisfies here. `matches` answers None when it cannot tell (a condition it
does not know, a relation listing more than the 25 references a page object holds): the caller then asks
Notion with that lookup alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Page = Mapping[str, Any]

MAX_OR = 100  # Notion: at most 100 filters in one compound array


def matches(flt: Mapping[str, Any], page: Page) -> bool | None:
    """True or False when the filter can be decided on `page` alone; None when it cannot."""
    if "and" in flt or "or" in flt:
        parts = flt.get("and", flt.get("or"))
        if not isinstance(parts, list):
            return None
        answers = [matches(part, page) for part in parts if isinstance(part, Mapping)]
        if len(answers) != len(parts):
            return None
        if "and" in flt:
            if any(answer is False for answer in answers):
                return False
            return None if any(answer is None for answer in answers) else True
        if any(answer is True for answer in answers):
            return True
        return None if any(answer is None for answer in answers) else False
    name = flt.get("property")
    properties = page.get("properties")
    if not isinstance(name, str) or not isinstance(properties, Mapping):
        return None
    prop = properties.get(name)
    if not isinstance(prop, Mapping):
        return None
    kind = prop.get("type")
    condition = flt.get(kind) if isinstance(kind, str) else None
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return None
    ((operator, operand),) = condition.items()
    value = prop.get(kind)
    if kind == "relation":
        return _relation(operator, operand, value, bool(prop.get("has_more")))
    if kind in ("status", "select"):
        name_value = value.get("name") if isinstance(value, Mapping) else None
        return _option(operator, operand, name_value)
    if kind in ("title", "rich_text"):
        return _text(operator, operand, value)
    return None


def _compact(page_id: Any) -> str:
    return str(page_id).replace("-", "").lower()


def _relation(operator: str, operand: Any, value: Any, has_more: bool) -> bool | None:
    if not isinstance(value, list):
        return None
    ids = {_compact(ref.get("id")) for ref in value if isinstance(ref, Mapping)}
    if operator in ("contains", "does_not_contain"):
        found = _compact(operand) in ids
        if not found and has_more:
            return None
        return found if operator == "contains" else not found
    if operator == "is_empty":
        return not ids and not has_more
    if operator == "is_not_empty":
        return bool(ids) or has_more
    return None


def _option(operator: str, operand: Any, name: str | None) -> bool | None:
    if operator == "equals":
        return bool(name == operand)
    if operator == "does_not_equal":
        return bool(name != operand)
    if operator == "is_empty":
        return name is None
    if operator == "is_not_empty":
        return name is not None
    return None


def _text(operator: str, operand: Any, value: Any) -> bool | None:
    if not isinstance(value, list):
        return None
    parts = []
    for item in value:
        plain = item.get("plain_text") if isinstance(item, Mapping) else None
        if plain is None and isinstance(item, Mapping) and isinstance(item.get("text"), Mapping):
            plain = item["text"].get("content")
        parts.append(plain if isinstance(plain, str) else "")
    text = "".join(parts).casefold()  # Notion compares text filters ignoring case
    if operator in ("is_empty", "is_not_empty"):
        return (text == "") == (operator == "is_empty")
    if not isinstance(operand, str):
        return None
    operand = operand.casefold()
    tests = {
        "equals": text == operand,
        "does_not_equal": text != operand,
        "contains": operand in text,
        "does_not_contain": operand not in text,
        "starts_with": text.startswith(operand),
        "ends_with": text.endswith(operand),
    }
    return tests.get(operator)


def depth(flt: Mapping[str, Any]) -> int:
    """How deep compound filters nest (a property filter is 0; Notion allows 2)."""
    for key in ("and", "or"):
        parts = flt.get(key)
        if isinstance(parts, list):
            return 1 + max((depth(p) for p in parts if isinstance(p, Mapping)), default=0)
    return 0

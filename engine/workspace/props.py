"""Reading Notion page property values into plain Python values, and writing them back.

Readers are pure and strict about shape: a value of the wrong type raises `RecordShapeError`, naming the
page and the property, so that one malformed record becomes one recorded failure instead of a crash.
An absent or empty value reads as None (or an empty list).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.workspace import money

Page = Mapping[str, Any]


class RecordShapeError(Exception):
    def __init__(self, page_id: str, prop: str, expected: str) -> None:
        super().__init__(f"page {page_id}: property {prop!r} is not {expected}")
        self.page_id = page_id
        self.prop = prop


def page_id(page: Page) -> str:
    value = page.get("id")
    if not isinstance(value, str) or not value:
        raise RecordShapeError("?", "id", "a page id")
    return value


def _value(page: Page, name: str, expected_type: str) -> Any:
    props = page.get("properties")
    if not isinstance(props, Mapping):
        raise RecordShapeError(page_id(page), "properties", "an object")
    prop = props.get(name)
    if prop is None:
        return None
    if not isinstance(prop, Mapping) or prop.get("type") != expected_type:
        raise RecordShapeError(page_id(page), name, f"a {expected_type} property")
    return prop.get(expected_type)


def text(page: Page, name: str, kind: str = "rich_text") -> str:
    """The plain text of a title or rich_text property ('' when empty)."""
    value = _value(page, name, kind)
    if value is None:
        return ""
    if not isinstance(value, list):
        raise RecordShapeError(page_id(page), name, f"a {kind} list")
    parts: list[str] = []
    for item in value:
        if not isinstance(item, Mapping):
            raise RecordShapeError(page_id(page), name, f"a {kind} list")
        plain = item.get("plain_text")
        if plain is None and isinstance(item.get("text"), Mapping):
            plain = item["text"].get("content")
        parts.append(plain if isinstance(plain, str) else "")
    return "".join(parts)


def title(page: Page, name: str) -> str:
    return text(page, name, "title")


def option(page: Page, name: str, kind: str) -> str | None:
    """The option name of a select or status property."""
    value = _value(page, name, kind)
    if value is None:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("name"), str):
        raise RecordShapeError(page_id(page), name, f"a {kind} option")
    name_value: str = value["name"]
    return name_value


def options(page: Page, name: str) -> list[str]:
    value = _value(page, name, "multi_select")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise RecordShapeError(page_id(page), name, "a multi_select list")
    return [v["name"] for v in value if isinstance(v.get("name"), str)]


def number(page: Page, name: str) -> Decimal | None:
    """The number exactly as Notion sent it (see engine.workspace.money.amount): 5.35 is Decimal("5.35")."""
    value = _value(page, name, "number")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise RecordShapeError(page_id(page), name, "a number")
    try:
        float(value)  # Notion's numbers are doubles: one beyond a double's range is not Notion's
        return money.amount(value)
    except OverflowError:
        raise RecordShapeError(page_id(page), name, "a number within range") from None
    except money.NotAnAmount:
        raise RecordShapeError(page_id(page), name, "a finite number") from None


def date_range(page: Page, name: str) -> tuple[str | None, str | None]:
    """(start, end) as ISO strings ('YYYY-MM-DD' or datetimes); (None, None) when empty."""
    value = _value(page, name, "date")
    if value is None:
        return None, None
    if not isinstance(value, Mapping) or not isinstance(value.get("start"), str | None):
        raise RecordShapeError(page_id(page), name, "a date")
    end = value.get("end")
    return value.get("start"), end if isinstance(end, str) else None


def date_start(page: Page, name: str) -> str | None:
    """The start of a date property as 'YYYY-MM-DD' (the day part of a datetime)."""
    start, _ = date_range(page, name)
    return start[:10] if start else None


def relation(page: Page, name: str) -> tuple[list[str], bool]:
    """(ids, has_more): a page object lists at most 25 references; has_more says there are more."""
    props = page.get("properties")
    if not isinstance(props, Mapping):
        raise RecordShapeError(page_id(page), "properties", "an object")
    prop = props.get(name)
    if prop is None:
        return [], False
    if not isinstance(prop, Mapping) or prop.get("type") != "relation":
        raise RecordShapeError(page_id(page), name, "a relation property")
    refs = prop.get("relation")
    if refs is None:
        return [], False
    if not isinstance(refs, list) or not all(
        isinstance(r, Mapping) and isinstance(r.get("id"), str) for r in refs
    ):
        raise RecordShapeError(page_id(page), name, "a relation list")
    return [r["id"] for r in refs], bool(prop.get("has_more"))


def property_id(page: Page, name: str) -> str | None:
    props = page.get("properties")
    prop = props.get(name) if isinstance(props, Mapping) else None
    pid = prop.get("id") if isinstance(prop, Mapping) else None
    return pid if isinstance(pid, str) else None


def edited(page: Page) -> str:
    """The page's last_edited_time ('' when absent)."""
    value = page.get("last_edited_time")
    return value if isinstance(value, str) else ""


def trashed(page: Page) -> bool:
    return bool(page.get("in_trash") or page.get("archived"))


def plain(page: Page, name: str) -> Any:
    """The value of property `name` as a plain value that compares across reads, whatever its type: an
    option's name, a number, a date's start, a text's plain text, a relation's sorted ids (has_more: see
    `relation_complete`), a multi-select's sorted names; None when the property is absent or empty."""
    properties = page.get("properties")
    prop = properties.get(name) if isinstance(properties, Mapping) else None
    if not isinstance(prop, Mapping):
        return None
    kind = prop.get("type")
    if kind in ("status", "select"):
        return option(page, name, kind)
    if kind == "number":
        return number(page, name)
    if kind == "date":
        return date_range(page, name)[0]
    if kind in ("title", "rich_text"):
        return text(page, name, kind)
    if kind == "relation":
        return sorted(relation(page, name)[0])
    if kind == "multi_select":
        return sorted(options(page, name))
    value = prop.get(kind) if isinstance(kind, str) else None
    return value if isinstance(value, str | int | float | bool) or value is None else None


def relation_complete(page: Page, name: str) -> bool:
    """False when the page object lists only the first 25 references of relation `name`."""
    properties = page.get("properties")
    prop = properties.get(name) if isinstance(properties, Mapping) else None
    return not (isinstance(prop, Mapping) and prop.get("has_more"))


def same(a: Any, b: Any) -> bool:
    """Whether two plain values are the same (numbers by value, ids ignoring dashes and order)."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(_compact(x) for x in a) == sorted(_compact(x) for x in b)
    if _numeric(a) and _numeric(b):
        return money.amount(a) == money.amount(b)
    return bool(a == b) or (a in (None, "", []) and b in (None, "", []))


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _compact(value: Any) -> str:
    return str(value).replace("-", "").lower()


# ---- writing: the request shapes ---------------------------------------------------------------


def write_option(kind: str, name: str) -> dict[str, Any]:
    return {kind: {"name": name}}


def write_date(start: str, end: str | None = None) -> dict[str, Any]:
    return {"date": {"start": start, "end": end}} if end else {"date": {"start": start}}


def write_text(content: str, kind: str = "rich_text") -> dict[str, Any]:
    chunks = [content[i : i + 2000] for i in range(0, len(content), 2000)] or [""]
    return {kind: [{"type": "text", "text": {"content": c}} for c in chunks if c or len(chunks) == 1]}


def write_number(value: Decimal | int | float | None) -> dict[str, Any]:
    """A number property's payload. Notion's JSON carries doubles: an exact decimal goes out as the int or
    float whose shortest text is its own digits (Decimal("2.68") -> 2.68), never as a string."""
    if value is None or isinstance(value, int | float):
        return {"number": value}
    exact = money.amount(value)
    return {"number": int(exact) if exact == exact.to_integral_value() else float(exact)}


def write_relation(ids: list[str]) -> dict[str, Any]:
    return {"relation": [{"id": i} for i in ids]}

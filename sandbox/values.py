"""Property values: request shapes in, the stored (= response) inner value out.

A stored value is what follows the type key in a page's property, e.g. the list of rich text objects of a
title or ``{"id", "name", "color"}`` of a select; a relation is stored as the list of related page ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandbox.errors import NotionError, body_invalid, validation
from sandbox.ids import maybe_id, new_id

READ_ONLY = frozenset(
    {"formula", "rollup", "unique_id", "created_time", "last_edited_time", "created_by", "last_edited_by",
     "button", "verification"}
)  # fmt: skip
MAX_ARRAY = 100
MAX_TEXT = 2000
_ANNOTATION_DEFAULTS: dict[str, Any] = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}
COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")

UserLookup = Callable[[str], dict[str, Any]]


def empty_value(kind: str) -> Any:
    if kind in ("title", "rich_text", "multi_select", "people", "files", "relation"):
        return []
    if kind == "checkbox":
        return False
    return None


def check_array(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise body_invalid(path, "an array", value)
    if len(value) > MAX_ARRAY:
        raise body_invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(value))
    return value


def rich_text(value: Any, path: str) -> list[dict[str, Any]]:
    return [_rich_text_item(item, f"{path}[{i}]") for i, item in enumerate(check_array(value, path))]


def plain_text(items: list[dict[str, Any]]) -> str:
    return "".join(str(item.get("plain_text", "")) for item in items)


def text_item(content: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": content, "link": None},
        "annotations": dict(_ANNOTATION_DEFAULTS),
        "plain_text": content,
        "href": None,
    }


def _rich_text_item(item: Any, path: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise body_invalid(path, "an object", item)
    annotations = dict(_ANNOTATION_DEFAULTS)
    given = item.get("annotations")
    if given is not None:
        if not isinstance(given, dict):
            raise body_invalid(f"{path}.annotations", "an object", given)
        for key, default in _ANNOTATION_DEFAULTS.items():
            if key in given:
                if not isinstance(given[key], type(default)):
                    raise body_invalid(f"{path}.annotations.{key}", f"a {type(default).__name__}", given[key])
                annotations[key] = given[key]
    if "equation" in item:
        equation = item["equation"]
        expression = equation.get("expression") if isinstance(equation, dict) else None
        if not isinstance(expression, str):
            raise body_invalid(f"{path}.equation.expression", "a string", expression)
        return {
            "type": "equation",
            "equation": {"expression": expression},
            "annotations": annotations,
            "plain_text": expression,
            "href": None,
        }
    text = item.get("text")
    if not isinstance(text, dict):
        raise body_invalid(f"{path}.text", "an object", text)
    content = text.get("content")
    if not isinstance(content, str):
        raise body_invalid(f"{path}.text.content", "a string", content)
    if len(content) > MAX_TEXT:
        raise body_invalid(f"{path}.text.content.length", f"≤ `{MAX_TEXT}`", len(content))
    link = text.get("link")
    href: str | None = None
    if link is not None:
        if not isinstance(link, dict) or not isinstance(link.get("url"), str):
            raise body_invalid(f"{path}.text.link.url", "a string", link)
        href = link["url"]
        link = {"url": href}
    return {
        "type": "text",
        "text": {"content": content, "link": link},
        "annotations": annotations,
        "plain_text": content,
        "href": href,
    }


def parse_date(value: Any, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise body_invalid(path, "an object or `null`", value)
    start = _date_text(value.get("start"), f"{path}.start", required=True)
    end = _date_text(value.get("end"), f"{path}.end", required=False)
    zone = value.get("time_zone")
    if zone is not None and not isinstance(zone, str):
        raise body_invalid(f"{path}.time_zone", "a string or `null`", zone)
    return {"start": start, "end": end, "time_zone": zone}


def _date_text(value: Any, path: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise body_invalid(path, "a string", value)
    try:
        if len(value) == 10:
            datetime.strptime(value, "%Y-%m-%d")
            return value
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise body_invalid(path, "a valid ISO 8601 date string", value) from None
    offset = moment.strftime("%z") or "+0000"
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}{offset[:3]}:{offset[3:]}"
    )


def _option_ref(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not (
        isinstance(value.get("name"), str) or isinstance(value.get("id"), str)
    ):
        raise body_invalid(f"{path}.name", "defined", value)
    return value


def choose_option(
    prop: dict[str, Any], value: Any, path: str, *, create: bool
) -> tuple[dict[str, Any], bool]:
    """The option a select/status/multi_select write names; a new select option is created (``True``)."""
    kind = prop["type"]
    ref = _option_ref(value, path)
    options: list[dict[str, Any]] = prop[kind].setdefault("options", [])
    for option in options:
        if ("id" in ref and option["id"] == ref["id"]) or (
            "id" not in ref and option["name"] == ref.get("name")
        ):
            return {"id": option["id"], "name": option["name"], "color": option["color"]}, False
    name = ref.get("name")
    if not create or not isinstance(name, str):
        if kind == "status":
            shown = name if isinstance(name, str) else ref.get("id")
            raise validation(f'Invalid status option. Status option "{shown}" does not exist".')
        raise validation(f"{prop['name']} option with id {ref.get('id')} does not exist.")
    if "," in name:
        raise validation(f"Invalid select option, commas not allowed: {name}")
    if len(options) >= MAX_ARRAY:
        raise validation(f"Cannot create more than {MAX_ARRAY} options for {prop['name']}.")
    color = ref.get("color", "default")
    if color not in COLORS:
        raise body_invalid(f"{path}.color", "a valid color", color)
    option = {"id": new_id(), "name": name, "color": color, "description": None}
    options.append(option)
    return {"id": option["id"], "name": name, "color": color}, True


def parse_value(prop: dict[str, Any], raw: Any, path: str, users: UserLookup) -> tuple[Any, bool]:
    """The stored value for a write of ``raw`` to ``prop``, and whether a select option was created.

    ``raw`` is what followed the property name: ``{"number": 3}`` or, for list-valued types, the bare list.
    Relations come back as a list of page ids, not yet checked against the store.
    """
    kind = prop["type"]
    name = prop["name"]
    if isinstance(raw, dict):
        known = [key for key in raw if key not in ("type", "id", "name")]
        if kind not in raw:
            if known and known[0] != kind:
                raise validation(f"{name} is expected to be {kind}.")
            raise body_invalid(f"{path}.{kind}", "defined", None)
        value = raw[kind]
    elif isinstance(raw, list) and kind in (
        "title",
        "rich_text",
        "relation",
        "multi_select",
        "people",
        "files",
    ):
        value = raw
    else:
        raise body_invalid(path, "an object", raw)
    path = f"{path}.{kind}"
    if kind in READ_ONLY:
        raise validation(f"{name} is a {kind} property and cannot be written.")
    if kind in ("title", "rich_text"):
        return rich_text(value, path), False
    if kind == "number":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise body_invalid(path, "a number or `null`", value)
        return value, False
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise body_invalid(path, "a boolean", value)
        return value, False
    if kind in ("url", "email", "phone_number"):
        if value is not None and not isinstance(value, str):
            raise body_invalid(path, "a string or `null`", value)
        return (value or None), False
    if kind in ("select", "status"):
        if value is None:
            return None, False
        return choose_option(prop, value, path, create=kind == "select")
    if kind == "multi_select":
        chosen: list[dict[str, Any]] = []
        created = False
        for i, item in enumerate(check_array(value, path)):
            option, new = choose_option(prop, item, f"{path}[{i}]", create=True)
            created |= new
            if option not in chosen:
                chosen.append(option)
        return chosen, created
    if kind == "date":
        return parse_date(value, path), False
    if kind == "relation":
        ids: list[str] = []
        for i, item in enumerate(check_array(value, path)):
            page_id = maybe_id(item.get("id")) if isinstance(item, dict) else None
            if page_id is None:
                raise body_invalid(f"{path}[{i}].id", "a valid uuid", item)
            if page_id not in ids:
                ids.append(page_id)
        return ids, False
    if kind == "people":
        people: list[dict[str, Any]] = []
        for i, item in enumerate(check_array(value, path)):
            user_id = maybe_id(item.get("id")) if isinstance(item, dict) else None
            if user_id is None:
                raise body_invalid(f"{path}[{i}].id", "a valid uuid", item)
            people.append(users(user_id))
        return people, False
    if kind == "files":
        return _files(value, path), False
    raise validation(f"{name} is a {kind} property and cannot be written.")


def _files(value: Any, path: str) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    for i, item in enumerate(check_array(value, path)):
        external = item.get("external") if isinstance(item, dict) else None
        if not isinstance(external, dict) or not isinstance(external.get("url"), str):
            raise body_invalid(f"{path}[{i}].external.url", "a string", item)
        name = item.get("name") or external["url"].rsplit("/", 1)[-1]
        files.append({"name": str(name), "type": "external", "external": {"url": external["url"]}})
    return files


def formula_input(kind: str, value: Any) -> Any:
    """A stored value as a formula's prop() sees it."""
    if kind in ("title", "rich_text"):
        return plain_text(value)
    if kind in ("select", "status"):
        return value["name"] if value else ""
    if kind == "multi_select":
        return [option["name"] for option in value]
    if kind == "date":
        return value["start"] if value else ""
    if kind in ("people", "created_by", "last_edited_by"):
        users = value if isinstance(value, list) else [value]
        return [u.get("name") or u.get("id") for u in users if u]
    if kind in ("url", "email", "phone_number"):
        return value or ""
    return value


__all__ = ["NotionError", "parse_value", "rich_text"]

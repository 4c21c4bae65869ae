"""Rich text: request items (text, mentions, equations) in, the items Notion answers with out.

An item comes back with its `type`, its content, all six `annotations`, `plain_text` and `href`. A mention of
a page, database or user reads as its id in `plain_text` (the sandbox does not look titles up), a date as
its start (and end), a link preview as its URL. A lone item given where a list is expected is taken as a list
of one, as Notion does.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import body_invalid
from sandbox.ids import maybe_id

MAX_ARRAY = 100
MAX_TEXT = 2000
ANNOTATION_DEFAULTS: dict[str, Any] = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}
MENTION_IDS = {"page": "page", "database": "database", "user": "user", "data_source": "data_source"}


def check_array(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise body_invalid(path, "an array", value)
    if len(value) > MAX_ARRAY:
        raise body_invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(value))
    return value


def rich_text(value: Any, path: str) -> list[dict[str, Any]]:
    """The response items for a request's rich text (a list of items, or one item)."""
    items = [value] if isinstance(value, dict) else check_array(value, path)
    return [_item(item, f"{path}[{i}]") for i, item in enumerate(items)]


def plain_text(items: list[dict[str, Any]]) -> str:
    return "".join(str(item.get("plain_text", "")) for item in items)


def text_item(content: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": content, "link": None},
        "annotations": dict(ANNOTATION_DEFAULTS),
        "plain_text": content,
        "href": None,
    }


def _annotations(item: dict[str, Any], path: str) -> dict[str, Any]:
    annotations = dict(ANNOTATION_DEFAULTS)
    given = item.get("annotations")
    if given is None:
        return annotations
    if not isinstance(given, dict):
        raise body_invalid(f"{path}.annotations", "an object", given)
    for key, default in ANNOTATION_DEFAULTS.items():
        if key in given:
            if not isinstance(given[key], type(default)):
                raise body_invalid(f"{path}.annotations.{key}", f"a {type(default).__name__}", given[key])
            annotations[key] = given[key]
    return annotations


def _item(item: Any, path: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise body_invalid(path, "an object", item)
    annotations = _annotations(item, path)
    if "equation" in item:
        equation = item["equation"]
        expression = equation.get("expression") if isinstance(equation, dict) else None
        if not isinstance(expression, str):
            raise body_invalid(f"{path}.equation.expression", "a string", expression)
        return _out("equation", {"expression": expression}, annotations, expression, None)
    if "mention" in item:
        return _mention(item["mention"], f"{path}.mention", annotations)
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
    return _out("text", {"content": content, "link": link}, annotations, content, href)


def _out(
    kind: str, content: dict[str, Any], annotations: dict[str, Any], plain: str, href: Any
) -> dict[str, Any]:
    return {"type": kind, kind: content, "annotations": annotations, "plain_text": plain, "href": href}


def _mention(raw: Any, path: str, annotations: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise body_invalid(path, "an object", raw)
    kind = raw.get("type") or next((key for key in raw if key != "type"), None)
    if not isinstance(kind, str) or kind not in raw:
        raise body_invalid(f"{path}.type", "a mention type", kind)
    inner = raw[kind]
    if kind in MENTION_IDS:
        object_id = maybe_id(inner.get("id") if isinstance(inner, dict) else None)
        if object_id is None:
            raise body_invalid(f"{path}.{kind}.id", "a valid uuid", inner)
        compact = object_id.replace("-", "")
        href = None if kind == "user" else f"https://www.notion.so/{compact}"
        content = {"object": "user", "id": object_id} if kind == "user" else {"id": object_id}
        return _out("mention", {"type": kind, kind: content}, annotations, "Untitled", href)
    if kind == "date":
        if not isinstance(inner, dict) or not isinstance(inner.get("start"), str):
            raise body_invalid(f"{path}.date.start", "a string", inner)
        date = {"start": inner["start"], "end": inner.get("end"), "time_zone": None}
        plain = date["start"] + (f" → {date['end']}" if date["end"] else "")
        return _out("mention", {"type": "date", "date": date}, annotations, plain, None)
    if kind in ("link_preview", "link_mention"):
        url = inner.get("url") if isinstance(inner, dict) else None
        if not isinstance(url, str):
            raise body_invalid(f"{path}.{kind}.url", "a string", inner)
        return _out("mention", {"type": kind, kind: {"url": url}}, annotations, url, url)
    if kind == "template_mention":
        shown = inner if isinstance(inner, dict) else {}
        plain = "@Today" if shown.get("type") == "template_mention_date" else "@Me"
        return _out("mention", {"type": kind, kind: shown}, annotations, plain, None)
    raise body_invalid(f"{path}.type", "a supported mention type", kind)

"""The block types a client can append, and the content each one is stored (and answered) with.

`block_content` reads a request's block (``{"type"?, <type>: {...}}``) into the stored content and the
children it carries; `updated_content` merges a ``PATCH /v1/blocks/{id}`` into a block's content (the keys
given replace theirs, the others stay); `shown_content` fills in keys that blocks stored by an older sandbox
lack. Media blocks take an external URL (file uploads are not supported: that is a 400, as for a value
Notion does not know).
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import body_invalid, validation
from sandbox.ids import maybe_id
from sandbox.rich_text import check_array, rich_text

TEXT = frozenset({"paragraph", "bulleted_list_item", "numbered_list_item", "quote", "toggle", "to_do",
                  "heading_1", "heading_2", "heading_3", "heading_4", "callout"})  # fmt: skip
MEDIA = frozenset({"image", "video", "pdf", "file", "audio"})
LINKS = frozenset({"bookmark", "embed"})
EMPTY = frozenset({"divider", "breadcrumb", "column_list", "column"})
OTHER = frozenset({"code", "equation", "table_of_contents", "table", "table_row", "link_to_page",
                   "synced_block", "template"})  # fmt: skip
BLOCK_TYPES = TEXT | MEDIA | LINKS | EMPTY | OTHER
# Keys a block type's content always has when answered (with their value when a request leaves them out).
DEFAULTS: dict[str, dict[str, Any]] = {
    "paragraph": {"icon": None},
    "callout": {"icon": None},
    "table_of_contents": {"color": "default"},
    "code": {"caption": []},
}


def block_type(raw: Any, path: str) -> str:
    """The type a request's block has: its ``type`` or its one type-named key."""
    if not isinstance(raw, dict):
        raise body_invalid(path, "an object", raw)
    kind = raw.get("type")
    if kind is None:
        kind = next((key for key in raw if key in BLOCK_TYPES), None)
    if not isinstance(kind, str) or kind not in BLOCK_TYPES or kind not in raw:
        raise body_invalid(f"{path}.type", "a supported block type", kind)
    return kind


def _color(raw: dict[str, Any], path: str) -> str:
    color = raw.get("color", "default")
    if not isinstance(color, str):
        raise body_invalid(f"{path}.color", "a string", color)
    return color


def _icon(raw: dict[str, Any], path: str) -> Any:
    icon = raw.get("icon")
    if icon is not None and not isinstance(icon, dict):
        raise body_invalid(f"{path}.icon", "an object or `null`", icon)
    return icon


def _url(raw: dict[str, Any], path: str) -> str:
    url = raw.get("url")
    if not isinstance(url, str):
        raise body_invalid(f"{path}.url", "a string", url)
    return url


def _media(kind: str, raw: dict[str, Any], path: str) -> dict[str, Any]:
    if "file_upload" in raw or raw.get("type") == "file_upload":
        raise validation("File uploads are not supported by the sandbox.")
    external = raw.get("external")
    if not isinstance(external, dict):
        raise body_invalid(f"{path}.external", "an object", external)
    url = _url(external, f"{path}.external")
    content: dict[str, Any] = {
        "caption": rich_text(raw.get("caption", []), f"{path}.caption"),
        "type": "external",
        "external": {"url": url},
    }
    if kind == "file":
        name = raw.get("name")
        content["name"] = name if isinstance(name, str) and name else url.rsplit("/", 1)[-1].split("?")[0]
    return content


def _text(kind: str, raw: dict[str, Any], path: str) -> dict[str, Any]:
    content: dict[str, Any] = {"rich_text": rich_text(raw.get("rich_text", []), f"{path}.rich_text")}
    if kind == "to_do":
        checked = raw.get("checked", False)
        if not isinstance(checked, bool):
            raise body_invalid(f"{path}.checked", "a boolean", checked)
        content["checked"] = checked
    if kind.startswith("heading_"):
        content["is_toggleable"] = bool(raw.get("is_toggleable", False))
    if kind in ("paragraph", "callout"):
        content["icon"] = _icon(raw, path)
    content["color"] = _color(raw, path)
    return content


def _other(kind: str, raw: dict[str, Any], path: str) -> dict[str, Any]:
    if kind == "code":
        language = raw.get("language", "plain text")
        if not isinstance(language, str):
            raise body_invalid(f"{path}.language", "a string", language)
        return {
            "caption": rich_text(raw.get("caption", []), f"{path}.caption"),
            "rich_text": rich_text(raw.get("rich_text", []), f"{path}.rich_text"),
            "language": language,
        }
    if kind == "equation":
        expression = raw.get("expression")
        if not isinstance(expression, str):
            raise body_invalid(f"{path}.expression", "a string", expression)
        return {"expression": expression}
    if kind == "table_of_contents":
        return {"color": _color(raw, path)}
    if kind == "template":
        return {"rich_text": rich_text(raw.get("rich_text", []), f"{path}.rich_text")}
    if kind == "table":
        width = raw.get("table_width")
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise body_invalid(f"{path}.table_width", "a positive integer", width)
        return {
            "table_width": width,
            "has_column_header": bool(raw.get("has_column_header", False)),
            "has_row_header": bool(raw.get("has_row_header", False)),
        }
    if kind == "table_row":
        cells = check_array(raw.get("cells"), f"{path}.cells")
        return {"cells": [rich_text(cell, f"{path}.cells[{i}]") for i, cell in enumerate(cells)]}
    if kind == "link_to_page":
        target = next((key for key in ("page_id", "database_id") if key in raw), None)
        object_id = maybe_id(raw.get(target)) if target else None
        if target is None or object_id is None:
            raise body_invalid(f"{path}.page_id", "a valid uuid", raw.get(target or "page_id"))
        return {"type": target, target: object_id}
    synced = raw.get("synced_from")
    if synced is None:
        return {"synced_from": None}
    block_id = maybe_id(synced.get("block_id")) if isinstance(synced, dict) else None
    if block_id is None:
        raise body_invalid(f"{path}.synced_from.block_id", "a valid uuid", synced)
    return {"synced_from": {"type": "block_id", "block_id": block_id}}


def block_content(kind: str, raw: Any, path: str) -> tuple[dict[str, Any], list[Any]]:
    """The stored content of a new `kind` block from its request part, and the children it carries."""
    if not isinstance(raw, dict):
        raise body_invalid(path, "an object", raw)
    children = raw.get("children")
    nested = [] if children is None else check_array(children, f"{path}.children")
    if kind in TEXT:
        return _text(kind, raw, path), nested
    if kind in MEDIA:
        return _media(kind, raw, path), []
    if kind in LINKS:
        return {"caption": rich_text(raw.get("caption", []), f"{path}.caption"), "url": _url(raw, path)}, []
    if kind in EMPTY:
        if kind == "column_list" and not nested:
            raise body_invalid(f"{path}.children", "an array of columns", children)
        return {}, nested
    return _other(kind, raw, path), nested


def updated_content(kind: str, old: dict[str, Any], raw: Any, path: str) -> dict[str, Any]:
    """`old` with the parts a ``PATCH /v1/blocks/{id}`` gives for a `kind` block replaced."""
    if not isinstance(raw, dict):
        raise body_invalid(path, "an object", raw)
    if kind in MEDIA:
        fresh = _media(kind, {**old, **raw}, path)
        if kind == "file" and "name" not in raw and "external" not in raw:
            fresh["name"] = old.get("name", fresh["name"])
        return fresh
    if kind in EMPTY:
        return dict(old)
    merged = {**old, **{key: value for key, value in raw.items() if key != "children"}}
    if kind in LINKS:
        return {"caption": rich_text(merged.get("caption", []), f"{path}.caption"), "url": _url(merged, path)}
    fresh, _children = block_content(kind, {**merged, "children": None}, path)
    return fresh


def shown_content(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """A block's content as answered: with the keys its type always has."""
    defaults = DEFAULTS.get(kind)
    if not defaults or all(key in content for key in defaults):
        return content
    return {**defaults, **content}

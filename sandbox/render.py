"""Page objects as the API returns them, with formulas and rollups computed.

Full page objects (every relation reference) are cached per page until the next write anywhere in the store;
:func:`for_response` trims relations to 25 references and applies ``filter_properties``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.computed import evaluate_formula, rollup_value
from sandbox.pages import PAGE_TITLE_PROPERTY, Page
from sandbox.schema import DataSource
from sandbox.values import empty_value, formula_input, plain_text

if TYPE_CHECKING:
    from sandbox.store import SandboxStore

RELATION_LIMIT = 25
MAX_DEPTH = 4


def page_title(store: SandboxStore, page: Page) -> str:
    source = store.sources.get(page.data_source_id) if page.data_source_id else None
    if source is None:
        return plain_text(page.values.get("title", []))
    return plain_text(page.values.get(source.properties[source.title_property()]["id"], []))


def full_page(store: SandboxStore, page: Page) -> dict[str, Any]:
    """The page object with every property and every relation reference (no request_id)."""
    cached = store.page_cache.get(page.id)
    if cached is not None and cached[0] == store.generation:
        return cached[1]
    source = store.sources.get(page.data_source_id) if page.data_source_id else None
    if source is None:
        properties = {"title": {"id": "title", "type": "title", "title": page.values.get("title", [])}}
    else:
        properties = {
            name: property_value(store, page, source, prop, 0) for name, prop in source.properties.items()
        }
    obj = {
        "object": "page",
        "id": page.id,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "created_by": store.bot_ref(),
        "last_edited_by": store.bot_ref(),
        "cover": page.cover,
        "icon": page.icon,
        "parent": page.parent,
        "archived": page.in_trash,
        "in_trash": page.in_trash,
        "is_locked": page.is_locked,
        "properties": properties,
        "url": _url(store, page, properties),
        "public_url": None,
    }
    store.page_cache[page.id] = (store.generation, obj)
    return obj


def _url(store: SandboxStore, page: Page, properties: dict[str, Any]) -> str:
    title = next((plain_text(p["title"]) for p in properties.values() if p["type"] == "title"), "")
    slug = "-".join("".join(c if c.isalnum() else " " for c in title).split())
    compact = page.id.replace("-", "")
    return f"https://www.notion.so/{slug}-{compact}" if slug else f"https://www.notion.so/{compact}"


def property_value(
    store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any], depth: int
) -> dict[str, Any]:
    """One property in page-object shape: ``{"id", "type", <type>: value}``."""
    kind = prop["type"]
    out: dict[str, Any] = {"id": prop["id"], "type": kind}
    if kind == "relation":
        refs = [{"id": pid} for pid in page.values.get(prop["id"], ()) if _alive(store, pid)]
        out["relation"] = refs
        out["has_more"] = False
    elif kind == "formula":
        out["formula"] = _formula(store, page, source, prop, depth)
    elif kind == "rollup":
        out["rollup"] = _rollup(store, page, source, prop, depth)
    elif kind == "created_time":
        out[kind] = page.created_time
    elif kind == "last_edited_time":
        out[kind] = page.last_edited_time
    elif kind in ("created_by", "last_edited_by"):
        out[kind] = store.user(store.bot_id)
    elif kind == "unique_id":
        out[kind] = page.values.get(prop["id"]) or {"prefix": prop["unique_id"].get("prefix"), "number": None}
    else:
        value = page.values.get(prop["id"], empty_value(kind))
        out[kind] = value
    return out


def _alive(store: SandboxStore, page_id: str) -> bool:
    other = store.pages.get(page_id)
    return other is not None and not other.in_trash


def _formula(store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any], depth: int) -> Any:
    tree = source.formulas.get(prop["name"])
    if tree is None or depth > MAX_DEPTH:
        return {"type": "string", "string": None}

    def lookup(name: str) -> Any:
        target = source.find(name)
        if target is None:
            raise KeyError(name)
        return formula_input_of(property_value(store, page, source, target, depth + 1))

    return evaluate_formula(tree, lookup)


def formula_input_of(value: dict[str, Any]) -> Any:
    kind = value["type"]
    inner = value[kind]
    if kind in ("formula", "rollup"):
        return inner.get(inner.get("type", ""))
    if kind == "relation":
        return [ref["id"] for ref in inner]
    if kind == "unique_id":
        return f"{inner['prefix']}-{inner['number']}" if inner.get("prefix") else inner.get("number")
    return formula_input(kind, inner)


def _rollup(store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any], depth: int) -> Any:
    config = prop["rollup"]
    function = config.get("function", "count")
    relation = source.find(config.get("relation_property_id", "")) or source.find(
        config.get("relation_property_name", "")
    )
    if relation is None or relation["type"] != "relation" or depth > MAX_DEPTH:
        return rollup_value(function, [], [])
    target = store.sources.get(relation["relation"]["data_source_id"])
    rolled = None
    if target is not None:
        rolled = target.find(config.get("rollup_property_id", "")) or target.find(
            config.get("rollup_property_name", "")
        )
    if target is None or rolled is None:
        return rollup_value(function, [], [])
    items: list[dict[str, Any]] = []
    numbers: list[float | int] = []
    for other_id in page.values.get(relation["id"], ()):
        other = store.pages.get(other_id)
        if other is None or other.in_trash:
            continue
        value = property_value(store, other, target, rolled, depth + 1)
        kind = value["type"]
        item = {"type": kind, kind: value[kind]}
        items.append(item)
        number = value[kind]
        if kind in ("formula", "rollup"):
            number = number.get("number") if number.get("type") == "number" else None
        if isinstance(number, int | float) and not isinstance(number, bool):
            numbers.append(number)
    return rollup_value(function, items, numbers)


def for_response(obj: dict[str, Any], keep: set[str] | None = None) -> dict[str, Any]:
    """A copy of a full page object with relations trimmed to 25 references and, when ``keep`` is given,
    only the properties named or id'd in it."""
    properties: dict[str, Any] = {}
    for name, value in obj["properties"].items():
        if keep is not None and name not in keep and value["id"] not in keep:
            continue
        if value["type"] == "relation" and len(value["relation"]) > RELATION_LIMIT:
            value = {**value, "relation": value["relation"][:RELATION_LIMIT], "has_more": True}
        properties[name] = value
    return {**obj, "properties": properties}


__all__ = ["PAGE_TITLE_PROPERTY", "for_response", "full_page", "property_value"]


def source_object(store: SandboxStore, source: DataSource) -> dict[str, Any]:
    database = store.databases[source.database_id]
    bot = store.bot_ref()
    return {
        "object": "data_source",
        "id": source.id,
        "cover": None,
        "icon": source.icon,
        "created_time": source.created_time,
        "created_by": bot,
        "last_edited_by": bot,
        "last_edited_time": source.last_edited_time,
        "title": source.title,
        "description": [],
        "is_inline": database.is_inline,
        "properties": source.properties,
        "parent": {"type": "database_id", "database_id": database.id},
        "database_parent": database.parent,
        "url": f"https://www.notion.so/{database.id.replace('-', '')}",
        "public_url": None,
        "archived": source.in_trash,
        "in_trash": source.in_trash,
    }


def database_object(store: SandboxStore, database_id: str) -> dict[str, Any]:
    database = store.databases[database_id]
    return {
        "object": "database",
        "id": database.id,
        "title": database.title,
        "description": database.description,
        "parent": database.parent,
        "is_inline": database.is_inline,
        "in_trash": database.in_trash,
        "is_locked": database.is_locked,
        "created_time": database.created_time,
        "last_edited_time": database.last_edited_time,
        "data_sources": [
            {"id": sid, "name": plain_text(store.sources[sid].title)}
            for sid in database.data_source_ids
            if sid in store.sources and not store.sources[sid].in_trash
        ],
        "icon": database.icon,
        "cover": database.cover,
        "url": f"https://www.notion.so/{database.id.replace('-', '')}",
        "public_url": None,
    }

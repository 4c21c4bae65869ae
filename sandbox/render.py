"""Page objects as the API returns them, with formulas and rollups computed.

Full page objects (every relation reference) are cached per page until the next write to what they show
(`SandboxStore.cached_page`); :func:`for_response` trims relations to 25 references and applies
``filter_properties``; :func:`page_text` is the JSON text of the trimmed object, kept with the cached one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.json_text import text_of
from sandbox.property_values import property_value
from sandbox.records import DataSource, Page
from sandbox.rich_text import plain_text

if TYPE_CHECKING:
    from sandbox.store import SandboxStore

RELATION_LIMIT = 25


def page_title(store: SandboxStore, page: Page) -> str:
    source = store.sources.get(page.data_source_id) if page.data_source_id else None
    if source is None:
        return plain_text(page.values.get("title", []))
    return plain_text(page.values.get(source.properties[source.title_property()]["id"], []))


def full_page(store: SandboxStore, page: Page) -> dict[str, Any]:
    """The page object with every property and every relation reference (no request_id)."""
    stamp = store.render_stamp(page)
    cached = store.page_cache.get(page.id)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    obj = _rendered(store, page)
    store.page_cache[page.id] = (stamp, obj, None)
    return obj


def _rendered(store: SandboxStore, page: Page) -> dict[str, Any]:
    source = store.sources.get(page.data_source_id) if page.data_source_id else None
    if source is None:
        properties = {"title": {"id": "title", "type": "title", "title": page.values.get("title", [])}}
    else:
        properties = {
            name: property_value(store, page, source, prop, 0) for name, prop in source.properties.items()
        }
    return {
        "object": "page",
        "id": page.id,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "created_by": {"object": "user", "id": page.created_by or store.bot_id},
        "last_edited_by": {"object": "user", "id": page.last_edited_by or store.bot_id},
        "cover": page.cover,
        "icon": page.icon,
        "parent": page.parent,
        "in_trash": page.in_trash,
        "is_archived": False,
        "is_locked": page.is_locked,
        "properties": properties,
        "url": _url(store, page, properties),
        "public_url": None,
        "archived": page.in_trash,
    }


def _url(store: SandboxStore, page: Page, properties: dict[str, Any]) -> str:
    title = next((plain_text(p["title"]) for p in properties.values() if p["type"] == "title"), "")
    slug = "-".join("".join(c if c.isalnum() else " " for c in title).split())
    compact = page.id.replace("-", "")
    return f"https://www.notion.so/{slug}-{compact}" if slug else f"https://www.notion.so/{compact}"


def page_text(store: SandboxStore, page: Page, keep: set[str] | None = None) -> str:
    """`for_response(full_page(store, page), keep)` as JSON text (`sandbox.json_text.text_of`); without
    ``keep``, encoded once per rendered object and kept with it."""
    if keep is not None:
        return text_of(for_response(full_page(store, page), keep))
    stamp = store.render_stamp(page)
    cached = store.page_cache.get(page.id)
    if cached is None or cached[0] != stamp:
        obj = _rendered(store, page)
    elif cached[2] is None:
        obj = cached[1]
    else:
        return cached[2]
    text = text_of(for_response(obj))
    store.page_cache[page.id] = (stamp, obj, text)
    return text


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


__all__ = ["for_response", "full_page"]


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
        "description": source.description,
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
        "archived": database.in_trash,
    }

"""Page objects as the API returns them, with formulas and rollups computed.

Full page objects (every relation reference) are cached per page until the next write to what they show
(`SandboxStore.cached_page`); :func:`for_response` trims relations to 25 references and applies
``filter_properties``; :func:`page_texts` gives the JSON texts of trimmed objects, each kept with its page's
cache entry (a page shown for the first time by a query is written straight to text, `sandbox.page_json`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sandbox.json_text import text_of
from sandbox.page_json import Layout, page_json, page_url, trimmed
from sandbox.property_values import property_value
from sandbox.records import DataSource, Page
from sandbox.rich_text import plain_text

if TYPE_CHECKING:
    from sandbox.store import SandboxStore


def page_title(store: SandboxStore, page: Page) -> str:
    source = store.sources.get(page.data_source_id) if page.data_source_id else None
    if source is None:
        return plain_text(page.values.get("title", []))
    return plain_text(page.values.get(source.properties[source.title_property()]["id"], []))


def full_page(store: SandboxStore, page: Page) -> dict[str, Any]:
    """The page object with every property and every relation reference (no request_id)."""
    stamp = store.render_stamp(page)
    cached = store.page_cache.get(page.id)
    if cached is not None and cached[0] == stamp and cached[1] is not None:
        return cached[1]
    obj = _rendered(store, page)
    store.page_cache[page.id] = (stamp, obj, cached[2] if cached is not None and cached[0] == stamp else None)
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
    return page_url(page.id, title)


def page_texts(store: SandboxStore, pages: Iterable[Page], keep: set[str] | None = None) -> list[str]:
    """`for_response(full_page(store, page), keep)` as JSON text (`sandbox.json_text.text_of`) for each of
    `pages`; without ``keep``, each text is kept with the page's cache entry, and a page rendered for the
    first time is written straight to text (`sandbox.page_json`), its page object built only if asked for
    later."""
    if keep is not None:
        return [text_of(for_response(full_page(store, page), keep)) for page in pages]
    layouts: dict[str, Layout] = {}
    texts = []
    for page in pages:
        stamp = store.render_stamp(page)
        cached = store.page_cache.get(page.id)
        current = cached if cached is not None and cached[0] == stamp else None
        if current is not None and current[2] is not None:
            text = current[2]
        elif current is not None and current[1] is not None:
            text = text_of(for_response(current[1]))
            store.page_cache[page.id] = (stamp, current[1], text)
        else:
            source = store.sources.get(page.data_source_id) if page.data_source_id else None
            if source is None:
                obj = _rendered(store, page)
                text = text_of(for_response(obj))
                store.page_cache[page.id] = (stamp, obj, text)
            else:
                layout = layouts.get(source.id)
                if layout is None:
                    layout = layouts[source.id] = Layout(store, source)
                text = page_json(layout, page)
                store.page_cache[page.id] = (stamp, None, text)
        texts.append(text)
    return texts


def for_response(obj: dict[str, Any], keep: set[str] | None = None) -> dict[str, Any]:
    """A copy of a full page object with relations trimmed to 25 references and, when ``keep`` is given,
    only the properties named or id'd in it."""
    properties: dict[str, Any] = {}
    for name, value in obj["properties"].items():
        if keep is not None and name not in keep and value["id"] not in keep:
            continue
        properties[name] = trimmed(value)
    return {**obj, "properties": properties}


__all__ = ["for_response", "full_page", "page_texts"]


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

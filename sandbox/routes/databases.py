"""``/v1/databases``: containers of data sources (2025-09-03: no schema and no query here)."""

from __future__ import annotations

from typing import Any

from sandbox.call import Call
from sandbox.errors import body_invalid, not_found
from sandbox.ids import maybe_id
from sandbox.render import database_object
from sandbox.rich_text import rich_text
from sandbox.routes.common import bool_field, path_id
from sandbox.values import icon_or_cover

DEFAULT_PROPERTIES: dict[str, Any] = {"Name": {"type": "title", "title": {}}}


def _parent(call: Call, raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict) and "page_id" in raw:
        page_id = maybe_id(raw["page_id"])
        if page_id is None:
            raise body_invalid("body.parent.page_id", "a valid uuid", raw["page_id"])
        if page_id not in call.store.pages:
            raise not_found("page", page_id)
        return {"type": "page_id", "page_id": page_id}
    if isinstance(raw, dict) and raw.get("workspace") is True:
        return {"type": "workspace", "workspace": True}
    raise body_invalid("body.parent.page_id", "defined", None)


def create(call: Call) -> dict[str, Any]:
    body = call.body
    parent = _parent(call, body.get("parent"))
    title = rich_text(body.get("title", []), "body.title")
    description = rich_text(body.get("description", []), "body.description")
    initial = body.get("initial_data_source") or {}
    if not isinstance(initial, dict):
        raise body_invalid("body.initial_data_source", "an object", initial)
    properties = initial.get("properties") or DEFAULT_PROPERTIES
    store = call.store
    database_id = store.create_database(
        title,
        parent=parent,
        icon=icon_or_cover(body, "icon"),
        cover=icon_or_cover(body, "cover"),
        description=description,
        is_inline=bool(body.get("is_inline", False)),
    )
    try:
        store.create_data_source(database_id, title, properties)
    except Exception:
        with store.writing():
            store.databases[database_id].in_trash = True
            store.mark("database", store.databases[database_id])
        raise
    if parent["type"] == "page_id":
        with store.writing():
            holder = store.pages[parent["page_id"]]
            holder.children.append(database_id)
            store.mark("page", holder)
    return database_object(store, database_id)


def retrieve(call: Call) -> dict[str, Any]:
    database = call.store.database(path_id(call.params["database_id"], "database_id"))
    return database_object(call.store, database.id)


def update(call: Call) -> dict[str, Any]:
    store = call.store
    database = store.database(path_id(call.params["database_id"], "database_id"))
    body = call.body
    title = rich_text(body["title"], "body.title") if "title" in body else None
    description = rich_text(body["description"], "body.description") if "description" in body else None
    trash = bool_field(body, "in_trash")
    locked = bool_field(body, "is_locked")
    inline = bool_field(body, "is_inline")
    icon, cover = icon_or_cover(body, "icon"), icon_or_cover(body, "cover")
    with store.writing():
        if title is not None:
            database.title = title
        if description is not None:
            database.description = description
        if "icon" in body:
            database.icon = icon
        if "cover" in body:
            database.cover = cover
        if trash is not None:
            database.in_trash = trash
        if locked is not None:
            database.is_locked = locked
        if inline is not None:
            database.is_inline = inline
        database.last_edited_time = store.now()
        store.mark("database", database)
    return database_object(store, database.id)

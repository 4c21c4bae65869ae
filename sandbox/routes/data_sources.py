"""``/v1/data_sources``: schemas (create, retrieve, update) and the query endpoint."""

from __future__ import annotations

from typing import Any

from sandbox.call import Call
from sandbox.errors import body_invalid, validation
from sandbox.ids import maybe_id
from sandbox.json_text import Encoded
from sandbox.query import QueryError
from sandbox.query_live import query_source
from sandbox.render import page_texts, source_object
from sandbox.rich_text import rich_text
from sandbox.routes.common import bool_field, path_id
from sandbox.routes.pages import keep_set
from sandbox.schema_changes import apply_changes
from sandbox.values import icon_or_cover


def create(call: Call) -> dict[str, Any]:
    body = call.body
    parent = body.get("parent")
    database_id = maybe_id(parent.get("database_id")) if isinstance(parent, dict) else None
    if database_id is None:
        raise body_invalid("body.parent.database_id", "a valid uuid", parent)
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise body_invalid("body.properties", "an object", properties)
    if len(properties) > 100:
        raise body_invalid("body.properties.length", "≤ `100`", len(properties))
    title = rich_text(body.get("title", []), "body.title")
    description = rich_text(body.get("description", []), "body.description")
    icon = icon_or_cover(body, "icon")
    source_id = call.store.create_data_source(database_id, title, properties, icon=icon)
    if description:
        with call.store.writing():
            call.store.sources[source_id].description = description
            call.store.mark("data_source", call.store.sources[source_id])
    return source_object(call.store, call.store.sources[source_id])


def retrieve(call: Call) -> dict[str, Any]:
    source = call.store.source(path_id(call.params["data_source_id"], "data_source_id"))
    return source_object(call.store, source)


def update(call: Call) -> dict[str, Any]:
    store = call.store
    source = store.source(path_id(call.params["data_source_id"], "data_source_id"))
    body = call.body
    title = rich_text(body["title"], "body.title") if "title" in body else None
    trash = bool_field(body, "in_trash")
    archived = bool_field(body, "archived")
    changes = body.get("properties") or {}
    if not isinstance(changes, dict):
        raise body_invalid("body.properties", "an object", changes)
    if len(changes) > 100:
        raise body_invalid("body.properties.length", "≤ `100`", len(changes))
    icon = icon_or_cover(body, "icon")
    description = rich_text(body["description"], "body.description") if "description" in body else None
    with store.writing():
        apply_changes(store, source, changes)
        if title is not None:
            source.title = title
        if "icon" in body:
            source.icon = icon
        if description is not None:
            source.description = description
        if trash is not None or archived is not None:
            source.in_trash = bool(trash if trash is not None else archived)
        source.last_edited_time = store.now()
        source.reindex()
        store.mark("data_source", source)
    return source_object(store, source)


def query(call: Call) -> dict[str, Any]:
    store = call.store
    source = store.source(path_id(call.params["data_source_id"], "data_source_id"))
    body = call.body
    try:
        results, next_cursor, has_more = query_source(store, source, body)
    except QueryError as error:
        raise validation(str(error)) from None
    keep = keep_set(source, call.query_list("filter_properties"))
    return {
        "object": "list",
        "results": Encoded(page_texts(store, [store.pages[row["id"]] for row in results], keep)),
        "next_cursor": next_cursor,
        "has_more": has_more,
        "type": "page_or_data_source",
        "page_or_data_source": {},
    }

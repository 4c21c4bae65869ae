"""``/v1/data_sources``: schemas (create, retrieve, update) and the query endpoint."""

from __future__ import annotations

from typing import Any

from sandbox.app import Call
from sandbox.errors import body_invalid, validation
from sandbox.ids import maybe_id
from sandbox.pages import Page
from sandbox.query import QueryError, QueryRow, run_query
from sandbox.render import for_response, full_page, property_value, source_object
from sandbox.routes.common import bool_field, path_id
from sandbox.routes.pages import keep_set
from sandbox.schema import DataSource, build_property, property_type
from sandbox.store import SandboxStore
from sandbox.values import rich_text


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
    source_id = call.store.create_data_source(database_id, title, properties, icon=body.get("icon"))
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
    if body.get("icon") is not None and not isinstance(body["icon"], dict):
        raise body_invalid("body.icon", "an object or `null`", body["icon"])
    with store.writing():
        for key, change in changes.items():
            _change_property(call, source, key, change)
        if title is not None:
            source.title = title
        if "icon" in body:
            source.icon = body["icon"]
        if trash is not None or archived is not None:
            source.in_trash = bool(trash if trash is not None else archived)
        source.last_edited_time = store.now()
        source.reindex()
        store.mark("data_source", source)
    return source_object(store, source)


def _change_property(call: Call, source: DataSource, key: str, change: Any) -> None:
    path = f"body.properties.{key}"
    prop = source.find(key)
    if prop is None:
        if change is None:
            raise validation(f"{key} is not a property that exists.")
        if isinstance(change, dict) and set(change) <= {"name"}:
            raise validation(f"{key} is not a property that exists.")
        call.store.add_property(source, key, change)
        return
    if change is None:
        if prop["type"] == "title":
            raise validation("Cannot delete the title property.")
        del source.properties[prop["name"]]
        source.reindex()
        return
    if not isinstance(change, dict):
        raise body_invalid(path, "an object or `null`", change)
    new_name = change.get("name")
    if new_name is not None and (not isinstance(new_name, str) or not new_name.strip()):
        raise body_invalid(f"{path}.name", "a non-empty string", new_name)
    if any(k not in ("name", "type", "description") for k in change):
        kind = property_type(change, path)
        if kind != prop["type"]:
            raise validation(
                f"Changing {prop['name']} from {prop['type']} to {kind} is not supported by the sandbox."
            )
        if kind == "status":
            raise validation("Status options cannot be changed through the API.")
        rebuilt = build_property(prop["name"], change, set(), path)
        if kind in ("select", "multi_select"):
            old = {o["name"]: o for o in prop[kind]["options"]}
            rebuilt[kind]["options"] = [
                {**o, "id": old[o["name"]]["id"]} if o["name"] in old else o for o in rebuilt[kind]["options"]
            ]
        if kind not in ("relation", "rollup"):
            prop[kind] = rebuilt[kind]
    if isinstance(new_name, str) and new_name != prop["name"]:
        if new_name in source.properties:
            raise validation(f"A property named {new_name} already exists.")
        renamed = {
            new_name if name == prop["name"] else name: value for name, value in source.properties.items()
        }
        prop["name"] = new_name
        source.properties.clear()
        source.properties.update(renamed)
    source.reindex()


class _LazyProperties(dict[str, Any]):
    """A row's properties computed when a filter or a sort first reads one (by subscript, as they do)."""

    def __init__(self, store: SandboxStore, page: Page, source: DataSource) -> None:
        super().__init__()
        self._store, self._page, self._source = store, page, source

    def __missing__(self, name: str) -> Any:
        prop = self._source.properties[name]  # KeyError for an unknown name, as with a full page
        value = property_value(self._store, self._page, self._source, prop, 0)
        self[name] = value
        return value


def _query_row(store: SandboxStore, page: Page, source: DataSource) -> QueryRow:
    """The row a query filters and sorts: the cached full page object if there is one, else a stand-in
    that renders only the properties the filter and the sorts read (the page is rendered in full only if
    it is returned)."""
    cached = store.page_cache.get(page.id)
    if cached is not None and cached[0] == store.generation:
        return QueryRow(page.seq, cached[1])
    stand_in = {
        "id": page.id,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "properties": _LazyProperties(store, page, source),
    }
    return QueryRow(page.seq, stand_in)


def query(call: Call) -> dict[str, Any]:
    store = call.store
    source = store.source(path_id(call.params["data_source_id"], "data_source_id"))
    body = call.body
    rows = [_query_row(store, page, source) for page in store.visible_rows(source)]
    try:
        results, next_cursor, has_more = run_query(rows, body, source.properties)
    except QueryError as error:
        raise validation(str(error)) from None
    keep = keep_set(source, call.query_list("filter_properties"))
    return {
        "object": "list",
        "results": [for_response(full_page(store, store.pages[row["id"]]), keep) for row in results],
        "next_cursor": next_cursor,
        "has_more": has_more,
        "type": "page_or_data_source",
        "page_or_data_source": {},
    }

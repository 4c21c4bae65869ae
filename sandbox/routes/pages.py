"""``/v1/pages``: create, retrieve (with ``filter_properties``), update (including trash), and the
page-property endpoint with its paginated property items."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sandbox.call import Call
from sandbox.errors import not_found
from sandbox.pages import create_page, get_page, update_page
from sandbox.property_values import property_value, rollup_items
from sandbox.records import DataSource, Page
from sandbox.render import for_response, full_page
from sandbox.routes.common import encode_cursor, list_envelope, page_size, paginate, path_id

LISTED = frozenset({"title", "rich_text", "relation", "people"})


def keep_set(source: DataSource | None, wanted: list[str]) -> set[str] | None:
    """The property names ``filter_properties`` asks for (names or ids, encoded or not)."""
    if not wanted:
        return None
    keep: set[str] = set()
    for key in wanted:
        if source is None:
            if key == "title":
                keep.add("title")
            continue
        prop = source.find(key) or source.find(unquote(key))
        if prop is not None:
            keep.add(prop["name"])
    return keep


def _source(call: Call, page: Page) -> DataSource | None:
    return call.store.sources.get(page.data_source_id) if page.data_source_id else None


def create(call: Call) -> dict[str, Any]:
    page = create_page(call.store, call.body)
    return for_response(full_page(call.store, page))


def retrieve(call: Call) -> dict[str, Any]:
    page = get_page(call.store, path_id(call.params["page_id"], "page_id"))
    keep = keep_set(_source(call, page), call.query_list("filter_properties"))
    return for_response(full_page(call.store, page), keep)


def update(call: Call) -> dict[str, Any]:
    page = get_page(call.store, path_id(call.params["page_id"], "page_id"))
    update_page(call.store, page, call.body)
    return for_response(full_page(call.store, page))


def property_item(call: Call) -> dict[str, Any]:
    store = call.store
    page = get_page(store, path_id(call.params["page_id"], "page_id"))
    key = call.params["property_id"]
    source = _source(call, page)
    prop: dict[str, Any] | None = None
    if source is None:
        if unquote(key) != "title":
            raise not_found("property", key)
        value = full_page(store, page)["properties"]["title"]
    else:
        prop = source.find(key) or source.find(unquote(key))
        if prop is None:
            raise not_found("property", key)
        value = property_value(store, page, source, prop, 0)
    kind = value["type"]
    if kind == "rollup" and source is not None and prop is not None:
        return _rollup_items(call, value, rollup_items(store, page, source, prop))
    if kind not in LISTED:
        return {"object": "property_item", "id": value["id"], "type": kind, kind: value[kind]}
    size = page_size(call.query_one("page_size"), "query.page_size")
    items = value[kind]
    chunk, cursor, more = paginate(items, call.query_one("start_cursor"), size, "query.start_cursor")
    results = [{"object": "property_item", "type": kind, "id": value["id"], kind: item} for item in chunk]
    return _listed(call, value, kind, results, cursor, more)


def _rollup_items(call: Call, value: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """A rollup's property item: the rolled-up values one by one, and the rollup (its array left empty)."""
    size = page_size(call.query_one("page_size"), "query.page_size")
    chunk, cursor, more = paginate(items, call.query_one("start_cursor"), size, "query.start_cursor")
    results = [{"object": "property_item", **item} for item in chunk]
    rollup = dict(value["rollup"])
    if rollup.get("type") == "array":
        rollup["array"] = []
    return _listed(call, {**value, "rollup": rollup}, "rollup", results, cursor, more)


def _listed(
    call: Call, value: dict[str, Any], kind: str, results: list[Any], cursor: str | None, more: bool
) -> dict[str, Any]:
    out = list_envelope(results, cursor, more, "property_item")
    next_url = None
    if more:
        base = str(call.request.url).split("?", 1)[0]
        next_url = f"{base}?start_cursor={cursor}"
    shown = value[kind] if kind == "rollup" else {}
    out["property_item"] = {"id": value["id"], "next_url": next_url, "type": kind, kind: shown}
    return out


__all__ = ["encode_cursor", "keep_set"]

"""Pages: the record kept per page, and page creation and updates with their property writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox import relations
from sandbox.blocks import append_children, child_position
from sandbox.errors import body_invalid, not_found, validation
from sandbox.ids import maybe_id, new_id
from sandbox.records import DataSource, Page
from sandbox.rich_text import rich_text
from sandbox.schema import status_default
from sandbox.values import READ_ONLY, empty_value, icon_or_cover, parse_value

if TYPE_CHECKING:
    from sandbox.store import SandboxStore


def _parent(store: SandboxStore, raw: Any) -> tuple[dict[str, Any], DataSource | None]:
    if not isinstance(raw, dict):
        raise body_invalid("body.parent", "an object", raw)
    if "data_source_id" in raw or "database_id" in raw:
        key = "data_source_id" if "data_source_id" in raw else "database_id"
        object_id = maybe_id(raw[key])
        if object_id is None:
            raise body_invalid(f"body.parent.{key}", "a valid uuid", raw[key])
        if key == "database_id":
            database = store.database(object_id)
            if len(database.data_source_ids) != 1:
                raise validation("Databases with multiple data sources require a data_source_id parent.")
            object_id = database.data_source_ids[0]
        source = store.sources.get(object_id)
        if source is None or source.in_trash:
            raise not_found("data_source", object_id)
        parent = {"type": "data_source_id", "data_source_id": source.id, "database_id": source.database_id}
        return parent, source
    if "page_id" in raw:
        page_id = maybe_id(raw["page_id"])
        if page_id is None:
            raise body_invalid("body.parent.page_id", "a valid uuid", raw["page_id"])
        if page_id not in store.pages:
            raise not_found("page", page_id)
        return {"type": "page_id", "page_id": page_id}, None
    if raw.get("workspace") is True:
        return {"type": "workspace", "workspace": True}, None
    raise body_invalid("body.parent.data_source_id", "defined", None)


def _check_props(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties", {})
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise body_invalid("body.properties", "an object", props)
    if len(props) > 100:
        raise body_invalid("body.properties.length", "≤ `100`", len(props))
    return props


def _unsupported(body: dict[str, Any]) -> None:
    """Markdown content and templates are not supported: a 400, as for a value Notion does not know."""
    template = body.get("template")
    if "markdown" in body or (template is not None and template != {"type": "none"}):
        key = "markdown" if "markdown" in body else "template"
        raise validation(f"body failed validation: body.{key} is not supported by the sandbox.")


def create_page(store: SandboxStore, body: dict[str, Any]) -> Page:
    """A new page under a data source, a page or the workspace; ``children`` (or ``content``) become its
    blocks; under a page, ``position`` says where among the parent's children it goes."""
    _unsupported(body)
    parent, source = _parent(store, body.get("parent"))
    props = _check_props(body)
    now = store.now()
    page = Page(
        id=new_id(),
        seq=0,
        parent=parent,
        data_source_id=source.id if source else None,
        created_time=now,
        last_edited_time=now,
        values={},
        icon=icon_or_cover(body, "icon"),
        cover=icon_or_cover(body, "cover"),
    )
    children = body.get("children", body.get("content"))
    with store.writing():
        if source is None:
            page.values["title"] = _plain_page_title(props)
        else:
            _fill_defaults(store, page, source)
            write_properties(store, page, source, props, now)
        if children is not None:
            append_children(store, page.id, page.children, {"children": children}, now, validate_only=True)
        page.seq = store.next_seq()
        store.pages[page.id] = page
        if source is not None:
            store.pages_by_source.setdefault(source.id, []).append(page.id)
        elif parent.get("type") == "page_id":
            holder = store.pages[parent["page_id"]]
            holder.children.insert(child_position(holder.children, body), page.id)
            store.mark("page", holder)
        if children:
            append_children(store, page.id, page.children, {"children": children}, now)
        store.mark("page", page)
    return page


def _plain_page_title(props: dict[str, Any]) -> list[dict[str, Any]]:
    for key, raw in props.items():
        if key != "title":
            raise validation(f"{key} is not a property that exists.")
        value = raw.get("title") if isinstance(raw, dict) else raw
        return rich_text(value, "body.properties.title.title")
    return []


def _fill_defaults(store: SandboxStore, page: Page, source: DataSource) -> None:
    for prop in source.properties.values():
        kind = prop["type"]
        if kind == "status":
            page.values[prop["id"]] = status_default(prop)
        elif kind == "unique_id":
            number = source.counters.get(prop["id"], 0) + 1
            source.counters[prop["id"]] = number
            page.values[prop["id"]] = {"prefix": prop["unique_id"].get("prefix"), "number": number}
            store.mark("data_source", source)
        elif kind not in READ_ONLY:
            page.values[prop["id"]] = empty_value(kind)


def write_properties(
    store: SandboxStore, page: Page, source: DataSource, props: dict[str, Any], now: str
) -> None:
    """Validate every value first, then apply them all (relations last, both sides)."""
    parsed: list[tuple[dict[str, Any], Any]] = []
    for key, raw in props.items():
        prop = source.find(key) if isinstance(key, str) else None
        if prop is None:
            raise validation(f"{key} is not a property that exists.")
        path = f"body.properties.{prop['name']}"
        value, created = parse_value(prop, raw, path, store.user, store.bot_id)
        if created:
            store.mark("data_source", source)
        if prop["type"] == "relation":
            relations.check_targets(store, prop, value, f"{path}.relation")
        parsed.append((prop, value))
    for prop, value in parsed:
        if prop["type"] == "relation":
            relations.set_relation(store, page, source, prop, value, now)
        else:
            page.values[prop["id"]] = value


def update_page(store: SandboxStore, page: Page, body: dict[str, Any]) -> Page:
    props = _check_props(body)
    trash = body.get("in_trash", body.get("archived"))
    if "in_trash" in body and "archived" in body and body["in_trash"] != body["archived"]:
        raise validation("body failed validation: archived and in_trash must agree.")
    if trash is not None and not isinstance(trash, bool):
        raise body_invalid("body.in_trash", "a boolean", trash)
    locked = body.get("is_locked")
    if locked is not None and not isinstance(locked, bool):
        raise body_invalid("body.is_locked", "a boolean", locked)
    icon = icon_or_cover(body, "icon")
    cover = icon_or_cover(body, "cover")
    if page.in_trash and trash is not False and (props or "icon" in body or "cover" in body):
        raise validation("Can't edit block that is archived. You must unarchive the block before editing.")
    now = store.now()
    with store.writing():
        source = store.sources.get(page.data_source_id) if page.data_source_id else None
        if source is None:
            if props:
                page.values["title"] = _plain_page_title(props)
        else:
            write_properties(store, page, source, props, now)
        if "icon" in body:
            page.icon = icon
        if "cover" in body:
            page.cover = cover
        if trash is not None:
            page.in_trash = trash
        if locked is not None:
            page.is_locked = locked
        page.last_edited_time = now
        page.last_edited_by = ""
        store.mark("page", page)
    return page


def get_page(store: SandboxStore, page_id: str) -> Page:
    page = store.pages.get(page_id)
    if page is None:
        raise not_found("page", page_id)
    return page

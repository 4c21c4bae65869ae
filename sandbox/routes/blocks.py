"""``/v1/blocks``: a page's body (append and list children, retrieve, update, delete).

Pages and databases count as the ``child_page`` and ``child_database`` blocks they show as: they can be
retrieved, listed, and deleted (which puts them in the trash) through these routes.
"""

from __future__ import annotations

from typing import Any

from sandbox.blocks import (
    alive_children,
    any_block,
    append_children,
    get_block,
    render_block,
    update_block,
)
from sandbox.call import Call
from sandbox.errors import not_found
from sandbox.routes.common import bool_field, list_envelope, page_size, paginate, path_id


def _container(call: Call) -> tuple[str, list[str], str]:
    block_id = path_id(call.params["block_id"], "block_id")
    store = call.store
    if block_id in store.pages:
        return block_id, store.pages[block_id].children, "page_id"
    if block_id in store.blocks:
        return block_id, store.blocks[block_id].children, "block_id"
    raise not_found("block", block_id)


def append(call: Call) -> dict[str, Any]:
    store = call.store
    parent_id, siblings, parent_type = _container(call)
    with store.writing():
        now = store.now()
        append_children(
            store, parent_id, siblings, call.body, now, parent_type=parent_type, validate_only=True
        )
        made = append_children(store, parent_id, siblings, call.body, now, parent_type=parent_type)
        if parent_type == "page_id":
            store.pages[parent_id].last_edited_time = now
            store.mark("page", store.pages[parent_id])
        else:
            store.mark("block", store.blocks[parent_id])
    return list_envelope([render_block(store, b) for b in made], None, False, "block")


def list_children(call: Call) -> dict[str, Any]:
    _parent_id, siblings, _kind = _container(call)
    size = page_size(call.query_one("page_size"), "query.page_size")
    alive = alive_children(call.store, siblings)
    chunk, cursor, more = paginate(alive, call.query_one("start_cursor"), size, "query.start_cursor")
    return list_envelope(chunk, cursor, more, "block")


def retrieve(call: Call) -> dict[str, Any]:
    block_id = path_id(call.params["block_id"], "block_id")
    found = any_block(call.store, block_id)
    if found is None:
        raise not_found("block", block_id)
    return found


def _trash_container(call: Call, object_id: str, trashed: bool) -> dict[str, Any]:
    """Put a page or a database (as its block) in the trash, or take it out."""
    store = call.store
    record = store.pages.get(object_id) or store.databases.get(object_id)
    if record is None:
        raise not_found("block", object_id)
    with store.writing():
        record.in_trash = trashed
        record.last_edited_time = store.now()
        store.mark("page" if object_id in store.pages else "database", record)
    return any_block(store, object_id) or {}


def update(call: Call) -> dict[str, Any]:
    block_id = path_id(call.params["block_id"], "block_id")
    store = call.store
    if block_id not in store.blocks and (block_id in store.pages or block_id in store.databases):
        trashed = bool_field(call.body, "in_trash")
        archived = bool_field(call.body, "archived")
        wanted = trashed if trashed is not None else archived
        current = (store.pages.get(block_id) or store.databases[block_id]).in_trash
        return _trash_container(call, block_id, current if wanted is None else wanted)
    block = get_block(store, block_id)
    update_block(store, block, call.body)
    return render_block(store, block)


def delete(call: Call) -> dict[str, Any]:
    store = call.store
    block_id = path_id(call.params["block_id"], "block_id")
    if block_id in store.pages or block_id in store.databases:
        return _trash_container(call, block_id, True)
    block = get_block(store, block_id)
    update_block(store, block, {"in_trash": True})
    return render_block(store, block)

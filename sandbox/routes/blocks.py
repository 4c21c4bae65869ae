"""``/v1/blocks``: a page's body (append and list children, retrieve, update, delete)."""

from __future__ import annotations

from typing import Any

from sandbox.app import Call
from sandbox.blocks import append_children, get_block, render_block, update_block
from sandbox.errors import not_found
from sandbox.render import page_title
from sandbox.routes.common import list_envelope, page_size, paginate, path_id


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
    store = call.store
    _parent_id, siblings, _kind = _container(call)
    size = page_size(call.query_one("page_size"), "query.page_size")
    alive = [store.blocks[c] for c in siblings if c in store.blocks and not store.blocks[c].in_trash]
    chunk, cursor, more = paginate(alive, call.query_one("start_cursor"), size, "query.start_cursor")
    return list_envelope([render_block(store, b) for b in chunk], cursor, more, "block")


def _page_block(call: Call, page_id: str) -> dict[str, Any]:
    store = call.store
    page = store.pages[page_id]
    bot = store.bot_ref()
    return {
        "object": "block",
        "id": page.id,
        "parent": page.parent,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "created_by": bot,
        "last_edited_by": bot,
        "has_children": bool(page.children),
        "archived": page.in_trash,
        "in_trash": page.in_trash,
        "type": "child_page",
        "child_page": {"title": page_title(store, page)},
    }


def retrieve(call: Call) -> dict[str, Any]:
    block_id = path_id(call.params["block_id"], "block_id")
    if block_id in call.store.pages:
        return _page_block(call, block_id)
    return render_block(call.store, get_block(call.store, block_id))


def update(call: Call) -> dict[str, Any]:
    block_id = path_id(call.params["block_id"], "block_id")
    block = get_block(call.store, block_id)
    update_block(call.store, block, call.body)
    return render_block(call.store, block)


def delete(call: Call) -> dict[str, Any]:
    store = call.store
    block_id = path_id(call.params["block_id"], "block_id")
    if block_id in store.pages:
        page = store.pages[block_id]
        with store.writing():
            page.in_trash = True
            page.last_edited_time = store.now()
            store.mark("page", page)
        return _page_block(call, block_id)
    block = get_block(store, block_id)
    update_block(store, block, {"in_trash": True})
    return render_block(store, block)

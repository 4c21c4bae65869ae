"""Blocks: the body of a page. Appending, listing, retrieving, updating and deleting them.

A page's or a block's `children` hold the ids of its blocks in order, and also of the pages and databases
created under it: those are listed (and retrieved, and deleted) as ``child_page`` and ``child_database``
blocks, as Notion lists them. Which types can be appended, and with what content: `sandbox.block_types`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.block_types import block_content, block_type, shown_content, updated_content
from sandbox.errors import body_invalid, not_found, validation
from sandbox.ids import maybe_id, new_id
from sandbox.records import Block, Database, Page
from sandbox.render import page_title
from sandbox.rich_text import check_array, plain_text

if TYPE_CHECKING:
    from sandbox.store import SandboxStore

MAX_NESTING = 2


def child_position(siblings: list[str], body: dict[str, Any]) -> int:
    """Where a new child goes among `siblings`: ``position`` (start, end, after a block) or ``after``."""
    after = body.get("after")
    position = body.get("position")
    if isinstance(position, dict):
        kind = position.get("type")
        if kind in ("start", "page_start"):
            return 0
        if kind == "after_block":
            inner = position.get("after_block")
            after = inner.get("id") if isinstance(inner, dict) else None
            if after is None:
                raise body_invalid("body.position.after_block.id", "a child block id", inner)
        elif kind not in ("end", "page_end"):
            raise body_invalid("body.position.type", '`"start"`, `"end"` or `"after_block"`', kind)
    elif position is not None:
        raise body_invalid("body.position", "an object", position)
    if after is None:
        return len(siblings)
    after_id = maybe_id(after)
    if after_id is None or after_id not in siblings:
        raise body_invalid("body.after", "a child block id", after)
    return siblings.index(after_id) + 1


def append_children(
    store: SandboxStore,
    parent_id: str,
    siblings: list[str],
    body: dict[str, Any],
    now: str,
    *,
    parent_type: str = "page_id",
    validate_only: bool = False,
    depth: int = 0,
) -> list[Block]:
    """Create ``body["children"]`` under ``parent_id`` (at the end, or where ``after``/``position`` says)."""
    children = check_array(body.get("children"), "body.children")
    position = child_position(siblings, body) if depth == 0 else len(siblings)
    made: list[tuple[str, dict[str, Any], list[Any]]] = []
    for i, raw in enumerate(children):
        kind = block_type(raw, f"body.children[{i}]")
        content, nested = block_content(kind, raw[kind], f"body.children[{i}].{kind}")
        if nested and depth >= MAX_NESTING:
            raise validation("body failed validation: children may be nested at most two levels deep.")
        made.append((kind, content, nested))
    if validate_only:
        for *_, nested in made:
            if nested:
                append_children(store, "", [], {"children": nested}, now, validate_only=True, depth=depth + 1)
        return []
    blocks: list[Block] = []
    for kind, content, nested in made:
        block = Block(new_id(), {"type": parent_type, parent_type: parent_id}, kind, content, now, now)
        store.blocks[block.id] = block
        siblings.insert(position, block.id)
        position += 1
        if nested:
            body = {"children": nested}
            append_children(
                store, block.id, block.children, body, now, parent_type="block_id", depth=depth + 1
            )
        store.mark("block", block)
        blocks.append(block)
    return blocks


def _common(store: SandboxStore, record: Block | Page | Database, kind: str) -> dict[str, Any]:
    bot = store.bot_ref()
    return {
        "object": "block",
        "id": record.id,
        "parent": record.parent,
        "created_time": record.created_time,
        "last_edited_time": record.last_edited_time,
        "created_by": bot,
        "last_edited_by": bot,
        "has_children": has_alive_child(store, getattr(record, "children", [])),
        "in_trash": record.in_trash,
        "type": kind,
        "archived": record.in_trash,
    }


def render_block(store: SandboxStore, block: Block) -> dict[str, Any]:
    shown = _common(store, block, block.type)
    shown[block.type] = shown_content(block.type, block.content)
    return shown


def page_block(store: SandboxStore, page: Page) -> dict[str, Any]:
    """A page as the ``child_page`` block Notion shows it as."""
    shown = _common(store, page, "child_page")
    shown["child_page"] = {"title": page_title(store, page)}
    return shown


def database_block(store: SandboxStore, database: Database) -> dict[str, Any]:
    """A database as the ``child_database`` block Notion shows it as."""
    shown = _common(store, database, "child_database")
    shown["child_database"] = {"title": plain_text(database.title)}
    return shown


def has_alive_child(store: SandboxStore, ids: list[str]) -> bool:
    for child in ids:
        record = store.blocks.get(child) or store.pages.get(child) or store.databases.get(child)
        if record is not None and not record.in_trash:
            return True
    return False


def alive_children(store: SandboxStore, ids: list[str]) -> list[dict[str, Any]]:
    """The children (blocks, pages, databases) not in the trash, as block objects."""
    shown: list[dict[str, Any]] = []
    for child in ids:
        found = any_block(store, child)
        if found is not None and not found["in_trash"]:
            shown.append(found)
    return shown


def any_block(store: SandboxStore, object_id: str) -> dict[str, Any] | None:
    """The block object for a block, a page or a database id (None if it is none of them)."""
    if object_id in store.blocks:
        return render_block(store, store.blocks[object_id])
    if object_id in store.pages:
        return page_block(store, store.pages[object_id])
    if object_id in store.databases:
        return database_block(store, store.databases[object_id])
    return None


def get_block(store: SandboxStore, block_id: str) -> Block:
    block = store.blocks.get(block_id)
    if block is None:
        raise not_found("block", block_id)
    return block


def update_block(store: SandboxStore, block: Block, body: dict[str, Any]) -> None:
    trash = body.get("in_trash", body.get("archived"))
    if trash is not None and not isinstance(trash, bool):
        raise body_invalid("body.in_trash", "a boolean", trash)
    content = None
    if block.type in body:
        content = updated_content(block.type, block.content, body[block.type], f"body.{block.type}")
    elif (kind := next((k for k in body if k not in ("in_trash", "archived", "type")), None)) is not None:
        raise validation(f"Block type {kind} does not match existing block type {block.type}.")
    if block.in_trash and trash is not False and content is not None:
        raise validation("Can't edit block that is archived. You must unarchive the block before editing.")
    now = store.now()
    with store.writing():
        if content is not None:
            block.content = content
        if trash is not None:
            block.in_trash = trash
        block.last_edited_time = now
        store.mark("block", block)

"""Blocks: the body of a page (paragraphs, headings, list items, to-dos and other simple blocks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.errors import body_invalid, not_found, validation
from sandbox.ids import maybe_id, new_id
from sandbox.values import check_array, rich_text

if TYPE_CHECKING:
    from sandbox.store import SandboxStore

TEXT_BLOCKS = frozenset(
    {"paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item", "numbered_list_item",
     "to_do", "toggle", "quote", "callout", "code"}
)  # fmt: skip
PLAIN_BLOCKS = frozenset({"divider", "table_of_contents", "breadcrumb"})
BLOCK_TYPES = TEXT_BLOCKS | PLAIN_BLOCKS


@dataclass
class Block:
    id: str
    parent: dict[str, Any]
    type: str
    content: dict[str, Any]
    created_time: str
    last_edited_time: str
    in_trash: bool = False
    children: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(**data)


def _content(kind: str, raw: Any, path: str) -> tuple[dict[str, Any], list[Any]]:
    if not isinstance(raw, dict):
        raise body_invalid(path, "an object", raw)
    nested = raw.get("children") or []
    if kind in PLAIN_BLOCKS:
        return {}, []
    content: dict[str, Any] = {"rich_text": rich_text(raw.get("rich_text", []), f"{path}.rich_text")}
    if kind == "to_do":
        checked = raw.get("checked", False)
        if not isinstance(checked, bool):
            raise body_invalid(f"{path}.checked", "a boolean", checked)
        content["checked"] = checked
    if kind == "code":
        content["caption"] = []
        content["language"] = raw.get("language", "plain text")
        return content, list(nested)
    if kind.startswith("heading_"):
        content["is_toggleable"] = bool(raw.get("is_toggleable", False))
    if kind == "callout":
        content["icon"] = raw.get("icon")
    color = raw.get("color", "default")
    if not isinstance(color, str):
        raise body_invalid(f"{path}.color", "a string", color)
    content["color"] = color
    return content, check_array(nested, f"{path}.children")


def _block_kind(raw: Any, path: str) -> str:
    if not isinstance(raw, dict):
        raise body_invalid(path, "an object", raw)
    kind = raw.get("type")
    if kind is None:
        kind = next((key for key in raw if key in BLOCK_TYPES), None)
    if not isinstance(kind, str) or kind not in BLOCK_TYPES or kind not in raw:
        raise body_invalid(f"{path}.type", "a supported block type", kind)
    return kind


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
    """Create ``body["children"]`` under ``parent_id`` (appended, or after ``body["after"]``)."""
    children = check_array(body.get("children"), "body.children")
    after = body.get("after")
    position = len(siblings)
    if after is not None:
        after_id = maybe_id(after)
        if after_id is None or after_id not in siblings:
            raise body_invalid("body.after", "a child block id", after)
        position = siblings.index(after_id) + 1
    made: list[tuple[str, dict[str, Any], list[Any]]] = []
    for i, raw in enumerate(children):
        kind = _block_kind(raw, f"body.children[{i}]")
        content, nested = _content(kind, raw[kind], f"body.children[{i}].{kind}")
        if nested and depth >= 2:
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
            append_children(
                store,
                block.id,
                block.children,
                {"children": nested},
                now,
                parent_type="block_id",
                depth=depth + 1,
            )
        store.mark("block", block)
        blocks.append(block)
    return blocks


def render_block(store: SandboxStore, block: Block) -> dict[str, Any]:
    bot = store.bot_ref()
    return {
        "object": "block",
        "id": block.id,
        "parent": block.parent,
        "created_time": block.created_time,
        "last_edited_time": block.last_edited_time,
        "created_by": bot,
        "last_edited_by": bot,
        "has_children": any(not store.blocks[c].in_trash for c in block.children if c in store.blocks),
        "archived": block.in_trash,
        "in_trash": block.in_trash,
        "type": block.type,
        block.type: block.content,
    }


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
        content, _nested = _content(block.type, body[block.type], f"body.{block.type}")
    elif (kind := next((k for k in body if k in BLOCK_TYPES), None)) is not None:
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

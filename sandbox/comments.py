"""Comments: created on a page or a block (a new discussion) or in an existing discussion, listed per page or
block, retrieved, edited and deleted. Attachments and markdown bodies are not supported (a 400, as for a
value Notion does not know).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import NotionError, body_invalid, not_found, validation
from sandbox.ids import maybe_id, new_id
from sandbox.records import Comment
from sandbox.rich_text import rich_text

if TYPE_CHECKING:
    from sandbox.store import SandboxStore


def comment_object(comment: Comment) -> dict[str, Any]:
    return {
        "object": "comment",
        "id": comment.id,
        "parent": comment.parent,
        "discussion_id": comment.discussion_id,
        "created_time": comment.created_time,
        "last_edited_time": comment.last_edited_time,
        "created_by": {"object": "user", "id": comment.created_by},
        "rich_text": comment.rich_text,
        "display_name": comment.display_name,
    }


def _unsupported(body: dict[str, Any]) -> None:
    for key in ("attachments", "markdown"):
        if key in body:
            raise validation(f"body failed validation: body.{key} is not supported by the sandbox.")


def _display_name(store: SandboxStore, raw: Any) -> dict[str, Any]:
    bot_name = store.users.get(store.bot_id, {}).get("name")
    if raw is None:
        return {"type": "integration", "resolved_name": bot_name}
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind in ("integration", "user"):
        return {"type": kind, "resolved_name": bot_name}
    custom = raw.get("custom") if isinstance(raw, dict) else None
    if kind == "custom" and isinstance(custom, dict) and isinstance(custom.get("name"), str):
        return {"type": "custom", "resolved_name": custom["name"]}
    raise body_invalid("body.display_name.type", '`"integration"`, `"user"` or `"custom"`', raw)


def _parent(store: SandboxStore, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise body_invalid("body.parent", "an object", raw)
    for key, records in (("page_id", store.pages), ("block_id", store.blocks)):
        if key in raw:
            object_id = maybe_id(raw[key])
            if object_id is None:
                raise body_invalid(f"body.parent.{key}", "a valid uuid", raw[key])
            if object_id not in records or records[object_id].in_trash:
                raise not_found("page" if key == "page_id" else "block", object_id)
            return {"type": key, key: object_id}
    raise body_invalid("body.parent.page_id", "defined", None)


def create_comment(store: SandboxStore, body: dict[str, Any]) -> Comment:
    """A new comment: on ``body.parent`` (a new discussion) or in ``body.discussion_id``."""
    _unsupported(body)
    text = rich_text(body.get("rich_text"), "body.rich_text")
    display = _display_name(store, body.get("display_name"))
    if "discussion_id" in body:
        discussion = maybe_id(body["discussion_id"])
        if discussion is None:
            raise body_invalid("body.discussion_id", "a valid uuid", body["discussion_id"])
        thread = next((c for c in store.comments.values() if c.discussion_id == discussion), None)
        if thread is None:
            raise not_found("discussion", discussion)
        parent = dict(thread.parent)
    elif "parent" in body:
        parent, discussion = _parent(store, body["parent"]), new_id()
    else:
        raise NotionError(
            400,
            "validation_error",
            "body failed validation. Fix one:\nbody.parent should be defined, instead was `undefined`.\n"
            "body.discussion_id should be defined, instead was `undefined`.",
        )
    now = store.now()
    comment = Comment(new_id(), parent, discussion, now, now, store.bot_id, text, display)
    with store.writing():
        store.comments[comment.id] = comment
        store.mark("comment", comment)
    return comment


def get_comment(store: SandboxStore, comment_id: str) -> Comment:
    comment = store.comments.get(comment_id)
    if comment is None or comment.in_trash:
        raise not_found("comment", comment_id)
    return comment


def comments_on(store: SandboxStore, block_id: str) -> list[Comment]:
    """The comments on a page or a block, oldest first; 404 if it is neither."""
    if block_id not in store.pages and block_id not in store.blocks:
        raise not_found("block", block_id)
    return [
        comment
        for comment in store.comments.values()
        if not comment.in_trash
        and block_id in (comment.parent.get("page_id"), comment.parent.get("block_id"))
    ]


def edit_comment(store: SandboxStore, comment: Comment, body: dict[str, Any]) -> None:
    _unsupported(body)
    text = rich_text(body.get("rich_text"), "body.rich_text")
    with store.writing():
        comment.rich_text = text
        comment.last_edited_time = store.now()
        store.mark("comment", comment)


def delete_comment(store: SandboxStore, comment: Comment) -> None:
    with store.writing():
        comment.in_trash = True
        store.mark("comment", comment)

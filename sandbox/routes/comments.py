"""``/v1/comments``: create, list (per page or block), retrieve, update and delete comments."""

from __future__ import annotations

from typing import Any

from sandbox.call import Call
from sandbox.comments import (
    comment_object,
    comments_on,
    create_comment,
    delete_comment,
    edit_comment,
    get_comment,
)
from sandbox.errors import validation
from sandbox.ids import normalize_id
from sandbox.routes.common import list_envelope, page_size, paginate, path_id


def create(call: Call) -> dict[str, Any]:
    return comment_object(create_comment(call.store, call.body))


def list_comments(call: Call) -> dict[str, Any]:
    raw = call.query_one("block_id")
    if raw is None:
        raise validation(
            "query failed validation: query.block_id should be defined, instead was `undefined`."
        )
    found = comments_on(call.store, normalize_id(raw, "query.block_id"))
    size = page_size(call.query_one("page_size"), "query.page_size")
    chunk, cursor, more = paginate(found, call.query_one("start_cursor"), size, "query.start_cursor")
    return list_envelope([comment_object(c) for c in chunk], cursor, more, "comment")


def retrieve(call: Call) -> dict[str, Any]:
    return comment_object(get_comment(call.store, path_id(call.params["comment_id"], "comment_id")))


def update(call: Call) -> dict[str, Any]:
    comment = get_comment(call.store, path_id(call.params["comment_id"], "comment_id"))
    edit_comment(call.store, comment, call.body)
    return comment_object(comment)


def delete(call: Call) -> dict[str, Any]:
    comment = get_comment(call.store, path_id(call.params["comment_id"], "comment_id"))
    delete_comment(call.store, comment)
    return comment_object(comment)

"""``/v1/users``: the integration's bot user and the workspace's people."""

from __future__ import annotations

from typing import Any

from sandbox.call import Call
from sandbox.errors import not_found
from sandbox.routes.common import list_envelope, page_size, paginate, path_id


def me(call: Call) -> dict[str, Any]:
    """The integration's bot user, with its workspace (name, id, limits)."""
    return dict(call.store.users[call.store.bot_id])


def retrieve(call: Call) -> dict[str, Any]:
    user_id = path_id(call.params["user_id"], "user_id")
    user = call.store.users.get(user_id)
    if user is None:
        raise not_found("user", user_id)
    return dict(user)


def list_users(call: Call) -> dict[str, Any]:
    size = page_size(call.query_one("page_size"), "query.page_size")
    users = sorted(call.store.users.values(), key=lambda u: u["type"] != "person")
    chunk, cursor, more = paginate(users, call.query_one("start_cursor"), size, "query.start_cursor")
    return list_envelope([dict(u) for u in chunk], cursor, more, "user")

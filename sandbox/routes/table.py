"""The route table: (path, method, handler) for every endpoint the sandbox answers."""

from __future__ import annotations

from sandbox.call import Handler
from sandbox.routes import blocks, comments, data_sources, databases, pages, search, users

ROUTES: list[tuple[str, str, Handler]] = [
    ("/v1/users/me", "GET", users.me),
    ("/v1/users", "GET", users.list_users),
    ("/v1/users/{user_id}", "GET", users.retrieve),
    ("/v1/search", "POST", search.search),
    ("/v1/databases", "POST", databases.create),
    ("/v1/databases/{database_id}", "GET", databases.retrieve),
    ("/v1/databases/{database_id}", "PATCH", databases.update),
    ("/v1/data_sources", "POST", data_sources.create),
    ("/v1/data_sources/{data_source_id}", "GET", data_sources.retrieve),
    ("/v1/data_sources/{data_source_id}", "PATCH", data_sources.update),
    ("/v1/data_sources/{data_source_id}/query", "POST", data_sources.query),
    ("/v1/pages", "POST", pages.create),
    ("/v1/pages/{page_id}", "GET", pages.retrieve),
    ("/v1/pages/{page_id}", "PATCH", pages.update),
    ("/v1/pages/{page_id}/properties/{property_id:path}", "GET", pages.property_item),
    ("/v1/blocks/{block_id}/children", "GET", blocks.list_children),
    ("/v1/blocks/{block_id}/children", "PATCH", blocks.append),
    ("/v1/blocks/{block_id}", "GET", blocks.retrieve),
    ("/v1/blocks/{block_id}", "PATCH", blocks.update),
    ("/v1/blocks/{block_id}", "DELETE", blocks.delete),
    ("/v1/comments", "POST", comments.create),
    ("/v1/comments", "GET", comments.list_comments),
    ("/v1/comments/{comment_id}", "GET", comments.retrieve),
    ("/v1/comments/{comment_id}", "PATCH", comments.update),
    ("/v1/comments/{comment_id}", "DELETE", comments.delete),
]

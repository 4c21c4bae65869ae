"""``POST /v1/search``: pages and data sources by title."""

from __future__ import annotations

from typing import Any

from sandbox.call import Call
from sandbox.errors import body_invalid
from sandbox.render import for_response, full_page, page_title, source_object
from sandbox.rich_text import plain_text
from sandbox.routes.common import list_envelope, page_size, paginate


def search(call: Call) -> dict[str, Any]:
    store = call.store
    body = call.body
    text = body.get("query", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise body_invalid("body.query", "a string", text)
    wanted: str | None = None
    spec = body.get("filter")
    if spec is not None:
        if not isinstance(spec, dict) or spec.get("property") != "object":
            raise body_invalid("body.filter.property", '`"object"`', spec)
        if spec.get("value") not in ("page", "data_source"):
            raise body_invalid("body.filter.value", '`"page"` or `"data_source"`', spec.get("value"))
        wanted = spec["value"]
    descending = True
    sort = body.get("sort")
    if sort is not None:
        if not isinstance(sort, dict) or sort.get("direction") not in ("ascending", "descending"):
            raise body_invalid("body.sort.direction", '`"ascending"` or `"descending"`', sort)
        if sort.get("timestamp") != "last_edited_time":
            raise body_invalid("body.sort.timestamp", '`"last_edited_time"`', sort.get("timestamp"))
        descending = sort["direction"] == "descending"
    size = page_size(body.get("page_size"), "body.page_size")
    needle = text.casefold()
    found: list[tuple[str, int, str, Any]] = []
    if wanted in (None, "data_source"):
        for order, source in enumerate(store.sources.values()):
            if not source.in_trash and needle in plain_text(source.title).casefold():
                found.append((source.last_edited_time, -order, "data_source", source))
    if wanted in (None, "page"):
        for page in store.pages.values():
            if not page.in_trash and needle in page_title(store, page).casefold():
                found.append((page.last_edited_time, page.seq, "page", page))
    found.sort(key=lambda item: (item[0], item[1]), reverse=descending)
    chunk, cursor, more = paginate(found, body.get("start_cursor"), size, "body.start_cursor")
    results = [
        source_object(store, item) if kind == "data_source" else for_response(full_page(store, item))
        for _t, _o, kind, item in chunk
    ]
    return list_envelope(results, cursor, more, "page_or_data_source")

"""`POST /v1/data_sources/{id}/query`, as a pure function over the data source's current rows.

`run_query` validates the body the way Notion does (every malformed part is a QueryError whose message is the
400 `validation_error` message), then filters, sorts and cuts one page of results. Pagination is keyset
based (see `sandbox.cursor`): a cursor resumes strictly after the last row it returned, in the order
recomputed on the rows of the next call, so writes between requests cause no duplicates or skips among the
rows that did not change. Without sorts, rows come in creation order; empties sort last (`sandbox.sorting`).
Pages are returned as they are, never copied: callers must not mutate them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.cursor import Position, decode_cursor, encode_cursor, invalid_cursor
from sandbox.filters_tree import compile_filter
from sandbox.query_common import QueryError, invalid
from sandbox.sorting import Entry, SortPlan, compile_sorts, first_after, ordered

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "QueryError", "QueryRow", "run_query"]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class QueryRow:
    """A page of the data source: `seq` is its creation sequence (a stable tiebreak), `page` the page
    object as retrieve returns it."""

    seq: int
    page: dict[str, Any]


def run_query(
    rows: Sequence[QueryRow],
    body: dict[str, Any],
    schema: dict[str, dict[str, Any]],
    *,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None, bool]:
    """Validate `body` (filter, sorts, start_cursor, page_size), filter, sort and paginate `rows`.

    Returns the page objects of this page, the `next_cursor` and `has_more`. `schema` is the data source's
    `properties` keyed by name; `now` (default: the current UTC time) anchors relative date filters.
    Other body keys (`archived`, `in_trash`, `filter_properties`...) are the caller's business and ignored.
    """
    if not isinstance(body, dict):
        raise invalid("body", "an object", body)
    page_size = _page_size(body.get("page_size"))
    plan = compile_sorts(body.get("sorts"), schema)
    spec = body.get("filter")
    predicate = None if spec is None else compile_filter(spec, schema, now or datetime.now(UTC))
    cursor = body.get("start_cursor")
    position = None if cursor is None else decode_cursor(cursor, plan.fingerprint, len(plan.readers))

    matched = list(rows) if predicate is None else [row for row in rows if predicate(row.page)]
    window, has_more = _window(matched, plan, position, page_size, cursor)
    next_cursor = None
    if has_more:
        last_key, last_seq, _ = window[-1]
        next_cursor = encode_cursor(plan.fingerprint, Position(last_key, last_seq))
    return [entry[2] for entry in window], next_cursor, has_more


def _window(
    matched: list[QueryRow], plan: SortPlan, position: Position | None, page_size: int, cursor: Any
) -> tuple[list[Entry], bool]:
    """This page's entries in query order and whether more follow; creation order needs no sort keys."""
    if not plan.readers:
        matched.sort(key=_seq_of)
        start = 0 if position is None else bisect_right(matched, position.seq, key=_seq_of)
        window: list[Entry] = [((), row.seq, row.page) for row in matched[start : start + page_size]]
        return window, bool(start + page_size < len(matched))
    entries = ordered([(row.seq, row.page) for row in matched], plan)
    start = 0
    if position is not None:
        try:
            start = first_after(entries, plan, position.key, position.seq)
        except TypeError:
            raise invalid_cursor(str(cursor)) from None
    return entries[start : start + page_size], start + page_size < len(entries)


def _seq_of(row: QueryRow) -> int:
    return row.seq


def _page_size(value: Any) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("body.page_size", "an integer", value)
    if value < 1:
        raise invalid("body.page_size", "≥ `1`", value)
    if value > MAX_PAGE_SIZE:
        raise invalid("body.page_size", f"≤ `{MAX_PAGE_SIZE}`", value)
    return int(value)

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sandbox.cursor import Position, decode_cursor, encode_cursor, invalid_cursor
from sandbox.filters_tree import Predicate, compile_filter
from sandbox.query_common import QueryError, invalid
from sandbox.sorting import Entry, SortPlan, compile_sorts, first_after, ordered

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "PreparedQuery",
    "QueryError",
    "QueryRow",
    "matching_entries",
    "next_cursor",
    "page_after",
    "prepare_query",
    "run_query",
]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class QueryRow:
    """A page of the data source: `seq` is its creation sequence (a stable tiebreak), `page` the page
    object as retrieve returns it."""

    seq: int
    page: dict[str, Any]


@dataclass(frozen=True)
class PreparedQuery:
    """A query body, validated: its page size, sorts, filter and the position its cursor resumes after."""

    page_size: int
    plan: SortPlan
    predicate: Predicate | None
    position: Position | None
    cursor: Any


def prepare_query(body: Any, schema: dict[str, dict[str, Any]], now: datetime | None = None) -> PreparedQuery:
    """`body` validated the way Notion does (a QueryError for what it refuses), filter and sorts compiled."""
    if not isinstance(body, dict):
        raise invalid("body", "an object", body)
    page_size = _page_size(body.get("page_size"))
    plan = compile_sorts(body.get("sorts"), schema)
    spec = body.get("filter")
    predicate = None if spec is None else compile_filter(spec, schema, now or datetime.now(UTC))
    cursor = body.get("start_cursor")
    position = None if cursor is None else decode_cursor(cursor, plan.fingerprint, len(plan.readers))
    return PreparedQuery(page_size, plan, predicate, position, cursor)


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
    This is the reference evaluation, over every row; `sandbox.query_live` answers the same over a store
    without looking at every row.
    """
    query = prepare_query(body, schema, now)
    entries = matching_entries(rows, query)
    return page_after(entries, query)


def matching_entries(rows: Iterable[QueryRow], query: PreparedQuery) -> list[Entry]:
    """Every row `query` matches, in query order (whatever its cursor and page size)."""
    predicate = query.predicate
    matched = list(rows) if predicate is None else [row for row in rows if predicate(row.page)]
    if not query.plan.readers:
        matched.sort(key=_seq_of)
        return [((), row.seq, row.page) for row in matched]
    return ordered([(row.seq, row.page) for row in matched], query.plan)


def page_after(entries: list[Entry], query: PreparedQuery) -> tuple[list[dict[str, Any]], str | None, bool]:
    """The page of `entries` (all the matches, in query order) that starts after the query's cursor."""
    start = 0
    position = query.position
    if position is not None and not query.plan.readers:
        start = bisect_right(entries, position.seq, key=itemgetter(1))
    elif position is not None:
        try:
            start = first_after(entries, query.plan, position.key, position.seq)
        except TypeError:
            raise invalid_cursor(str(query.cursor)) from None
    window = entries[start : start + query.page_size]
    has_more = start + query.page_size < len(entries)
    return [entry[2] for entry in window], next_cursor(query, window[-1] if has_more else None), has_more


def next_cursor(query: PreparedQuery, last: Entry | None) -> str | None:
    """The cursor that resumes after `last` (None: the pagination ends here)."""
    if last is None:
        return None
    return encode_cursor(query.plan.fingerprint, Position(last[0], last[1]))


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

"""Query cursors: opaque strings that carry a keyset position.

A cursor holds the sort key and creation sequence of the last page a response returned, plus a fingerprint
of the sorts it was made for. The next request starts strictly after that position in the order recomputed
over the current pages, so pages written or removed between requests neither shift nor repeat the pages that
did not change. Clients must treat cursors as opaque (``pq1.`` + unpadded urlsafe base64 of compact JSON);
anything that does not decode to a position for the same sorts is refused with a QueryError, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

from sandbox.query_common import QueryError, invalid
from sandbox.sorting import Component, Key

PREFIX = "pq1."
MAX_LENGTH = 1_000_000
MAX_NESTING = 2


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page of results ended: the last row's sort key and creation sequence."""

    key: Key
    seq: int


def encode_cursor(fingerprint: str, position: Position) -> str:
    """The cursor a response hands out for `position` under the sorts with `fingerprint`."""
    payload = {"f": fingerprint, "k": position.key, "s": position.seq}
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return PREFIX + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: Any, fingerprint: str, width: int) -> Position:
    """The position in `cursor`, which must come from a query with the same sorts (`width` of them)."""
    if not isinstance(cursor, str):
        raise invalid("body.start_cursor", "a string", cursor)
    position = _position(cursor, fingerprint, width)
    if position is None:
        raise invalid_cursor(cursor)
    return position


def invalid_cursor(cursor: str) -> QueryError:
    """The error for a cursor this server did not hand out for these sorts."""
    shown = cursor if len(cursor) <= 100 else cursor[:97] + "..."
    return QueryError(f"The start_cursor provided is invalid: {shown}")


def _position(cursor: str, fingerprint: str, width: int) -> Position | None:
    if not cursor.startswith(PREFIX) or len(cursor) > MAX_LENGTH:
        return None
    body = cursor[len(PREFIX) :]
    try:
        text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        payload = json.loads(text)
    except (binascii.Error, ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or set(payload) != {"f", "k", "s"} or payload["f"] != fingerprint:
        return None
    seq, raw_key = payload["s"], payload["k"]
    if type(seq) is not int or not isinstance(raw_key, list) or len(raw_key) != width:
        return None
    key = [_component(item) for item in raw_key]
    if any(component is None for component in key):
        return None
    return Position(tuple(component for component in key if component is not None), seq)


def _component(item: Any) -> Component | None:
    if not (isinstance(item, list) and len(item) == 3):
        return None
    empty, rank, value = item
    if type(empty) is not bool or type(rank) is not int:
        return None
    if empty:
        return (True, rank, None) if value is None else None
    thawed = _value(value, 0)
    return None if thawed is _INVALID else (False, rank, thawed)


_INVALID = object()


def _value(value: Any, depth: int) -> Any:
    if isinstance(value, str) or type(value) is int:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _INVALID
    if isinstance(value, list) and depth < MAX_NESTING:
        items = [_value(item, depth + 1) for item in value]
        return _INVALID if any(item is _INVALID for item in items) else tuple(items)
    return _INVALID

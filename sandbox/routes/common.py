"""Helpers shared by the route modules: list envelopes, pagination, id and size checks."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar

from sandbox.errors import NotionError, validation
from sandbox.ids import normalize_id

T = TypeVar("T")
MAX_PAGE_SIZE = 100


def path_id(value: str, name: str) -> str:
    return normalize_id(value, f"path.{name}")


def page_size(raw: Any, where: str) -> int:
    """``page_size`` from a body (an int) or a query string (digits); 1–100, default 100."""
    if raw is None:
        return MAX_PAGE_SIZE
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise validation(
            f"{where.split('.')[0]} failed validation: {where} should be a number, instead was `{raw!r}`."
        )
    if not 1 <= raw <= MAX_PAGE_SIZE:
        raise validation(
            f"{where.split('.')[0]} failed validation: {where} should be ≤ `100` and ≥ `1`, "
            f"instead was `{raw}`."
        )
    return raw


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"sandbox:{position}".encode()).decode().rstrip("=")


def decode_cursor(raw: Any, where: str) -> int:
    if raw is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(raw) + "=" * (-len(str(raw)) % 4)).decode()
        prefix, position = text.split(":")
        if prefix != "sandbox" or not position.isdigit():
            raise ValueError(text)
        return int(position)
    except (ValueError, UnicodeDecodeError):
        section = where.split(".")[0]
        raise validation(
            f"{section} failed validation: {where} should be a valid cursor, instead was `{raw!r}`."
        ) from None


def paginate(
    items: Sequence[T], start_cursor: Any, size: int, where: str
) -> tuple[list[T], str | None, bool]:
    start = decode_cursor(start_cursor, where)
    chunk = list(items[start : start + size])
    more = start + size < len(items)
    return chunk, encode_cursor(start + size) if more else None, more


def list_envelope(results: list[Any], next_cursor: str | None, has_more: bool, kind: str) -> dict[str, Any]:
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": has_more,
        "type": kind,
        kind: {},
    }


def bool_field(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise validation(f"body failed validation: body.{key} should be a boolean, instead was `{value!r}`.")
    return value


__all__ = ["NotionError", "list_envelope", "page_size", "paginate", "path_id"]

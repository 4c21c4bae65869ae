"""Identifiers and timestamps as Notion spells them."""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from sandbox.errors import NotionError, validation

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
# Characters Notion uses in property ids (before URL-encoding); "/", "?" and "#" are left out so that an
# id sent decoded never splits a URL path (which would make a client's request depend on the id drawn).
_PROPERTY_ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~!@$^&*()_+=[]{};:<>|`"
_rng = random.Random()


def new_id() -> str:
    return str(uuid.uuid4())


def request_id() -> str:
    return str(uuid.uuid4())


def new_property_id(taken: set[str]) -> str:
    """A short URL-encoded id such as ``%3Djxv``, distinct from ``taken``."""
    while True:
        raw = "".join(_rng.choice(_PROPERTY_ID_CHARS) for _ in range(4))
        encoded = quote(raw, safe="~_")
        if encoded not in taken and encoded != "title":
            return encoded


def normalize_id(value: object, what: str = "path.id") -> str:
    """A UUID with or without dashes, in its dashed lower-case form; anything else is a 400."""
    if not isinstance(value, str) or not _UUID.match(value):
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
        raise validation(f"{_path_phrase(what)} should be a valid uuid, instead was `{shown}`.")
    return str(uuid.UUID(value.replace("-", "")))


def maybe_id(value: object) -> str | None:
    if isinstance(value, str) and _UUID.match(value):
        return str(uuid.UUID(value.replace("-", "")))
    return None


def _path_phrase(what: str) -> str:
    section = what.split(".", 1)[0]
    return f"{section} failed validation: {what}"


class Clock:
    """Wall-clock ISO timestamps that strictly increase, so every write advances last_edited_time."""

    def __init__(self) -> None:
        self._last_ms = 0

    def now_ms(self) -> int:
        ms = int(time.time() * 1000)
        self._last_ms = max(ms, self._last_ms + 1)
        return self._last_ms

    def observe(self, iso: str) -> None:
        """Never hand out a time earlier than one already stored (after a restart)."""
        self._last_ms = max(self._last_ms, parse_ms(iso))


def iso_ms(ms: int) -> str:
    stamp = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(iso: str) -> int:
    try:
        return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


def notion_url(title: str, object_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")
    compact = object_id.replace("-", "")
    return f"https://www.notion.so/{slug}-{compact}" if slug else f"https://www.notion.so/{compact}"


__all__ = ["Clock", "NotionError", "iso_ms", "maybe_id", "new_id", "new_property_id", "normalize_id"]

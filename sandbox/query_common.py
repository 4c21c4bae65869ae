"""What the query modules share: the error they raise, how they quote values, and property lookup.

Everything here is pure. Values read from pages are trusted to be in Notion's response shape, but readers
never assume more than they check, so a page written oddly reads as empty rather than crashing a query.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import unquote

K = TypeVar("K")
V = TypeVar("V")


class TrackedDict(dict[K, V]):
    """A dict the garbage collector never stops tracking, for the query indexes' large maps of pages.

    A full collection untracks every plain dict holding only atomic values (an index's page -> (sequence,
    key) map, once its tuples are untracked), and the next write that files a page tracks it again, in the
    youngest generation: the next young collections then each traverse all its entries (about 10 ms at
    100,000 pages, in a request that happens to collect), until it is old again. An instance of a subclass
    is tracked from creation on and never untracked, so it stays in the old generation (or the permanent
    one, once the server freezes it) and young collections never see it."""

    __slots__ = ()


class QueryError(Exception):
    """A query body Notion would refuse; the message is the `validation_error` message of a 400."""


def shown(value: Any) -> str:
    """`value` as Notion quotes it in validation messages: compact JSON in backticks, cut when long."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"`{text}`"


def invalid(path: str, expectation: str, value: Any) -> QueryError:
    """The error for `path` holding `value` where it `should be` something else."""
    return QueryError(f"body failed validation: {path} should be {expectation}, instead was {shown(value)}.")


def undefined(*paths: str) -> QueryError:
    """The error for a required key that is missing; several paths read as Notion's "Fix one:" list."""
    lines = [f"{path} should be defined, instead was `undefined`." for path in paths]
    if len(lines) == 1:
        return QueryError(f"body failed validation: {lines[0]}")
    return QueryError("body failed validation. Fix one:\n" + "\n".join(lines))


def is_number(value: Any) -> bool:
    """A JSON number Notion accepts: an int or a finite float, never a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


@dataclass(frozen=True, slots=True)
class Property:
    """A data source property a filter or sort refers to."""

    name: str
    id: str
    type: str
    config: Mapping[str, Any]


def resolve_property(schema: Mapping[str, Any], ref: Any, path: str, *, sort: bool = False) -> Property:
    """The property `ref` names, by name first and then by id (URL-encoded or not), as Notion resolves it."""
    if not isinstance(ref, str):
        raise invalid(path, "a string", ref)
    found = schema.get(ref)
    if not isinstance(found, dict):
        found = None
        for candidate in schema.values():
            if isinstance(candidate, dict) and _id_matches(candidate.get("id"), ref):
                found = candidate
                break
    if found is None:
        noun = "sort property" if sort else "property"
        raise QueryError(f"Could not find {noun} with name or id: {ref}")
    name = found.get("name")
    if not isinstance(name, str):
        name = ref
    prop_type = found.get("type")
    config = found.get(prop_type) if isinstance(prop_type, str) else None
    return Property(
        name=name,
        id=str(found.get("id", name)),
        type=prop_type if isinstance(prop_type, str) else "",
        config=config if isinstance(config, dict) else {},
    )


def _id_matches(prop_id: Any, ref: str) -> bool:
    return isinstance(prop_id, str) and (prop_id == ref or unquote(prop_id) == ref)


# --- readers: a property value's inner part (`prop[prop["type"]]`) as a plain Python value ---------------


def text_of(value: Any) -> str:
    """Rich text (a list of objects with `plain_text`) or a plain string; anything else reads as ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], dict):
            text = value[0].get("plain_text")
            return text if isinstance(text, str) else ""
        return "".join(
            part["plain_text"]
            for part in value
            if isinstance(part, dict) and isinstance(part.get("plain_text"), str)
        )
    return ""


def option_name(value: Any) -> str | None:
    """The option name of a select or status value, or None when unset."""
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            return name
    return None


def option_names(value: Any) -> list[str]:
    """The option names of a multi_select value."""
    if not isinstance(value, list):
        return []
    return [name for name in map(option_name, value) if name is not None]


def ids_of(value: Any) -> list[str]:
    """Normalised ids of a people, relation, created_by or last_edited_by value (a list or one object)."""
    items = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    return [
        normal_id(item["id"]) for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def normal_id(text: str) -> str:
    """An id compared the way Notion compares ids: case-insensitive, dashes optional."""
    return text.replace("-", "").lower()


def names_of(value: Any) -> list[str]:
    """User names of a people-like value, for sorting."""
    items = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    return [item["name"] for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)]


def number_of(value: Any) -> int | float | None:
    """A number value, or the number of a unique_id value; None when empty."""
    if isinstance(value, dict):
        value = value.get("number")
    return value if is_number(value) else None


@dataclass(frozen=True, slots=True)
class Moment:
    """A date or datetime: `day` is its calendar day (UTC for datetimes); `instant` is set with a time."""

    day: date
    instant: datetime | None

    @property
    def epoch(self) -> float:
        """Seconds since 1970 (a date-only value counts from midnight UTC): the sort key of a date."""
        if self.instant is not None:
            return self.instant.timestamp()
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC).timestamp()


def parse_moment(text: Any) -> Moment | None:
    """An ISO 8601 date (`2026-01-15`) or datetime; datetimes without an offset are taken as UTC."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    try:
        if len(text) <= 10:
            return Moment(date.fromisoformat(text), None)
        instant = datetime.fromisoformat(text)
        instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return Moment(instant.date(), instant)


def moment_of(value: Any) -> Moment | None:
    """The start of a date value (`{start, end, time_zone}`) or a timestamp string; None when empty."""
    if isinstance(value, dict):
        value = value.get("start")
    return parse_moment(value)

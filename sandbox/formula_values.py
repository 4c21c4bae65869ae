"""The values a formula computes with: numbers, strings, booleans, dates, people and lists (None is empty).

`DateValue` is a date or a moment (with its UTC offset), optionally a range; `Person` a user as
``prop("Owner")`` sees it. `text` and `number` convert as Notion's ``format`` and ``toNumber`` do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


class FormulaTypeError(TypeError):
    """A value of the wrong type for an operation: the formula gives an empty value."""


@dataclass(frozen=True)
class DateValue:
    start: datetime
    end: datetime | None = None
    has_time: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"start": _iso(self.start, self.has_time), "end": _iso_or_none(self.end, self.has_time),
                "time_zone": None}  # fmt: skip

    def text(self) -> str:
        if self.has_time:
            return self.start.strftime("%B %-d, %Y %-I:%M %p")
        return self.start.strftime("%B %-d, %Y")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str


def _iso(moment: datetime, has_time: bool) -> str:
    if not has_time:
        return moment.date().isoformat()
    stamp = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    offset = stamp.strftime("%z")
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}{offset[:3]}:{offset[3:]}"


def _iso_or_none(moment: datetime | None, has_time: bool) -> str | None:
    return None if moment is None else _iso(moment, has_time)


def parse_date_text(text: Any) -> DateValue | None:
    """An ISO 8601 date or datetime string as a DateValue, or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return DateValue(datetime(day.year, day.month, day.day, tzinfo=UTC), has_time=False)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return DateValue(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


def date_of(value: Any) -> DateValue | None:
    """A stored date value (``{start, end, time_zone}``) or a timestamp string as a DateValue."""
    if isinstance(value, dict):
        start = parse_date_text(value.get("start"))
        end = parse_date_text(value.get("end"))
        if start is None:
            return None
        return DateValue(start.start, end.start if end else None, start.has_time)
    return parse_date_text(value)


def text(value: Any) -> str:
    """A value as text, as ``format()`` writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, DateValue):
        return value.text()
    if isinstance(value, Person):
        return value.name
    if isinstance(value, list):
        return ", ".join(text(item) for item in value)
    return str(value)


def number(value: Any) -> float | int:
    """A number operand; anything else is a FormulaTypeError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormulaTypeError("not a number")
    return value


def to_number(value: Any) -> float | int | None:
    """``toNumber``: numbers as they are, numeric text parsed, booleans as 1/0, dates as milliseconds."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    if isinstance(value, DateValue):
        return int(value.start.timestamp() * 1000)
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        return int(parsed) if parsed.is_integer() else parsed
    return None


def is_empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or value is False
        or (isinstance(value, int | float) and not isinstance(value, bool) and value == 0)
    )


def finite(value: Any) -> Any:
    """Infinities and NaN read as empty, as in Notion."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def kind_of(value: Any) -> str:
    """The formula type of a value: number, string, boolean, date, list, person or empty."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, DateValue):
        return "date"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Person):
        return "person"
    return "string"

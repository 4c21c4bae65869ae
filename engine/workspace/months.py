"""Work months: `YYYY-MM` as its first and last day, and the Notion filter of a date within it."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from engine.workspace.config import Config

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_span(month: str) -> tuple[date, date]:
    """`YYYY-MM` → (first day, last day); a ValueError says what was expected."""
    match = _MONTH.match(month)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"month must look like YYYY-MM (e.g. 2026-01), not {month!r}")
    year, number = int(match.group(1)), int(match.group(2))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def in_month(config: Config, logical: str, name: str, month: str) -> list[dict[str, Any]]:
    """The two Notion date conditions (to `and` with others) of property `name` falling within `month`."""
    first, last = month_span(month)
    prop = config.prop(logical, name)
    return [
        {"property": prop, "date": {"on_or_after": first.isoformat()}},
        {"property": prop, "date": {"on_or_before": last.isoformat()}},
    ]

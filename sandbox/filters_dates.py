"""Date conditions, for date properties, created_time / last_edited_time and date formulas and rollups.

How values compare, following Notion:
- a page's date is the `start` of its value; datetimes are taken to UTC (without an offset they are UTC);
- `equals` means the same calendar day;
- `before`, `after`, `on_or_before`, `on_or_after` compare instants when both sides have a time, and calendar
  days when either side is a bare date;
- relative conditions (`past_week` ...) compare calendar days with a window around today's UTC date, bounds
  included: `past_week` is the last seven days up to today, `next_month` today up to the same day next month,
  `this_week` the ISO week (Monday to Sunday) holding today.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sandbox.filters_conditions import EMPTINESS, Test, emptiness, split_condition
from sandbox.query_common import Moment, invalid, moment_of, parse_moment

ABSOLUTE = ("equals", "before", "after", "on_or_before", "on_or_after")
RELATIVE = ("past_week", "past_month", "past_year", "next_week", "next_month", "next_year", "this_week")
DATE = (*ABSOLUTE, *EMPTINESS, *RELATIVE)


def date_condition(cond: Any, path: str, now: datetime) -> Test:
    """A date condition over a date value, a timestamp string, or None."""
    key, target = split_condition(cond, path, DATE)
    if key in EMPTINESS:
        return emptiness(key, target, path, lambda inner: moment_of(inner) is None)
    if key in RELATIVE:
        if not (isinstance(target, dict) and not target):
            raise invalid(f"{path}.{key}", "an empty object", target)
        first, last = relative_window(key, now.date())
        return _within(first, last)
    wanted = parse_moment(target)
    if wanted is None:
        raise invalid(f"{path}.{key}", "a valid ISO 8601 date string", target)
    return _absolute(key, wanted)


def _within(first: date, last: date) -> Test:
    def test(inner: Any) -> bool:
        moment = moment_of(inner)
        return moment is not None and first <= moment.day <= last

    return test


def _absolute(key: str, wanted: Moment) -> Test:
    if key == "equals":

        def same_day(inner: Any) -> bool:
            moment = moment_of(inner)
            return moment is not None and moment.day == wanted.day

        return same_day

    compare: Callable[[Any, Any], bool] = {
        "before": lambda a, b: a < b,
        "after": lambda a, b: a > b,
        "on_or_before": lambda a, b: a <= b,
        "on_or_after": lambda a, b: a >= b,
    }[key]

    def test(inner: Any) -> bool:
        moment = moment_of(inner)
        if moment is None:
            return False
        if moment.instant is not None and wanted.instant is not None:
            return compare(moment.instant, wanted.instant)
        return compare(moment.day, wanted.day)

    return test


def relative_window(key: str, today: date) -> tuple[date, date]:
    """The first and last day (both included) a relative date condition matches, seen from `today`."""
    if key == "this_week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    step = {"week": None, "month": 1, "year": 12}[key.split("_", 1)[1]]
    if key.startswith("past_"):
        return (today - timedelta(days=7) if step is None else add_months(today, -step)), today
    return today, (today + timedelta(days=7) if step is None else add_months(today, step))


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    year = min(max(year, 1), 9999)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))

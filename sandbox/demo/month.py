"""The work month the demo is seeded for: its days, weekends and the names the records use."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class WorkMonth:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> WorkMonth:
        """`YYYY-MM` → WorkMonth; a ValueError says what was expected."""
        match = _MONTH.match(text)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"month must look like YYYY-MM (e.g. 2026-01), not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def compact(self) -> str:
        """`YYYYMM`, as in Order titles and Invoice IDs."""
        return f"{self.year:04d}{self.month:02d}"

    @property
    def name(self) -> str:
        return calendar.month_name[self.month]

    @property
    def short(self) -> str:
        """`Jan 2026`."""
        return f"{calendar.month_abbr[self.month]} {self.year}"

    def day(self, number: int) -> date:
        return date(self.year, self.month, number)

    def previous(self) -> WorkMonth:
        before = self.first - timedelta(days=1)
        return WorkMonth(before.year, before.month)

    def following(self) -> WorkMonth:
        after = self.last + timedelta(days=1)
        return WorkMonth(after.year, after.month)

    def weekend_days(self, after: int = 1) -> list[date]:
        """Saturdays and Sundays of the month later than day `after`."""
        days = (self.day(n) for n in range(after + 1, self.last.day + 1))
        return [d for d in days if d.weekday() >= 5]

    def weekdays(self, start: int, end: int) -> list[date]:
        """Monday-Friday days numbered from `start` to `end` (inclusive)."""
        days = (self.day(n) for n in range(start, end + 1))
        return [d for d in days if d.weekday() < 5]

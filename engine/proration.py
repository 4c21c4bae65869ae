"""Work months, weekdays and the proration of a monthly fixed fee (DOMAIN.md flow 1).

A Monthly Fixed (or Mixed) rate pays `monthly × weekdays(from, month end) ÷ weekdays(month)`, where `from`
is the later of the rate's Start Date and the 1st of the month, rounded up to the next 1,000. A rate that
starts after the month ends pays nothing. Arithmetic is exact (fractions), so a full month is never
rounded up by a float's last bit.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, timedelta
from fractions import Fraction

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ROUND_TO = 1000


def month_span(month: str) -> tuple[date, date]:
    """`YYYY-MM` → (first day, last day); a ValueError says what was expected."""
    match = _MONTH.match(month)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"month must look like YYYY-MM (e.g. 2026-01), not {month!r}")
    year, number = int(match.group(1)), int(match.group(2))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def weekdays(start: date, end: date) -> int:
    """Monday-Friday days from `start` to `end`, both included (0 when `start` is after `end`)."""
    if start > end:
        return 0
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    extra = sum(1 for n in range(rest) if (start + timedelta(days=n)).weekday() < 5)
    return full_weeks * 5 + extra


def round_up(amount: Fraction | float, step: int = ROUND_TO) -> int:
    """The smallest multiple of `step` that is not below `amount`."""
    return math.ceil(Fraction(amount) / step) * step


def prorated(monthly: float, rate_start: date | None, month: str) -> int:
    """What a monthly fixed fee pays for `month` when its rate starts on `rate_start` (None: long before)."""
    first, last = month_span(month)
    start = max(rate_start or first, first)
    if start > last:
        return 0
    share = Fraction(weekdays(start, last), weekdays(first, last))
    return round_up(Fraction(monthly) * share)

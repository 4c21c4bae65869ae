"""Weekdays and the proration of a monthly fixed fee (DOMAIN.md flow 1).

A Monthly Fixed (or Mixed) rate pays `monthly × weekdays(from, month end) ÷ weekdays(month)`, where `from`
is the later of the rate's Start Date and the 1st of the month, rounded up to the next 1,000. A rate that
starts after the month ends pays nothing. Arithmetic is exact (the fee as Notion gave it, in fractions),
so a full month is never rounded up by a float's last bit.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from engine.workspace.months import month_span

ROUND_TO = 1000


def weekdays(start: date, end: date) -> int:
    """Monday-Friday days from `start` to `end`, both included (0 when `start` is after `end`)."""
    if start > end:
        return 0
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    extra = sum(1 for n in range(rest) if (start + timedelta(days=n)).weekday() < 5)
    return full_weeks * 5 + extra


def round_up(amount: Fraction | Decimal | int, step: int = ROUND_TO) -> int:
    """The smallest multiple of `step` that is not below `amount`."""
    return math.ceil(Fraction(amount) / step) * step


def prorated(monthly: Decimal | int, rate_start: date | None, month: str) -> int:
    """What a monthly fixed fee pays for `month` when its rate starts on `rate_start` (None: long before)."""
    first, last = month_span(month)
    start = max(rate_start or first, first)
    if start > last:
        return 0
    share = Fraction(weekdays(start, last), weekdays(first, last))
    return round_up(Fraction(monthly) * share)

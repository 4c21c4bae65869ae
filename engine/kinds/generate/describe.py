"""The words on a payroll payout: its name and its description, chosen by the contractor's position."""

from __future__ import annotations

import calendar
from collections.abc import Iterable

from engine.workspace.months import month_span


def service_period(month: str) -> str:
    """`(January 1-31, 2026)` for `2026-01`."""
    first, last = month_span(month)
    return f"({calendar.month_name[first.month]} 1-{last.day}, {first.year})"


def payout_name(month: str) -> str:
    """`Development work on January, 2026` for `2026-01`."""
    first, _ = month_span(month)
    return f"Development work on {calendar.month_name[first.month]}, {first.year}"


def payout_description(positions: Iterable[str], month: str) -> str:
    """Design first, then operation executive, else software development (any position may match)."""
    lowered = [p.casefold() for p in positions]
    if any("design" in p for p in lowered):
        what = "Design Consulting Services Rendered"
    elif any("operation executive" in p for p in lowered):
        what = "Operational Consulting Services Rendered"
    else:
        what = "Software Development Services Rendered"
    return f"{what} {service_period(month)}"

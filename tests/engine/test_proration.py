"""Weekday proration of a monthly fixed fee, rounded up to the next 1,000; payout names and descriptions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.kinds.generate.describe import payout_description, payout_name, service_period
from engine.kinds.generate.proration import prorated, round_up, weekdays
from engine.workspace.months import month_span


def brute_weekdays(start: date, end: date) -> int:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return sum(1 for d in days if d.weekday() < 5)


@pytest.mark.parametrize(
    ("month", "count"),
    [("2026-02", 20), ("2026-05", 21), ("2026-01", 22), ("2026-07", 23)],
)
def test_months_have_twenty_to_twenty_three_weekdays(month: str, count: int) -> None:
    first, last = month_span(month)
    assert weekdays(first, last) == count


def test_weekdays_agree_with_counting_day_by_day() -> None:
    base = date(2025, 12, 1)
    for offset in range(14):
        for length in range(-1, 40):
            start = base + timedelta(days=offset)
            end = start + timedelta(days=length)
            assert weekdays(start, end) == (brute_weekdays(start, end) if length >= 0 else 0)


def test_a_rate_that_started_before_the_month_pays_the_whole_fee_without_rounding_it_up() -> None:
    assert prorated(30_000_000, date(2025, 3, 1), "2026-01") == 30_000_000
    assert prorated(30_000_000, None, "2026-01") == 30_000_000
    assert prorated(2_500, date(2025, 3, 1), "2026-01") == 3_000  # USD fees round up too


def test_a_rate_starting_mid_month_pays_its_weekdays_share_rounded_up_to_the_next_thousand() -> None:
    # 2026-01-15 is a Thursday: 12 of January's 22 weekdays remain; 30,000,000 × 12 / 22 = 16,363,636.36…
    assert prorated(30_000_000, date(2026, 1, 15), "2026-01") == 16_364_000


def test_a_rate_starting_on_a_weekend_counts_from_the_next_monday() -> None:
    # Saturday 2026-01-17 and Monday 2026-01-19 leave the same 10 weekdays: 13,636,363.6… → 13,637,000.
    assert prorated(30_000_000, date(2026, 1, 17), "2026-01") == 13_637_000
    assert prorated(30_000_000, date(2026, 1, 19), "2026-01") == 13_637_000


def test_a_rate_starting_on_the_last_weekday_or_after_the_month_ends() -> None:
    assert prorated(22_000_000, date(2026, 1, 30), "2026-01") == 1_000_000  # Friday: 1 of 22 weekdays
    assert prorated(22_000_000, date(2026, 1, 31), "2026-01") == 0  # Saturday: no weekday left
    assert prorated(22_000_000, date(2026, 2, 2), "2026-01") == 0


def test_rounding_up_keeps_exact_thousands_and_lifts_anything_above() -> None:
    assert round_up(16_000_000) == 16_000_000
    assert round_up(16_000_000.01) == 16_001_000
    assert round_up(1) == 1_000
    assert round_up(0) == 0


def test_a_month_is_yyyy_mm() -> None:
    assert month_span("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    for bad in ("2026-13", "2026-1", "January"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            month_span(bad)


@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        (["Product Designer"], "Design Consulting Services Rendered (January 1-31, 2026)"),
        (["Operation Executive"], "Operational Consulting Services Rendered (January 1-31, 2026)"),
        (["Backend Engineer"], "Software Development Services Rendered (January 1-31, 2026)"),
        ([], "Software Development Services Rendered (January 1-31, 2026)"),
        (
            ["Operation Executive", "UX design lead"],
            "Design Consulting Services Rendered (January 1-31, 2026)",
        ),
    ],
)
def test_the_description_follows_the_position_design_first(positions: list[str], expected: str) -> None:
    assert payout_description(positions, "2026-01") == expected


def test_the_payout_name_and_period_follow_the_month() -> None:
    assert payout_name("2026-02") == "Development work on February, 2026"
    assert service_period("2024-02") == "(February 1-29, 2024)"

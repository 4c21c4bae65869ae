"""Date conditions: day versus instant comparisons, relative windows around an injected now, timestamps."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.filters_dates import add_months, relative_window
from sandbox.query import QueryError, QueryRow, run_query

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
SCHEMA = {
    "Due": {"id": "due", "name": "Due", "type": "date", "date": {}},
    "Created": {"id": "ct", "name": "Created", "type": "created_time", "created_time": {}},
    "Edited": {"id": "et", "name": "Edited", "type": "last_edited_time", "last_edited_time": {}},
}


def page(
    start: str | None, created: str = "2026-03-01T10:00:00.000Z", edited: str = "2026-03-02T23:30:00.000Z"
) -> dict[str, Any]:
    due = None if start is None else {"start": start, "end": None, "time_zone": None}
    return {
        "id": "p",
        "created_time": created,
        "last_edited_time": edited,
        "properties": {
            "Due": {"id": "due", "type": "date", "date": due},
            "Created": {"id": "ct", "type": "created_time", "created_time": created},
            "Edited": {"id": "et", "type": "last_edited_time", "last_edited_time": edited},
        },
    }


def passes(the_page: dict[str, Any], spec: dict[str, Any]) -> bool:
    results, _, _ = run_query([QueryRow(1, the_page)], {"filter": spec}, SCHEMA, now=NOW)
    return bool(results)


def due(start: str | None, condition: dict[str, Any]) -> bool:
    return passes(page(start), {"property": "Due", "date": condition})


@pytest.mark.parametrize(
    ("start", "condition", "expected"),
    [
        ("2026-03-10", {"equals": "2026-03-10"}, True),
        ("2026-03-10", {"equals": "2026-03-11"}, False),
        ("2026-03-10T23:59:00.000Z", {"equals": "2026-03-10"}, True),
        ("2026-03-10T08:00:00.000Z", {"equals": "2026-03-10T17:00:00Z"}, True),
        ("2026-03-10T08:00:00.000+02:00", {"equals": "2026-03-10"}, True),
        ("2026-03-10T01:00:00.000+02:00", {"equals": "2026-03-10"}, False),
        ("2026-03-10", {"before": "2026-03-11"}, True),
        ("2026-03-10", {"before": "2026-03-10"}, False),
        ("2026-03-10T23:00:00Z", {"before": "2026-03-10"}, False),
        ("2026-03-10", {"before": "2026-03-10T23:00:00Z"}, False),
        ("2026-03-10T08:00:00Z", {"before": "2026-03-10T09:00:00Z"}, True),
        ("2026-03-10T09:00:00Z", {"before": "2026-03-10T09:00:00Z"}, False),
        ("2026-03-10T10:00:00+02:00", {"before": "2026-03-10T09:00:00Z"}, True),
        ("2026-03-10T09:00:00", {"before": "2026-03-10T09:30:00Z"}, True),
        ("2026-03-10", {"after": "2026-03-09"}, True),
        ("2026-03-10", {"after": "2026-03-10"}, False),
        ("2026-03-10T09:00:01Z", {"after": "2026-03-10T09:00:00Z"}, True),
        ("2026-03-10T09:00:00Z", {"after": "2026-03-10T09:00:00Z"}, False),
        ("2026-03-10", {"on_or_before": "2026-03-10"}, True),
        ("2026-03-11", {"on_or_before": "2026-03-10"}, False),
        ("2026-03-10", {"on_or_after": "2026-03-10"}, True),
        ("2026-03-09", {"on_or_after": "2026-03-10"}, False),
        ("2026-03-10T09:00:00Z", {"on_or_after": "2026-03-10T09:00:00Z"}, True),
        (None, {"before": "2030-01-01"}, False),
        (None, {"after": "2000-01-01"}, False),
        (None, {"is_empty": True}, True),
        ("2026-03-10", {"is_empty": True}, False),
        ("2026-03-10", {"is_not_empty": True}, True),
        (None, {"is_not_empty": True}, False),
    ],
)
def test_dates_compare_by_day_unless_both_sides_carry_a_time(
    start: str | None, condition: dict[str, Any], expected: bool
) -> None:
    assert due(start, condition) is expected


@pytest.mark.parametrize(
    ("start", "condition", "expected"),
    [
        ("2026-03-11", "past_week", True),
        ("2026-03-18T23:00:00Z", "past_week", True),
        ("2026-03-10", "past_week", False),
        ("2026-03-19", "past_week", False),
        ("2026-02-18", "past_month", True),
        ("2026-02-17", "past_month", False),
        ("2025-03-18", "past_year", True),
        ("2025-03-17", "past_year", False),
        ("2026-03-18", "next_week", True),
        ("2026-03-25", "next_week", True),
        ("2026-03-26", "next_week", False),
        ("2026-03-17", "next_week", False),
        ("2026-04-18", "next_month", True),
        ("2026-04-19", "next_month", False),
        ("2027-03-18", "next_year", True),
        ("2027-03-19", "next_year", False),
        ("2026-03-16", "this_week", True),
        ("2026-03-22", "this_week", True),
        ("2026-03-15", "this_week", False),
        ("2026-03-23", "this_week", False),
        (None, "past_year", False),
    ],
)
def test_relative_conditions_match_a_window_of_days_around_the_injected_now(
    start: str | None, condition: str, expected: bool
) -> None:
    assert due(start, {condition: {}}) is expected


def test_relative_conditions_default_to_the_current_utc_date() -> None:
    today = datetime.now(UTC).date().isoformat()
    results, _, _ = run_query(
        [QueryRow(1, page(today))], {"filter": {"property": "Due", "date": {"this_week": {}}}}, SCHEMA
    )
    assert len(results) == 1


# 24 months either way stays within the years a date can hold (1 to 9999)
@given(st.dates(min_value=date(3, 1, 1), max_value=date(9997, 12, 31)), st.integers(-24, 24))
def test_adding_months_keeps_the_day_or_clamps_it_to_the_month_end(day: date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == min(day.day, calendar.monthrange(later.year, later.month)[1])


def test_a_past_month_from_the_end_of_march_starts_at_the_end_of_february() -> None:
    assert relative_window("past_month", date(2026, 3, 31)) == (date(2026, 2, 28), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"timestamp": "created_time", "created_time": {"equals": "2026-03-01"}}, True),
        ({"timestamp": "created_time", "created_time": {"after": "2026-03-01T10:00:00Z"}}, False),
        ({"timestamp": "created_time", "created_time": {"on_or_after": "2026-03-01T10:00:00Z"}}, True),
        ({"timestamp": "last_edited_time", "last_edited_time": {"on_or_before": "2026-03-02"}}, True),
        ({"timestamp": "last_edited_time", "last_edited_time": {"before": "2026-03-02T23:00:00Z"}}, False),
        ({"timestamp": "last_edited_time", "last_edited_time": {"past_month": {}}}, True),
        ({"timestamp": "last_edited_time", "last_edited_time": {"next_week": {}}}, False),
        ({"timestamp": "created_time", "created_time": {"is_empty": True}}, False),
        ({"property": "Created", "created_time": {"before": "2026-03-02"}}, True),
        ({"property": "Created", "created_time": {"after": "2026-03-02"}}, False),
        ({"property": "Edited", "last_edited_time": {"this_week": {}}}, False),
        ({"property": "Edited", "last_edited_time": {"is_not_empty": True}}, True),
    ],
)
def test_timestamp_filters_and_timestamp_properties_read_the_pages_times(
    spec: dict[str, Any], expected: bool
) -> None:
    assert passes(page("2026-03-10"), spec) is expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"property": "Due", "date": {"before": "next tuesday"}},
            "body failed validation: body.filter.date.before should be a valid ISO 8601 date string, "
            'instead was `"next tuesday"`.',
        ),
        (
            {"property": "Due", "date": {"after": 20260310}},
            "body failed validation: body.filter.date.after should be a valid ISO 8601 date string, "
            "instead was `20260310`.",
        ),
        (
            {"property": "Due", "date": {"past_week": True}},
            "body failed validation: body.filter.date.past_week should be an empty object, "
            "instead was `true`.",
        ),
        (
            {"timestamp": "created", "created": {"past_week": {}}},
            "body failed validation: body.filter.timestamp should be "
            '`"created_time"` or `"last_edited_time"`, instead was `"created"`.',
        ),
        (
            {"timestamp": "created_time"},
            "body failed validation: body.filter.created_time should be defined, instead was `undefined`.",
        ),
        (
            {"timestamp": "created_time", "last_edited_time": {"past_week": {}}},
            "body failed validation: body.filter.last_edited_time should be not present, instead was "
            '`{"past_week":{}}`.',
        ),
    ],
)
def test_malformed_date_conditions_are_refused_with_notions_wording(
    spec: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueryError) as refused:
        passes(page(None), spec)
    assert str(refused.value) == message

"""Every rollup function Notion offers, over the values of the related pages."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.errors import NotionError
from sandbox.rollups import ROLLUP_FUNCTIONS, check_rollup_function, rollup_value

NUMBERS = [{"type": "number", "number": n} for n in (4, None, 9, 1)]
CHECKS = [{"type": "checkbox", "checkbox": c} for c in (True, False, True, True)]
DATES = [
    {"type": "date", "date": {"start": "2026-01-05", "end": None, "time_zone": None}},
    {"type": "date", "date": {"start": "2026-01-02", "end": "2026-01-09", "time_zone": None}},
]


@pytest.mark.parametrize(
    ("function", "items", "number"),
    [
        ("count", NUMBERS, 4),
        ("count_values", NUMBERS, 3),
        ("empty", NUMBERS, 1),
        ("not_empty", NUMBERS, 3),
        ("unique", NUMBERS, 3),
        ("percent_empty", NUMBERS, 0.25),
        ("percent_not_empty", NUMBERS, 0.75),
        ("sum", NUMBERS, 14),
        ("average", NUMBERS, 14 / 3),
        ("median", NUMBERS, 4),
        ("min", NUMBERS, 1),
        ("max", NUMBERS, 9),
        ("range", NUMBERS, 8),
        ("checked", CHECKS, 3),
        ("unchecked", CHECKS, 1),
        ("percent_checked", CHECKS, 0.75),
        ("percent_unchecked", CHECKS, 0.25),
        ("sum", [], 0),
        ("average", [], None),
    ],
)
def test_number_rollups(function: str, items: list[dict[str, Any]], number: float | None) -> None:
    assert rollup_value(function, items) == {"type": "number", "number": number, "function": function}


def test_date_rollups_answer_a_date_without_a_time_zone() -> None:
    assert rollup_value("earliest_date", DATES)["date"] == {
        "start": "2026-01-02",
        "end": None,
        "time_zone": None,
    }
    assert rollup_value("latest_date", DATES)["date"]["start"] == "2026-01-09"
    assert rollup_value("date_range", DATES) == {
        "type": "date",
        "date": {"start": "2026-01-02", "end": "2026-01-09", "time_zone": None},
        "function": "date_range",
    }
    assert rollup_value("earliest_date", [])["date"] is None


def test_listing_rollups_show_the_values_and_grouping_ones_are_unsupported() -> None:
    twice = [NUMBERS[0], NUMBERS[0], NUMBERS[2]]
    assert rollup_value("show_original", twice)["array"] == twice
    assert rollup_value("show_unique", twice)["array"] == [NUMBERS[0], NUMBERS[2]]
    assert rollup_value("count_per_group", NUMBERS)["type"] == "unsupported"


def test_every_documented_function_is_known_and_others_are_refused() -> None:
    assert len(ROLLUP_FUNCTIONS) == 24
    with pytest.raises(NotionError) as caught:
        check_rollup_function("total")
    assert caught.value.code == "validation_error"

"""Compound filters: `and` / `or` semantics, two levels of nesting at most, 100 filters per array at most."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.query import QueryError, QueryRow, run_query

SCHEMA = {
    "Amount": {"id": "am", "name": "Amount", "type": "number", "number": {}},
    "Paid": {"id": "pd", "name": "Paid", "type": "checkbox", "checkbox": {}},
}
ROWS = [
    QueryRow(seq, {"id": f"p{seq}", "properties": {"Amount": {"number": amount}, "Paid": {"checkbox": paid}}})
    for seq, (amount, paid) in enumerate([(5, True), (50, True), (5, False), (50, False)])
]
SMALL = {"property": "Amount", "number": {"less_than": 10}}
PAID = {"property": "Paid", "checkbox": {"equals": True}}


def ids(spec: dict[str, Any]) -> list[str]:
    results, _, _ = run_query(ROWS, {"filter": spec}, SCHEMA)
    return [page["id"] for page in results]


def test_and_keeps_pages_that_pass_every_filter() -> None:
    assert ids({"and": [SMALL, PAID]}) == ["p0"]


def test_or_keeps_pages_that_pass_any_filter() -> None:
    assert ids({"or": [SMALL, PAID]}) == ["p0", "p1", "p2"]


@pytest.mark.parametrize("key", ["and", "or"])
def test_an_empty_compound_keeps_every_page(key: str) -> None:
    assert ids({key: []}) == ["p0", "p1", "p2", "p3"]


def test_compounds_nest_two_levels_deep() -> None:
    spec = {"or": [{"and": [SMALL, PAID]}, {"and": [{"property": "Amount", "number": {"equals": 50}}]}]}
    assert ids(spec) == ["p0", "p1", "p3"]


def test_a_third_level_of_nesting_is_refused() -> None:
    spec = {"and": [PAID, {"or": [SMALL, {"and": [SMALL]}]}]}
    with pytest.raises(QueryError) as refused:
        ids(spec)
    assert str(refused.value).startswith(
        "body failed validation: body.filter.and[1].or[1].and should be not present"
    )


def test_a_hundred_filters_in_one_array_are_accepted() -> None:
    assert ids({"or": [SMALL] * 100}) == ["p0", "p2"]


def test_a_hundred_and_one_filters_in_one_array_are_refused() -> None:
    with pytest.raises(QueryError) as refused:
        ids({"and": [SMALL] * 101})
    assert (
        str(refused.value)
        == "body failed validation: body.filter.and.length should be ≤ `100`, instead was `101`."
    )


def test_a_compound_with_another_key_beside_it_is_refused() -> None:
    with pytest.raises(QueryError) as refused:
        ids({"and": [SMALL], "or": [PAID]})
    assert str(refused.value) == (
        "body failed validation: body.filter.or should be not present, "
        'instead was `[{"property":"Paid","checkbox":{"equals":true}}]`.'
    )


def test_a_compound_must_hold_an_array() -> None:
    with pytest.raises(QueryError) as refused:
        ids({"or": SMALL})
    assert str(refused.value).startswith(
        "body failed validation: body.filter.or should be an array, instead was"
    )


def test_an_invalid_filter_deep_in_a_compound_is_reported_by_its_path() -> None:
    with pytest.raises(QueryError) as refused:
        ids({"or": [SMALL, {"and": [PAID, {"property": "Amount", "number": {"equals": "5"}}]}]})
    assert str(refused.value) == (
        "body failed validation: body.filter.or[1].and[1].number.equals should be a number, "
        'instead was `"5"`.'
    )

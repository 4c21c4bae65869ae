"""Malformed query bodies: each is a QueryError with Notion's wording, and nothing else ever escapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.filters_tree import FILTER_KEYS
from sandbox.query import QueryError, QueryRow, run_query

SCHEMA: dict[str, dict[str, Any]] = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "Status": {
        "id": "U%60%3BC",
        "name": "Status",
        "type": "status",
        "status": {"options": [{"id": "s1", "name": "Pending", "color": "gray"}], "groups": []},
    },
    "Kind": {"id": "kd", "name": "Kind", "type": "select", "select": {"options": []}},
    "Amount": {"id": "am", "name": "Amount", "type": "number", "number": {"format": "dollar"}},
    "Due": {"id": "du", "name": "Due", "type": "date", "date": {}},
    "Owner": {"id": "ow", "name": "Owner", "type": "people", "people": {}},
    "Total": {"id": "to", "name": "Total", "type": "formula", "formula": {"expression": "1"}},
    "Count": {"id": "co", "name": "Count", "type": "rollup", "rollup": {"function": "count"}},
    "Button": {"id": "bu", "name": "Button", "type": "button", "button": {}},
}
ROWS = [
    QueryRow(
        seq,
        {
            "id": f"p{seq}",
            "created_time": "2026-03-01T10:00:00.000Z",
            "last_edited_time": "2026-03-02T10:00:00.000Z",
            "properties": {
                "Name": {"id": "title", "type": "title", "title": [{"plain_text": f"Payout {seq}"}]},
                "Status": {"id": "U%60%3BC", "type": "status", "status": {"id": "s1", "name": "Pending"}},
                "Amount": {"id": "am", "type": "number", "number": seq},
                "Total": {"id": "to", "type": "formula", "formula": {"type": "number", "number": seq}},
                "Count": {"id": "co", "type": "rollup", "rollup": {"type": "number", "number": 1}},
            },
        },
    )
    for seq in range(3)
]


def refusal(body: Any) -> str:
    with pytest.raises(QueryError) as refused:
        run_query(ROWS, body, SCHEMA)
    return str(refused.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"filter": {"property": "Status", "status": {"equals": 3}}},
            "body failed validation: body.filter.status.equals should be a string, instead was `3`.",
        ),
        (
            {"filter": {"property": "Foo", "status": {"equals": "x"}}},
            "Could not find property with name or id: Foo",
        ),
        (
            {"filter": {"property": "Status", "select": {"equals": "Pending"}}},
            "database property status does not match filter select",
        ),
        (
            {"filter": {"property": "Kind", "status": {"equals": "Pending"}}},
            "database property select does not match filter status",
        ),
        (
            {"filter": {"property": "Status", "status": {"contains": "Pend"}}},
            "body failed validation: body.filter.status.contains should be not present, "
            'instead was `"Pend"`.',
        ),
        (
            {"filter": {"property": "Status", "status": {"equals": "Pending", "is_empty": True}}},
            "body failed validation: body.filter.status should have exactly one condition, "
            "instead had `equals`, `is_empty`.",
        ),
        (
            {"filter": {"property": "Status", "status": {}}},
            "body failed validation. Fix one:\n"
            "body.filter.status.equals should be defined, instead was `undefined`.\n"
            "body.filter.status.does_not_equal should be defined, instead was `undefined`.\n"
            "body.filter.status.is_empty should be defined, instead was `undefined`.\n"
            "body.filter.status.is_not_empty should be defined, instead was `undefined`.",
        ),
        (
            {"filter": {"property": "Status", "status": {"is_empty": False}}},
            "body failed validation: body.filter.status.is_empty should be `true`, instead was `false`.",
        ),
        (
            {"filter": {"property": "Status"}},
            "body failed validation: body.filter.status should be defined, instead was `undefined`.",
        ),
        (
            {"filter": {"property": 7, "status": {"equals": "x"}}},
            "body failed validation: body.filter.property should be a string, instead was `7`.",
        ),
        (
            {"filter": {"Status": {"equals": "x"}}},
            "body failed validation. Fix one:\n"
            "body.filter.or should be defined, instead was `undefined`.\n"
            "body.filter.and should be defined, instead was `undefined`.\n"
            "body.filter.property should be defined, instead was `undefined`.\n"
            "body.filter.timestamp should be defined, instead was `undefined`.",
        ),
        (
            {"filter": "Status = Paid"},
            'body failed validation: body.filter should be an object, instead was `"Status = Paid"`.',
        ),
        (
            {"filter": {"property": "Amount", "number": {"greater_than": True}}},
            "body failed validation: body.filter.number.greater_than should be a number, instead was `true`.",
        ),
        (
            {"filter": {"property": "Owner", "people": {"contains": "alice"}}},
            "body failed validation: body.filter.people.contains should be a valid uuid, "
            'instead was `"alice"`.',
        ),
        (
            {"filter": {"property": "Total", "formula": {"text": {"equals": "1"}}}},
            "body failed validation: body.filter.formula.text should be not present, "
            'instead was `{"equals":"1"}`.',
        ),
        (
            {"filter": {"property": "Count", "rollup": {"some": {"number": {"equals": 1}}}}},
            "body failed validation: body.filter.rollup.some should be not present, "
            'instead was `{"number":{"equals":1}}`.',
        ),
        (
            {"filter": {"property": "Button", "button": {}}},
            "body failed validation: body.filter.button should be not present, instead was `{}`.",
        ),
        ({"page_size": 0}, "body failed validation: body.page_size should be ≥ `1`, instead was `0`."),
        ({"page_size": 101}, "body failed validation: body.page_size should be ≤ `100`, instead was `101`."),
        (
            {"page_size": "10"},
            'body failed validation: body.page_size should be an integer, instead was `"10"`.',
        ),
        (
            {"page_size": 2.5},
            "body failed validation: body.page_size should be an integer, instead was `2.5`.",
        ),
        (
            {"page_size": True},
            "body failed validation: body.page_size should be an integer, instead was `true`.",
        ),
        (
            {"sorts": {"property": "Amount"}},
            'body failed validation: body.sorts should be an array, instead was `{"property":"Amount"}`.',
        ),
        (
            {"sorts": [{"property": "Nope", "direction": "ascending"}]},
            "Could not find sort property with name or id: Nope",
        ),
        (
            {"sorts": [{"property": "Amount", "direction": "up"}]},
            'body failed validation: body.sorts[0].direction should be `"ascending"` or `"descending"`, '
            'instead was `"up"`.',
        ),
        (
            {"sorts": [{"property": "Amount"}]},
            "body failed validation: body.sorts[0].direction should be defined, instead was `undefined`.",
        ),
        (
            {"sorts": [{"direction": "ascending"}]},
            "body failed validation. Fix one:\n"
            "body.sorts[0].property should be defined, instead was `undefined`.\n"
            "body.sorts[0].timestamp should be defined, instead was `undefined`.",
        ),
        (
            {"sorts": [{"property": "Amount", "timestamp": "created_time", "direction": "ascending"}]},
            "body failed validation: body.sorts[0].timestamp should be not present, "
            'instead was `"created_time"`.',
        ),
        (
            {"sorts": [{"timestamp": "edited", "direction": "ascending"}]},
            "body failed validation: body.sorts[0].timestamp should be "
            '`"created_time"` or `"last_edited_time"`, instead was `"edited"`.',
        ),
        (
            {"sorts": [{"property": "Amount", "direction": "ascending"}] * 101},
            "body failed validation: body.sorts.length should be ≤ `100`, instead was `101`.",
        ),
        (
            {"start_cursor": 12},
            "body failed validation: body.start_cursor should be a string, instead was `12`.",
        ),
        ({"start_cursor": "s:abc:def"}, "The start_cursor provided is invalid: s:abc:def"),
        (["filter"], 'body failed validation: body should be an object, instead was `["filter"]`.'),
    ],
)
def test_a_malformed_body_is_refused_with_notions_wording(body: Any, message: str) -> None:
    assert refusal(body) == message


def test_long_values_are_cut_in_messages() -> None:
    message = refusal({"filter": {"property": "Status", "status": {"equals": {"x": "x" * 200}}}})
    assert message.endswith('instead was `{"x":"' + "x" * 71 + "...`.")


def test_a_whole_float_page_size_counts_as_an_integer_as_in_javascript() -> None:
    results, next_cursor, has_more = run_query(ROWS, {"page_size": 2.0}, SCHEMA)
    assert (len(results), has_more) == (2, True)
    assert next_cursor is not None


def test_null_members_read_as_absent_and_unknown_members_are_left_to_the_route() -> None:
    body = {"filter": None, "sorts": None, "start_cursor": None, "page_size": None, "in_trash": False}
    results, next_cursor, has_more = run_query(ROWS, body, SCHEMA)
    assert ([page["id"] for page in results], next_cursor, has_more) == (["p0", "p1", "p2"], None, False)


# --- fuzzing: whatever the body, the answer is a result or a QueryError ---

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
property_refs = st.sampled_from([*SCHEMA, "title", "U%60%3BC", "U`;C", "nope"]) | json_values
conditions = (
    st.dictionaries(
        st.sampled_from(
            ["equals", "contains", "before", "is_empty", "past_week", "any", "every", "number", "string"]
        ),
        json_values,
        max_size=2,
    )
    | json_values
)


def leaf_filters() -> st.SearchStrategy[Any]:
    by_property = st.builds(
        lambda ref, key, cond: {"property": ref, key: cond},
        property_refs,
        st.sampled_from(FILTER_KEYS),
        conditions,
    )
    by_timestamp = st.builds(
        lambda field, cond: {"timestamp": field, field: cond},
        st.sampled_from(["created_time", "last_edited_time", "x"]),
        conditions,
    )
    return by_property | by_timestamp | json_values


filters = st.recursive(
    leaf_filters(),
    lambda inner: st.dictionaries(
        st.sampled_from(["and", "or"]), st.lists(inner, max_size=3), min_size=1, max_size=2
    ),
    max_leaves=8,
)
sorts = (
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "property": property_refs,
                "timestamp": st.sampled_from(["created_time", "last_edited_time"]) | json_values,
                "direction": st.sampled_from(["ascending", "descending"]) | json_values,
            },
        ),
        max_size=3,
    )
    | json_values
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "filter": filters,
        "sorts": sorts,
        "start_cursor": st.text(max_size=40) | st.just("pq1.") | json_values,
        "page_size": st.integers(-5, 120) | json_values,
    },
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_no_body_makes_the_query_fail_with_anything_but_a_query_error(body: dict[str, Any]) -> None:
    now = datetime(2026, 3, 18, tzinfo=UTC)
    try:
        results, next_cursor, has_more = run_query(ROWS, body, SCHEMA, now=now)
    except QueryError as refused:
        assert str(refused)
    else:
        assert isinstance(results, list)
        assert (next_cursor is None) is (not has_more)

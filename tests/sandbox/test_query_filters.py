"""Property filters: every property type with each of its conditions, matching and not matching."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.query import QueryRow, run_query

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
ALICE = "00000000-0000-4000-8000-0000000000a1"
BOB = "00000000-0000-4000-8000-0000000000b2"
PAGE_A = "29399f72-bada-817a-8f1a-c8993ed79d4f"
PAGE_B = "38c9ce7b-60a4-81c1-b011-c72375092fa5"


def rich(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": text, "link": None}, "plain_text": text, "href": None}]


def option(name: str) -> dict[str, Any]:
    return {"id": f"opt-{name}", "name": name, "color": "default"}


def user(user_id: str, name: str = "Someone") -> dict[str, Any]:
    return {"object": "user", "id": user_id, "name": name, "type": "person", "person": {}}


def matches(prop_type: str, inner: Any, condition: Any) -> bool:
    """Whether a page whose property `P` holds `inner` passes `{"property": "P", prop_type: condition}`."""
    schema = {"P": {"id": "p%3Ax", "name": "P", "type": prop_type, prop_type: {}}}
    page = {
        "object": "page",
        "id": PAGE_A,
        "created_time": "2026-03-01T10:00:00.000Z",
        "last_edited_time": "2026-03-02T10:00:00.000Z",
        "properties": {"P": {"id": "p%3Ax", "type": prop_type, prop_type: inner}},
    }
    body = {"filter": {"property": "P", prop_type: condition}}
    results, _, _ = run_query([QueryRow(1, page)], body, schema, now=NOW)
    return bool(results)


def text_cases(prop_type: str, wrap: Any) -> list[Any]:
    value = wrap("Payout Batch 7")
    return [
        (prop_type, value, {"equals": "Payout Batch 7"}, True),
        (prop_type, value, {"equals": "payout BATCH 7"}, True),
        (prop_type, value, {"equals": "Payout Batch"}, False),
        (prop_type, value, {"does_not_equal": "Payout Batch"}, True),
        (prop_type, value, {"does_not_equal": "payout batch 7"}, False),
        (prop_type, value, {"contains": "batch"}, True),
        (prop_type, value, {"contains": "refund"}, False),
        (prop_type, value, {"does_not_contain": "refund"}, True),
        (prop_type, value, {"does_not_contain": "Batch"}, False),
        (prop_type, value, {"starts_with": "payout"}, True),
        (prop_type, value, {"starts_with": "Batch"}, False),
        (prop_type, value, {"ends_with": "batch 7"}, True),
        (prop_type, value, {"ends_with": "Payout"}, False),
        (prop_type, value, {"is_empty": True}, False),
        (prop_type, value, {"is_not_empty": True}, True),
        (prop_type, wrap(""), {"is_empty": True}, True),
        (prop_type, wrap(""), {"is_not_empty": True}, False),
        (prop_type, None, {"is_empty": True}, True),
        (prop_type, wrap(""), {"contains": "x"}, False),
        (prop_type, wrap(""), {"does_not_contain": "x"}, True),
    ]


CASES = [
    *text_cases("title", rich),
    *text_cases("rich_text", rich),
    *text_cases("url", lambda text: text or None),
    *text_cases("email", lambda text: text or None),
    *text_cases("phone_number", lambda text: text or None),
    ("title", [*rich("Pay"), *rich("out")], {"equals": "Payout"}, True),
    ("rich_text", [], {"is_empty": True}, True),
    ("number", 5, {"equals": 5}, True),
    ("number", 5, {"equals": 5.0}, True),
    ("number", 5, {"equals": 6}, False),
    ("number", 5, {"does_not_equal": 6}, True),
    ("number", 5, {"does_not_equal": 5}, False),
    ("number", 5, {"greater_than": 4.5}, True),
    ("number", 5, {"greater_than": 5}, False),
    ("number", 5, {"less_than": 5.5}, True),
    ("number", 5, {"less_than": 5}, False),
    ("number", 5, {"greater_than_or_equal_to": 5}, True),
    ("number", 5, {"greater_than_or_equal_to": 6}, False),
    ("number", 5, {"less_than_or_equal_to": 5}, True),
    ("number", 5, {"less_than_or_equal_to": 4}, False),
    ("number", 0, {"is_empty": True}, False),
    ("number", 0, {"is_not_empty": True}, True),
    ("number", None, {"is_empty": True}, True),
    ("number", None, {"is_not_empty": True}, False),
    ("number", None, {"greater_than": -1}, False),
    ("number", None, {"less_than": 1}, False),
    ("number", None, {"equals": 0}, False),
    ("number", None, {"does_not_equal": 0}, True),
    ("unique_id", {"prefix": "PAY", "number": 7}, {"equals": 7}, True),
    ("unique_id", {"prefix": "PAY", "number": 7}, {"equals": 8}, False),
    ("unique_id", {"prefix": None, "number": 7}, {"greater_than": 6}, True),
    ("unique_id", {"prefix": None, "number": 7}, {"less_than_or_equal_to": 6}, False),
    ("checkbox", True, {"equals": True}, True),
    ("checkbox", True, {"equals": False}, False),
    ("checkbox", False, {"equals": False}, True),
    ("checkbox", False, {"does_not_equal": True}, True),
    ("checkbox", True, {"does_not_equal": True}, False),
    *[
        case
        for prop_type in ("select", "status")
        for case in [
            (prop_type, option("Paid"), {"equals": "Paid"}, True),
            (prop_type, option("Paid"), {"equals": "Pending"}, False),
            (prop_type, option("Paid"), {"does_not_equal": "Pending"}, True),
            (prop_type, option("Paid"), {"does_not_equal": "Paid"}, False),
            (prop_type, None, {"does_not_equal": "Paid"}, True),
            (prop_type, None, {"equals": "Paid"}, False),
            (prop_type, None, {"is_empty": True}, True),
            (prop_type, option("Paid"), {"is_empty": True}, False),
            (prop_type, option("Paid"), {"is_not_empty": True}, True),
            (prop_type, None, {"is_not_empty": True}, False),
        ]
    ],
    ("multi_select", [option("EU"), option("Urgent")], {"contains": "Urgent"}, True),
    ("multi_select", [option("EU")], {"contains": "Urgent"}, False),
    ("multi_select", [option("EU")], {"does_not_contain": "Urgent"}, True),
    ("multi_select", [option("EU"), option("Urgent")], {"does_not_contain": "EU"}, False),
    ("multi_select", [], {"is_empty": True}, True),
    ("multi_select", [option("EU")], {"is_empty": True}, False),
    ("multi_select", [option("EU")], {"is_not_empty": True}, True),
    ("multi_select", [], {"is_not_empty": True}, False),
    ("people", [user(ALICE)], {"contains": ALICE}, True),
    ("people", [user(ALICE)], {"contains": ALICE.replace("-", "").upper()}, True),
    ("people", [user(ALICE)], {"contains": BOB}, False),
    ("people", [user(ALICE)], {"does_not_contain": BOB}, True),
    ("people", [user(ALICE), user(BOB)], {"does_not_contain": BOB}, False),
    ("people", [], {"is_empty": True}, True),
    ("people", [user(ALICE)], {"is_empty": True}, False),
    ("people", [user(ALICE)], {"is_not_empty": True}, True),
    ("people", [], {"is_not_empty": True}, False),
    ("created_by", user(ALICE), {"contains": ALICE}, True),
    ("created_by", user(ALICE), {"contains": BOB}, False),
    ("created_by", user(ALICE), {"does_not_contain": BOB}, True),
    ("created_by", user(ALICE), {"is_not_empty": True}, True),
    ("last_edited_by", user(BOB), {"contains": BOB}, True),
    ("last_edited_by", user(BOB), {"does_not_contain": BOB}, False),
    ("last_edited_by", user(BOB), {"is_empty": True}, False),
    ("relation", [{"id": PAGE_A}], {"contains": PAGE_A}, True),
    ("relation", [{"id": PAGE_A}], {"contains": PAGE_A.replace("-", "")}, True),
    ("relation", [{"id": PAGE_A}], {"contains": PAGE_B}, False),
    ("relation", [{"id": PAGE_A}], {"does_not_contain": PAGE_B}, True),
    ("relation", [{"id": PAGE_A}, {"id": PAGE_B}], {"does_not_contain": PAGE_B}, False),
    ("relation", [], {"is_empty": True}, True),
    ("relation", [{"id": PAGE_A}], {"is_empty": True}, False),
    ("relation", [{"id": PAGE_A}], {"is_not_empty": True}, True),
    ("relation", [], {"is_not_empty": True}, False),
    ("files", [], {"is_empty": True}, True),
    (
        "files",
        [{"name": "receipt.pdf", "type": "external", "external": {"url": "https://x"}}],
        {"is_empty": True},
        False,
    ),
    (
        "files",
        [{"name": "r", "type": "external", "external": {"url": "https://x"}}],
        {"is_not_empty": True},
        True,
    ),
]


@pytest.mark.parametrize(("prop_type", "inner", "condition", "expected"), CASES)
def test_a_property_filter_matches_exactly_the_pages_its_condition_describes(
    prop_type: str, inner: Any, condition: dict[str, Any], expected: bool
) -> None:
    assert matches(prop_type, inner, condition) is expected


FORMULA_CASES = [
    ({"type": "string", "string": "EUR payout"}, {"string": {"contains": "eur"}}, True),
    ({"type": "string", "string": "EUR payout"}, {"string": {"starts_with": "payout"}}, False),
    ({"type": "string", "string": None}, {"string": {"is_empty": True}}, True),
    ({"type": "number", "number": 12.5}, {"number": {"greater_than": 12}}, True),
    ({"type": "number", "number": 12.5}, {"number": {"less_than": 12}}, False),
    ({"type": "number", "number": None}, {"number": {"is_empty": True}}, True),
    ({"type": "boolean", "boolean": True}, {"checkbox": {"equals": True}}, True),
    ({"type": "boolean", "boolean": False}, {"checkbox": {"equals": True}}, False),
    (
        {"type": "date", "date": {"start": "2026-03-01", "end": None}},
        {"date": {"before": "2026-03-02"}},
        True,
    ),
    (
        {"type": "date", "date": {"start": "2026-03-03", "end": None}},
        {"date": {"before": "2026-03-02"}},
        False,
    ),
    ({"type": "date", "date": None}, {"date": {"is_empty": True}}, True),
    ({"type": "string", "string": "12"}, {"number": {"equals": 12}}, False),
    ({"type": "number", "number": 12}, {"string": {"is_empty": True}}, False),
]


@pytest.mark.parametrize(("inner", "condition", "expected"), FORMULA_CASES)
def test_a_formula_filter_tests_the_result_only_when_the_formula_has_the_named_result_type(
    inner: dict[str, Any], condition: dict[str, Any], expected: bool
) -> None:
    assert matches("formula", inner, condition) is expected


def titles(*texts: str) -> dict[str, Any]:
    return {
        "type": "array",
        "array": [{"type": "title", "title": rich(text)} for text in texts],
        "function": "show_original",
    }


ROLLUP_CASES = [
    (titles("Refund", "Payout"), {"any": {"rich_text": {"equals": "payout"}}}, True),
    (titles("Refund", "Chargeback"), {"any": {"rich_text": {"equals": "payout"}}}, False),
    (titles("Payout 1", "Payout 2"), {"every": {"title": {"starts_with": "Payout"}}}, True),
    (titles("Payout 1", "Refund"), {"every": {"title": {"starts_with": "Payout"}}}, False),
    (titles(), {"every": {"rich_text": {"contains": "x"}}}, True),
    (titles("Payout", "Refund"), {"none": {"rich_text": {"equals": "Chargeback"}}}, True),
    (titles("Payout", "Refund"), {"none": {"rich_text": {"equals": "Refund"}}}, False),
    (titles(), {"any": {"rich_text": {"is_empty": True}}}, False),
    (
        {"type": "array", "array": [{"type": "number", "number": 3}], "function": "show_original"},
        {"any": {"number": {"greater_than": 2}}},
        True,
    ),
    (
        {"type": "array", "array": [{"type": "number", "number": 3}], "function": "show_original"},
        {"any": {"rich_text": {"is_not_empty": True}}},
        False,
    ),
    ({"type": "number", "number": 4, "function": "count"}, {"number": {"equals": 4}}, True),
    ({"type": "number", "number": 4, "function": "count"}, {"number": {"greater_than": 4}}, False),
    (
        {"type": "date", "date": {"start": "2026-03-10", "end": None}, "function": "latest_date"},
        {"date": {"on_or_after": "2026-03-10"}},
        True,
    ),
    (
        {"type": "date", "date": {"start": "2026-03-09", "end": None}, "function": "latest_date"},
        {"date": {"on_or_after": "2026-03-10"}},
        False,
    ),
    (titles("1"), {"number": {"equals": 1}}, False),
]


@pytest.mark.parametrize(("inner", "condition", "expected"), ROLLUP_CASES)
def test_a_rollup_filter_tests_array_items_with_any_every_none_or_the_rolled_up_number_or_date(
    inner: dict[str, Any], condition: dict[str, Any], expected: bool
) -> None:
    assert matches("rollup", inner, condition) is expected


def test_a_property_can_be_named_by_its_id_encoded_or_not() -> None:
    schema = {"Status": {"id": "U%60%3BC", "name": "Status", "type": "status", "status": {"options": []}}}
    page = {
        "id": PAGE_A,
        "properties": {"Status": {"id": "U%60%3BC", "type": "status", "status": option("Paid")}},
    }
    for ref in ("Status", "U%60%3BC", "U`;C"):
        body = {"filter": {"property": ref, "status": {"equals": "Paid"}}}
        assert run_query([QueryRow(1, page)], body, schema)[0] == [page]


def test_a_page_missing_the_property_reads_as_empty() -> None:
    schema = {"Amount": {"id": "am", "name": "Amount", "type": "number", "number": {}}}
    page: dict[str, Any] = {"id": PAGE_A, "properties": {}}
    body = {"filter": {"property": "Amount", "number": {"is_empty": True}}}
    assert run_query([QueryRow(1, page)], body, schema)[0] == [page]


def test_the_filter_keeps_matching_pages_in_creation_order_and_returns_the_same_objects() -> None:
    schema = {"Paid": {"id": "pd", "name": "Paid", "type": "checkbox", "checkbox": {}}}
    pages = [
        {"id": str(seq), "properties": {"Paid": {"type": "checkbox", "checkbox": seq % 2 == 0}}}
        for seq in range(6)
    ]
    rows = [QueryRow(seq, page) for seq, page in reversed(list(enumerate(pages)))]
    results, next_cursor, has_more = run_query(
        rows, {"filter": {"property": "Paid", "checkbox": {"equals": True}}}, schema
    )
    assert [page["id"] for page in results] == ["0", "2", "4"]
    assert all(result is pages[int(result["id"])] for result in results)
    assert (next_cursor, has_more) == (None, False)

"""Sorts: option order, empties last, several keys, both directions, timestamps, creation order by default."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.query import QueryError, QueryRow, run_query

OPTIONS = [{"id": f"o-{name}", "name": name, "color": "default"} for name in ("Pending", "Approved", "Paid")]
SCHEMA: dict[str, dict[str, Any]] = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "Status": {
        "id": "st%3A",
        "name": "Status",
        "type": "status",
        "status": {"options": OPTIONS, "groups": []},
    },
    "Kind": {"id": "kd", "name": "Kind", "type": "select", "select": {"options": OPTIONS}},
    "Tags": {"id": "tg", "name": "Tags", "type": "multi_select", "multi_select": {"options": OPTIONS}},
    "Amount": {"id": "am", "name": "Amount", "type": "number", "number": {}},
    "Due": {"id": "du", "name": "Due", "type": "date", "date": {}},
    "Done": {"id": "dn", "name": "Done", "type": "checkbox", "checkbox": {}},
    "Calc": {"id": "ca", "name": "Calc", "type": "formula", "formula": {}},
    "Owner": {"id": "ow", "name": "Owner", "type": "people", "people": {}},
}


def row(seq: int, **values: Any) -> QueryRow:
    """A page created `seq`-th, with property values given in their inner response shape."""
    properties = {
        name: {"id": SCHEMA[name]["id"], "type": SCHEMA[name]["type"], SCHEMA[name]["type"]: value}
        for name, value in values.items()
    }
    created = f"2026-03-01T10:{seq:02d}:00.000Z"
    page = {"id": f"p{seq}", "created_time": created, "last_edited_time": created, "properties": properties}
    return QueryRow(seq, page)


def option(name: str) -> dict[str, Any]:
    return {"id": f"o-{name}", "name": name, "color": "default"}


def order(rows: list[QueryRow], *sorts: dict[str, Any]) -> list[str]:
    results, _, _ = run_query(rows, {"sorts": list(sorts)}, SCHEMA)
    return [page["id"] for page in results]


def asc(prop: str) -> dict[str, Any]:
    return {"property": prop, "direction": "ascending"}


def desc(prop: str) -> dict[str, Any]:
    return {"property": prop, "direction": "descending"}


@pytest.mark.parametrize("prop", ["Status", "Kind"])
def test_options_sort_by_their_position_in_the_schema_not_by_name(prop: str) -> None:
    rows = [
        row(0, **{prop: option("Paid")}),
        row(1, **{prop: option("Pending")}),
        row(2, **{prop: option("Approved")}),
    ]
    assert order(rows, asc(prop)) == ["p1", "p2", "p0"]
    assert order(rows, desc(prop)) == ["p0", "p2", "p1"]


def test_an_option_the_schema_lacks_sorts_after_the_known_ones_and_before_empties() -> None:
    rows = [
        row(0, Status=None),
        row(1, Status={"id": "o-x", "name": "Legacy"}),
        row(2, Status=option("Paid")),
    ]
    assert order(rows, asc("Status")) == ["p2", "p1", "p0"]


def test_an_option_is_ranked_by_id_so_a_renamed_option_keeps_its_place() -> None:
    rows = [row(0, Kind={"id": "o-Pending", "name": "Waiting"}), row(1, Kind=option("Approved"))]
    assert order(rows, asc("Kind")) == ["p0", "p1"]


def test_multi_select_sorts_by_its_options_positions_in_turn() -> None:
    rows = [
        row(0, Tags=[option("Paid")]),
        row(1, Tags=[option("Pending"), option("Paid")]),
        row(2, Tags=[option("Pending")]),
        row(3, Tags=[]),
    ]
    assert order(rows, asc("Tags")) == ["p2", "p1", "p0", "p3"]


@pytest.mark.parametrize(
    ("prop", "values"),
    [
        ("Amount", [None, 3, -1.5, 10]),
        ("Name", [[], [{"plain_text": "bravo"}], [{"plain_text": "Alpha"}], [{"plain_text": "charlie"}]]),
        ("Due", [None, "2026-03-02", "2026-03-01T09:00:00Z", "2026-03-02T09:00:00+00:00"]),
        (
            "Owner",
            [
                [],
                [{"object": "user", "id": "u2", "name": "bob"}],
                [{"object": "user", "id": "u1", "name": "Alice"}],
                [{"object": "user", "id": "u3", "name": "Carol"}],
            ],
        ),
    ],
)
def test_values_sort_in_order_and_empties_come_last_in_both_directions(prop: str, values: list[Any]) -> None:
    if prop == "Due":
        values = [
            None if value is None else {"start": value, "end": None, "time_zone": None} for value in values
        ]
    rows = [row(seq, **{prop: value}) for seq, value in enumerate(values)]
    assert order(rows, asc(prop)) == ["p2", "p1", "p3", "p0"]
    assert order(rows, desc(prop)) == ["p3", "p1", "p2", "p0"]


def test_a_missing_property_sorts_as_empty() -> None:
    rows = [row(0), row(1, Amount=1)]
    assert order(rows, asc("Amount")) == ["p1", "p0"]


def test_unchecked_boxes_come_first_in_ascending_order() -> None:
    rows = [row(0, Done=True), row(1, Done=False), row(2)]
    assert order(rows, asc("Done")) == ["p1", "p2", "p0"]


def test_formulas_sort_by_result_type_then_value() -> None:
    rows = [
        row(0, Calc={"type": "number", "number": 2}),
        row(1, Calc={"type": "string", "string": "b"}),
        row(2, Calc={"type": "number", "number": 1}),
        row(3, Calc={"type": "string", "string": None}),
        row(4, Calc={"type": "string", "string": "A"}),
    ]
    assert order(rows, asc("Calc")) == ["p4", "p1", "p2", "p0", "p3"]


def test_equal_keys_keep_creation_order_in_both_directions() -> None:
    rows = [row(seq, Amount=seq % 2) for seq in range(6)]
    assert order(rows, asc("Amount")) == ["p0", "p2", "p4", "p1", "p3", "p5"]
    assert order(rows, desc("Amount")) == ["p1", "p3", "p5", "p0", "p2", "p4"]


def test_later_sorts_break_ties_of_earlier_ones() -> None:
    rows = [
        row(0, Status=option("Paid"), Amount=5),
        row(1, Status=option("Pending"), Amount=1),
        row(2, Status=option("Paid"), Amount=9),
        row(3, Status=option("Pending"), Amount=7),
        row(4, Status=option("Paid"), Amount=None),
    ]
    assert order(rows, asc("Status"), desc("Amount")) == ["p3", "p1", "p2", "p0", "p4"]
    assert order(rows, desc("Amount"), asc("Status")) == ["p2", "p3", "p0", "p1", "p4"]


def test_timestamps_sort_pages_by_their_created_and_edited_times() -> None:
    rows = [row(seq) for seq in range(3)]
    rows[0].page["last_edited_time"] = "2026-03-05T00:00:00.000Z"
    assert order(rows, {"timestamp": "created_time", "direction": "descending"}) == ["p2", "p1", "p0"]
    assert order(rows, {"timestamp": "last_edited_time", "direction": "ascending"}) == ["p1", "p2", "p0"]


def test_without_sorts_pages_come_in_creation_order_whatever_order_they_are_given_in() -> None:
    rows = [row(2, Amount=1), row(0, Amount=3), row(1, Amount=2)]
    assert order(rows) == ["p0", "p1", "p2"]


def test_a_sort_can_name_its_property_by_id() -> None:
    rows = [row(0, Status=option("Paid")), row(1, Status=option("Pending"))]
    assert order(rows, {"property": "st%3A", "direction": "ascending"}) == ["p1", "p0"]
    assert order(rows, {"property": "st:", "direction": "ascending"}) == ["p1", "p0"]


def test_a_sort_on_an_unknown_property_is_refused() -> None:
    with pytest.raises(QueryError, match=r"^Could not find sort property with name or id: Colour$"):
        order([row(0)], asc("Colour"))

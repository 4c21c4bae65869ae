"""Formulas in the formula 2.0 language: parsed once, evaluated per page, answered in the type Notion gives
them (an empty result keeps its type)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.errors import NotionError
from sandbox.formula_eval import Context, formula_value, result_type
from sandbox.formula_syntax import parse_formula
from sandbox.formula_values import DateValue, Person

NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
PROPS: dict[str, Any] = {
    "Name": "Widget",
    "Amount": 12,
    "Empty": None,
    "Tags": ["urgent", "client"],
    "Done": True,
    "Due": DateValue(datetime(2026, 1, 31, tzinfo=UTC), has_time=False),
    "Owner": [Person("u1", "Ada Operator", "ada@example.com")],
}
TYPES = {"Name": "string", "Amount": "number", "Empty": "number", "Tags": "list", "Done": "boolean",
         "Due": "date", "Owner": "list"}  # fmt: skip


def value(expression: str) -> dict[str, Any]:
    context = Context(lambda name: PROPS[name], "0c1f7a36-46b1-4f7e-9d0c-3d41f6b1f0a2", NOW)
    return formula_value(parse_formula(expression), context, lambda name: TYPES.get(name, "unknown"))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('prop("Amount") * 2', {"type": "number", "number": 24}),
        ('prop("Name").length()', {"type": "number", "number": 6}),
        ('prop("Tags").includes("client")', {"type": "boolean", "boolean": True}),
        ('prop("Tags").map(current.upper()).join("/")', {"type": "string", "string": "URGENT/CLIENT"}),
        ('prop("Tags").filter(current.length() > 6).length()', {"type": "number", "number": 0}),
        ('let(x, prop("Amount"), x * x + 1)', {"type": "number", "number": 145}),
        ("lets(a, 2, b, 3, a ^ b)", {"type": "number", "number": 8}),
        (
            'ifs(prop("Amount") > 100, "big", prop("Amount") > 10, "medium", "small")',
            {"type": "string", "string": "medium"},
        ),
        ('prop("Done") ? "yes" : "no"', {"type": "string", "string": "yes"}),
        ('not prop("Done") or empty(prop("Empty"))', {"type": "boolean", "boolean": True}),
        ('"n=" + prop("Amount")', {"type": "string", "string": "n=12"}),
        ("round(pi, 2)", {"type": "number", "number": 3.14}),
        ("[3, 1, 2].sort().reverse().at(0)", {"type": "number", "number": 3}),
        ("sum(1, [2, 3]) + max(4, 9) + median(1, 5, 9)", {"type": "number", "number": 20}),
        ('prop("Owner").name().join(", ")', {"type": "string", "string": "Ada Operator"}),
        (
            'replaceAll("a-b-c", "-", "+") + "x".repeat(2) + "7".padStart(3, "0")',
            {"type": "string", "string": "a+b+cxx007"},
        ),
        ('toNumber("42") + toNumber(true)', {"type": "number", "number": 43}),
        ('formatDate(prop("Due"), "YYYY-MM-DD")', {"type": "string", "string": "2026-01-31"}),
        (
            'dateBetween(prop("Due"), dateAdd(prop("Due"), -2, "weeks"), "days")',
            {"type": "number", "number": 14},
        ),
        ("/* a comment */ 10 % 4", {"type": "number", "number": 2}),
    ],
)
def test_formula_2_0_expressions(expression: str, expected: dict[str, Any]) -> None:
    assert value(expression) == expected


def test_now_and_today_are_dates_without_a_time_zone() -> None:
    assert value("now()") == {
        "type": "date",
        "date": {"start": "2026-03-14T09:26:00.000+00:00", "end": None, "time_zone": None},
    }
    assert value("today()")["date"]["start"] == "2026-03-14"
    assert value('dateAdd(prop("Due"), 1, "months")')["date"]["start"] == "2026-02-28"


def test_an_empty_or_failed_result_keeps_its_type() -> None:
    assert value('prop("Empty") * 2') == {"type": "number", "number": None}
    assert value('prop("Amount") / 0') == {"type": "number", "number": None}
    assert value('prop("Gone") + 1') == {"type": "number", "number": None}
    assert value('dateAdd(prop("Name"), 1, "days")') == {"type": "date", "date": None}


def test_the_result_type_follows_the_properties_read() -> None:
    types = {"Amount": "number", "Name": "string", "Due": "date"}.__getitem__
    assert result_type(parse_formula('if(prop("Amount") > 1, prop("Due"), now())'), types) == "date"
    assert result_type(parse_formula('prop("Name") + prop("Amount")'), types) == "string"
    assert result_type(parse_formula('prop("Amount") + prop("Amount")'), types) == "number"


def test_notion_s_own_property_references_read_as_prop() -> None:
    tree = parse_formula("{{notion:block_property:ab%3Dc:00000000-0000-0000-0000-000000000000:x}} + 1")
    assert tree == ("bin", "+", ("prop", "ab=c"), ("lit", 1))


@pytest.mark.parametrize("expression", ["", "1 +", 'prop("A"', "nosuchfunction(1)", "prop(1)", "1 2", "@"])
def test_a_malformed_formula_is_a_validation_error(expression: str) -> None:
    with pytest.raises(NotionError) as caught:
        parse_formula(expression)
    assert (caught.value.status, caught.value.code) == (400, "validation_error")

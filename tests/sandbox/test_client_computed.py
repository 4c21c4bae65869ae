"""Property types Notion added (button, place, verification), rollups and formulas in query results, and the
filters Notion accepts on them and on text properties."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, AsyncClient

from tests.sandbox.conftest import SourceFactory

pytestmark = pytest.mark.trio


def text(content: str) -> list[dict[str, Any]]:
    return [{"text": {"content": content}}]


async def names(notion: AsyncClient, source_id: str, spec: dict[str, Any]) -> list[str]:
    found = await notion.data_sources.query(source_id, filter=spec)
    return sorted(page["properties"]["Name"]["title"][0]["plain_text"] for page in found["results"])


async def test_button_place_and_verification_properties(
    notion: AsyncClient, make_source: SourceFactory
) -> None:
    source = await make_source(
        "Sites",
        {"Name": {"title": {}}, "Act": {"button": {}}, "Where": {"place": {}}, "Check": {"verification": {}}},
    )
    assert {p["type"] for p in source["properties"].values()} == {"title", "button", "place", "verification"}
    blank = await notion.pages.create(
        parent={"data_source_id": source["id"]}, properties={"Name": {"title": text("a")}}
    )
    assert blank["properties"]["Act"]["button"] == {}
    assert blank["properties"]["Where"]["place"] is None
    assert blank["properties"]["Check"]["verification"] == {
        "state": "unverified",
        "date": None,
        "verified_by": None,
    }
    done = await notion.pages.create(
        parent={"data_source_id": source["id"]},
        properties={
            "Name": {"title": text("b")},
            "Where": {"place": {"lat": 48.85, "lon": 2.35, "name": "Paris"}},
            "Check": {
                "verification": {"state": "verified", "date": {"start": "2026-01-01", "end": "2026-04-01"}}
            },
        },
    )
    assert done["properties"]["Where"]["place"]["lat"] == 48.85
    verified = done["properties"]["Check"]["verification"]
    assert verified["state"] == "verified" and verified["verified_by"]["object"] == "user"
    assert verified["date"] == {"start": "2026-01-01", "end": "2026-04-01", "time_zone": None}
    assert await names(
        notion, source["id"], {"property": "Check", "verification": {"status": "verified"}}
    ) == ["b"]
    assert await names(notion, source["id"], {"property": "Check", "verification": {"status": "none"}}) == [
        "a"
    ]
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.update(done["id"], properties={"Act": {"button": {}}})
    assert caught.value.code == "validation_error"


async def test_a_rich_text_filter_works_on_title_email_url_and_phone(
    notion: AsyncClient, make_source: SourceFactory
) -> None:
    source = await make_source()
    await notion.pages.create(
        parent={"data_source_id": source["id"]},
        properties={
            "Name": {"title": text("Alpha")},
            "Email": {"email": "ops@example.com"},
            "Link": {"url": "https://example.com/a"},
            "Phone": {"phone_number": "+84 90"},
        },
    )
    await notion.pages.create(
        parent={"data_source_id": source["id"]}, properties={"Name": {"title": text("Beta")}}
    )
    assert await names(notion, source["id"], {"property": "Name", "rich_text": {"starts_with": "alp"}}) == [
        "Alpha"
    ]
    assert await names(notion, source["id"], {"property": "Email", "rich_text": {"contains": "@"}}) == [
        "Alpha"
    ]
    assert await names(notion, source["id"], {"property": "Link", "rich_text": {"is_empty": True}}) == [
        "Beta"
    ]
    assert await names(notion, source["id"], {"property": "Phone", "rich_text": {"contains": "+84"}}) == [
        "Alpha"
    ]
    assert await names(notion, source["id"], {"property": "Notes", "title": {"is_empty": True}}) == [
        "Alpha",
        "Beta",
    ]
    assert await names(notion, source["id"], {"property": "Type", "select": {"equals": ["Order", "x"]}}) == []


async def rollup_workspace(notion: AsyncClient, make_source: SourceFactory) -> str:
    """Items (amount, day, done) and Orders rolling them up, with formulas over the rollups."""
    items = await make_source("Items", {"Name": {"title": {}}, "Amount": {"number": {}}, "Day": {"date": {}}})
    roll = {"relation_property_name": "Items"}
    orders = await make_source(
        "Orders",
        {
            "Name": {"title": {}},
            "Total": {"rollup": {**roll, "rollup_property_name": "Amount", "function": "sum"}},
            "Items": {"relation": {"data_source_id": items["id"], "single_property": {}}},
            "First": {"rollup": {**roll, "rollup_property_name": "Day", "function": "earliest_date"}},
            "Listed": {"rollup": {**roll, "rollup_property_name": "Name", "function": "show_original"}},
            "Filled": {"rollup": {**roll, "rollup_property_name": "Amount", "function": "percent_not_empty"}},
            "Twice": {"formula": {"expression": 'prop("Total") * 2'}},
            "Size": {"formula": {"expression": 'if(prop("Total") > 10, "big", "small")'}},
            "Stamp": {"formula": {"expression": "now()"}},
        },
    )
    made = []
    for name, amount, day in (("i1", 4, "2026-01-05"), ("i2", 9, "2026-01-02")):
        page = await notion.pages.create(
            parent={"data_source_id": items["id"]},
            properties={
                "Name": {"title": text(name)},
                "Amount": {"number": amount},
                "Day": {"date": {"start": day}},
            },
        )
        made.append({"id": page["id"]})
    await notion.pages.create(
        parent={"data_source_id": orders["id"]},
        properties={"Name": {"title": text("full")}, "Items": {"relation": made}},
    )
    await notion.pages.create(
        parent={"data_source_id": orders["id"]}, properties={"Name": {"title": text("empty")}}
    )
    return str(orders["id"])


async def test_rollups_and_formulas_are_in_query_results(
    notion: AsyncClient, make_source: SourceFactory
) -> None:
    orders = await rollup_workspace(notion, make_source)
    found = await notion.data_sources.query(orders, filter={"property": "Name", "title": {"equals": "full"}})
    got = found["results"][0]["properties"]
    assert got["Total"]["rollup"] == {"type": "number", "number": 13, "function": "sum"}
    assert got["First"]["rollup"]["date"] == {"start": "2026-01-02", "end": None, "time_zone": None}
    assert [item["type"] for item in got["Listed"]["rollup"]["array"]] == ["title", "title"]
    assert got["Filled"]["rollup"]["number"] == 1
    assert got["Twice"]["formula"] == {"type": "number", "number": 26}
    assert got["Size"]["formula"] == {"type": "string", "string": "big"}
    assert got["Stamp"]["formula"]["type"] == "date"
    empty = await notion.data_sources.query(orders, filter={"property": "Name", "title": {"equals": "empty"}})
    assert empty["results"][0]["properties"]["Twice"]["formula"] == {"type": "number", "number": 0}


async def test_filters_on_rollups_and_number_formulas(
    notion: AsyncClient, make_source: SourceFactory
) -> None:
    orders = await rollup_workspace(notion, make_source)
    for spec in (
        {"property": "Total", "rollup": {"number": {"greater_than": 10}}},
        {"property": "First", "rollup": {"date": {"before": "2026-01-03"}}},
        {"property": "Listed", "rollup": {"any": {"rich_text": {"contains": "i2"}}}},
        {"property": "Twice", "formula": {"number": {"equals": 26}}},
        {"property": "Size", "formula": {"string": {"equals": "big"}}},
    ):
        assert await names(notion, orders, spec) == ["full"], spec
    every = {"property": "Listed", "rollup": {"every": {"rich_text": {"starts_with": "i"}}}}
    assert await names(notion, orders, every) == ["empty", "full"]


async def test_schema_changes_keep_ids_and_allow_new_status_options(
    notion: AsyncClient, make_source: SourceFactory
) -> None:
    source = await make_source()
    updated = await notion.data_sources.update(
        source["id"],
        properties={
            "Notes": {"number": {"format": "euro"}, "description": "was text"},
            "Status": {"status": {"options": [{"name": "On hold", "color": "orange"}]}},
            "Sum": {
                "rollup": {
                    "relation_property_name": "Self",
                    "rollup_property_name": "Amount",
                    "function": "sum",
                }
            },
            "Self": {"relation": {"data_source_id": source["id"], "single_property": {}}},
        },
    )
    notes = updated["properties"]["Notes"]
    assert (notes["id"], notes["type"], notes["description"]) == (
        source["properties"]["Notes"]["id"],
        "number",
        "was text",
    )
    status = updated["properties"]["Status"]["status"]
    assert "On hold" in [o["name"] for o in status["options"]]
    assert updated["properties"]["Sum"]["rollup"]["relation_property_name"] == "Self"

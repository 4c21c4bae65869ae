"""Every property type written and read back through notion-client, in Notion's response shapes."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, AsyncClient

pytestmark = pytest.mark.trio


def text(content: str) -> list[dict[str, Any]]:
    return [{"text": {"content": content}}]


async def new_page(notion: AsyncClient, source: dict[str, Any], **properties: Any) -> dict[str, Any]:
    page: dict[str, Any] = await notion.pages.create(
        parent={"type": "data_source_id", "data_source_id": source["id"]}, properties=properties
    )
    return page


async def test_writable_types_round_trip_in_response_shape(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    people = (await notion.users.list())["results"]
    person = next(u for u in people if u["type"] == "person")
    page = await new_page(
        notion,
        source,
        Name={"title": text("Payout 1")},
        Amount={"number": 12.5},
        Notes={
            "rich_text": [
                {
                    "text": {"content": "bold", "link": {"url": "https://x.test"}},
                    "annotations": {"bold": True},
                }
            ]
        },
        Type={"select": {"name": "Order"}},
        Tags={"multi_select": [{"name": "urgent"}, {"name": "vip", "color": "red"}]},
        Status={"status": {"name": "Paid"}},
        Date={"date": {"start": "2026-01-15", "end": "2026-01-31"}},
        Done={"checkbox": True},
        Email={"email": "a@example.com"},
        Link={"url": "https://example.com"},
        Phone={"phone_number": "+1 555"},
        Owner={"people": [{"id": person["id"]}]},
    )
    got = (await notion.pages.retrieve(page["id"]))["properties"]
    assert got["Name"]["title"][0] == {
        "type": "text",
        "text": {"content": "Payout 1", "link": None},
        "annotations": {
            "bold": False,
            "italic": False,
            "strikethrough": False,
            "underline": False,
            "code": False,
            "color": "default",
        },
        "plain_text": "Payout 1",
        "href": None,
    }
    assert got["Name"]["id"] == "title"
    assert got["Amount"] == {"id": got["Amount"]["id"], "type": "number", "number": 12.5}
    assert got["Notes"]["rich_text"][0]["annotations"]["bold"] is True
    assert got["Notes"]["rich_text"][0]["href"] == "https://x.test"
    assert got["Type"]["select"]["name"] == "Order" and set(got["Type"]["select"]) == {"id", "name", "color"}
    assert [o["name"] for o in got["Tags"]["multi_select"]] == ["urgent", "vip"]
    assert got["Status"]["status"]["name"] == "Paid"
    assert got["Date"]["date"] == {"start": "2026-01-15", "end": "2026-01-31", "time_zone": None}
    assert got["Done"]["checkbox"] is True
    assert got["Email"]["email"] == "a@example.com"
    assert got["Link"]["url"] == "https://example.com"
    assert got["Phone"]["phone_number"] == "+1 555"
    assert got["Owner"]["people"][0]["id"] == person["id"]


async def test_empty_values_have_notions_defaults(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    got = (await new_page(notion, source, Name={"title": text("x")}))["properties"]
    assert got["Amount"]["number"] is None
    assert got["Notes"]["rich_text"] == []
    assert got["Type"]["select"] is None
    assert got["Tags"]["multi_select"] == []
    assert got["Status"]["status"]["name"] == "Pending"
    assert got["Date"]["date"] is None
    assert got["Done"]["checkbox"] is False
    assert got["Owner"]["people"] == []


async def test_a_new_select_option_is_created_on_write(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    page = await new_page(notion, source, Type={"select": {"name": "Bonus"}})
    schema = await notion.data_sources.retrieve(source["id"])
    option = next(o for o in schema["properties"]["Type"]["select"]["options"] if o["name"] == "Bonus")
    assert page["properties"]["Type"]["select"]["id"] == option["id"]
    by_id = await notion.pages.update(page["id"], properties={"Type": {"select": {"id": option["id"]}}})
    assert by_id["properties"]["Type"]["select"]["name"] == "Bonus"


async def test_an_unknown_status_option_is_refused(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    page = await new_page(notion, source, Name={"title": text("x")})
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.update(page["id"], properties={"Status": {"status": {"name": "Approved"}}})
    assert (caught.value.status, caught.value.code) == (400, "validation_error")
    assert "Approved" in str(caught.value)


@pytest.mark.parametrize(
    ("prop", "value"),
    [("Status", {"select": {"name": "Paid"}}), ("Type", {"status": {"name": "Order"}})],
)
async def test_status_and_select_shapes_are_not_interchangeable(
    notion: AsyncClient, make_source: Any, prop: str, value: dict[str, Any]
) -> None:
    source = await make_source()
    page = await new_page(notion, source)
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.update(page["id"], properties={prop: value})
    assert caught.value.code == "validation_error"
    assert str(caught.value) == f"{prop} is expected to be {'status' if prop == 'Status' else 'select'}."


async def test_datetimes_come_back_normalized(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    page = await new_page(notion, source, Date={"date": {"start": "2026-07-02T10:00:00Z", "time_zone": None}})
    assert page["properties"]["Date"]["date"]["start"] == "2026-07-02T10:00:00.000+00:00"


async def test_computed_and_automatic_properties(notion: AsyncClient, make_source: Any) -> None:
    items = await make_source("Items", {"Name": {"title": {}}, "Amount": {"number": {}}})
    payables = await make_source(
        "Payables",
        {
            "Title": {"title": {}},
            "Currency": {"rich_text": {}},
            "Items": {"relation": {"data_source_id": items["id"], "single_property": {}}},
            "ID": {"unique_id": {"prefix": "PAY"}},
            "Created": {"created_time": {}},
            "Edited": {"last_edited_time": {}},
            "By": {"created_by": {}},
            "Edited by": {"last_edited_by": {}},
        },
    )
    await notion.data_sources.update(
        payables["id"],
        properties={
            "Total": {
                "rollup": {
                    "relation_property_name": "Items",
                    "rollup_property_name": "Amount",
                    "function": "sum",
                }
            },
            "Count": {
                "rollup": {
                    "relation_property_name": "Items",
                    "rollup_property_name": "Amount",
                    "function": "count",
                }
            },
            "Biggest": {
                "rollup": {
                    "relation_property_name": "Items",
                    "rollup_property_name": "Amount",
                    "function": "max",
                }
            },
            "Amounts": {
                "rollup": {
                    "relation_property_name": "Items",
                    "rollup_property_name": "Amount",
                    "function": "show_original",
                }
            },
            "Label": {"formula": {"expression": 'prop("Title") + " " + prop("Currency")'}},
            "Double": {"formula": {"expression": 'prop("Total") * 2'}},
            "Big": {"formula": {"expression": 'if(prop("Total") > 10, "big", "small")'}},
        },
    )
    a = await new_page(notion, items, Amount={"number": 4})
    b = await new_page(notion, items, Amount={"number": 9})
    first = await new_page(notion, payables, Title={"title": text("P1")}, Currency={"rich_text": text("USD")})
    second = await new_page(
        notion, payables, Title={"title": text("P2")}, Items={"relation": [{"id": a["id"]}, {"id": b["id"]}]}
    )
    got = second["properties"]
    assert got["Total"]["rollup"] == {"type": "number", "number": 13, "function": "sum"}
    assert got["Count"]["rollup"]["number"] == 2
    assert got["Biggest"]["rollup"]["number"] == 9
    assert got["Amounts"]["rollup"] == {
        "type": "array",
        "array": [{"type": "number", "number": 4}, {"type": "number", "number": 9}],
        "function": "show_original",
    }
    assert got["Double"]["formula"] == {"type": "number", "number": 26}
    assert got["Big"]["formula"] == {"type": "string", "string": "big"}
    assert first["properties"]["Label"]["formula"] == {"type": "string", "string": "P1 USD"}
    assert first["properties"]["ID"]["unique_id"] == {"prefix": "PAY", "number": 1}
    assert got["ID"]["unique_id"] == {"prefix": "PAY", "number": 2}
    assert got["Created"]["created_time"] == second["created_time"]
    assert got["By"]["created_by"]["object"] == "user"
    await notion.pages.update(b["id"], properties={"Amount": {"number": 1}})
    again = await notion.pages.retrieve(second["id"])
    assert again["properties"]["Total"]["rollup"]["number"] == 5
    assert again["properties"]["Edited"]["last_edited_time"] == second["last_edited_time"]


async def test_computed_properties_cannot_be_written(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source("F", {"Name": {"title": {}}, "F": {"formula": {"expression": "1 + 2"}}})
    page = await new_page(notion, source)
    assert page["properties"]["F"]["formula"] == {"type": "number", "number": 3}
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.update(page["id"], properties={"F": {"formula": {"number": 1}}})
    assert caught.value.code == "validation_error"


async def test_every_write_advances_last_edited_time(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    page = await new_page(notion, source)
    stamps = [page["last_edited_time"]]
    for amount in range(3):
        stamps.append(
            (await notion.pages.update(page["id"], properties={"Amount": {"number": amount}}))[
                "last_edited_time"
            ]
        )
    assert stamps == sorted(stamps) and len(set(stamps)) == 4

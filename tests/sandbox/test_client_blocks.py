"""Blocks as Notion takes and answers them: every type a client can append (nested ones too), rich text given
as a lone object, merged updates, and pages and databases as the child blocks they show as."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, AsyncClient

pytestmark = pytest.mark.trio

RICH = [{"text": {"content": "x"}}]
URL = "https://example.com/logo.png"
EVERY_TYPE: list[dict[str, Any]] = [
    {"paragraph": {"rich_text": RICH, "color": "yellow_background"}},
    {"heading_4": {"rich_text": RICH, "is_toggleable": True}},
    {"to_do": {"rich_text": RICH, "checked": True}},
    {"callout": {"rich_text": RICH, "icon": {"type": "emoji", "emoji": "✅"}}},
    {"toggle": {"rich_text": RICH, "children": [{"quote": {"rich_text": RICH}}]}},
    {"code": {"rich_text": RICH, "caption": RICH, "language": "python"}},
    {"equation": {"expression": "e = mc^2"}},
    {"bookmark": {"url": "https://example.com", "caption": RICH}},
    {"embed": {"url": "https://example.com/embed"}},
    {"image": {"external": {"url": URL}, "caption": RICH}},
    {"file": {"type": "external", "external": {"url": URL}}},
    {"video": {"external": {"url": URL}}},
    {"pdf": {"external": {"url": URL}}},
    {"audio": {"external": {"url": URL}}},
    {"divider": {}},
    {"breadcrumb": {}},
    {"table_of_contents": {"color": "gray"}},
    {"template": {"rich_text": RICH}},
    {"synced_block": {"synced_from": None, "children": [{"paragraph": {"rich_text": RICH}}]}},
    {
        "column_list": {
            "children": [
                {"column": {"children": [{"paragraph": {"rich_text": RICH}}]}},
                {"column": {"children": [{"bulleted_list_item": {"rich_text": RICH}}]}},
            ]
        }
    },
    {
        "table": {
            "table_width": 2,
            "has_column_header": True,
            "children": [{"table_row": {"cells": [RICH, RICH]}}, {"table_row": {"cells": [[], RICH]}}],
        }
    },
]


async def new_page(notion: AsyncClient) -> dict[str, Any]:
    page: dict[str, Any] = await notion.pages.create(
        parent={"workspace": True}, properties={"title": [{"text": {"content": "Body"}}]}
    )
    return page


async def test_every_type_a_client_can_append(notion: AsyncClient) -> None:
    page = await new_page(notion)
    made = await notion.blocks.children.append(page["id"], children=EVERY_TYPE)
    kinds = [block["type"] for block in made["results"]]
    assert kinds == [next(iter(block)) for block in EVERY_TYPE]
    shown = {block["type"]: block for block in made["results"]}
    assert shown["paragraph"]["paragraph"]["icon"] is None
    assert shown["code"]["code"]["caption"][0]["plain_text"] == "x"
    assert shown["file"]["file"] == {
        "caption": [],
        "type": "external",
        "external": {"url": URL},
        "name": "logo.png",
    }
    assert shown["bookmark"]["bookmark"]["url"] == "https://example.com"
    assert shown["table"]["has_children"] and shown["column_list"]["has_children"]
    rows = await notion.blocks.children.list(shown["table"]["id"])
    assert [row["type"] for row in rows["results"]] == ["table_row", "table_row"]
    synced = {"synced_block": {"synced_from": {"block_id": shown["synced_block"]["id"]}}}
    link = {"link_to_page": {"page_id": page["id"]}}
    again = await notion.blocks.children.append(page["id"], children=[synced, link])
    assert again["results"][0]["synced_block"]["synced_from"]["type"] == "block_id"
    assert again["results"][1]["link_to_page"] == {"type": "page_id", "page_id": page["id"]}


async def test_rich_text_given_as_one_object_reads_as_a_list_of_one(notion: AsyncClient) -> None:
    page = await new_page(notion)
    mention = {"mention": {"type": "date", "date": {"start": "2026-01-02"}}}
    made = await notion.blocks.children.append(
        page["id"],
        children=[
            {"paragraph": {"rich_text": {"text": {"content": "lone"}}}},
            {"paragraph": {"rich_text": [mention]}},
        ],
    )
    assert [item["plain_text"] for item in made["results"][0]["paragraph"]["rich_text"]] == ["lone"]
    shown = made["results"][1]["paragraph"]["rich_text"][0]
    assert shown["mention"]["date"] == {"start": "2026-01-02", "end": None, "time_zone": None}


async def test_an_update_changes_only_what_it_gives(notion: AsyncClient) -> None:
    page = await new_page(notion)
    made = await notion.blocks.children.append(
        page["id"], children=[{"callout": {"rich_text": RICH, "icon": {"type": "emoji", "emoji": "✅"}}}]
    )
    block = made["results"][0]
    updated = await notion.blocks.update(block["id"], callout={"color": "orange_background"})
    assert updated["callout"]["rich_text"][0]["plain_text"] == "x"
    assert updated["callout"]["icon"] == {"type": "emoji", "emoji": "✅"}
    assert updated["callout"]["color"] == "orange_background"


async def test_child_pages_and_databases_are_listed_retrieved_and_deleted_as_blocks(
    notion: AsyncClient,
) -> None:
    page = await new_page(notion)
    child = await notion.pages.create(
        parent={"page_id": page["id"]}, properties={"title": [{"text": {"content": "Kid"}}]}
    )
    database = await notion.databases.create(
        parent={"page_id": page["id"]}, title=[{"text": {"content": "Ledger"}}]
    )
    listed = await notion.blocks.children.list(page["id"])
    assert [(b["type"], b["id"]) for b in listed["results"]] == [
        ("child_page", child["id"]),
        ("child_database", database["id"]),
    ]
    assert (await notion.blocks.retrieve(database["id"]))["child_database"] == {"title": "Ledger"}
    gone = await notion.blocks.delete(database["id"])
    assert (gone["type"], gone["in_trash"], gone["archived"]) == ("child_database", True, True)
    assert (await notion.databases.retrieve(database["id"]))["in_trash"] is True
    dropped = await notion.blocks.delete(child["id"])
    assert dropped["child_page"] == {"title": "Kid"} and dropped["in_trash"] is True
    assert (await notion.blocks.children.list(page["id"]))["results"] == []


async def test_a_page_goes_where_its_position_says(notion: AsyncClient) -> None:
    page = await new_page(notion)
    made = await notion.blocks.children.append(page["id"], children=[{"divider": {}}])
    first = await notion.pages.create(
        parent={"page_id": page["id"]},
        properties={"title": [{"text": {"content": "A"}}]},
        position={"type": "page_start"},
    )
    listed = await notion.blocks.children.list(page["id"])
    assert [b["id"] for b in listed["results"]] == [first["id"], made["results"][0]["id"]]


async def test_a_file_upload_is_refused_as_a_value_the_sandbox_does_not_know(notion: AsyncClient) -> None:
    page = await new_page(notion)
    with pytest.raises(APIResponseError) as caught:
        await notion.blocks.children.append(
            page["id"], children=[{"image": {"type": "file_upload", "file_upload": {"id": page["id"]}}}]
        )
    assert (caught.value.status, caught.value.code) == (400, "validation_error")

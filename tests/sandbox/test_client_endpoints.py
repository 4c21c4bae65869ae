"""Each endpoint paydesk uses, through the real notion-client (async under trio, and sync in a thread)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import trio
from notion_client import APIResponseError, AsyncClient, Client
from notion_client.helpers import async_collect_paginated_api

from sandbox.options import SandboxOptions
from sandbox.render import full_page
from sandbox.server import FLUSH_INTERVAL, RunningSandbox, open_sandbox
from sandbox.store import DB_FILE, SandboxStore

pytestmark = pytest.mark.trio


async def test_users_list_and_retrieve(notion: AsyncClient) -> None:
    listed = await notion.users.list()
    assert listed["object"] == "list" and listed["type"] == "user" and listed["user"] == {}
    assert listed["request_id"] and listed["has_more"] is False and listed["next_cursor"] is None
    one = listed["results"][1]
    assert (await notion.users.retrieve(one["id"]))["id"] == one["id"]


async def test_databases_hold_data_sources(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source("Payouts")
    database_id = source["parent"]["database_id"]
    database = await notion.databases.retrieve(database_id)
    assert database["object"] == "database"
    assert {"id": source["id"], "name": "Payouts"} in database["data_sources"]
    updated = await notion.databases.update(database_id, icon={"type": "emoji", "emoji": "🔥"})
    assert updated["icon"] == {"type": "emoji", "emoji": "🔥"}


async def test_data_source_update_renames_and_deletes(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    updated = await notion.data_sources.update(
        source["id"],
        title=[{"text": {"content": "Renamed"}}],
        properties={
            "Amount": {"name": "Total"},
            "Phone": None,
            "Type": {"select": {"options": [{"name": "Fee"}]}},
        },
    )
    assert updated["title"][0]["plain_text"] == "Renamed"
    assert (
        "Total" in updated["properties"]
        and "Amount" not in updated["properties"]
        and "Phone" not in updated["properties"]
    )
    assert [o["name"] for o in updated["properties"]["Type"]["select"]["options"]] == ["Fee"]
    assert updated["properties"]["Total"]["id"] == source["properties"]["Amount"]["id"]


async def test_search_finds_data_sources_by_title_and_paginates(
    notion: AsyncClient, make_source: Any
) -> None:
    for name in ("Contractor Payouts", "Contractor Payables", "Refund Requests"):
        await make_source(name)
    found = await notion.search(query="contractor", filter={"property": "object", "value": "data_source"})
    assert sorted(r["title"][0]["plain_text"] for r in found["results"]) == [
        "Contractor Payables",
        "Contractor Payouts",
    ]
    assert found["type"] == "page_or_data_source" and found["request_id"]
    every = await async_collect_paginated_api(
        notion.search, filter={"property": "object", "value": "data_source"}, page_size=1
    )
    assert len(every) == 3


async def test_query_pages_and_filter_properties(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    parent = {"data_source_id": source["id"]}
    for i in range(5):
        await notion.pages.create(
            parent=parent,
            properties={
                "Amount": {"number": i},
                "Status": {"status": {"name": "Paid" if i % 2 else "Pending"}},
            },
        )
    paid = await notion.data_sources.query(
        source["id"], filter={"property": "Status", "status": {"equals": "Paid"}}
    )
    assert sorted(p["properties"]["Amount"]["number"] for p in paid["results"]) == [1, 3]
    every = await async_collect_paginated_api(
        notion.data_sources.query, data_source_id=source["id"], page_size=2
    )
    assert len(every) == 5
    amount_id = source["properties"]["Amount"]["id"]
    slim = await notion.data_sources.query(source["id"], filter_properties=[amount_id, "Status"])
    assert set(slim["results"][0]["properties"]) == {"Amount", "Status"}
    page = await notion.pages.retrieve(every[0]["id"], filter_properties=["Amount"])
    assert set(page["properties"]) == {"Amount"}


async def test_blocks_make_a_page_body(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    page = await notion.pages.create(
        parent={"data_source_id": source["id"]},
        properties={},
        children=[{"paragraph": {"rich_text": [{"text": {"content": "first"}}]}}],
    )
    appended = await notion.blocks.children.append(
        page["id"],
        children=[
            {"heading_2": {"rich_text": [{"text": {"content": "Proof of works"}}]}},
            {"bulleted_list_item": {"rich_text": [{"text": {"content": "item"}}]}},
            {"to_do": {"rich_text": [{"text": {"content": "check"}}], "checked": True}},
        ],
    )
    assert appended["type"] == "block" and len(appended["results"]) == 3
    listed = await async_collect_paginated_api(notion.blocks.children.list, block_id=page["id"], page_size=2)
    assert [b["type"] for b in listed] == ["paragraph", "heading_2", "bulleted_list_item", "to_do"]
    assert listed[0]["paragraph"]["rich_text"][0]["plain_text"] == "first"
    block = await notion.blocks.retrieve(listed[1]["id"])
    assert block["heading_2"]["rich_text"][0]["plain_text"] == "Proof of works"
    await notion.blocks.delete(listed[1]["id"])
    assert len((await notion.blocks.children.list(page["id"]))["results"]) == 3


async def test_the_sync_client_works_in_a_thread(sandbox: RunningSandbox, make_source: Any) -> None:
    source = await make_source()

    def work() -> tuple[dict[str, Any], dict[str, Any]]:
        with Client(auth=sandbox.token, base_url=sandbox.base_url, retry=False) as client:
            page = client.pages.create(
                parent={"data_source_id": source["id"]}, properties={"Amount": {"number": 3}}
            )
            updated = client.pages.update(page["id"], properties={"Amount": {"number": 4}})
            return page, updated

    page, updated = await trio.to_thread.run_sync(work)
    assert page["properties"]["Amount"]["number"] == 3 and updated["properties"]["Amount"]["number"] == 4


async def test_query_lag_hides_new_pages_from_queries_only(tmp_path: Path) -> None:
    async with open_sandbox(tmp_path / "lag", SandboxOptions(query_lag_ms=60_000)) as running:
        client = AsyncClient(auth=running.token, base_url=running.base_url, retry=False)
        try:
            database_id = running.store.create_database("Lag")
            source_id = running.store.create_data_source(
                database_id, "Lag", {"Name": {"type": "title", "title": {}}}
            )
            page = await client.pages.create(parent={"data_source_id": source_id}, properties={})
            assert (await client.data_sources.query(source_id))["results"] == []
            assert (await client.pages.retrieve(page["id"]))["id"] == page["id"]
            running.store.query_lag_ms = 0
            assert len((await client.data_sources.query(source_id))["results"]) == 1
        finally:
            await client.aclose()


async def test_a_restart_keeps_the_workspace(tmp_path: Path) -> None:
    async with open_sandbox(tmp_path / "keep") as running:
        client = AsyncClient(auth=running.token, base_url=running.base_url, retry=False)
        database_id = running.store.create_database("Keep")
        source_id = running.store.create_data_source(
            database_id, "Keep", {"Name": {"type": "title", "title": {}}}
        )
        page = await client.pages.create(
            parent={"data_source_id": source_id},
            properties={"Name": {"title": [{"text": {"content": "kept"}}]}},
        )
        await client.aclose()
    async with open_sandbox(tmp_path / "keep") as running:
        client = AsyncClient(auth=running.token, base_url=running.base_url, retry=False)
        again = await client.pages.retrieve(page["id"])
        await client.aclose()
    assert again == {**page, "request_id": again["request_id"]}
    assert running.store.counts() == {"Keep": 1}


async def test_writes_are_group_committed_soon_and_all_kept_by_a_graceful_stop(tmp_path: Path) -> None:
    async with open_sandbox(tmp_path / "group") as running:
        quiet = logging.getLogger("tests.sandbox.notion_client")
        client = AsyncClient(auth=running.token, base_url=running.base_url, retry=False, logger=quiet)
        try:
            database_id = running.store.create_database("Group")
            source_id = running.store.create_data_source(
                database_id, "Group", {"Name": {"type": "title", "title": {}}, "N": {"number": {}}}
            )
            page = await client.pages.create(parent={"data_source_id": source_id}, properties={})
            raw = sqlite3.connect(str(tmp_path / "group" / DB_FILE))
            try:
                with trio.fail_after(5):  # committed within a flush interval, seen by another connection
                    while True:
                        if raw.execute("SELECT 1 FROM objects WHERE id = ?", (page["id"],)).fetchall():
                            break
                        await trio.sleep(FLUSH_INTERVAL)
            finally:
                raw.close()
            for value in range(30):
                await client.pages.update(page["id"], properties={"N": {"number": value}})
        finally:
            await client.aclose()
    reopened = SandboxStore.open(tmp_path / "group")
    try:
        assert full_page(reopened, reopened.pages[page["id"]])["properties"]["N"]["number"] == 29
    finally:
        reopened.close()


async def test_a_query_after_writes_matches_the_query_over_fully_rendered_pages(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    source = await make_source()
    for value in (5, 1, 4, 2, 3, 6):
        await notion.pages.create(
            parent={"data_source_id": source["id"]},
            properties={"Name": {"title": [{"text": {"content": f"n{value}"}}]}, "Amount": {"number": value}},
        )
    body: dict[str, Any] = {
        "filter": {"property": "Amount", "number": {"greater_than": 1}},
        "sorts": [{"property": "Amount", "direction": "descending"}],
        "page_size": 3,
    }
    cold = await notion.data_sources.query(source["id"], **body)  # rows rendered only as far as needed
    for row in (await notion.data_sources.query(source["id"]))["results"]:
        await notion.pages.retrieve(row["id"])  # every page object rendered and cached
    warm = await notion.data_sources.query(source["id"], **body)
    assert [row["properties"]["Amount"]["number"] for row in cold["results"]] == [6, 5, 4]
    assert cold["results"] == warm["results"] and cold["next_cursor"] == warm["next_cursor"]
    rest = await notion.data_sources.query(source["id"], **body, start_cursor=cold["next_cursor"])
    assert [row["properties"]["Amount"]["number"] for row in rest["results"]] == [3, 2]


async def test_a_bad_or_stale_query_cursor_is_a_400_validation_error(
    notion: AsyncClient, make_source: Any
) -> None:
    source = await make_source()
    for value in (1, 2, 3):
        await notion.pages.create(
            parent={"data_source_id": source["id"]}, properties={"Amount": {"number": value}}
        )
    first = await notion.data_sources.query(source["id"], page_size=1)
    sorted_by_amount = [{"property": "Amount", "direction": "ascending"}]
    for body in (
        {"start_cursor": "not-a-cursor"},
        {"start_cursor": first["next_cursor"], "sorts": sorted_by_amount},  # made for other sorts
    ):
        with pytest.raises(APIResponseError) as raised:
            await notion.data_sources.query(source["id"], **body)
        assert (raised.value.status, raised.value.code) == (400, "validation_error")
        assert str(raised.value).startswith("The start_cursor provided is invalid: ")

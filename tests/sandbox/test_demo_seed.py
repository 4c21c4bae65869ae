"""Seeding the demo workspace into a served sandbox and reading it back through notion-client."""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import AsyncClient
from notion_client.helpers import async_collect_paginated_api

from sandbox.app import build_app
from sandbox.demo import TITLES, DemoWorkspace, find_demo_workspace, render_config, seed_demo
from sandbox.server import RunningSandbox
from sandbox.store import SandboxStore

pytestmark = pytest.mark.trio

QUIET = logging.getLogger("tests.sandbox.demo_seed")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False

MONTH = "2026-02"

# DOMAIN.md: which properties are status and which are select.
STATUS = {
    "payables": ["Payment Status"],
    "payouts": ["Status"],
    "refunds": ["Status"],
    "rates": ["Status"],
    "updates": ["Status"],
    "deployments": ["Deployment Status"],
}
SELECT = {
    "orders": ["Status", "Type"],
    "splits": ["Status", "Type", "Currency", "Role"],
    "rates": ["Payday", "Billing Type", "Currency"],
    "contractors": ["Status"],
    "payouts": ["Currency"],
    "payables": ["Currency"],
    "refunds": ["Currency", "Reason"],
}


@asynccontextmanager
async def in_process(app: Any, base_url: str, token: str) -> AsyncIterator[AsyncClient]:
    """A client on the app in-process, as `--seed demo` and the benchmarks use it."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http:
        yield AsyncClient(auth=token, base_url=base_url, client=http, retry=False, logger=QUIET)


async def seed_small(sandbox: RunningSandbox, notion: AsyncClient, *, seed: int = 5) -> DemoWorkspace:
    """Seed in-process (the tests read back over HTTP with `notion`)."""
    async with in_process(sandbox.notion_app, sandbox.base_url, sandbox.token) as client:
        return await seed_demo(client, sandbox.store, size="small", month=MONTH, random_seed=seed)


async def query_all(notion: AsyncClient, source_id: str, **body: Any) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = await async_collect_paginated_api(
        notion.data_sources.query, data_source_id=source_id, **body
    )
    return pages


def plain(prop: dict[str, Any]) -> str:
    return "".join(part["plain_text"] for part in prop[prop["type"]])


async def test_seeded_data_sources_are_found_by_title_and_hold_the_counted_pages(
    sandbox: RunningSandbox, notion: AsyncClient
) -> None:
    workspace = await seed_small(sandbox, notion)
    found = await async_collect_paginated_api(
        notion.search, filter={"property": "object", "value": "data_source"}
    )
    by_title = {plain({"type": "title", "title": source["title"]}): source["id"] for source in found}
    assert {name: by_title[title] for name, title in TITLES.items()} == workspace.data_sources
    for name, source_id in workspace.data_sources.items():
        assert len(await query_all(notion, source_id)) == workspace.counts[name], name
    assert workspace.counts["contractors"] == 8
    for name, database_id in workspace.databases.items():
        database = await notion.databases.retrieve(database_id=database_id)
        assert [source["id"] for source in database["data_sources"]] == [workspace.data_sources[name]]


async def test_status_and_select_properties_are_typed_as_the_domain_says(
    sandbox: RunningSandbox, notion: AsyncClient
) -> None:
    workspace = await seed_small(sandbox, notion)
    for expected, table in (("status", STATUS), ("select", SELECT)):
        for name, properties in table.items():
            schema = await notion.data_sources.retrieve(data_source_id=workspace.data_sources[name])
            for prop in properties:
                assert schema["properties"][prop]["type"] == expected, (name, prop)
    payables = await notion.data_sources.retrieve(data_source_id=workspace.data_sources["payables"])
    options = [o["name"] for o in payables["properties"]["Payment Status"]["status"]["options"]]
    assert options == ["New", "Pending", "Paid", "Cancelled"]
    assert payables["properties"]["Payout Amount Sum"]["type"] == "rollup"
    assert payables["properties"]["Label"]["type"] == "formula"


async def test_two_way_relations_are_filled_on_both_sides(
    sandbox: RunningSandbox, notion: AsyncClient
) -> None:
    workspace = await seed_small(sandbox, notion)
    orders = workspace.data_sources["orders"]
    approved = await query_all(
        notion,
        orders,
        filter={
            "and": [
                {"property": "Type", "select": {"equals": "Order"}},
                {"property": "Status", "select": {"equals": "Approved"}},
            ]
        },
    )
    assert len(approved) == 8  # six contractors, the one without a rate, and the unassigned order
    for order in approved:
        items = await query_all(
            notion, orders, filter={"property": "Parent item", "relation": {"contains": order["id"]}}
        )
        sub_items = [ref["id"] for ref in order["properties"]["Sub-item"]["relation"]]
        assert sorted(sub_items) == sorted(item["id"] for item in items)
        assert items, plain(order["properties"]["Name"])
        assert all(item["properties"]["Type"]["select"]["name"] == "Timesheet" for item in items)
    payouts = await query_all(notion, workspace.data_sources["payouts"])
    in_payables = [p for p in payouts if p["properties"]["Payable"]["relation"]]
    assert len(in_payables) == len(payouts) - 1  # all but the Cancelled one


async def test_the_big_payable_reports_more_payout_items_than_a_page_shows(
    sandbox: RunningSandbox, notion: AsyncClient
) -> None:
    workspace = await seed_small(sandbox, notion)
    payables = await query_all(notion, workspace.data_sources["payables"])
    big = [p for p in payables if p["properties"]["Payout Items"]["has_more"]]
    assert len(big) == 1
    shown = big[0]["properties"]["Payout Items"]
    assert len(shown["relation"]) == 25
    items = await async_collect_paginated_api(
        notion.pages.properties.retrieve, page_id=big[0]["id"], property_id=shown["id"]
    )
    assert len(items) == 30
    assert big[0]["properties"]["Payout Count"]["rollup"]["number"] == 30
    payouts = {p["id"]: p for p in await query_all(notion, workspace.data_sources["payouts"])}
    amounts = [payouts[item["relation"]["id"]]["properties"]["Amount"]["number"] for item in items]
    assert big[0]["properties"]["Payout Amount Sum"]["rollup"]["number"] == pytest.approx(sum(amounts))
    assert big[0]["properties"]["Payment Status"]["status"]["name"] == "Pending"


async def test_the_workspace_is_found_again_after_reopening_the_store(
    sandbox: RunningSandbox, notion: AsyncClient, tmp_path: Path
) -> None:
    assert find_demo_workspace(sandbox.store) is None
    workspace = await seed_small(sandbox, notion)
    reopened = SandboxStore.open(tmp_path / "sb")
    try:
        assert find_demo_workspace(reopened) == workspace
    finally:
        reopened.close()
    with pytest.raises(ValueError, match="already holds the demo workspace"):
        await seed_small(sandbox, notion)


async def test_the_rendered_configuration_names_all_ten_data_sources(
    sandbox: RunningSandbox, notion: AsyncClient
) -> None:
    workspace = await seed_small(sandbox, notion)
    config = tomllib.loads(render_config(sandbox.base_url, workspace))
    assert config["notion"]["base_url"] == sandbox.base_url
    assert config["data_sources"] == workspace.data_sources
    assert sandbox.token not in render_config(sandbox.base_url, workspace)


async def content(notion: AsyncClient, workspace: DemoWorkspace) -> list[str]:
    """Every page as canonical JSON with ids, times and urls left out and related pages named by title."""
    pages = {name: await query_all(notion, ds) for name, ds in workspace.data_sources.items()}
    titles = {
        page["id"]: name + ":" + plain(next(p for p in page["properties"].values() if p["type"] == "title"))
        for name, rows in pages.items()
        for page in rows
    }

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("id") in titles:
                return titles[value["id"]]
            skipped = {"id", "created_time", "last_edited_time", "url", "public_url", "parent"}
            return {k: strip(v) for k, v in value.items() if k not in skipped}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return sorted(
        f"{name} {json.dumps(strip(page), sort_keys=True)}" for name, rows in pages.items() for page in rows
    )


async def test_the_same_seed_gives_the_same_content_apart_from_ids_and_times(
    sandbox: RunningSandbox, notion: AsyncClient, tmp_path: Path
) -> None:
    first = await content(notion, await seed_small(sandbox, notion, seed=9))
    other = SandboxStore.open(tmp_path / "other")
    try:
        async with in_process(build_app(other), sandbox.base_url, sandbox.token) as client:
            workspace = await seed_demo(client, other, size="small", month=MONTH, random_seed=9)
            second = await content(client, workspace)
    finally:
        other.close()
    assert len(first) == sum(workspace.counts.values())
    assert first == second

"""The sandbox answers with the shapes real Notion recorded: same keys, same value types, recursively
(extra keys tolerated; ids, texts and times differ; a null on either side matches anything)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from notion_client import APIResponseError, AsyncClient

from sandbox.server import RunningSandbox

pytestmark = pytest.mark.trio
CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "notion-reference" / "cassettes"
TODAY = Path(__file__).resolve().parent / "recordings" / "notion-sdk-py"


def recorded(cassette: str, method: str, path_part: str, folder: Path = CASSETTES) -> dict[str, Any]:
    """The first recorded response body of ``method`` on a URI containing ``path_part``."""
    data = yaml.safe_load((folder / cassette).read_text(encoding="utf-8"))
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        if request["method"] == method and path_part in request["uri"]:
            body = response["body"]["string"] if "body" in response else response["content"]
            parsed: dict[str, Any] = json.loads(body)
            return parsed
    raise LookupError(f"{cassette}: no {method} {path_part}")


def mismatches(real: Any, ours: Any, where: str = "$") -> list[str]:
    if real is None or ours is None:
        return []
    if isinstance(real, bool) or isinstance(ours, bool):
        return (
            [] if type(real) is type(ours) else [f"{where}: {type(real).__name__} vs {type(ours).__name__}"]
        )
    if isinstance(real, int | float) and isinstance(ours, int | float):
        return []
    if type(real) is not type(ours):
        return [f"{where}: {type(real).__name__} vs {type(ours).__name__}"]
    if isinstance(real, dict):
        found = [f"{where}.{key}: missing" for key in real if key not in ours]
        for key in real:
            if key in ours:
                found += mismatches(real[key], ours[key], f"{where}.{key}")
        return found
    if isinstance(real, list) and real and ours:
        return mismatches(real[0], ours[0], f"{where}[0]")
    return []


async def test_the_comparison_sees_a_missing_key_and_a_wrong_type() -> None:
    real = {"a": 1, "b": {"c": "x"}, "d": [{"e": True}]}
    assert mismatches(real, {"a": 2, "b": {"c": "y"}, "d": [{"e": False}], "extra": 1}) == []
    assert mismatches(real, {"a": "1", "b": {}, "d": [{"e": 1}]}) == [
        "$.a: int vs str",
        "$.b.c: missing",
        "$.d[0].e: bool vs int",
    ]


async def workspace_page(notion: AsyncClient) -> dict[str, Any]:
    root = await notion.pages.create(
        parent={"workspace": True}, properties={"title": [{"text": {"content": "Root"}}]}
    )
    page: dict[str, Any] = await notion.pages.create(
        parent={"page_id": root["id"]},
        properties={"title": [{"text": {"content": "Test Page"}}]},
        children=[],
    )
    return page


async def test_page_objects(notion: AsyncClient) -> None:
    page = await workspace_page(notion)
    assert mismatches(recorded("test_pages_create.yaml", "POST", "/v1/pages"), page) == []
    updated = await notion.pages.update(page["id"], icon={"type": "emoji", "emoji": "🛴"})
    assert mismatches(recorded("test_pages_update.yaml", "PATCH", "/v1/pages/"), updated) == []


async def test_database_and_data_source_objects(notion: AsyncClient, make_source: Any) -> None:
    page = await workspace_page(notion)
    database = await notion.databases.create(
        parent={"type": "page_id", "page_id": page["id"]}, title=[{"text": {"content": "DB"}}]
    )
    assert mismatches(recorded("test_databases_create.yaml", "POST", "/v1/databases"), database) == []
    again = await notion.databases.retrieve(database["id"])
    assert mismatches(recorded("test_databases_retrieve.yaml", "GET", "/v1/databases/"), again) == []
    source = await notion.data_sources.retrieve(database["data_sources"][0]["id"])
    assert mismatches(recorded("test_data_sources_retrieve.yaml", "GET", "/v1/data_sources/"), source) == []
    updated = await notion.data_sources.update(source["id"], archived=True)
    assert mismatches(recorded("test_data_sources_update.yaml", "PATCH", "/v1/data_sources/"), updated) == []


async def test_list_objects(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    await notion.pages.create(parent={"data_source_id": source["id"]}, properties={})
    query = await notion.data_sources.query(source["id"])
    assert mismatches(recorded("test_data_sources_query.yaml", "POST", "/query"), query) == []
    await workspace_page(notion)
    search = await notion.search(query="Root", page_size=1)
    real_search = recorded("test_collect_paginated_api.yaml", "POST", "/v1/search", TODAY)
    assert mismatches(real_search, search) == []


async def test_property_item_user_and_block_objects(notion: AsyncClient) -> None:
    page = await workspace_page(notion)
    item = await notion.pages.properties.retrieve(page["id"], "title")
    assert mismatches(recorded("test_pages_properties_retrieve.yaml", "GET", "/properties/"), item) == []
    me = await notion.users.me()
    assert mismatches(recorded("test_users_me.yaml", "GET", "/v1/users/me"), me) == []
    users = await notion.users.list()
    assert mismatches(recorded("test_users_list.yaml", "GET", "/v1/users"), users) == []
    appended = await notion.blocks.children.append(
        page["id"], children=[{"paragraph": {"rich_text": [{"text": {"content": "I'm a paragraph."}}]}}]
    )
    assert mismatches(recorded("test_blocks_children_create.yaml", "PATCH", "/children"), appended) == []
    block = await notion.blocks.retrieve(appended["results"][0]["id"])
    assert mismatches(recorded("test_blocks_retrieve.yaml", "GET", "/v1/blocks/"), block) == []
    deleted = await notion.blocks.delete(page["id"])
    assert mismatches(recorded("test_pages_create.yaml", "DELETE", "/v1/blocks/"), deleted) == []


async def test_error_objects(notion: AsyncClient, sandbox: RunningSandbox) -> None:
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.retrieve("00000000-0000-0000-0000-000000000000")
    real = recorded("test_build_request_error_integration.yaml", "GET", "/v1/pages/", TODAY)
    ours = json.loads(caught.value.body)
    assert mismatches(real, ours) == [] and set(ours) == set(real)
    assert ours["message"] == real["message"].replace('"notion-sdk-py"', '"Sandbox Integration"')
    assert ours["additional_data"] == {"integration_id": (await notion.users.me())["id"]}
    async with httpx.AsyncClient(base_url=sandbox.base_url) as client:
        invalid = (
            await client.get(
                "/v1/invalid",
                headers={"Notion-Version": "2025-09-03", "Authorization": f"Bearer {sandbox.token}"},
            )
        ).json()
        unauthorized = (await client.get("/v1/users", headers={"Notion-Version": "2025-09-03"})).json()
    for real_error, our_error in [
        (recorded("test_api_response_error.yaml", "GET", "/v1/invalid"), invalid),
        (recorded("test_api_response_error.yaml", "GET", "/v1/users"), unauthorized),
    ]:
        assert {k: v for k, v in our_error.items() if k != "request_id"} == {
            k: v for k, v in real_error.items() if k != "request_id"
        }

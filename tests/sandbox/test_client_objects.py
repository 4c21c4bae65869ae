"""Every object carries the top-level keys today's Notion documents for it (page, database, data source,
block, user, comment), search lists pages and data sources as `page_or_data_source`, dates come back with
a null `time_zone`, and a malformed id in a path is a 400 `validation_error`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, AsyncClient

from sandbox.server import RunningSandbox
from tests.sandbox.conftest import SourceFactory

pytestmark = pytest.mark.trio

# The keys of each object in Notion's reference (notion-sdk-js, generated from the API description).
PAGE = set(
    [
        "object",
        "id",
        "created_time",
        "last_edited_time",
        "in_trash",
        "archived",
        "is_archived",
        "is_locked",
        "url",
        "public_url",
        "parent",
        "properties",
        "icon",
        "cover",
        "created_by",
        "last_edited_by",
    ]
)
DATABASE = set(
    [
        "object",
        "id",
        "title",
        "description",
        "parent",
        "is_inline",
        "in_trash",
        "archived",
        "is_locked",
        "created_time",
        "last_edited_time",
        "data_sources",
        "icon",
        "cover",
        "url",
        "public_url",
    ]
)
DATA_SOURCE = set(
    [
        "object",
        "id",
        "title",
        "description",
        "parent",
        "database_parent",
        "is_inline",
        "in_trash",
        "archived",
        "created_time",
        "last_edited_time",
        "created_by",
        "last_edited_by",
        "properties",
        "icon",
        "cover",
        "url",
        "public_url",
    ]
)
BLOCK = set(
    [
        "object",
        "id",
        "parent",
        "type",
        "created_time",
        "created_by",
        "last_edited_time",
        "last_edited_by",
        "has_children",
        "in_trash",
        "archived",
    ]
)
COMMENT = set(
    [
        "object",
        "id",
        "parent",
        "discussion_id",
        "created_time",
        "last_edited_time",
        "created_by",
        "rich_text",
        "display_name",
    ]
)
USER = set(["object", "id", "name", "avatar_url", "type"])
BOT = set(["owner", "workspace_id", "workspace_limits", "workspace_name"])
ID_NAMES = {
    "pages": "page_id",
    "blocks": "block_id",
    "databases": "database_id",
    "data_sources": "data_source_id",
    "users": "user_id",
    "comments": "comment_id",
}


def keys(obj: dict[str, Any]) -> set[str]:
    return set(obj) - {"request_id"}


async def root(notion: AsyncClient) -> dict[str, Any]:
    page: dict[str, Any] = await notion.pages.create(
        parent={"workspace": True}, properties={"title": [{"text": {"content": "Root"}}]}
    )
    return page


async def test_pages_databases_and_data_sources_have_today_s_keys(
    notion: AsyncClient, make_source: SourceFactory
) -> None:
    page = await root(notion)
    assert keys(page) >= PAGE and page["is_archived"] is False and page["archived"] is False
    database = await notion.databases.create(
        parent={"page_id": page["id"]}, title=[{"text": {"content": "D"}}]
    )
    assert keys(database) >= DATABASE and database["archived"] is False
    updated = await notion.databases.update(database["id"], in_trash=True)
    assert updated["archived"] is True and updated["in_trash"] is True
    source = await make_source()
    assert keys(source) >= DATA_SOURCE
    row = await notion.pages.create(parent={"data_source_id": source["id"]}, properties={})
    listed = await notion.data_sources.query(source["id"])
    assert keys(row) >= PAGE and all(keys(result) >= PAGE for result in listed["results"])


async def test_blocks_users_and_comments_have_today_s_keys(notion: AsyncClient) -> None:
    page = await root(notion)
    appended = await notion.blocks.children.append(
        page["id"], children=[{"paragraph": {"rich_text": [{"text": {"content": "hi"}}]}}]
    )
    block = appended["results"][0]
    assert keys(block) >= BLOCK and block["paragraph"]["icon"] is None
    me = await notion.users.me()
    assert keys(me) >= USER and set(me["bot"]) >= BOT and me["bot"]["workspace_id"]
    users = await notion.users.list()
    assert all(keys(user) >= USER for user in users["results"])
    comment = await notion.comments.create(
        parent={"page_id": page["id"]}, rich_text=[{"text": {"content": "c"}}]
    )
    assert keys(comment) == COMMENT


async def test_search_answers_page_or_data_source(notion: AsyncClient, make_source: SourceFactory) -> None:
    await make_source("Payouts")
    found = await notion.search(filter={"property": "object", "value": "data_source"})
    assert found["type"] == "page_or_data_source" and found["page_or_data_source"] == {}
    assert [result["object"] for result in found["results"]] == ["data_source"]


async def test_a_date_comes_back_with_a_null_time_zone_and_the_zone_s_offset(
    notion: AsyncClient, make_source: SourceFactory
) -> None:
    source = await make_source()
    given = [
        ({"start": "2026-07-02"}, {"start": "2026-07-02", "end": None, "time_zone": None}),
        (
            {"start": "2026-07-02T10:00:00Z"},
            {"start": "2026-07-02T10:00:00.000+00:00", "end": None, "time_zone": None},
        ),
        (
            {"start": "2026-07-02T10:00:00", "end": "2026-07-02T12:30:00", "time_zone": "Europe/Berlin"},
            {
                "start": "2026-07-02T10:00:00.000+02:00",
                "end": "2026-07-02T12:30:00.000+02:00",
                "time_zone": None,
            },
        ),
        (
            {"start": "2026-01-15T09:00:00", "time_zone": "America/New_York"},
            {"start": "2026-01-15T09:00:00.000-05:00", "end": None, "time_zone": None},
        ),
    ]
    for date, expected in given:
        page = await notion.pages.create(
            parent={"data_source_id": source["id"]}, properties={"Date": {"date": date}}
        )
        assert page["properties"]["Date"]["date"] == expected
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.create(
            parent={"data_source_id": source["id"]},
            properties={"Date": {"date": {"start": "2026-01-15T09:00:00", "time_zone": "Mars/Olympus"}}},
        )
    assert caught.value.code == "validation_error"


@pytest.mark.parametrize(
    "path",
    ["/v1/pages/AAA", "/v1/blocks/AAA", "/v1/databases/AAA", "/v1/data_sources/AAA", "/v1/users/AAA",
     "/v1/comments/AAA", "/v1/blocks/AAA/children"],
)  # fmt: skip
async def test_a_malformed_id_in_a_path_is_a_validation_error(sandbox: RunningSandbox, path: str) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}", "Notion-Version": "2025-09-03"}
    async with httpx.AsyncClient(base_url=sandbox.base_url) as client:
        answer = await client.get(path, headers=headers)
    body = answer.json()
    assert (answer.status_code, body["code"]) == (400, "validation_error")
    name = ID_NAMES[path.split("/")[2]]
    assert (
        body["message"] == f'path failed validation: path.{name} should be a valid uuid, instead was `"AAA"`.'
    )

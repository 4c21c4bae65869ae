"""The real notion-client talks to the sandbox: a first end-to-end pass."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import AsyncClient

pytestmark = pytest.mark.trio


async def test_users_me_is_the_integration_bot(notion: AsyncClient) -> None:
    me = await notion.users.me()
    assert me["object"] == "user" and me["type"] == "bot"


async def test_a_page_written_and_read_back(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    page: dict[str, Any] = await notion.pages.create(
        parent={"type": "data_source_id", "data_source_id": source["id"]},
        properties={
            "Name": {"title": [{"text": {"content": "ORD :: ada :: 202501"}}]},
            "Amount": {"number": 5},
        },
    )
    again = await notion.pages.retrieve(page["id"])
    assert again["properties"]["Amount"]["number"] == 5
    assert again["properties"]["Name"]["title"][0]["plain_text"] == "ORD :: ada :: 202501"

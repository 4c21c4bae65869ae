"""Comments: a new discussion on a page or a block, a reply in a discussion, listing, retrieving, editing and
deleting; and what the sandbox does not do answered as Notion answers what it does not know."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, AsyncClient

from sandbox.server import RunningSandbox

pytestmark = pytest.mark.trio
MISSING = "00000000-0000-4000-8000-000000000000"


def text(content: str) -> list[dict[str, Any]]:
    return [{"text": {"content": content}}]


async def test_discussions_on_pages_and_blocks(notion: AsyncClient) -> None:
    page = await notion.pages.create(parent={"workspace": True}, properties={"title": text("Doc")})
    block = (
        await notion.blocks.children.append(page["id"], children=[{"paragraph": {"rich_text": text("p")}}])
    )["results"][0]
    first = await notion.comments.create(parent={"page_id": page["id"]}, rich_text=text("Looks good"))
    assert first["parent"] == {"type": "page_id", "page_id": page["id"]}
    assert first["display_name"] == {"type": "integration", "resolved_name": "Sandbox Integration"}
    reply = await notion.comments.create(discussion_id=first["discussion_id"], rich_text=text("Thanks"))
    assert (reply["discussion_id"], reply["parent"]) == (first["discussion_id"], first["parent"])
    on_block = await notion.comments.create(
        parent={"block_id": block["id"]},
        rich_text=text("Typo"),
        display_name={"type": "custom", "custom": {"name": "Bo"}},
    )
    assert on_block["display_name"] == {"type": "custom", "resolved_name": "Bo"}
    listed = await notion.comments.list(block_id=page["id"])
    assert (listed["type"], listed["comment"]) == ("comment", {})
    assert [c["id"] for c in listed["results"]] == [first["id"], reply["id"]]
    assert [c["id"] for c in (await notion.comments.list(block_id=block["id"]))["results"]] == [
        on_block["id"]
    ]
    assert (await notion.comments.retrieve(comment_id=reply["id"]))["rich_text"][0]["plain_text"] == "Thanks"
    edited = await notion.comments.update(comment_id=reply["id"], rich_text=text("Thanks!"))
    assert edited["rich_text"][0]["plain_text"] == "Thanks!"
    await notion.comments.delete(comment_id=reply["id"])
    assert [c["id"] for c in (await notion.comments.list(block_id=page["id"]))["results"]] == [first["id"]]
    with pytest.raises(APIResponseError) as caught:
        await notion.comments.retrieve(comment_id=reply["id"])
    assert caught.value.code == "object_not_found"


async def test_comments_on_what_is_not_there_are_not_found(notion: AsyncClient) -> None:
    for call in (
        notion.comments.create(parent={"page_id": MISSING}, rich_text=text("x")),
        notion.comments.create(discussion_id=MISSING, rich_text=text("x")),
        notion.comments.list(block_id=MISSING),
    ):
        with pytest.raises(APIResponseError) as caught:
            await call
        assert (caught.value.status, caught.value.code) == (404, "object_not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/file_uploads"),
        ("GET", "/v1/views"),
        ("GET", f"/v1/data_sources/{MISSING}/templates"),
        ("POST", f"/v1/pages/{MISSING}/move"),
        ("GET", f"/v1/pages/{MISSING}/markdown"),
        ("GET", "/v1/custom_emojis"),
    ],
)
async def test_what_the_sandbox_does_not_do_is_an_unknown_endpoint(
    sandbox: RunningSandbox, method: str, path: str
) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}", "Notion-Version": "2025-09-03"}
    async with httpx.AsyncClient(base_url=sandbox.base_url) as client:
        answer = await client.request(method, path, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_request_url")


async def test_templates_markdown_and_uploads_are_values_the_sandbox_does_not_know(
    notion: AsyncClient,
) -> None:
    page = await notion.pages.create(parent={"workspace": True}, properties={"title": text("Doc")})
    attempts = [
        notion.pages.create(parent={"page_id": page["id"]}, template={"type": "default"}),
        notion.pages.create(parent={"page_id": page["id"]}, markdown="# Hi"),
        notion.pages.update(page["id"], icon={"type": "file_upload", "file_upload": {"id": MISSING}}),
        notion.comments.create(parent={"page_id": page["id"]}, rich_text=text("x"), attachments=[]),
    ]
    for attempt in attempts:
        with pytest.raises(APIResponseError) as caught:
            await attempt
        assert (caught.value.status, caught.value.code) == (400, "validation_error")
    plain = await notion.pages.create(parent={"page_id": page["id"]}, template={"type": "none"})
    assert plain["object"] == "page"

"""Every error comes as Notion's envelope with its status, code, message style and request id."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, AsyncClient

from sandbox.server import RunningSandbox

pytestmark = pytest.mark.trio
MISSING = "00000000-0000-0000-0000-000000000000"


def headers(sandbox: RunningSandbox, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.token}", "Notion-Version": "2025-09-03", **extra}


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status
    envelope = {"object", "status", "code", "message", "request_id"}
    assert set(body) == envelope | ({"additional_data"} if code == "object_not_found" else set())
    assert (body["object"], body["status"], body["code"]) == ("error", status, code)
    assert response.headers["x-notion-request-id"] == body["request_id"]
    return body


async def raw(sandbox: RunningSandbox, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as client:
        return await client.request(method, path, **kwargs)


async def test_an_unknown_page_is_object_not_found(notion: AsyncClient) -> None:
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.retrieve(MISSING)
    error = caught.value
    assert (error.status, error.code) == (404, "object_not_found")
    assert str(error) == (
        f"Could not find page with ID: {MISSING}. Make sure the relevant pages and databases are shared with "
        'your integration "Sandbox Integration".'
    )
    assert error.request_id and error.headers["x-notion-request-id"] == error.request_id


async def test_a_wrong_token_is_unauthorized(sandbox: RunningSandbox) -> None:
    response = await raw(sandbox, "GET", "/v1/users", headers=headers(sandbox, Authorization="Bearer nope"))
    assert assert_envelope(response, 401, "unauthorized")["message"] == "API token is invalid."
    response = await raw(sandbox, "GET", "/v1/users", headers={"Notion-Version": "2025-09-03"})
    assert_envelope(response, 401, "unauthorized")


async def test_a_missing_version_is_missing_version(sandbox: RunningSandbox) -> None:
    response = await raw(sandbox, "GET", "/v1/users/me", headers={"Authorization": f"Bearer {sandbox.token}"})
    assert_envelope(response, 400, "missing_version")


async def test_an_unknown_route_or_method_is_invalid_request_url(sandbox: RunningSandbox) -> None:
    for method, path in [("GET", "/v1/invalid"), ("GET", "/nowhere"), ("DELETE", "/v1/pages/" + MISSING)]:
        response = await raw(sandbox, method, path, headers=headers(sandbox))
        assert assert_envelope(response, 400, "invalid_request_url")["message"] == "Invalid request URL."


async def test_bad_json_is_invalid_json(sandbox: RunningSandbox) -> None:
    response = await raw(sandbox, "POST", "/v1/search", headers=headers(sandbox), content=b"{nope")
    assert_envelope(response, 400, "invalid_json")


async def test_a_body_over_500kb_is_refused(sandbox: RunningSandbox) -> None:
    big = json.dumps({"query": "x" * 600_000}).encode()
    response = await raw(sandbox, "POST", "/v1/search", headers=headers(sandbox), content=big)
    assert_envelope(response, 400, "validation_error")


async def test_a_malformed_id_is_a_validation_error(notion: AsyncClient) -> None:
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.retrieve("not-a-uuid")
    assert (caught.value.status, caught.value.code) == (400, "validation_error")
    assert str(caught.value).startswith("path failed validation: path.page_id should be a valid uuid")


async def test_unknown_properties_and_wrong_shapes_are_validation_errors(
    notion: AsyncClient, make_source: Any
) -> None:
    source = await make_source()
    parent = {"type": "data_source_id", "data_source_id": source["id"]}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"Nope": {"number": 1}}, "Nope is not a property that exists."),
        (
            {"Amount": {"number": "12"}},
            "body failed validation: body.properties.Amount.number should be a number or `null`, "
            'instead was `"12"`.',
        ),
        (
            {"Name": {"title": [{"text": {"content": "x" * 2001}}]}},
            "body failed validation: body.properties.Name.title[0].text.content.length should be ≤ `2000`, "
            "instead was `2001`.",
        ),
        (
            {"Tags": {"multi_select": [{"name": str(i)} for i in range(101)]}},
            "body failed validation: body.properties.Tags.multi_select.length should be ≤ `100`, "
            "instead was `101`.",
        ),
        (
            {"Date": {"date": {"start": "tomorrow"}}},
            "body failed validation: body.properties.Date.date.start should be a valid ISO 8601 date string, "
            'instead was `"tomorrow"`.',
        ),
    ]
    for properties, message in cases:
        with pytest.raises(APIResponseError) as caught:
            await notion.pages.create(parent=parent, properties=properties)
        assert (caught.value.status, caught.value.code, str(caught.value)) == (
            400,
            "validation_error",
            message,
        )


async def test_an_unknown_data_source_is_not_found(notion: AsyncClient) -> None:
    with pytest.raises(APIResponseError) as caught:
        await notion.data_sources.query(MISSING)
    assert (caught.value.status, caught.value.code) == (404, "object_not_found")


async def test_a_bad_query_is_a_validation_error(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    with pytest.raises(APIResponseError) as caught:
        await notion.data_sources.query(source["id"], filter={"property": "Nope", "number": {"equals": 1}})
    assert (caught.value.status, caught.value.code) == (400, "validation_error")


async def test_a_trashed_page_cannot_be_edited(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source()
    page = await notion.pages.create(parent={"data_source_id": source["id"]}, properties={})
    await notion.pages.update(page["id"], in_trash=True)
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.update(page["id"], properties={"Amount": {"number": 1}})
    assert caught.value.code == "validation_error"


async def test_routes_match_whole_paths_and_head_answers_like_get_without_a_body(
    sandbox: RunningSandbox,
) -> None:
    for method, path in [
        ("GET", "/v1/users/me/extra"),
        ("POST", "/v1/pages/" + MISSING + "/properties"),
        ("GET", "/v1"),
    ]:
        response = await raw(sandbox, method, path, headers=headers(sandbox))
        assert_envelope(response, 400, "invalid_request_url")
    # a trailing slash is ignored, as Notion ignores it (recorded: POST /v1/databases/)
    slashed = await raw(sandbox, "GET", "/v1/pages/" + MISSING + "/", headers=headers(sandbox))
    assert_envelope(slashed, 404, "object_not_found")
    got = await raw(sandbox, "GET", "/v1/users/me", headers=headers(sandbox))
    head = await raw(sandbox, "HEAD", "/v1/users/me", headers=headers(sandbox))
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["x-notion-request-id"]

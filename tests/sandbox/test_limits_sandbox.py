"""The limits around the real sandbox (`open_sandbox`) as the real notion-client meets them: counted
requests, query lag, targeted and seeded faults, and the rate limit."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, AsyncClient

from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox

pytestmark = pytest.mark.trio


async def admin(sandbox: RunningSandbox, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        response = await http.request(method, path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def new_page(notion: AsyncClient, source: dict[str, Any], name: str) -> dict[str, Any]:
    page: dict[str, Any] = await notion.pages.create(
        parent={"type": "data_source_id", "data_source_id": source["id"]},
        properties={"Name": {"title": [{"text": {"content": name}}]}},
    )
    return page


def amount(value: int) -> dict[str, Any]:
    return {"Amount": {"number": value}}


async def test_stats_count_what_the_client_did_by_route_template(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    source = await make_source()
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    page = await new_page(notion, source, "one")
    await notion.pages.retrieve(page["id"])
    await notion.pages.update(page["id"], properties=amount(3))
    await notion.data_sources.query(source["id"])
    await notion.search(filter={"property": "object", "value": "data_source"})
    stats = await admin(sandbox, "GET", "/_sandbox/stats")
    assert stats["totals"] == {"reads": 3, "writes": 2, "total": 5, "rate_limited": 0, "faults": 0}
    assert {route: entry["by_status"] for route, entry in stats["by_route"].items()} == {
        "POST /v1/pages": {"200": 1},
        "GET /v1/pages/{page_id}": {"200": 1},
        "PATCH /v1/pages/{page_id}": {"200": 1},
        "POST /v1/data_sources/{data_source_id}/query": {"200": 1},
        "POST /v1/search": {"200": 1},
    }


async def test_query_lag_hides_a_new_page_from_queries_but_not_from_retrieve(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    source = await make_source()
    shown = await admin(sandbox, "POST", "/_sandbox/faults", {"query_lag_ms": 600_000})
    assert shown["query_lag_ms"] == 600_000
    page = await new_page(notion, source, "fresh")
    assert (await notion.pages.retrieve(page["id"]))["id"] == page["id"]
    assert (await notion.data_sources.query(source["id"]))["results"] == []
    await admin(sandbox, "POST", "/_sandbox/faults", {"query_lag_ms": 0})
    assert [row["id"] for row in (await notion.data_sources.query(source["id"]))["results"]] == [page["id"]]


async def test_targeted_faults_fail_writes_that_never_reach_the_store(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    page = await new_page(notion, await make_source(), "target")
    targeted = [
        {"page_id": page["id"], "status": 409, "count": 1},
        {"page_id": page["id"], "status": "reset"},
    ]
    await admin(sandbox, "POST", "/_sandbox/faults", {"targeted": targeted})
    with pytest.raises(APIResponseError) as info:
        await notion.pages.update(page["id"], properties=amount(1))
    assert (info.value.code, info.value.status) == ("conflict_error", 409)
    with pytest.raises(httpx.TransportError):
        await notion.pages.update(page["id"], properties=amount(2))
    assert (await notion.pages.retrieve(page["id"]))["properties"]["Amount"]["number"] is None
    await notion.pages.update(page["id"], properties=amount(3))
    assert (await notion.pages.retrieve(page["id"]))["properties"]["Amount"]["number"] == 3
    assert (await admin(sandbox, "GET", "/_sandbox/stats"))["totals"]["faults"] == 2


async def test_an_applied_reset_applies_the_write_and_drops_the_connection(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    page = await new_page(notion, await make_source(), "applied")
    targeted = [{"page_id": page["id"], "status": "applied_reset", "count": 2}]
    await admin(sandbox, "POST", "/_sandbox/faults", {"targeted": targeted})
    await notion.pages.retrieve(page["id"])  # reads are not aimed at
    with pytest.raises(httpx.RemoteProtocolError):
        await notion.pages.update(page["id"], properties=amount(1))
    assert (await notion.pages.retrieve(page["id"]))["properties"]["Amount"]["number"] == 1
    with pytest.raises(httpx.RemoteProtocolError):
        await notion.pages.update(page["id"], properties=amount(2))
    assert (await notion.pages.retrieve(page["id"]))["properties"]["Amount"]["number"] == 2
    await notion.pages.update(page["id"], properties=amount(3))
    assert (await notion.pages.retrieve(page["id"]))["properties"]["Amount"]["number"] == 3
    stats = await admin(sandbox, "GET", "/_sandbox/stats")
    assert stats["totals"]["faults"] == 2
    assert stats["by_route"]["PATCH /v1/pages/{page_id}"]["by_status"] == {"applied_reset": 2, "200": 1}
    assert (await admin(sandbox, "GET", "/_sandbox/faults"))["targeted"] == []


async def test_an_applied_reset_on_creations_creates_the_pages_in_that_data_source(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    source, other = await make_source("Aimed"), await make_source("Spared")
    targeted = [{"create_in": source["id"].replace("-", ""), "status": "applied_reset", "count": 2}]
    shown = await admin(sandbox, "POST", "/_sandbox/faults", {"targeted": targeted})
    assert shown["targeted"] == [{**targeted[0], "count": 2}]
    await new_page(notion, other, "elsewhere")
    for name in ("lost answer 1", "lost answer 2"):
        with pytest.raises(httpx.RemoteProtocolError):
            await new_page(notion, source, name)
    await new_page(notion, source, "answered")
    rows = (await notion.data_sources.query(source["id"]))["results"]
    names = [row["properties"]["Name"]["title"][0]["plain_text"] for row in rows]
    assert names == ["lost answer 1", "lost answer 2", "answered"]
    assert len((await notion.data_sources.query(other["id"]))["results"]) == 1


async def test_a_database_parent_counts_as_its_only_data_source_for_creation_faults(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    source = await make_source()
    targeted = [{"create_in": source["id"], "status": 503}]
    await admin(sandbox, "POST", "/_sandbox/faults", {"targeted": targeted})
    with pytest.raises(APIResponseError) as info:
        await notion.pages.create(
            parent={"database_id": source["parent"]["database_id"]},
            properties={"Name": {"title": [{"text": {"content": "refused"}}]}},
        )
    assert info.value.status == 503
    assert (await notion.data_sources.query(source["id"]))["results"] == []


async def test_a_seeded_applied_reset_spec_applies_every_write_it_drops(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    page = await new_page(notion, await make_source(), "seeded")
    await admin(sandbox, "POST", "/_sandbox/faults", {"spec": "applied_reset:0.5", "random_seed": 11})
    dropped = 0
    for value in range(20):
        try:
            await notion.pages.update(page["id"], properties=amount(value))
        except httpx.RemoteProtocolError:
            dropped += 1
    await admin(sandbox, "POST", "/_sandbox/faults", {"spec": ""})
    assert 0 < dropped < 20
    assert (await notion.pages.retrieve(page["id"]))["properties"]["Amount"]["number"] == 19
    assert (await admin(sandbox, "GET", "/_sandbox/stats"))["totals"]["faults"] == dropped


async def test_a_seed_replays_the_same_faults_for_the_same_requests(
    sandbox: RunningSandbox, notion: AsyncClient, make_source: Any
) -> None:
    page = await new_page(notion, await make_source(), "seeded")

    async def outcomes() -> list[int]:
        await admin(
            sandbox, "POST", "/_sandbox/faults", {"spec": "500:0.3,503:0.2,504:0.1", "random_seed": 42}
        )
        seen = []
        for value in range(25):
            try:
                await notion.pages.update(page["id"], properties=amount(value))
                seen.append(200)
            except APIResponseError as err:
                seen.append(err.status)
        return seen

    first = await outcomes()
    assert first == await outcomes()
    assert {200, 500, 503, 504} == set(first)


async def test_the_rate_limit_answers_429_to_the_real_client(tmp_path: Path) -> None:
    async with open_sandbox(tmp_path / "sb", SandboxOptions(rps=0.5, burst=2)) as running:
        client = AsyncClient(
            auth=running.token,
            base_url=running.base_url,
            retry=False,
            logger=logging.getLogger("test.limits"),
        )
        try:
            await client.users.me()
            await client.users.me()
            with pytest.raises(APIResponseError) as info:
                await client.users.me()
        finally:
            await client.aclose()
    assert (info.value.code, info.value.status) == ("rate_limited", 429)
    assert info.value.headers["retry-after"] == "2"

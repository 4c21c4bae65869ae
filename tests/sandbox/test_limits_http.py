"""The middleware over real HTTP (Hypercorn's trio worker, httpx, notion-client): what a client really sees
of a dropped connection, a request that is never answered, a 429 and a 529, and that none of it makes the
server log errors or keeps it from shutting down."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import notion_client
import pytest
import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from notion_client.errors import APIResponseError, HTTPResponseError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.limits import SandboxLimits, wrap
from sandbox.options import SandboxOptions

pytestmark = pytest.mark.trio

PAGE = "59833787-2cf9-4fdf-8782-e53db20768a5"


class FakeStore:
    query_lag_ms = 0


async def _page(request: Request) -> JSONResponse:
    return JSONResponse({"object": "page", "id": request.path_params["page_id"], "properties": {}})


TINY_APP = Starlette(routes=[Route("/v1/pages/{page_id}", _page, methods=["GET", "PATCH"])])


@dataclass
class Served:
    base_url: str
    limits: SandboxLimits
    server_log: logging.Logger


@asynccontextmanager
async def served(**options: Any) -> AsyncIterator[Served]:
    """The tiny app behind the middleware, on a free port, shut down gracefully at the end."""
    limits = wrap(TINY_APP, SandboxOptions(**options), FakeStore())
    assert isinstance(limits, SandboxLimits)
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.errorlog = logging.getLogger("test.hypercorn")
    config.accesslog = None
    config.graceful_timeout = 60  # so a shutdown that waited for held requests would show
    stop = trio.Event()
    app: Any = limits  # hypercorn's own ASGI types are narrower than starlette's
    async with trio.open_nursery() as nursery:
        binds = await nursery.start(
            lambda task_status: serve(app, config, shutdown_trigger=stop.wait, task_status=task_status)
        )
        try:
            yield Served(binds[0], limits, config.errorlog)
        finally:
            limits.close()
            stop.set()


def notion(base_url: str, timeout_ms: int = 60_000) -> notion_client.AsyncClient:
    return notion_client.AsyncClient(
        auth="secret_test",
        base_url=base_url,
        retry=False,
        timeout_ms=timeout_ms,
        logger=logging.getLogger("test.notion"),
    )


def _no_server_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "test.hypercorn" and r.levelno >= logging.WARNING
    ]


async def test_a_reset_reaches_the_client_as_a_dropped_connection(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="test.hypercorn")
    async with served(faults="reset:1") as server, httpx.AsyncClient(base_url=server.base_url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.patch(f"/v1/pages/{PAGE}", json={"properties": {}})
        with pytest.raises(httpx.TransportError):
            await client.get(f"/v1/pages/{PAGE}")
        await client.post("/_sandbox/faults", json={"spec": ""})
        assert (await client.get(f"/v1/pages/{PAGE}")).status_code == 200
    assert _no_server_errors(caplog) == []


async def test_a_timeout_holds_the_request_until_the_client_gives_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="test.hypercorn")
    async with served(faults="timeout:1") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"/v1/pages/{PAGE}")
        await server.limits.wait_held_requests(0)  # the server notices the client's disconnect
        stats = httpx.AsyncClient(base_url=server.base_url)
        assert (await stats.get("/_sandbox/stats")).json()["by_status"] == {"timeout": 1}
        await stats.aclose()
    assert _no_server_errors(caplog) == []


async def test_a_held_request_does_not_hold_up_shutdown() -> None:
    outcome: list[BaseException] = []
    with trio.fail_after(30):  # a guard against a hang, far below the server's 60 s graceful timeout
        await _serve_one_held_request(outcome)
    assert len(outcome) == 1
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


async def _serve_one_held_request(outcome: list[BaseException]) -> None:
    async with trio.open_nursery() as nursery, served(faults="timeout:1") as server:

        async def client() -> None:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
                try:
                    await http.get(f"/v1/pages/{PAGE}")
                except httpx.TransportError as err:
                    outcome.append(err)

        nursery.start_soon(client)
        await server.limits.wait_held_requests(1)


async def test_notion_client_sees_rate_limited_with_retry_after() -> None:
    async with served(rps=1, burst=1) as server:
        client = notion(server.base_url)
        assert (await client.pages.retrieve(PAGE))["id"] == PAGE
        with pytest.raises(APIResponseError) as info:
            await client.pages.retrieve(PAGE)
        await client.aclose()
    assert info.value.code == "rate_limited"
    assert info.value.status == 429
    assert int(info.value.headers["retry-after"]) >= 1
    assert info.value.request_id == info.value.headers["x-notion-request-id"]


async def test_notion_client_sees_service_overload_as_an_unknown_error_with_retry_after() -> None:
    async with served(faults="529:1") as server:
        client = notion(server.base_url)
        with pytest.raises(HTTPResponseError) as info:
            await client.pages.update(PAGE, properties={})
        await client.aclose()
    assert info.value.status == 529
    assert info.value.headers["retry-after"] == "1"


async def test_notion_client_times_out_on_a_held_request_and_the_next_one_succeeds() -> None:
    async with served() as server:
        async with httpx.AsyncClient(base_url=server.base_url) as admin:
            await admin.post(
                "/_sandbox/faults", json={"targeted": [{"page_id": PAGE, "status": "timeout", "count": 1}]}
            )
        client = notion(server.base_url, timeout_ms=200)
        with pytest.raises(notion_client.errors.RequestTimeoutError):
            await client.pages.update(PAGE, properties={})
        assert (await client.pages.update(PAGE, properties={}))["id"] == PAGE
        await client.aclose()

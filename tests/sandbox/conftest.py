"""Fixtures for talking to a live sandbox: ``sandbox`` (a served workspace in tmp_path), ``notion`` (the real
notion-client AsyncClient pointed at it) and ``make_source`` (a data source with one property of each common
type)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from notion_client import AsyncClient

from sandbox.server import RunningSandbox, open_sandbox

QUIET = logging.getLogger("tests.sandbox.notion_client")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False

SourceFactory = Callable[..., Awaitable[dict[str, Any]]]

BASIC_PROPERTIES: dict[str, dict[str, Any]] = {
    "Name": {"title": {}},
    "Amount": {"number": {"format": "number"}},
    "Notes": {"rich_text": {}},
    "Type": {
        "select": {"options": [{"name": "Order", "color": "blue"}, {"name": "Timesheet", "color": "green"}]}
    },
    "Tags": {"multi_select": {"options": []}},
    "Status": {
        "status": {
            "options": [
                {"name": "Pending", "color": "yellow"},
                {"name": "Paid", "color": "green"},
                {"name": "Cancelled", "color": "red"},
            ]
        }
    },
    "Date": {"date": {}},
    "Done": {"checkbox": {}},
    "Email": {"email": {}},
    "Link": {"url": {}},
    "Phone": {"phone_number": {}},
    "Owner": {"people": {}},
}


def notion_client_for(sandbox: RunningSandbox) -> AsyncClient:
    """An AsyncClient on the sandbox with its retries off (they sleep with asyncio) and a quiet logger."""
    return AsyncClient(auth=sandbox.token, base_url=sandbox.base_url, retry=False, logger=QUIET)


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[RunningSandbox]:
    async with open_sandbox(tmp_path / "sb") as running:
        yield running


@pytest.fixture
async def notion(sandbox: RunningSandbox) -> AsyncIterator[AsyncClient]:
    client = notion_client_for(sandbox)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def make_source(notion: AsyncClient) -> SourceFactory:
    """``await make_source(title="Payouts", properties=None)`` creates a database with one data source over
    the API (BASIC_PROPERTIES when ``properties`` is None) and returns the data source object."""

    async def make(title: str = "Test source", properties: dict[str, Any] | None = None) -> dict[str, Any]:
        database = await notion.databases.create(
            parent={"type": "workspace", "workspace": True},
            title=[{"type": "text", "text": {"content": title}}],
            initial_data_source={"properties": properties if properties is not None else BASIC_PROPERTIES},
        )
        source: dict[str, Any] = await notion.data_sources.retrieve(database["data_sources"][0]["id"])
        return source

    return make

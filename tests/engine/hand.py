"""Edits an operator makes in Notion by hand between paydesk's commands, sent through the sandbox's API as
Notion's own UI would send them: set a status back, pay a record, link a payout, move a page to the trash,
make a payout with another tool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx

NOTION_VERSION = "2025-09-03"


class Hand:
    def __init__(self, http: httpx.AsyncClient, data_sources: dict[str, str]) -> None:
        self.http = http
        self.data_sources = data_sources

    async def page(self, page_id: str) -> dict[str, Any]:
        answer = await self.http.get(f"/v1/pages/{page_id}")
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        return page

    async def patch(self, page_id: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.http.patch(f"/v1/pages/{page_id}", json=body)
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        return page

    async def set_option(self, page_id: str, prop: str, kind: str, value: str) -> None:
        await self.patch(page_id, {"properties": {prop: {kind: {"name": value}}}})

    async def set_date(self, page_id: str, prop: str, day: str) -> None:
        await self.patch(page_id, {"properties": {prop: {"date": {"start": day}}}})

    async def set_number(self, page_id: str, prop: str, value: float) -> None:
        await self.patch(page_id, {"properties": {prop: {"number": value}}})

    async def trash(self, page_id: str, trashed: bool = True) -> None:
        await self.patch(page_id, {"in_trash": trashed})

    async def relation(self, page_id: str, prop: str) -> list[str]:
        page = await self.page(page_id)
        return [ref["id"] for ref in page["properties"][prop]["relation"]]

    async def link(self, page_id: str, prop: str, add: Sequence[str]) -> None:
        """Add `add` to relation `prop` of a page (keeping what it links)."""
        ids = [*await self.relation(page_id, prop), *add]
        await self.patch(page_id, {"properties": {prop: {"relation": [{"id": i} for i in ids]}}})

    async def create(self, logical: str, properties: dict[str, Any]) -> str:
        parent = {"type": "data_source_id", "data_source_id": self.data_sources[logical]}
        answer = await self.http.post("/v1/pages", json={"parent": parent, "properties": properties})
        assert answer.status_code == 200, answer.text
        made: str = answer.json()["id"]
        return made

    async def payout(
        self, name: str, link: str | None = None, source: str | None = None, status: str = "Pending"
    ) -> str:
        """A payout made by another tool (linking `source` through relation `link`, when given)."""
        properties: dict[str, Any] = {
            "Name": {"title": [{"text": {"content": name}}]},
            "Amount": {"number": 10},
            "Status": {"status": {"name": status}},
        }
        if link is not None and source is not None:
            properties[link] = {"relation": [{"id": source}]}
        return await self.create("payouts", properties)

    async def query(self, logical: str, flt: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        body: dict[str, Any] = {"page_size": 100, **({"filter": flt} if flt else {})}
        while True:
            answer = await self.http.post(f"/v1/data_sources/{self.data_sources[logical]}/query", json=body)
            assert answer.status_code == 200, answer.text
            data = answer.json()
            found.extend(data["results"])
            if not data["has_more"]:
                return found
            body["start_cursor"] = data["next_cursor"]

    async def payouts_linking(self, link: str) -> dict[str, list[str]]:
        """source id -> the non-cancelled payouts that link it."""
        found: dict[str, list[str]] = {}
        for payout in await self.query("payouts"):
            if (payout["properties"]["Status"]["status"] or {}).get("name") == "Cancelled":
                continue
            for ref in payout["properties"][link]["relation"]:
                found.setdefault(ref["id"], []).append(payout["id"])
        return found


@asynccontextmanager
async def open_hand(
    base_url: str, token: str, data_sources: dict[str, str], *, transport: Any = None
) -> AsyncIterator[Hand]:
    headers = {"Authorization": f"Bearer {token}", "Notion-Version": NOTION_VERSION}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, transport=transport) as http:
        yield Hand(http, data_sources)

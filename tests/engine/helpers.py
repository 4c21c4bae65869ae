"""Shared pieces for the engine's fault, shape and cancellation tests.

- `LocalNotion`: the sandbox app (with its limits and faults) served in-process over `httpx.ASGITransport`,
  so that the real notion-client and the engine's gateway run under trio's autojump clock: Retry-After
  pauses and backoffs cost no real time. A `Tap` records every Notion exchange with its virtual time.
- `Admin`: the sandbox's runtime controls (`/_sandbox/faults`, `/_sandbox/stats`) over any httpx client.
- `workspace(...)`: the payout workspace's statuses read back over HTTP, for before/after comparisons.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio
from notion_client import AsyncClient
from starlette.types import Message, Receive, Scope, Send

from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.kinds.commit.params import CommitParams
from engine.notion.gateway import NotionGateway, RetryPolicy
from engine.notion.ratelimit import TokenBucket
from engine.run.jobs import run_job
from engine.run.locks import Coordination
from engine.run.plan import Plan
from engine.run.recorder import Recorder
from engine.run.report import JobReport
from engine.run.runtime import Runtime, open_runtime
from engine.workspace.config import Config, NotionSettings
from eventlog import GroupCommitWriter, JobCancelRequested
from sandbox.app import build_app
from sandbox.demo import DemoWorkspace, seed_demo
from sandbox.limits import wrap
from sandbox.options import SandboxOptions
from sandbox.store import SandboxStore

QUIET = logging.getLogger("tests.engine.helpers")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False

NOTION_VERSION = "2025-09-03"
# Quick backoff, but enough attempts that a seeded storm of 5xx never exhausts a step.
PATIENT = RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.05)
LEDGER_PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Status": {
        "status": {"options": [{"name": "Pending", "color": "yellow"}, {"name": "Paid", "color": "green"}]}
    },
}


class Admin:
    """The sandbox's admin routes through `http` (a client whose base URL is the sandbox)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def faults(self, **body: Any) -> None:
        answer = await self.http.post("/_sandbox/faults", json=body)
        assert answer.status_code == 200, answer.text

    async def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = (await self.http.get("/_sandbox/stats")).json()
        return stats

    async def reset_stats(self) -> None:
        await self.http.post("/_sandbox/stats/reset")

    async def route_outcomes(self, route: str) -> dict[str, int]:
        """`{"200": n, "500": m, "reset": k, …}` for one route such as ``"PATCH /v1/pages/{page_id}"``."""
        routes = (await self.stats())["by_route"]
        outcomes: dict[str, int] = routes.get(route, {}).get("by_status", {})
        return outcomes


@asynccontextmanager
async def open_admin(base_url: str) -> AsyncIterator[Admin]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        yield Admin(http)


@dataclass(frozen=True)
class Exchange:
    """One Notion request as the sandbox saw it: when it arrived (virtual time) and what it was answered."""

    at: float
    method: str
    path: str
    status: int | None = None
    request_id: str | None = None
    retry_after: int | None = None


@dataclass
class Tap:
    """An ASGI wrapper that records every Notion exchange (not the admin routes) before passing it on."""

    app: Any
    seen: list[Exchange] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        index = len(self.seen)
        self.seen.append(Exchange(trio.current_time(), scope["method"], scope["path"]))

        async def tapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = {bytes(k).decode().lower(): bytes(v).decode() for k, v in message["headers"]}
                after = headers.get("retry-after")
                self.seen[index] = Exchange(
                    self.seen[index].at,
                    self.seen[index].method,
                    self.seen[index].path,
                    int(message["status"]),
                    headers.get("x-notion-request-id"),
                    int(after) if after is not None else None,
                )
            await send(message)

        await self.app(scope, receive, tapped)

    def with_status(self, status: int) -> list[Exchange]:
        return [e for e in self.seen if e.status == status]


@dataclass
class LocalNotion:
    store: SandboxStore
    tap: Tap
    client: AsyncClient
    admin: Admin
    token: str

    def gateway(
        self, *, rate: float = 1000.0, burst: int = 1000, policy: RetryPolicy | None = None, seed: int = 1
    ) -> NotionGateway:
        """An engine gateway over the in-process sandbox (seeded jitter, so runs repeat exactly)."""
        return NotionGateway(
            self.client, TokenBucket(rate, burst), policy=policy or PATIENT, rng=random.Random(seed)
        )

    async def ledger(self, pages: int) -> tuple[str, list[str]]:
        """A data source with Name and Status (Pending, Paid) holding `pages` Pending pages; (id, page ids).

        Made before the test's faults are set; the sandbox's counters are zeroed afterwards."""
        database = await self.client.databases.create(
            parent={"type": "workspace", "workspace": True},
            title=[{"type": "text", "text": {"content": "Ledger"}}],
            initial_data_source={"properties": LEDGER_PROPERTIES},
        )
        source_id: str = database["data_sources"][0]["id"]
        ids: list[str] = []
        for n in range(pages):
            page = await self.client.pages.create(
                parent={"type": "data_source_id", "data_source_id": source_id},
                properties={
                    "Name": {"title": [{"text": {"content": f"entry {n}"}}]},
                    "Status": {"status": {"name": "Pending"}},
                },
            )
            ids.append(page["id"])
        self.tap.seen.clear()
        await self.admin.reset_stats()
        return source_id, ids

    def status_of(self, page_id: str) -> str | None:
        """A page's Status straight from the store (no request, nothing counted)."""
        page = self.store.pages[page_id]
        source = self.store.sources[page.data_source_id or ""]
        value = page.values.get(source.properties["Status"]["id"])
        return value.get("name") if isinstance(value, dict) else None

    def pages_in(self, source_id: str) -> int:
        return len(self.store.pages_by_source.get(source_id, ()))


@asynccontextmanager
async def open_local_notion(
    tmp_path: Path, options: SandboxOptions | None = None
) -> AsyncIterator[LocalNotion]:
    """The sandbox app in-process (no sockets): run it under the autojump clock."""
    options = options or SandboxOptions()
    store = SandboxStore.open(tmp_path / "local-sandbox")
    tap = Tap(wrap(build_app(store, options), options, store))
    base_url = "http://sandbox.local"
    try:
        transport = httpx.ASGITransport(app=tap)
        # Two clients on one transport: notion-client moves its client's base URL to `…/v1/`.
        async with (
            httpx.AsyncClient(transport=transport, base_url=base_url) as http,
            httpx.AsyncClient(transport=transport, base_url=base_url) as admin,
        ):
            client = AsyncClient(
                client=http, auth=options.token, base_url=base_url, retry=False, logger=QUIET
            )
            yield LocalNotion(store, tap, client, Admin(admin), options.token)
    finally:
        store.close()


# ---- the payout workspace, read back -------------------------------------------------------------------

WATCHED = ("payables", "payouts", "splits", "refunds")
State = tuple[str | None, str | None]  # (status or select name, Payment Date)


async def workspace(base_url: str, token: str, data_sources: Mapping[str, str]) -> dict[str, State]:
    """Every watched page's status (and a payable's Payment Date), by page id, read over HTTP."""
    headers = {"Authorization": f"Bearer {token}", "Notion-Version": NOTION_VERSION}
    found: dict[str, State] = {}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        for logical in WATCHED:
            cursor: str | None = None
            while True:
                body: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
                answer = (
                    await http.post(f"/v1/data_sources/{data_sources[logical]}/query", json=body)
                ).json()
                for page in answer["results"]:
                    props = page["properties"]
                    prop = props.get("Payment Status") or props.get("Status")
                    value = prop.get(prop["type"]) if prop else None
                    paid_on = (props.get("Payment Date") or {}).get("date") or {}
                    found[page["id"]] = (value["name"] if value else None, paid_on.get("start"))
                if not answer["has_more"]:
                    break
                cursor = answer["next_cursor"]
    return found


def expected_after(before: Mapping[str, State], plans: Sequence[Plan], today: str) -> dict[str, State]:
    """What committing `plans` must leave: every planned target Paid (a payable also paid `today`),
    every other record as it was."""
    expected = dict(before)
    for plan in plans:
        for step in plan.steps:
            paid_on = today if step.logical == "payables" else before[step.target][1]
            expected[step.target] = ("Paid", paid_on)
    return expected


def not_yet_paid(plan: Plan) -> set[str]:
    """The distinct records a plan finds not yet Paid: the writes a commit needs, no more."""
    return {step.target for step in plan.steps if step.before != "Paid"}


# ---- running the commit --------------------------------------------------------------------------------

TODAY = "2026-01-20"


def commit_params(batch: int, month: str = "2026-01") -> CommitParams:
    return CommitParams(month=month, batch=batch, today=TODAY)


async def run_commit(
    config: Config, db: Path, batch: int, *, policy: RetryPolicy = PATIENT, **kwargs: Any
) -> JobReport:
    """`run_job` of the commit for `batch` in its own runtime (kwargs: dry_run, workers, cancel, …)."""
    params = commit_params(batch)
    async with open_runtime(config, db, operator="test", policy=policy) as rt:
        return await run_job(rt, commit_spec(params), commit_planner(params), **kwargs)


@asynccontextmanager
async def open_local_runtime(
    notion: LocalNotion, config: Config, db: Path, *, policy: RetryPolicy = PATIENT
) -> AsyncIterator[Runtime]:
    """A Runtime whose gateway talks to the in-process sandbox (for the autojump clock)."""
    writer = await trio.to_thread.run_sync(lambda: GroupCommitWriter(db))
    try:
        gateway = notion.gateway(rate=config.notion.rate, burst=config.notion.burst, policy=policy)
        yield Runtime(config, db, gateway, Recorder(writer), "test", Coordination(db))
    finally:
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(writer.close)


async def seed_local_demo(notion: LocalNotion, month: str = "2026-01") -> tuple[DemoWorkspace, Config]:
    """The small seeded demo in the in-process sandbox, and a Config for it (counters zeroed after)."""
    demo = await seed_demo(notion.client, notion.store, size="small", month=month, random_seed=7)
    notion.tap.seen.clear()
    await notion.admin.reset_stats()
    config = Config(
        notion=NotionSettings(base_url="http://sandbox.local", rate=1000.0, burst=1000, timeout_s=10.0),
        data_sources=dict(demo.data_sources),
        token=notion.token,
    )
    return demo, config


async def request_cancel(db: Path, job_id: str) -> None:
    """What `paydesk cancel JOB` does: record the request in the log, from another writer."""

    def record() -> None:
        with GroupCommitWriter(db) as writer:
            writer.submit([JobCancelRequested(job_id=job_id, operator="other", reason="stop")]).result()

    await trio.to_thread.run_sync(record)


def hide_pages_made_from_now(store: Any) -> None:
    """Queries of the sandbox `store` show only the pages it holds now, as Notion's query lag hides new
    pages (a page read by id still shows). For the rest of the test: each test has a sandbox of its own."""
    seeded, visible_rows = set(store.pages), store.visible_rows
    store.visible_rows = lambda source: [p for p in visible_rows(source) if p.id in seeded]
    store.query_lag_ms = 1  # (queries take the lag's path, through `visible_rows`)

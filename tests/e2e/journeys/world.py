"""The world an operator journey runs in: the workspace paydesk works on (the SUT), a shadow copy of it that
the reference model drives, both served in-process by the sandbox app, and the means to disturb them.

- Both start as byte-for-byte copies of one seeded small demo workspace, so their records share ids; pages
  made later are paired by `Pairs` (a payout by the source it links, an Order or a line item by its title).
- The SUT's app is wrapped by `Audit`, which refuses nothing but records every paydesk write that would not
  change its record (a write to a record already at its target), and by `Crash`, which simulates a kill -9:
  after paydesk's n-th write is applied, every further event the engine records is refused (the process
  is gone) and the run unwinds without recording anything more.
- Edits by hand reach the bare app (no faults, no audit, no crash count): only paydesk's writes count.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio
from notion_client import AsyncClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.notion.gateway import NotionGateway, RetryPolicy
from engine.notion.ratelimit import TokenBucket
from engine.run.locks import Coordination
from engine.run.recorder import Recorder
from engine.run.runtime import Runtime
from engine.workspace import props
from engine.workspace.config import Config, NotionSettings
from eventlog import Event, GroupCommitWriter
from sandbox.app import build_app
from sandbox.demo import DemoWorkspace, find_demo_workspace, seed_demo
from sandbox.limits import wrap
from sandbox.options import SandboxOptions
from sandbox.render import full_page
from sandbox.store import SandboxStore
from tests.engine.helpers import QUIET

BASE_URL = "http://sandbox.local"
MONTH = "2026-01"
POLICY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
OPTIONS = SandboxOptions()


class SimulatedCrash(BaseException):
    """The paydesk process died (kill -9): nothing more reaches its log."""


@dataclass
class Crash:
    """Counts paydesk's page writes (creates and updates) and, after the `after`-th is applied, marks the
    process dead."""

    app: ASGIApp
    after: int | None = None
    writes: int = 0
    dead: bool = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _page_write(scope):
            await self.app(scope, receive, send)
            return
        if self.dead:
            raise SimulatedCrash()
        await self.app(scope, receive, send)
        self.writes += 1
        if self.after is not None and self.writes >= self.after:
            self.dead = True


@dataclass
class Audit:
    """Records paydesk's updates that would leave their page as it is (every property already so)."""

    app: ASGIApp
    store: SandboxStore
    idle_writes: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PATCH" or not _page_write(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        page_id = scope["path"].rstrip("/").rsplit("/", 1)[-1]
        self._check(page_id, body)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _check(self, page_id: str, body: bytes) -> None:
        page = self.store.pages.get(page_id)
        try:
            written = json.loads(body).get("properties") or {}
        except ValueError:
            return
        if page is None or not written:
            return
        now = full_page(self.store, page)
        if all(props.same(props.plain(now, name), plain_written(value)) for name, value in written.items()):
            self.idle_writes.append(f"{page_id}: {sorted(written)} already held what was written")


def plain_written(value: Any) -> Any:
    """The plain value (as engine.workspace.props.plain reads it) a property write payload sets."""
    if not isinstance(value, dict) or len(value) != 1:
        return object()
    ((kind, inner),) = value.items()
    if kind in ("status", "select"):
        return inner.get("name") if isinstance(inner, dict) else None
    if kind == "date":
        return inner.get("start") if isinstance(inner, dict) else None
    if kind == "number":
        return inner
    if kind in ("title", "rich_text"):
        return "".join(str((part.get("text") or {}).get("content", "")) for part in inner or [])
    if kind == "relation":
        return sorted(str(ref.get("id")) for ref in inner or [])
    return object()


def _page_write(scope: Scope) -> bool:
    path = scope["path"].rstrip("/")
    return scope["method"] in ("PATCH", "POST") and (path == "/v1/pages" or path.startswith("/v1/pages/"))


class CrashingRecorder(Recorder):
    """A recorder whose process may die: once `crash.dead`, nothing more is written."""

    def __init__(self, writer: GroupCommitWriter, crash: Crash) -> None:
        super().__init__(writer)
        self.crash = crash

    async def record(self, *events: Event) -> Any:
        if self.crash.dead:
            raise SimulatedCrash()
        return await super().record(*events)

    def record_nowait(self, *events: Event) -> None:
        if self.crash.dead:
            raise SimulatedCrash()
        super().record_nowait(*events)

    async def flush(self) -> None:
        if self.crash.dead:
            raise SimulatedCrash()
        await super().flush()


@dataclass
class Side:
    """One workspace served in-process: `app` as paydesk meets it, `bare` as a person's edits reach it (no
    faults, not counted, not audited)."""

    store: SandboxStore
    app: ASGIApp
    bare: ASGIApp

    @asynccontextmanager
    async def http(self, *, hand: bool = False) -> AsyncIterator[httpx.AsyncClient]:
        headers = {"Authorization": f"Bearer {OPTIONS.token}", "Notion-Version": "2025-09-03"}
        transport = httpx.ASGITransport(app=self.bare if hand else self.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
            yield http

    @asynccontextmanager
    async def notion(self) -> AsyncIterator[AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE_URL) as http:
            yield _client(http)

    def page(self, page_id: str) -> dict[str, Any] | None:
        page = self.store.pages.get(page_id)
        return None if page is None else full_page(self.store, page)

    def pages(self, data_source: str) -> list[dict[str, Any]]:
        ids = self.store.pages_by_source.get(data_source, ())
        return [full_page(self.store, self.store.pages[p]) for p in sorted(ids)]


def _client(http: httpx.AsyncClient) -> AsyncClient:
    return AsyncClient(client=http, auth=OPTIONS.token, base_url=BASE_URL, retry=False, logger=QUIET)


TEMPLATE_NAME = "template.sqlite"


async def seed_template(directory: Path) -> Path:
    """A seeded small demo workspace in a sandbox file, made once and copied for every journey."""
    path = directory / TEMPLATE_NAME
    if path.exists():
        return path
    store = SandboxStore.open(directory / "seeding")
    try:
        app = build_app(store, OPTIONS)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            await seed_demo(_client(http), store, size="small", month=MONTH, random_seed=7)
        store.flush()
    finally:
        store.close()
    shutil.copyfile(directory / "seeding" / "sandbox.sqlite", path)
    return path


@dataclass
class World:
    sut: Side
    shadow: Side
    crash: Crash
    audit: Audit
    workspace: DemoWorkspace
    db: Path

    @property
    def config(self) -> Config:
        return Config(
            notion=NotionSettings(base_url=BASE_URL, rate=1000.0, burst=1000, timeout_s=10.0),
            data_sources=dict(self.workspace.data_sources),
            token=OPTIONS.token,
        )

    @asynccontextmanager
    async def runtime(self, *, crash_after: int | None = None) -> AsyncIterator[Runtime]:
        """A paydesk process on the SUT: its own writer, gateway and (maybe doomed) recorder."""
        self.crash.after = None if crash_after is None else self.crash.writes + crash_after
        self.crash.dead = False
        writer = await trio.to_thread.run_sync(lambda: GroupCommitWriter(self.db))
        try:
            async with self.sut.notion() as client:
                gateway = NotionGateway(client, TokenBucket(1000.0, 1000), policy=POLICY)
                recorder = CrashingRecorder(writer, self.crash)
                yield Runtime(self.config, self.db, gateway, recorder, "journey", Coordination(self.db))
        finally:
            self.crash.after, self.crash.dead = None, False
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(writer.close)

    def close(self) -> None:
        self.sut.store.close()
        self.shadow.store.close()


def open_world(template: Path, directory: Path) -> World:
    """Two copies of the template: the SUT (audited, crashable, with the sandbox's faults) and the shadow."""
    sides: list[SandboxStore] = []
    for name in ("sut", "shadow"):
        (directory / name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, directory / name / "sandbox.sqlite")
        sides.append(SandboxStore.open(directory / name))
    sut_store, shadow_store = sides
    bare = build_app(sut_store, OPTIONS)
    audit = Audit(wrap(bare, OPTIONS, sut_store), sut_store)
    crash = Crash(audit)
    workspace = find_demo_workspace(sut_store)
    assert workspace is not None
    shadow_app = build_app(shadow_store, OPTIONS)
    shadow = Side(shadow_store, shadow_app, shadow_app)
    return World(Side(sut_store, crash, bare), shadow, crash, audit, workspace, directory / "log.sqlite")

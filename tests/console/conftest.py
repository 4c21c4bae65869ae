"""Console fixtures: a seeded demo sandbox served from its own thread (its own trio run), and helpers that
drive the app with Pilot until a condition holds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from textual.pilot import Pilot
from textual.screen import Screen

from console.app import ConsoleSettings, PaydeskApp
from engine.workspace.config import Config
from sandbox.options import SandboxOptions
from sandbox.server import open_sandbox
from tests.console.synth import synthesize
from tests.engine.conftest import MONTH, config_for, seed_into

FIXED_NOW = datetime(2026, 1, 16, 9, 30, tzinfo=UTC)
SIZE = (160, 45)


@dataclass
class ServedDemo:
    base_url: str
    config: Config
    db_path: Path

    def settings(self, **changes: Any) -> ConsoleSettings:
        settings = ConsoleSettings(
            db_path=self.db_path,
            config=self.config,
            default_month=MONTH,
            clock=lambda: FIXED_NOW,
            export_dir=self.db_path.parent,
        )
        return replace(settings, **changes)

    async def faults(self, **body: Any) -> None:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            answer = await http.post("/_sandbox/faults", json=body)
            answer.raise_for_status()


def serve_demo_in_thread(data_dir: Path, rate: float) -> Iterator[ServedDemo]:
    ready: dict[str, Any] = {}
    started = threading.Event()

    async def serve() -> None:
        async with open_sandbox(data_dir, SandboxOptions()) as sandbox:
            workspace = await seed_into(sandbox)
            ready["config"] = config_for(sandbox, workspace, rate=rate)
            ready["base_url"] = sandbox.base_url
            ready["token"] = trio.lowlevel.current_trio_token()
            stop = trio.Event()
            ready["stop"] = stop
            started.set()
            await stop.wait()

    def run() -> None:
        try:
            trio.run(serve)
        except BaseException as err:  # surfaced to the test below
            ready["error"] = err
            started.set()

    thread = threading.Thread(target=run, name="sandbox", daemon=True)
    thread.start()
    assert started.wait(60), "the sandbox did not start"
    if "error" in ready:
        raise ready["error"]
    try:
        yield ServedDemo(ready["base_url"], ready["config"], data_dir.parent / "paydesk.sqlite")
    finally:
        trio.from_thread.run_sync(ready["stop"].set, trio_token=ready["token"])
        thread.join(30)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[ServedDemo]:
    yield from serve_demo_in_thread(tmp_path / "sandbox", rate=1000.0)


@pytest.fixture
def slow_demo(tmp_path: Path) -> Iterator[ServedDemo]:
    """The demo workspace behind paydesk's rate limit of 4 requests/s: a commit takes seconds."""
    yield from serve_demo_in_thread(tmp_path / "sandbox", rate=4.0)


@pytest.fixture
def slower_demo(tmp_path: Path) -> Iterator[ServedDemo]:
    """At 2 requests/s the writes of a commit take about 8 s: time to ask it to stop, even on a busy host."""
    yield from serve_demo_in_thread(tmp_path / "sandbox", rate=2.0)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], limit_s: float = 45.0) -> None:
    """Let the app run until `condition()` holds (polling; fails after `limit_s`)."""
    waited = 0.0
    while not condition():
        if waited > limit_s:
            raise AssertionError(f"condition not met within {limit_s} s")
        await pilot.pause(0.05)
        waited += 0.05


def showing(app: PaydeskApp, screen_type: type[Screen[Any]]) -> bool:
    """The app's top screen is a `screen_type` and has been composed and mounted (its widgets can be queried:
    a screen is on the stack a moment before its children are)."""
    return isinstance(app.screen, screen_type) and app.screen.is_mounted


def journal_has(app: PaydeskApp, prefix: str) -> bool:
    return any(line.startswith(prefix) for line in app.journal)


@pytest.fixture
def log_db(tmp_path: Path) -> Path:
    """A synthesized log of three finished commit jobs (tests.console.synth), the last with a failure."""
    db = tmp_path / "paydesk.sqlite"
    synthesize(db)
    return db

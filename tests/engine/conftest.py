"""Engine fixtures: a served sandbox holding the seeded demo workspace, and a Config pointing at it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from notion_client import AsyncClient

from engine.workspace.config import Config, NotionSettings
from sandbox.demo import DemoWorkspace, seed_demo
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox

MONTH = "2026-01"
BINDING_WRITE = 1  # the first job of a log that writes marks the workspace as paid from that log, once
BINDING_READS = 2  # and reads the mark before writing it and again after settling (engine.run.binding)
QUIET = logging.getLogger("tests.engine.seed")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


@dataclass
class Demo:
    sandbox: RunningSandbox
    workspace: DemoWorkspace
    config: Config

    async def stats(self) -> dict[str, object]:
        async with httpx.AsyncClient(base_url=self.sandbox.base_url) as http:
            answer = await http.get("/_sandbox/stats")
            stats: dict[str, object] = answer.json()
            return stats


async def seed_into(sandbox: RunningSandbox, *, size: str = "small", seed: int = 7) -> DemoWorkspace:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.notion_app), base_url=sandbox.base_url
    ) as http:
        client = AsyncClient(
            auth=sandbox.token, base_url=sandbox.base_url, client=http, retry=False, logger=QUIET
        )
        return await seed_demo(client, sandbox.store, size=size, month=MONTH, random_seed=seed)


def config_for(
    sandbox: RunningSandbox, workspace: DemoWorkspace, *, rate: float = 1000.0, workers: int = 5
) -> Config:
    return Config(
        notion=NotionSettings(base_url=sandbox.base_url, rate=rate, burst=max(1, int(rate)), timeout_s=10.0),
        data_sources=dict(workspace.data_sources),
        workers=workers,
        token=sandbox.token,
    )


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async with open_sandbox(tmp_path / "sandbox", SandboxOptions()) as sandbox:
        workspace = await seed_into(sandbox)
        yield Demo(sandbox, workspace, config_for(sandbox, workspace))

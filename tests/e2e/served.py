"""A seeded sandbox served over HTTP and `paydesk` run against it as a real subprocess: what an operator at a
terminal does, with the sandbox's admin routes and a `Hand` for the edits people make in Notion."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

from sandbox.demo import DemoWorkspace, render_config
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox
from tests.engine.conftest import seed_into
from tests.engine.hand import Hand, open_hand

PAYDESK = [sys.executable, "-m", "console.cli"]


@dataclass
class Served:
    sandbox: RunningSandbox
    workspace: DemoWorkspace
    env: dict[str, str]
    db: Path
    config: Path
    root: Path
    outputs: list[bytes] = field(default_factory=list)
    started: list[trio.Process] = field(default_factory=list)

    async def paydesk(
        self, *args: str, env: dict[str, str] | None = None, prefix: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[bytes]:
        done = await trio.run_process(
            [*prefix, *PAYDESK, *args],
            env=env or self.env,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
        self.outputs += [done.stdout, done.stderr]
        return done

    async def start(
        self, *args: str, prefix: Sequence[str] = (), env: dict[str, str] | None = None
    ) -> trio.Process:
        process = await trio.lowlevel.open_process(
            [*prefix, *PAYDESK, *args], env=env or self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.started.append(process)
        return process

    async def stop_started(self) -> None:
        """Kill what `start` started and is still running (a test that failed half-way leaves no process
        behind to be reported against the next test), and close its pipes."""
        with trio.CancelScope(shield=True):
            for process in self.started:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
                for stream in (process.stdout, process.stderr):
                    if stream is not None:
                        await stream.aclose()

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.sandbox.base_url) as http:
            found: dict[str, Any] = (await http.get("/_sandbox/stats")).json()
            return found

    async def writes(self) -> int:
        return int((await self.stats())["totals"]["writes"])

    async def faults(self, **body: Any) -> None:
        async with httpx.AsyncClient(base_url=self.sandbox.base_url) as http:
            (await http.post("/_sandbox/faults", json=body)).raise_for_status()

    @asynccontextmanager
    async def hand(self) -> AsyncIterator[Hand]:
        async with open_hand(self.sandbox.base_url, self.sandbox.token, self.workspace.data_sources) as hand:
            yield hand

    async def wait_for_writes(self, process: trio.Process, count: int = 2) -> None:
        with trio.fail_after(60):
            # Polling another process's server: there is no event to wait on.
            while await self.writes() < count:
                assert process.returncode is None, "the run ended before it wrote"
                await trio.sleep(0.02)


async def finish(process: trio.Process) -> tuple[int, str, str]:
    """Wait for a started process; its exit code, standard output and standard error."""
    assert process.stdout is not None and process.stderr is not None
    out, err = bytearray(), bytearray()

    async def drain(stream: trio.abc.ReceiveStream, into: bytearray) -> None:
        async for chunk in stream:
            into.extend(chunk)

    with trio.fail_after(120):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(drain, process.stdout, out)
            nursery.start_soon(drain, process.stderr, err)
        code = await process.wait()
    return code, out.decode(), err.decode()


@asynccontextmanager
async def open_served(
    tmp_path: Path, *, latency_ms: float = 5, rate: float = 200.0, seed: int = 7, rps: float = 0.0
) -> AsyncIterator[Served]:
    """`rate` is paydesk's configured limit; `rps` the sandbox's own (0: none)."""
    options = SandboxOptions(latency_ms=latency_ms, random_seed=5, rps=rps)
    async with open_sandbox(tmp_path / "sandbox", options) as sandbox:
        workspace = await seed_into(sandbox, seed=seed)
        root = tmp_path / "paydesk"
        root.mkdir()
        config = root / "paydesk.toml"
        config.write_text(render_config(sandbox.base_url, workspace).replace("rate = 3.0", f"rate = {rate}"))
        config.chmod(0o600)
        env = {
            **os.environ,
            "PAYDESK_CONFIG": str(config),
            "PAYDESK_DB": str(root / "log.sqlite"),
            "PAYDESK_HOME": str(root / "home"),
            "NOTION_TOKEN": sandbox.token,
        }
        served = Served(sandbox, workspace, env, root / "log.sqlite", config, root)
        try:
            yield served
        finally:
            await served.stop_started()

"""`paydesk demo` as a user runs it: a real subprocess that seeds, serves, guides, and stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import trio

pytestmark = pytest.mark.trio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def read_until(stream: trio.abc.ReceiveStream, marker: bytes, limit_s: float = 60) -> bytes:
    seen = b""
    with trio.fail_after(limit_s):
        while marker not in seen:
            chunk = await stream.receive_some()
            if not chunk:
                break
            seen += chunk
    return seen


async def test_demo_serve_only_seeds_serves_and_guides_then_stops_cleanly_and_keeps_the_workspace(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PAYDESK_HOME": str(tmp_path / "home")}
    env.pop("NOTION_TOKEN", None)
    port = str(free_port())
    for run in range(2):
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "console.cli", "demo", "--serve-only", "--port", port],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert process.stdout is not None
        shown = (await read_until(process.stdout, b"Ctrl-C stops")).decode()
        assert f"serving at http://127.0.0.1:{port}" in shown
        assert "paydesk run commit --month" in shown
        config = tmp_path / "home" / "demo" / "paydesk.toml"
        assert config.stat().st_mode & 0o777 == 0o600

        doctor_env = {**env, "PAYDESK_CONFIG": str(config), "NOTION_TOKEN": "secret_sandbox_token"}
        doctor = await trio.run_process(
            [sys.executable, "-m", "console.cli", "doctor"], env=doctor_env, capture_stdout=True, check=False
        )
        assert doctor.returncode == 0, doctor.stdout.decode()

        process.send_signal(signal.SIGINT)
        rest = (await read_until(process.stdout, b"workspace is kept")).decode()
        assert await process.wait() == 0, rest
        assert "workspace is kept" in rest
        assert (tmp_path / "home" / "demo" / "sandbox").is_dir(), f"run {run}: the workspace is kept"

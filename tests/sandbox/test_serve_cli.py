"""`paydesk sandbox serve` as an operator runs it: a real process, a real port, notion-client against it,
SIGTERM, and a restart that finds its data again. Operator errors are one line and exit code 1."""

from __future__ import annotations

import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import notion_client
import pytest
import trio

from console.cli import main

pytestmark = pytest.mark.trio

TOKEN = "secret_serve_cli_test"
READY = "paydesk sandbox serving at "


@dataclass
class Served:
    process: trio.Process
    ready_line: str

    @property
    def base_url(self) -> str:
        return self.ready_line.removeprefix(READY).split(" ", 1)[0]


async def _read_line(stream: trio.abc.ReceiveStream, buffer: bytearray) -> str:
    while b"\n" not in buffer:
        chunk = await stream.receive_some()
        if not chunk:
            raise AssertionError(f"the server exited before it was ready; it printed {bytes(buffer)!r}")
        buffer += chunk
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line.decode()


@asynccontextmanager
async def serving(*args: str) -> AsyncIterator[Served]:
    """`paydesk sandbox serve --port 0 ARGS` in a subprocess, up to its ready line; SIGTERM at the end."""
    env = {**os.environ, "NOTION_TOKEN": TOKEN}
    command = [sys.executable, "-m", "console.cli", "sandbox", "serve", "--port", "0", *args]
    process = await trio.lowlevel.open_process(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        assert process.stdout is not None
        with trio.fail_after(120):  # a guard against a hang, not a timing assertion
            line = await _read_line(process.stdout, bytearray())
        assert line.startswith(READY), line
        yield Served(process, line)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        with trio.fail_after(60):
            await process.wait()


@asynccontextmanager
async def notion(base_url: str) -> AsyncIterator[notion_client.AsyncClient]:
    client = notion_client.AsyncClient(
        auth=TOKEN, base_url=base_url, retry=False, logger=logging.getLogger("test.serve_cli")
    )
    try:
        yield client
    finally:
        await client.aclose()


async def test_serve_seeds_serves_stops_on_sigterm_and_keeps_its_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "conf" / "paydesk.toml"
    args = ["--data", str(data), "--seed", "demo", "--month", "2026-01", "--rps", "0"]
    async with serving(*args, "--write-config", str(config)) as served:
        assert served.ready_line.endswith(f"(token {TOKEN}; config written to {config.resolve()})")
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        text = config.read_text(encoding="utf-8")
        assert TOKEN not in text and "export NOTION_TOKEN=" in text
        settings = tomllib.loads(text)
        assert settings["notion"]["base_url"] == served.base_url
        payables = settings["data_sources"]["payables"]

        async with notion(served.base_url) as client:
            rows = await client.data_sources.query(data_source_id=payables, page_size=5)
            assert rows["object"] == "list" and rows["results"]
            page_id = rows["results"][0]["id"]
            title = {"Payable Title": {"title": [{"text": {"content": "Renamed by the serve test"}}]}}
            updated = await client.pages.update(page_id=page_id, properties=title)
            edited = updated["last_edited_time"]

        served.process.send_signal(signal.SIGTERM)
        with trio.fail_after(60):
            assert await served.process.wait() == 0

    async with serving("--data", str(data), "--rps", "0") as again:
        assert "config" not in again.ready_line and f"(token {TOKEN})" in again.ready_line
        async with notion(again.base_url) as client:
            page = await client.pages.retrieve(page_id=page_id)
        assert page["last_edited_time"] == edited
        assert page["properties"]["Payable Title"]["title"][0]["plain_text"] == "Renamed by the serve test"
        assert page["parent"]["data_source_id"] == payables
        again.process.send_signal(signal.SIGINT)
        with trio.fail_after(60):
            assert await again.process.wait() == 0


async def test_the_served_sandbox_rate_limits_and_counts_what_it_serves(tmp_path: Path) -> None:
    async with serving("--data", str(tmp_path), "--rps", "1", "--burst", "2") as served:
        codes = []
        async with notion(served.base_url) as client:
            for _ in range(3):
                try:
                    await client.users.me()
                    codes.append(200)
                except notion_client.APIResponseError as err:
                    codes.append(err.status)
        async with httpx.AsyncClient(base_url=served.base_url) as admin:
            totals = (await admin.get("/_sandbox/stats")).json()["totals"]
    assert codes == [200, 200, 429]
    assert totals == {"reads": 3, "writes": 0, "total": 3, "rate_limited": 1, "faults": 0}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "port 70000 is out of range"),
        (["--faults", "500:0.1,503:often"], "'503:often'"),
        (["--seed", "demo", "--month", "2026-1"], "bad month '2026-1'"),
        (["--size", "huge"], "unknown size 'huge'"),
        (["--rps", "-1"], "--rps must be at least"),
        (["--seed", "nonsense"], "invalid choice"),
    ],
)
async def test_operator_errors_are_one_line_and_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["sandbox", "serve", "--data", str(tmp_path), *args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("paydesk: error: ")
    assert message in err


async def test_an_unwritable_data_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert main(["sandbox", "serve", "--data", str(blocker / "data")]) == 1
    assert "pick another --data" in capsys.readouterr().err


async def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    """`paydesk sandbox serve --port 0 ARGS` to its end (for the runs that fail at start)."""
    command = [sys.executable, "-m", "console.cli", "sandbox", "serve", "--port", "0", *args]
    with trio.fail_after(60):  # a guard against a hang
        return await trio.run_process(command, capture_stdout=True, capture_stderr=True, check=False)


async def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await run_cli("--data", str(tmp_path), "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.decode() == (
        f"paydesk: error: port {port} is already in use: stop what uses it or pick another --port\n"
    )


async def test_write_config_without_a_workspace_says_to_seed(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "console.cli",
        "sandbox",
        "serve",
        "--port",
        "0",
        "--data",
        str(tmp_path),
    ]
    with trio.fail_after(60):
        result = await trio.run_process(
            [*command, "--write-config", str(tmp_path / "c.toml")],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
    assert result.returncode == 1
    assert b"add --seed demo" in result.stderr
    assert not (tmp_path / "c.toml").exists()

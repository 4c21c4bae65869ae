"""`paydesk run commit` as a real subprocess against a served sandbox: output, exit codes, and kill -9
at random moments followed by `paydesk resume`, which must end with exactly the uninterrupted result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from sandbox.demo import DemoWorkspace, render_config
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox
from tests.engine.conftest import MONTH, seed_into

pytestmark = pytest.mark.trio

WATCHED = ("payables", "payouts", "splits", "refunds")


@dataclass
class Setup:
    sandbox: RunningSandbox
    workspace: DemoWorkspace
    env: dict[str, str]
    db: Path


async def paydesk(setup: Setup, *args: str) -> subprocess.CompletedProcess[bytes]:
    return await trio.run_process(
        [sys.executable, "-m", "console.cli", *args],
        env=setup.env,
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    options = SandboxOptions(latency_ms=40, jitter_ms=20, random_seed=3)
    async with open_sandbox(tmp_path / "sandbox", options) as sandbox:
        workspace = await seed_into(sandbox)
        config = tmp_path / "paydesk.toml"
        config.write_text(render_config(sandbox.base_url, workspace).replace("rate = 3.0", "rate = 200.0"))
        env = {
            **os.environ,
            "PAYDESK_CONFIG": str(config),
            "PAYDESK_DB": str(tmp_path / "log.sqlite"),
            "PAYDESK_HOME": str(tmp_path / "home"),
            "NOTION_TOKEN": sandbox.token,
        }
        yield Setup(sandbox, workspace, env, tmp_path / "log.sqlite")


async def statuses(setup: Setup) -> dict[str, tuple[str | None, str | None]]:
    """Every watched page's status (and a payable's Payment Date), by page id."""
    headers = {"Authorization": f"Bearer {setup.sandbox.token}", "Notion-Version": "2025-09-03"}
    found: dict[str, tuple[str | None, str | None]] = {}
    async with httpx.AsyncClient(base_url=setup.sandbox.base_url, headers=headers) as http:
        for logical in WATCHED:
            cursor = None
            while True:
                body: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
                answer = (
                    await http.post(
                        f"/v1/data_sources/{setup.workspace.data_sources[logical]}/query", json=body
                    )
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


async def test_run_commit_prints_the_summary_as_json_and_exits_0(setup: Setup) -> None:
    done = await paydesk(setup, "run", "commit", "--month", MONTH, "--batch", "15", "--json")
    assert done.returncode == 0, done.stderr.decode()
    summary = json.loads(done.stdout)
    assert set(summary) >= {"job_id", "month", "batch", "updated", "skipped", "failed", "errors"}
    assert summary["month"] == MONTH and summary["batch"] == 15 and summary["failed"] == 0
    assert summary["updated"] > 0
    listed = await paydesk(setup, "jobs", "--json")
    assert [job["job_id"] for job in json.loads(listed.stdout)] == [summary["job_id"]]


async def test_a_bad_configuration_is_one_line_and_exit_1(setup: Setup, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[data_sources]\npayables = 'x'\n")
    setup.env["PAYDESK_CONFIG"] = str(broken)
    done = await paydesk(setup, "run", "commit", "--month", MONTH, "--batch", "15")
    assert done.returncode == 1
    assert done.stderr.decode().count("\n") == 1 and "missing" in done.stderr.decode()
    assert setup.sandbox.token.encode() not in done.stderr


async def expected_after_commit(setup: Setup) -> dict[str, tuple[str | None, str | None]]:
    """What an uninterrupted commit leaves: the dry run's planned targets Paid, nothing else changed."""
    before = await statuses(setup)
    dry = await paydesk(setup, "run", "commit", "--month", MONTH, "--batch", "15", "--json", "--dry-run")
    assert dry.returncode == 0, dry.stderr.decode()
    shown = await paydesk(setup, "show", json.loads(dry.stdout)["job_id"], "--json")
    steps = json.loads(shown.stdout)["steps"]
    expected = dict(before)
    today = date.today().isoformat()
    for step in steps:
        expected[step["target"]] = (
            "Paid",
            today if step["data_source"] == "payables" else before[step["target"]][1],
        )
    return expected


async def sandbox_totals(setup: Setup) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=setup.sandbox.base_url) as http:
        totals: dict[str, int] = (await http.get("/_sandbox/stats")).json()["totals"]
        return totals


async def kill_when(setup: Setup, process: trio.Process, kind: str, count: int) -> None:
    """SIGKILL the process as soon as the sandbox has served `count` requests of `kind` since the start."""
    start = (await sandbox_totals(setup))[kind]
    with trio.move_on_after(60):
        # Polling another process's server: there is no event to wait on.
        while (await sandbox_totals(setup))[kind] - start < count and process.returncode is None:  # noqa: ASYNC110
            await trio.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    await process.wait()


# Kill points over the whole run: during the preload (reads), then after the first, a middle and the last
# write. The chaos short form and the operators' journeys crash at many more points.
KILL_POINTS = [
    ("reads", 4),
    ("writes", 1),
    ("writes", 6),
    ("writes", 14),
]


@pytest.mark.parametrize(("kind", "count"), KILL_POINTS)
async def test_kill_9_mid_run_then_resume_gives_the_uninterrupted_result(
    setup: Setup, kind: str, count: int
) -> None:
    expected = await expected_after_commit(setup)
    setup.env["PAYDESK_DB"] = str(setup.db.with_name("crash.sqlite"))
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "console.cli", "run", "commit", "--month", MONTH, "--batch", "15", "--json"],
        env=setup.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await kill_when(setup, process, kind, count)
    assert process.returncode == -signal.SIGKILL, "the run ended before the kill point"

    listed = json.loads((await paydesk(setup, "jobs", "--json")).stdout)
    if listed and listed[0]["plan_steps"]:
        assert listed[0]["status"] in ("interrupted", "planned"), "a killed job is not shown as running"
        done = await paydesk(setup, "resume", listed[0]["job_id"], "--json")
    else:  # killed before the plan was stored: nothing was written, so run it again
        done = await paydesk(setup, "run", "commit", "--month", MONTH, "--batch", "15", "--json")
    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
    assert await statuses(setup) == expected
    verified = await paydesk(setup, "verify")
    assert verified.returncode == 0, verified.stdout.decode() + verified.stderr.decode()

"""`paydesk run generate --type payroll` as a real subprocess against a served sandbox, killed with SIGKILL
mid-run and finished by `paydesk resume`: the workspace must end exactly as the job's plan says (each
payout by the order it links, with its fields; every order's and line item's status), with no order paid
twice, and a rerun must write nothing. One kill lands right after a payout is created, before its answer
leaves the sandbox, while the sandbox's query lag hides the new payout: the resumed create must wait the lag
out in its lookup rather than create a second payout.

The plumbing here (`open_setup`, `kill_when`, `CreateKiller`, …) is shared with tests/e2e/test_sync_cli.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from engine.workspace.config import Config
from eventlog import EventLog
from sandbox.demo import DemoWorkspace, render_config
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox
from tests.engine.conftest import MONTH, config_for, seed_into
from tests.engine.test_generate_faults import (
    GENERATE_SOURCES,
    duplicated_sources,
    expected_generate,
    generate_outcome,
    states_of,
)

pytestmark = pytest.mark.trio

GENERATE = ("run", "generate", "--type", "payroll", "--month", MONTH, "--json")
LAG_MS = 3000


@dataclass
class Setup:
    sandbox: RunningSandbox
    workspace: DemoWorkspace
    config: Config  # for planning in-process
    env: dict[str, str]
    db: Path
    seeded_at: float  # wall clock, when the last seeded page was made


@asynccontextmanager
async def open_setup(tmp_path: Path) -> AsyncIterator[Setup]:
    """The small demo workspace served with a little latency, and the environment of a `paydesk` on it."""
    options = SandboxOptions(latency_ms=40, jitter_ms=20, random_seed=3)
    async with open_sandbox(tmp_path / "sandbox", options) as sandbox:
        workspace = await seed_into(sandbox)
        seeded_at = time.time()
        config = tmp_path / "paydesk.toml"
        config.write_text(render_config(sandbox.base_url, workspace).replace("rate = 3.0", "rate = 200.0"))
        env = {k: v for k, v in os.environ.items() if "LLM" not in k and k != "OPENROUTER_API_KEY"}
        env |= {
            "PAYDESK_CONFIG": str(config),
            "PAYDESK_DB": str(tmp_path / "log.sqlite"),
            "PAYDESK_HOME": str(tmp_path / "home"),
            "NOTION_TOKEN": sandbox.token,
        }
        in_process = config_for(sandbox, workspace)
        yield Setup(sandbox, workspace, in_process, env, tmp_path / "log.sqlite", seeded_at)


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with open_setup(tmp_path) as opened:
        yield opened


async def paydesk(setup: Setup, *args: str) -> subprocess.CompletedProcess[bytes]:
    return await trio.run_process(
        [sys.executable, "-m", "console.cli", *args],
        env=setup.env,
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )


async def start(setup: Setup, *args: str) -> trio.Process:
    return await trio.lowlevel.open_process(
        [sys.executable, "-m", "console.cli", *args],
        env=setup.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def admin(setup: Setup, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=setup.sandbox.base_url) as http:
        return (await http.request(method, f"/_sandbox/{path}", json=body)).json()


async def kill_when(setup: Setup, process: trio.Process, kind: str, count: int) -> None:
    """SIGKILL the process as soon as the sandbox has counted `count` requests of `kind` since the start."""
    start_count = (await admin(setup, "GET", "stats"))["totals"][kind]
    with trio.move_on_after(60):
        # Polling another process's server: there is no event to wait on.
        while (  # noqa: ASYNC110
            (await admin(setup, "GET", "stats"))["totals"][kind] - start_count < count
            and process.returncode is None
        ):
            await trio.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    await process.wait()


@dataclass
class CreateKiller:
    """Kills `process` from inside the sandbox the moment a page is created in `data_source`: the create is
    applied and its answer never leaves. Also records, for every later query of that data source, whether
    that page was visible to it yet (the query lag hides a new page from queries for a while)."""

    sandbox: RunningSandbox
    data_source: str
    process: trio.Process
    signal: int = signal.SIGKILL  # or SIGINT: an operator's Ctrl-C
    made: str | None = None
    seen_hidden: int = 0  # queries after the kill that did not see the made page yet
    seen_visible: int = 0
    _known: set[str] = field(default_factory=set)

    def __enter__(self) -> CreateKiller:
        store = self.sandbox.store
        self._known = set(store.pages_by_source.get(self.data_source, ()))
        mark, visible_rows = store.mark, store.visible_rows

        def marking(kind: str, record: Any) -> None:
            mark(kind, record)
            is_new = (
                kind == "page" and record.data_source_id == self.data_source and record.id not in self._known
            )
            if is_new and self.made is None:
                self.made = record.id
                self.process.send_signal(self.signal)

        def visible(source: Any) -> Any:
            rows = visible_rows(source)
            if self.made is not None and source.id == self.data_source:
                if any(page.id == self.made for page in rows):
                    self.seen_visible += 1
                else:
                    self.seen_hidden += 1
            return rows

        store.mark = marking  # type: ignore[method-assign]
        store.visible_rows = visible  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        del self.sandbox.store.mark
        del self.sandbox.store.visible_rows


@contextmanager
def kill_on_write(sandbox: RunningSandbox, process: trio.Process, page_ids: set[str]) -> Iterator[None]:
    """SIGKILL `process` from inside the sandbox as soon as a write to one of `page_ids` is applied (its
    answer never leaves)."""
    store = sandbox.store
    mark = store.mark
    killed = False

    def marking(kind: str, record: Any) -> None:
        nonlocal killed
        mark(kind, record)
        if kind == "page" and record.id in page_ids and not killed:
            killed = True
            process.send_signal(signal.SIGKILL)

    store.mark = marking  # type: ignore[method-assign]
    try:
        yield
    finally:
        del store.mark


def jobs_in(db: Path) -> list[Any]:
    with EventLog(db, read_only=True) as log:
        return [(job, log.steps(job.job_id)) for job in log.jobs()]


async def finish(setup: Setup, *rerun: str) -> subprocess.CompletedProcess[bytes]:
    """`paydesk resume` the killed job; or, killed before its plan was stored, run it again."""
    listed = json.loads((await paydesk(setup, "jobs", "--json")).stdout)
    if listed and listed[0]["plan_steps"]:
        assert listed[0]["status"] in ("interrupted", "planned"), "a killed job is not shown as running"
        return await paydesk(setup, "resume", listed[0]["job_id"], "--json")
    return await paydesk(setup, *rerun)


async def assert_a_rerun_writes_nothing(setup: Setup, *args: str) -> None:
    await admin(setup, "POST", "stats/reset")
    again = await paydesk(setup, *args)
    assert again.returncode == 0, again.stderr.decode()
    assert (await admin(setup, "GET", "stats"))["totals"]["writes"] == 0


async def assert_verified(setup: Setup) -> None:
    verified = await paydesk(setup, "verify")
    assert verified.returncode == 0, verified.stdout.decode() + verified.stderr.decode()


# Kill points: during the preload, right after the first write (a payout create), after some creates and
# updates (6 orders: 6 creates and 18 updates in all).
KILL_POINTS = [("reads", 1), ("writes", 1), ("writes", 9)]


@pytest.mark.parametrize(("kind", "count"), KILL_POINTS)
async def test_kill_9_mid_generate_then_resume_gives_the_uninterrupted_result(
    setup: Setup, kind: str, count: int
) -> None:
    expected = await expected_generate(setup.sandbox, setup.config, "payroll")
    process = await start(setup, *GENERATE)
    await kill_when(setup, process, kind, count)
    assert process.returncode == -signal.SIGKILL, "the run ended before the kill point"

    done = await finish(setup, *GENERATE)
    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
    after = await states_of(setup.sandbox, setup.config.data_sources, GENERATE_SOURCES)
    assert duplicated_sources(after, "payroll") == []
    assert generate_outcome(after, "payroll") == expected
    await assert_a_rerun_writes_nothing(setup, *GENERATE)
    await assert_verified(setup)


async def test_kill_9_right_after_a_payout_is_created_under_query_lag_then_resume_waits_the_lag_out(
    setup: Setup,
) -> None:
    expected = await expected_generate(setup.sandbox, setup.config, "payroll")
    await admin(setup, "POST", "faults", {"query_lag_ms": LAG_MS})
    await trio.sleep(max(0.0, setup.seeded_at + LAG_MS / 1000 + 0.1 - time.time()))  # the preload sees all
    process = await start(setup, *GENERATE, "--workers", "1")  # one create in flight: one left in doubt
    with CreateKiller(setup.sandbox, setup.workspace.data_sources["payouts"], process) as killer:
        with trio.fail_after(60):
            await process.wait()
        assert process.returncode == -signal.SIGKILL and killer.made is not None
        ((job, steps),) = await trio.to_thread.run_sync(jobs_in, setup.db)
        assert any(s.kind == "create" and s.status == "started" for s in steps), "no create left in doubt"
        # Hide the payout for LAG_MS from now rather than from its creation: however slowly a loaded machine
        # starts the resume, its first lookup comes while the payout is still hidden. (The seeded pages stay
        # visible: they are older than the payout by more than LAG_MS.)
        made_ms = setup.sandbox.store.pages[killer.made].created_ms
        lag_ms = int(time.time() * 1000) - made_ms + LAG_MS
        await admin(setup, "POST", "faults", {"query_lag_ms": lag_ms})

        done = await paydesk(setup, "resume", job.job_id, "--json")
        assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
        # The resumed create's lookup (the only query of payouts a resume makes) queried while the lag still
        # hid the payout, and kept at it until the payout showed.
        assert killer.seen_hidden >= 1 and killer.seen_visible >= 1
    after = await states_of(setup.sandbox, setup.config.data_sources, GENERATE_SOURCES)
    assert duplicated_sources(after, "payroll") == []
    assert generate_outcome(after, "payroll") == expected
    summary = json.loads(done.stdout)
    assert summary["failed"] == 0 and summary["status"] == "completed"


@pytest.mark.parametrize(("first_run", "kind"), [("finished", "refund"), ("ctrl-c", "refund")])
async def test_a_fresh_run_right_after_another_makes_no_payout_twice_under_query_lag(
    setup: Setup, first_run: str, kind: str
) -> None:
    """Found walking: `paydesk run generate` twice in a row made every payout twice. Notion's queries show a
    new page only after a lag, so the second run's preload missed the payouts the first had just made.
    Here the first run finishes, or is stopped with Ctrl-C the moment it makes a payout (its answer maybe
    never read); the lag then hides every payout it made from the second run's reads. The second run makes
    none of them again; resuming the stopped run finishes its item; nothing is paid twice. (Refunds: a
    refund stays Approved when its payout is made, so it is planned again whenever its payout is not
    seen, where an order is marked Completed, which a query shows at once.)"""
    generate = ("run", "generate", "--type", kind, "--month", MONTH, "--json")
    expected = await expected_generate(setup.sandbox, setup.config, kind)
    await admin(setup, "POST", "faults", {"query_lag_ms": LAG_MS})
    await trio.sleep(max(0.0, setup.seeded_at + LAG_MS / 1000 + 0.1 - time.time()))  # the preload sees all
    payouts = setup.workspace.data_sources["payouts"]
    if first_run == "finished":
        first = await paydesk(setup, *generate)
        assert first.returncode == 0, first.stderr.decode()
    else:
        process = await start(setup, *generate, "--workers", "1")
        with CreateKiller(setup.sandbox, payouts, process, signal.SIGINT) as killer:
            with trio.fail_after(60):
                await process.wait()
        assert process.returncode != 0 and killer.made is not None, "the run ended before its first payout"
    made = [setup.sandbox.store.pages[p] for p in setup.sandbox.store.pages_by_source[payouts]]
    newest = max(page.created_ms for page in made)
    # From now on, the payouts the first run made stay hidden from queries for LAG_MS (a lookup waiting the
    # lag out still finds them); the seeded ones stay visible.
    await admin(setup, "POST", "faults", {"query_lag_ms": int(time.time() * 1000) - newest + LAG_MS})

    second = await paydesk(setup, *generate)
    assert second.returncode == 0, second.stderr.decode() + second.stdout.decode()
    if first_run == "ctrl-c":
        ((first_job, _), _) = await trio.to_thread.run_sync(jobs_in, setup.db)
        resumed = await paydesk(setup, "resume", first_job.job_id)
        assert resumed.returncode == 0, resumed.stderr.decode() + resumed.stdout.decode()
    after = await states_of(setup.sandbox, setup.config.data_sources, GENERATE_SOURCES)
    assert duplicated_sources(after, kind) == []
    assert generate_outcome(after, kind) == expected
    await assert_verified(setup)


async def test_after_a_kill_9_a_fresh_run_is_refused_until_the_interrupted_job_is_resumed(
    setup: Setup,
) -> None:
    expected = await expected_generate(setup.sandbox, setup.config, "payroll")
    process = await start(setup, *GENERATE, "--workers", "1")
    with CreateKiller(setup.sandbox, setup.workspace.data_sources["payouts"], process) as killer:
        with trio.fail_after(60):
            await process.wait()
    assert process.returncode == -signal.SIGKILL and killer.made is not None

    refused = await paydesk(setup, *GENERATE)  # the next cron run, say, rather than `paydesk resume`
    message = refused.stderr.decode()
    errors = [line for line in message.splitlines() if not line.startswith("paydesk: job ")]
    assert refused.returncode == 1 and len(errors) == 1 and "was interrupted" in errors[0], message
    job_id = message.split("`paydesk resume ")[1].split("`")[0]
    done = await paydesk(setup, "resume", job_id)
    assert done.returncode == 0, done.stderr.decode()
    after = await states_of(setup.sandbox, setup.config.data_sources, GENERATE_SOURCES)
    assert duplicated_sources(after, "payroll") == []
    assert generate_outcome(after, "payroll") == expected

"""Secrets and access, end to end: a full `paydesk run commit` subprocess against a served sandbox whose
token is a distinctive canary, then every artefact is searched for it.

- The canary never appears in the log file (nor its -wal/-shm), an export (jsonl, csv, stdout), the
  configuration, the lock files, or the stdout/stderr of any command (a success, `--json`, a bad
  configuration, a bad month, a token Notion refuses).
- The log and the configuration paydesk writes are created 0600.
- Reading commands (`jobs`, `show`, `export`, `verify`, `replay --check`) and a read-only `EventLog`
  change nothing in the log file; a read-only `EventLog` refuses to append.
- Two engines on one log cannot run the same job or the same selection at once; a job killed before its
  plan was stored does not hold its selection back.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trio

from eventlog import EventLog, EventLogError, JobCreated, ReadOnlyLog
from sandbox.demo import DemoWorkspace, render_config
from sandbox.options import SandboxOptions
from sandbox.serve import write_config_file
from sandbox.server import RunningSandbox, open_sandbox
from tests.cli_output import without_progress
from tests.engine.conftest import MONTH, seed_into

pytestmark = pytest.mark.trio

CANARY = "secret_CANARY_q7Zp3xW9vK2mN8tR4yB6"
COMMIT = ("run", "commit", "--month", MONTH, "--batch", "15")


@dataclass
class Setup:
    sandbox: RunningSandbox
    workspace: DemoWorkspace
    env: dict[str, str]
    db: Path
    config: Path
    root: Path
    outputs: list[bytes]

    async def paydesk(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        done = await trio.run_process(
            [sys.executable, "-m", "console.cli", *args],
            env=env or self.env,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
        self.outputs += [done.stdout, done.stderr]
        return done

    async def set_fault_spec(self, spec: str) -> None:
        async with httpx.AsyncClient(base_url=self.sandbox.base_url) as http:
            (await http.post("/_sandbox/faults", json={"spec": spec})).raise_for_status()

    async def writes(self) -> int:
        async with httpx.AsyncClient(base_url=self.sandbox.base_url) as http:
            return int((await http.get("/_sandbox/stats")).json()["totals"]["writes"])


async def open_setup(tmp_path: Path, latency_ms: float) -> AsyncIterator[Setup]:
    options = SandboxOptions(token=CANARY, latency_ms=latency_ms, random_seed=5)
    async with open_sandbox(tmp_path / "sandbox", options) as sandbox:
        workspace = await seed_into(sandbox)
        root = tmp_path / "paydesk"
        root.mkdir()
        config = root / "paydesk.toml"
        write_config_file(
            config, render_config(sandbox.base_url, workspace).replace("rate = 3.0", "rate = 200.0")
        )
        env = {
            **os.environ,
            "PAYDESK_CONFIG": str(config),
            "PAYDESK_DB": str(root / "log.sqlite"),
            "PAYDESK_HOME": str(root / "home"),
            "NOTION_TOKEN": CANARY,
        }
        yield Setup(sandbox, workspace, env, root / "log.sqlite", config, root, [])


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async for value in open_setup(tmp_path, latency_ms=5):
        yield value


@pytest.fixture
async def slow(tmp_path: Path) -> AsyncIterator[Setup]:
    async for value in open_setup(tmp_path, latency_ms=500):
        yield value


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_holding(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


async def test_the_token_is_in_no_artefact_and_no_output(setup: Setup, tmp_path: Path) -> None:
    done = await setup.paydesk(*COMMIT, "--json")
    assert done.returncode == 0, done.stderr.decode()
    job = json.loads(done.stdout)["job_id"]
    assert json.loads(done.stdout)["updated"] > 0

    assert mode(setup.db) == 0o600, oct(mode(setup.db))
    assert mode(setup.config) == 0o600, oct(mode(setup.config))
    for side in ("-wal", "-shm"):
        extra = setup.db.with_name(setup.db.name + side)
        if extra.exists():
            assert mode(extra) & 0o077 == 0, (side, oct(mode(extra)))

    before = setup.db.read_bytes()
    exports = setup.root / "exports"
    exports.mkdir()
    reads = [
        ("jobs",),
        ("show", job, "--json"),
        ("export", "--format", "jsonl", "-o", str(exports / "all.jsonl")),
        ("export", "--format", "csv", "-o", str(exports / "all.csv")),
        ("export", "--format", "jsonl", "--job", job),
        ("verify", "--against", str(exports / "all.jsonl")),
        ("replay", "--check"),
        ("doctor", "--json"),
    ]
    for args in reads:
        done = await setup.paydesk(*args)
        assert done.returncode == 0, (args, done.stderr.decode())
    assert setup.db.read_bytes() == before, "a reading command changed the log file"
    assert (exports / "all.jsonl").stat().st_size > 0 and (exports / "all.csv").stat().st_size > 0

    # Failing commands, with the token in their environment.
    broken = setup.root / "broken.toml"
    broken.write_text(f'[notion]\nbase_url = "{setup.sandbox.base_url}"\n[data_sources]\npayables = "x"\n')
    failing = [
        ({**setup.env, "PAYDESK_CONFIG": str(broken)}, COMMIT),
        (setup.env, ("run", "commit", "--month", "2025-13", "--batch", "15", "--json")),
        ({**setup.env, "NOTION_TOKEN": CANARY + "x"}, (*COMMIT, "--json")),  # Notion refuses this token
        ({**setup.env, "NOTION_TOKEN": CANARY + "x"}, ("doctor", "--json")),
    ]
    for env, args in failing:
        done = await setup.paydesk(*args, env=env)
        assert done.returncode == 1, (args, done.stdout.decode(), done.stderr.decode())
        err = without_progress(done.stderr.decode())
        assert err.count("\n") <= 1 and "Traceback" not in err, err

    needle = CANARY.encode()
    assert [i for i, output in enumerate(setup.outputs) if needle in output] == []
    assert files_holding(setup.root, needle) == []
    with EventLog(setup.db, read_only=True) as log:  # the log's text, as SQLite gives it back
        assert all(CANARY not in json.dumps(dataclasses.asdict(row), default=str) for row in log.jobs())


async def test_a_read_only_log_reads_everything_and_writes_nothing(setup: Setup) -> None:
    done = await setup.paydesk(*COMMIT, "--json")
    assert done.returncode == 0, done.stderr.decode()
    job = json.loads(done.stdout)["job_id"]
    files = {p: p.read_bytes() for p in setup.db.parent.glob(setup.db.name + "*") if p.is_file()}

    def read_everything() -> None:
        with EventLog(setup.db, read_only=True) as log:
            assert [j.job_id for j in log.jobs()] == [job]
            assert log.items(job) and log.steps(job) and log.preloads(job)
            assert log.verify().ok
            with pytest.raises(ReadOnlyLog, match="opened read-only") as refused:
                log.append(
                    [JobCreated(job_id="intruder", operator="x", kind="commit", params={}, selection_key="s")]
                )
            assert "intruder" not in [j.job_id for j in log.jobs()], refused.value

    await trio.to_thread.run_sync(read_everything)
    assert {p: p.read_bytes() for p in setup.db.parent.glob(setup.db.name + "*") if p.is_file()} == files


async def start_commit(setup: Setup) -> trio.Process:
    return await trio.lowlevel.open_process(
        [sys.executable, "-m", "console.cli", *COMMIT, "--json"],
        env=setup.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def wait_for_writes(setup: Setup, process: trio.Process) -> None:
    with trio.fail_after(60):
        # Polling another process's server: there is no event to wait on.
        while await setup.writes() < 2:
            assert process.returncode is None, "the first run ended before it started writing"
            await trio.sleep(0.02)


async def finish(process: trio.Process) -> tuple[int, bytes, bytes]:
    assert process.stdout is not None and process.stderr is not None
    out = bytearray()
    err = bytearray()

    async def drain(stream: trio.abc.ReceiveStream, into: bytearray) -> None:
        async for chunk in stream:
            into.extend(chunk)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(drain, process.stdout, out)
        nursery.start_soon(drain, process.stderr, err)
    code = await process.wait()
    return code, bytes(out), bytes(err)


async def test_a_second_engine_cannot_run_the_same_job_or_selection(slow: Setup) -> None:
    first = await start_commit(slow)
    await wait_for_writes(slow, first)
    wal = slow.db.with_name(slow.db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the running engine's -wal is searched too"
    assert files_holding(slow.root, CANARY.encode()) == []
    # The job id, read by a connection kept open until the end: a reader process that opened and closed the
    # log here used to break the running job (see the test below).
    reader = sqlite3.connect(f"{slow.db.resolve().as_uri()}?mode=ro", uri=True)
    job = reader.execute("SELECT job_id FROM jobs").fetchone()[0]
    outcomes: dict[str, subprocess.CompletedProcess[bytes]] = {}

    async def attempt(name: str, *args: str) -> None:
        outcomes[name] = await slow.paydesk(*args)

    # Every Notion request is throttled while the two attempts run, so the first run cannot finish before
    # they start however slowly their processes come up (the gateway waits out up to 50 429s in a row).
    await slow.set_fault_spec("429:1.0")
    async with trio.open_nursery() as nursery:  # both while the first run still writes
        nursery.start_soon(attempt, "again", *COMMIT, "--json")
        nursery.start_soon(attempt, "resumed", "resume", job)
    await slow.set_fault_spec("")
    await finish(first)
    reader.close()
    for name, done in outcomes.items():
        assert done.returncode == 1, (name, done.stdout, done.stderr)
        err = without_progress(done.stderr.decode())
        assert done.stdout == b"" and err.count("\n") == 1, (name, err)
        assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr
    refusal = outcomes["again"].stderr.decode()
    assert f"job {job}, a commit job on an overlapping selection, is running" in refusal, refusal
    assert f"did not start; wait for it or stop it with `paydesk cancel {job}`" in refusal
    assert b"running in another paydesk process" in outcomes["resumed"].stderr
    listed = json.loads((await slow.paydesk("jobs", "--json")).stdout)
    assert [j["job_id"] for j in listed] == [job], "a refused run left a job behind"


async def test_reading_the_log_while_a_job_runs_does_not_break_the_job(slow: Setup) -> None:
    first = await start_commit(slow)
    await wait_for_writes(slow, first)
    for _ in range(3):
        listed = await slow.paydesk("jobs", "--json")
        assert listed.returncode == 0
        await trio.sleep(0.8)
    code, _, err = await finish(first)
    assert code == 0, err.decode()


def recorded_jobs(db: Path) -> int:
    """How many jobs the log at `db` holds (0 while it is not there yet)."""
    try:
        with EventLog(db, read_only=True) as log:
            return len(log.jobs())
    except EventLogError:
        return 0


async def test_a_job_killed_before_its_plan_does_not_block_its_selection(slow: Setup) -> None:
    first = await start_commit(slow)
    with trio.fail_after(60):
        # Polling another process's log: there is no event to wait on. The job is recorded once its schema
        # and the workspace's mark are read; its preload then takes seconds, at 500 ms a request.
        while not await trio.to_thread.run_sync(lambda: recorded_jobs(slow.db)):  # noqa: ASYNC110
            await trio.sleep(0.005)
    first.kill()
    await finish(first)
    job = json.loads((await slow.paydesk("jobs", "--json")).stdout)[0]
    assert not job["plan_steps"], "killed after the plan was stored; the test needs an earlier kill"
    resumed = await slow.paydesk("resume", job["job_id"])
    again = await slow.paydesk(*COMMIT, "--json")
    assert resumed.returncode == 1 and resumed.stderr.count(b"\n") == 1, resumed.stderr.decode()
    assert again.returncode == 0, again.stderr.decode()

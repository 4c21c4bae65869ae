"""A running job polls its log for cancel requests every second. Found by the soak (10,000 entries, the
console and a progress reader open on the log): one poll's read-only open was refused ("…log.sqlite is not
a paydesk event log (truncated: 13377536 bytes where SQLite expects 13508608)"), because the header check
read the file while the writer's checkpoint was growing it, and the refusal escaped the watcher and stopped
the job (interrupted, `paydesk run` exited 1). A poll that cannot open the log is now skipped: the job goes
on, and a cancel requested later is still noticed. The header check's race itself was in eventlog: the
last test reproduces it deterministically (a log caught mid-checkpoint now opens)."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import trio

from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.run.jobs import run_job
from engine.run.runtime import Runtime
from eventlog import DamagedLog, EventLog, JobCreated
from tests.engine.helpers import (
    commit_params,
    open_local_notion,
    open_local_runtime,
    request_cancel,
    seed_local_demo,
)


def refuse_polls(rt: Runtime, db: Path, refused: range) -> list[int]:
    """Make the runtime's log reads number `refused` (counted from 1) fail as the racing header check did;
    returns the list that counts the reads."""
    real = rt.read_log
    calls: list[int] = []

    async def flaky(query: Callable[[EventLog], Any]) -> Any:
        calls.append(len(calls) + 1)
        if len(calls) in refused:
            raise DamagedLog(db, "truncated: 13377536 bytes where SQLite expects 13508608")
        return await real(query)

    rt.read_log = flaky  # type: ignore[method-assign]
    return calls


@pytest.mark.trio
async def test_a_poll_that_cannot_open_the_log_does_not_stop_the_job(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    async with open_local_notion(tmp_path) as notion:
        _, config = await seed_local_demo(notion)
        slow = replace(config, notion=replace(config.notion, rate=2.0, burst=1))  # lasts several polls
        db = tmp_path / "log.sqlite"
        async with open_local_runtime(notion, slow, db) as rt:
            # read 1 checks for interrupted jobs, read 2 is the log's identity (the workspace's owner); then
            # the watcher
            calls = refuse_polls(rt, db, range(3, 6))
            params = commit_params(15)
            report = await run_job(rt, commit_spec(params), commit_planner(params))
    assert report.status == "completed"
    assert len(calls) >= 7, "the watcher polled on after the refused reads"


@pytest.mark.trio
async def test_a_cancel_requested_after_refused_polls_is_still_noticed(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    """Read 1 checks for interrupted jobs, read 2 is the log's identity, polls 3 and 4 are refused, poll 5 is
    the baseline, and the cancel is recorded just before poll 6. Writes after the first wait for poll 6, so
    the job has work left whatever the machine's speed (under the autojump clock, time runs on while a
    poll's thread reads the log)."""
    async with open_local_notion(tmp_path) as notion:
        _, config = await seed_local_demo(notion)
        db = tmp_path / "log.sqlite"
        async with open_local_runtime(notion, config, db) as rt:
            calls = refuse_polls(rt, db, range(3, 5))
            refusing = rt.read_log
            fifth_poll = trio.Event()

            async def cancelling(query: Callable[[EventLog], Any]) -> Any:
                if len(calls) == 5:  # this is poll 6: the cancel is requested after the baseline
                    with EventLog(db, read_only=True) as log:
                        (job,) = log.jobs()
                    await request_cancel(db, job.job_id)
                    try:
                        return await refusing(query)
                    finally:
                        fifth_poll.set()
                return await refusing(query)

            rt.read_log = cancelling  # type: ignore[method-assign]
            real_update = rt.gateway.update_page
            writes = 0

            async def held_update(*args: Any, **kwargs: Any) -> Any:
                nonlocal writes
                writes += 1
                if writes > 1:
                    await fifth_poll.wait()
                return await real_update(*args, **kwargs)

            rt.gateway.update_page = held_update  # type: ignore[method-assign]
            params = commit_params(15)
            report = await run_job(rt, commit_spec(params), commit_planner(params))
    assert len(calls) >= 6
    assert report.status == "cancelled", "noticed after two refused polls and a baseline"
    statuses = {state.status for state in report.states.values()}
    assert "succeeded" in statuses and "cancelled" in statuses


def test_a_log_caught_in_the_middle_of_a_checkpoint_opens_read_only(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    with EventLog(db) as log:
        log.connection.execute("PRAGMA wal_autocheckpoint = 0")  # every page stays in the WAL
        for n in range(60):
            pad = {"pad": "x" * 3000}
            log.append(
                [JobCreated(job_id=f"j{n}", operator="x", kind="commit", params=pad, selection_key=f"s{n}")]
            )
        wal = Path(f"{db}-wal").read_bytes()
        page_size = struct.unpack(">I", wal[8:12])[0]
        page_one, frame = b"", 32
        while frame + 24 + page_size <= len(wal):  # the newest copy of page 1 in the WAL
            if struct.unpack(">I", wal[frame : frame + 4])[0] == 1:
                page_one = wal[frame + 24 : frame + 24 + page_size]
            frame += 24 + page_size
        assert struct.unpack(">I", page_one[28:32])[0] * page_size > db.stat().st_size
        # The checkpoint's first write: page 1, counting the grown database, before the pages that grow it.
        with db.open("r+b") as main:
            main.write(page_one)
        with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as plain:
            assert plain.execute("SELECT count(*) FROM jobs").fetchone() == (60,)  # SQLite reads it whole
        with EventLog(db, read_only=True) as reader:  # refused: "truncated: 4096 bytes where …"
            assert len(reader.jobs()) == 60

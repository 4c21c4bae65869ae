"""The guest engine's life inside the app: quitting mid-job records it interrupted, a crash exits with 1,
a read-only console opens no engine, and interrupted jobs are offered for resuming on the next start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label

from console.app import PaydeskApp
from console.screens.dialogs import ConfirmScreen, QuitScreen
from engine import steps_left
from engine.engine import Engine
from eventlog import EventLog
from tests.console.conftest import SIZE, ServedDemo, journal_has, showing, wait_until

pytestmark = pytest.mark.asyncio
PARAMS = {"month": "2026-01", "batch": 15, "today": "2026-01-16"}


def job_status(db: Path, job_id: str) -> str | None:
    with EventLog(db, read_only=True) as log:
        row = log.job(job_id)
        return None if row is None else row.status


async def start_commit_and_quit_mid_job(demo: ServedDemo) -> str:
    app = PaydeskApp(demo.settings())
    job_ids: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        app.send(
            lambda engine: engine.start("commit", PARAMS), "run commit", lambda a: job_ids.append(a.value)
        )
        await wait_until(pilot, lambda: bool(job_ids))

        def some_settled() -> bool:
            snap = app.snapshot
            job = snap.jobs.get(job_ids[0]) if snap else None
            return job is not None and job.settled_count >= 2

        await wait_until(pilot, some_settled)
        assert not app.snapshot.jobs[job_ids[0]].done  # type: ignore[union-attr]
        await pilot.press("ctrl+q")  # asked first: a job runs here
        await wait_until(pilot, lambda: showing(app, QuitScreen))
        assert job_ids[0] in str(app.screen.query_one("#body").render())
        await pilot.press("ctrl+q")  # pressed again: quit
    assert app.return_code == 0
    return job_ids[0]


async def test_quitting_mid_job_records_it_interrupted_and_exits_cleanly(slow_demo: ServedDemo) -> None:
    job_id = await start_commit_and_quit_mid_job(slow_demo)
    assert job_status(slow_demo.db_path, job_id) == "interrupted"


async def test_quit_asked_while_a_job_runs_changing_ones_mind_keeps_it_running(slow_demo: ServedDemo) -> None:
    """Found walking the demo: ctrl+q in the middle of a payroll run left at once, the job interrupted with
    no question. Now it asks while a job runs here; escape keeps the console and the job going; confirming
    quits, the job recorded as interrupted. With nothing running, ctrl+q leaves at once."""
    app = PaydeskApp(slow_demo.settings())
    job_ids: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        await pilot.press("ctrl+q")  # nothing runs yet: nothing to ask about
        await pilot.pause()
        assert not showing(app, QuitScreen)
        assert app.return_code == 0  # exiting
    app = PaydeskApp(slow_demo.settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        app.send(
            lambda engine: engine.start("commit", PARAMS), "run commit", lambda a: job_ids.append(a.value)
        )
        await wait_until(pilot, lambda: bool(job_ids))

        def settled() -> int:
            job = app.snapshot.jobs.get(job_ids[0]) if app.snapshot else None
            return 0 if job is None else job.settled_count

        await wait_until(pilot, lambda: settled() >= 1)
        workers = app.screen.query_one("#workers", Label)  # the status bar: what the job's requests do
        await wait_until(pilot, lambda: "queued · 1 job running" in str(workers.render()))
        assert " sent, " in str(workers.render())
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: showing(app, QuitScreen))
        await pilot.press("escape")  # changed my mind
        await wait_until(pilot, lambda: not showing(app, QuitScreen))
        assert app.return_code is None  # still running
        before = settled()
        await wait_until(pilot, lambda: settled() > before)  # and so is the job
        assert job_status(slow_demo.db_path, job_ids[0]) == "running"
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: showing(app, QuitScreen))
        await pilot.press("ctrl+y")  # the dialog's confirm key
    assert app.return_code == 0
    assert job_status(slow_demo.db_path, job_ids[0]) == "interrupted"


async def test_the_next_start_offers_to_resume_interrupted_jobs_and_resumes_them(
    slow_demo: ServedDemo,
) -> None:
    job_id = await start_commit_and_quit_mid_job(slow_demo)
    app = PaydeskApp(slow_demo.settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        body = str(app.screen.query_one("#body").render())
        with EventLog(slow_demo.db_path, read_only=True) as log:
            row = log.job(job_id)
        assert row is not None and row.status == "interrupted"
        left = steps_left(row)  # what a resume takes up, as the resume dialog and the engine count it
        assert left > 0 and f"{job_id}  ({left} steps left)" in body
        await pilot.press("ctrl+y")  # the dialog's confirm key: a click can land before it is laid out
        await wait_until(pilot, lambda: journal_has(app, f"sent resume {job_id}"))
        # The resumed job runs against a deliberately slow sandbox: give a loaded machine room.
        await wait_until(pilot, lambda: job_status(slow_demo.db_path, job_id) == "completed", limit_s=120)


@asynccontextmanager
async def exploding_engine(*args: Any, **kwargs: Any) -> AsyncIterator[Engine]:
    raise RuntimeError("the engine blew up")
    yield  # pragma: no cover


async def test_an_engine_crash_exits_the_app_with_code_1_and_a_readable_message(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(), opener=exploding_engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: not app.is_running or app.return_code is not None)
    assert app.return_code == 1
    assert any("the engine blew up" in line for line in app.journal)


async def test_a_read_only_console_opens_no_engine_and_refuses_writes(demo: ServedDemo) -> None:
    EventLog(demo.db_path).close()  # an empty log to look at
    app = PaydeskApp(demo.settings(read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.host is None
        await pilot.press("n")
        assert type(app.screen).__name__ == "JobsScreen"
        assert not app.send(lambda engine: engine.start("commit", PARAMS), "run commit")
    assert app.journal == []


async def test_requests_per_second_are_never_shown_above_the_limit_a_burst_counted_in() -> None:
    from console.hosting import _RateMeter

    meter = _RateMeter()
    rate, burst = 3.0, 3
    taken, tokens, now = 0, float(burst), 0.0
    for tick in range(200):  # 20 s at 0.1 s: a burst, the steady rate, then 5 s idle
        now = tick / 10
        tokens = min(float(burst), tokens + rate / 10)
        busy = now < 15
        while busy and tokens >= 1:
            tokens -= 1
            taken += 1
        meter.sample(taken, now, rate)
    shown = list(meter.history)
    assert max(shown) <= rate
    assert shown[5:14] == [rate] * 9  # the steady rate reads as the limit
    assert shown[-1] == 0.0  # idle reads as nothing


async def test_requests_per_second_count_what_was_sent() -> None:
    from console.hosting import _RateMeter

    meter = _RateMeter()
    for tick in range(100):
        meter.sample(tick // 10, tick / 10, 3.0)  # one request a second
    assert all(abs(value - 1.0) < 0.2 for value in list(meter.history)[3:])

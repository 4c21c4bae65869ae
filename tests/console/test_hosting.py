"""The guest engine's life inside the app: quitting mid-job records it interrupted, a crash exits with 1,
a read-only console opens no engine, and interrupted jobs are offered for resuming on the next start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from console.app import PaydeskApp
from console.screens.dialogs import ConfirmScreen
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
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    return job_ids[0]


async def test_quitting_mid_job_records_it_interrupted_and_exits_cleanly(slow_demo: ServedDemo) -> None:
    job_id = await start_commit_and_quit_mid_job(slow_demo)
    assert job_status(slow_demo.db_path, job_id) == "interrupted"


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

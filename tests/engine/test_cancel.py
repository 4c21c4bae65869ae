"""Cancelling a running commit: cooperative and clean, then finished by `resume_job`.

A job stops when its cancel event is set, or when `paydesk cancel` records `JobCancelRequested` in the log
(the running job polls it). Writes already sent finish and stay; the steps not started are cancelled; the
job ends "cancelled"; resuming it ends with the workspace an uninterrupted run leaves.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import trio

from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.run.jobs import CANCEL_POLL_S, JobRefused, run_job
from engine.run.recovery import resume_job
from engine.run.report import JobReport, this_run, this_run_line
from engine.run.runtime import Runtime, open_runtime
from engine.workspace.config import Config
from eventlog import EventLog
from tests.engine.conftest import BINDING_WRITE, Demo
from tests.engine.helpers import (
    PATIENT,
    TODAY,
    State,
    commit_params,
    expected_after,
    open_local_notion,
    open_local_runtime,
    request_cancel,
    seed_local_demo,
    workspace,
)

pytestmark = pytest.mark.trio


async def read_back(demo: Demo) -> dict[str, State]:
    return await workspace(demo.sandbox.base_url, demo.sandbox.token, demo.workspace.data_sources)


def slowed(config: Config, rate: float) -> Config:
    """The same workspace at `rate` requests per second, so that a run lasts long enough to be stopped."""
    return replace(config, notion=replace(config.notion, rate=rate, burst=1))


async def wait_for_writes(rt: Runtime, count: int) -> None:
    while rt.gateway.totals.writes < count:  # noqa: ASYNC110 (the gateway has no event to wait on)
        await trio.sleep(0.005)


async def commit_until(rt: Runtime, writes: int, stop: trio.Event | None = None) -> JobReport:
    """Run the batch-1 commit; once `writes` writes were sent, set `stop` (if given). Returns the report."""
    params = commit_params(1)
    reports: list[JobReport] = []

    async def run() -> None:
        reports.append(await run_job(rt, commit_spec(params), commit_planner(params), cancel=stop))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run)
        await wait_for_writes(rt, writes)
        if stop is not None:
            stop.set()
    return reports[0]


def assert_stopped_cleanly(report: JobReport, before: dict[str, State], now: dict[str, State]) -> None:
    statuses = {key: state.status for key, state in report.states.items()}
    assert report.status == "cancelled"
    assert set(statuses.values()) <= {"succeeded", "skipped", "cancelled"}, "nothing failed or in doubt"
    assert "succeeded" in statuses.values() and "cancelled" in statuses.values()
    for step in report.plan.steps if report.plan else ():
        status = statuses[step.key]
        if status == "succeeded":
            assert now[step.target][0] == "Paid", "what was written stays"
        elif status == "cancelled":
            assert now[step.target] == before[step.target], "what was not started is untouched"
    for item in report.items:  # a payable is never Paid while something below it is not
        if statuses[item.steps[-1].key] == "succeeded":
            assert all(statuses[s.key] in {"succeeded", "skipped"} for s in item.steps)


async def test_setting_the_cancel_event_stops_the_job_cleanly_and_resume_finishes_it(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    before = await read_back(demo)
    async with open_runtime(slowed(demo.config, 100.0), db, operator="test", policy=PATIENT) as rt:
        report = await commit_until(rt, writes=8, stop=trio.Event())
    assert_stopped_cleanly(report, before, await read_back(demo))
    with EventLog(db, read_only=True) as log:
        job = log.job(report.job_id)
        assert job is not None and job.status == "cancelled" and job.steps_cancelled > 0

    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        resumed = await resume_job(rt, report.job_id)
    assert resumed.status == "completed"
    assert report.plan is not None
    assert await read_back(demo) == expected_after(before, [report.plan], TODAY)
    # what the resume did, told apart from the stopped run (whose own report is a first run's: no share)
    done_first = sum(1 for item in report.items if report.item_status(item) in ("succeeded", "skipped"))
    assert this_run(report) is None and 0 < done_first < len(report.items)
    rest = len(report.items) - done_first
    assert this_run(resumed) == {"items_done": rest, "items_done_before": done_first}
    assert this_run_line(resumed) == (
        f"this run: {rest} of the job's {len(report.items)} items reached their "
        f"target; its earlier runs had done {done_first}"
    )


async def commit_cancelled_through_the_log(demo: Demo, db: Path) -> JobReport:
    async with open_runtime(slowed(demo.config, 25.0), db, operator="test", policy=PATIENT) as rt:
        params = commit_params(1)
        reports: list[JobReport] = []

        async def run() -> None:
            reports.append(await run_job(rt, commit_spec(params), commit_planner(params)))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(run)
            await wait_for_writes(rt, 3)
            with EventLog(db, read_only=True) as log:
                (job,) = log.jobs()
            await request_cancel(db, job.job_id)
            asked = trio.current_time()
        assert trio.current_time() - asked < CANCEL_POLL_S + 1.0, "noticed at the next poll"
    return reports[0]


async def test_a_cancel_recorded_in_the_log_stops_the_running_job_at_its_next_poll(
    demo: Demo, tmp_path: Path
) -> None:
    before = await read_back(demo)
    report = await commit_cancelled_through_the_log(demo, tmp_path / "log.sqlite")
    assert_stopped_cleanly(report, before, await read_back(demo))


async def test_resuming_a_job_cancelled_through_the_log_finishes_it(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    before = await read_back(demo)
    report = await commit_cancelled_through_the_log(demo, db)
    assert report.status == "cancelled" and report.plan is not None
    # At 25 requests per second the rest of the job lasts longer than one cancel poll.
    async with open_runtime(slowed(demo.config, 25.0), db, operator="test", policy=PATIENT) as rt:
        resumed = await resume_job(rt, report.job_id)
    assert resumed.status == "completed"
    assert await read_back(demo) == expected_after(before, [report.plan], TODAY)


async def test_a_resume_that_read_the_job_before_another_resume_finished_it_is_refused(
    demo: Demo, tmp_path: Path
) -> None:
    """Two machines resume one job at once: the second reads the job, the first finishes it and lets its
    lock go, then the second takes the lock. It must go by the log as it is once it holds the lock (the job
    is completed), not by what it read before: it is refused, and the job has one resume."""
    db = tmp_path / "log.sqlite"
    async with open_runtime(slowed(demo.config, 100.0), db, operator="test", policy=PATIENT) as rt:
        report = await commit_until(rt, writes=8, stop=trio.Event())
    assert report.status == "cancelled"
    first_done: list[JobReport] = []
    async with (
        open_runtime(demo.config, db, operator="first", policy=PATIENT) as first,
        open_runtime(demo.config, db, operator="second", policy=PATIENT) as second,
    ):
        read_log = second.read_log

        async def read_then_lose_the_race(query: Any) -> Any:
            found = await read_log(query)
            if not first_done:  # between the second's read and its lock, the first runs the job to its end
                first_done.append(await resume_job(first, report.job_id))
            return found

        second.read_log = read_then_lose_the_race  # type: ignore[method-assign]
        with pytest.raises(JobRefused, match="is completed: nothing to resume"):
            await resume_job(second, report.job_id)
    assert first_done[0].status == "completed"
    with EventLog(db, read_only=True) as log:
        resumes = [r.operator for r in log.records_of_job(report.job_id, ["job.resumed"])]
        job = log.job(report.job_id)
    assert resumes == ["first"]
    assert job is not None and job.status == "completed"


# ---- a long throttle is not a cancellation ------------------------------------------------------------


async def test_a_write_throttled_longer_than_the_cancel_grace_still_succeeds(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    async with open_local_notion(tmp_path) as notion:
        _, config = await seed_local_demo(notion)
        db = tmp_path / "log.sqlite"
        async with open_local_runtime(notion, config, db) as rt:
            params = commit_params(15)
            preview = await run_job(rt, commit_spec(params), commit_planner(params), dry_run=True)
        payout = next(s for s in preview.items[0].steps if s.logical == "payouts" and s.before != "Paid")
        # Notion answers 429 (Retry-After: 1) twenty times in a row: about 20 s, well within the policy's
        # 50 throttles per request.
        await notion.admin.faults(targeted=[{"page_id": payout.target, "status": 429, "count": 20}])
        async with open_local_runtime(notion, config, db) as rt:
            report = await resume_job(rt, preview.job_id)
        assert report.states[payout.key].status == "succeeded"
        assert report.status == "completed"
        assert notion.status_of(payout.target) == "Paid"


@pytest.mark.parametrize("stop", ["quit", "bug"])
async def test_a_job_stopped_before_its_plan_is_cancelled_when_the_operator_stopped_it(
    demo: Demo, tmp_path: Path, stop: str
) -> None:
    """Quitting (or Ctrl-C) while a job preloads: nothing to resume, and nothing went wrong either — the job
    is listed cancelled, not failed (which read as trouble, and called people through the webhook). A
    planner that breaks is still failed. Neither can be resumed."""
    db = tmp_path / "log.sqlite"
    params = commit_params(1)
    planner = commit_planner(params)

    async def stopped_planning(loader: Any) -> Any:
        await loader.gateway.query_all(demo.workspace.data_sources["payables"], None, loader.counters)
        if stop == "bug":
            raise RuntimeError("a planner's bug")
        scope.cancel()
        await trio.sleep_forever()
        return await planner(loader)  # pragma: no cover

    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        with trio.CancelScope() as scope:
            try:
                await run_job(rt, commit_spec(params), stopped_planning)
            except RuntimeError:
                assert stop == "bug"
        with EventLog(db, read_only=True) as log:
            (job,) = log.jobs()
        assert (job.status, job.error) == (
            "cancelled" if stop == "quit" else "failed",
            "stopped before its plan was stored; start it again",
        )
        with pytest.raises(JobRefused, match=f"never got a plan \\({job.status}\\); start a new job instead"):
            await resume_job(rt, job.job_id)


async def test_a_cancel_asked_while_the_job_plans_stops_it_before_any_write(
    demo: Demo, tmp_path: Path
) -> None:
    """Found walking: `paydesk cancel` on a job still preloading said "asked job … to stop", and the job
    then wrote everything it planned — the cancel was counted as one from an earlier run. It now stops
    before its first write, its plan kept: cancelled, and a resume (whose own run starts after that cancel)
    finishes it."""
    db = tmp_path / "log.sqlite"
    before = await read_back(demo)
    params = commit_params(1)
    planner = commit_planner(params)

    async def cancelled_while_planning(loader: Any) -> Any:
        plan = await planner(loader)
        with EventLog(db, read_only=True) as log:
            (job,) = log.jobs()
        await request_cancel(db, job.job_id)
        return plan

    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        report = await run_job(rt, commit_spec(params), cancelled_while_planning)
        assert report.status == "cancelled" and report.plan is not None and report.plan.steps
        assert rt.gateway.totals.writes == BINDING_WRITE, "nothing but the workspace's mark was written"
        assert {state.status for state in report.states.values()} == {"cancelled"}
        assert await read_back(demo) == before
        resumed = await resume_job(rt, report.job_id)
    assert resumed.status == "completed"
    assert await read_back(demo) == expected_after(before, [report.plan], TODAY)

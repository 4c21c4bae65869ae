"""A job run by another paydesk process (the command line, cron) on the same SQLite log is followed by the
Job and Item screens showing it.

Found walking the demo: with `paydesk resume JOB` running in one terminal and the console open on the job in
another, the Jobs screen moved on to 100 % but the Job screen stayed at "running, 110 of 156 steps" after the
job had completed: only the console's own engine (and a team's log) told it of changes; nobody tells a
console of another process's commits to a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from console.screens.item import ItemScreen
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from eventlog import (
    Event,
    EventLog,
    ItemPlanned,
    JobCreated,
    JobFinished,
    JobPlanned,
    JobStarted,
    StepPlanned,
    StepStarted,
    StepSucceeded,
)
from tests.console.conftest import SIZE, showing, wait_until
from tests.console.test_snapshots import console

pytestmark = pytest.mark.asyncio

OP = "ops@example.com"
JOB = "commit-cron"
ITEMS = [f"payable-{n}" for n in range(3)]


def _step(item: str) -> str:
    return f"payouts:{item}:Status=Paid"


def _planned() -> list[Event]:
    events: list[Event] = [
        JobCreated(job_id=JOB, operator=OP, kind="commit", params={"month": "2026-01"}, selection_key="s")
    ]
    for n, item in enumerate(ITEMS):
        events += [
            ItemPlanned(job_id=JOB, operator=OP, item_key=item, label=f"INV-{n}", kind="payable", data={}),
            StepPlanned(
                job_id=JOB,
                operator=OP,
                item_key=item,
                step_key=_step(item),
                kind="set",
                target=item,
                property="Status",
                before="Pending",
                after="Paid",
                depends_on=[],
                data_source="payouts",
                label=f"payout of INV-{n}",
            ),
        ]
    events += [
        JobPlanned(job_id=JOB, operator=OP, items=3, steps=3, totals={}, estimate={}),
        JobStarted(job_id=JOB, operator=OP, workers=2),
    ]
    return events


def _paid(item: str) -> list[Event]:
    key = _step(item)
    return [
        StepStarted(job_id=JOB, operator=OP, item_key=item, step_key=key, attempt=1),
        StepSucceeded(job_id=JOB, operator=OP, item_key=item, step_key=key, value="Paid", request_id="r"),
    ]


def _summary(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return str(screen.query_one("#summary", Static).render())


async def test_the_job_and_item_screens_follow_a_job_another_process_runs(tmp_path: Path) -> None:
    path = tmp_path / "paydesk.sqlite"
    with EventLog(path) as log:
        log.append(_planned())
    app = console(path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot, lambda: showing(app, JobsScreen) and app.screen.query_one(DataTable).row_count == 1
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen) and "status running" in _summary(app))
        assert "0 succeeded" in _summary(app)

        with EventLog(path) as other:  # another process, its own connection to the file
            other.append(_paid(ITEMS[0]))
        await wait_until(pilot, lambda: "items 3: 1 succeeded" in _summary(app), limit_s=15)

        await pilot.press("enter")  # the first item's own screen
        await wait_until(pilot, lambda: showing(app, ItemScreen))
        timeline = app.screen.query_one("#timeline", DataTable)
        await wait_until(pilot, lambda: timeline.row_count > 0)
        before = timeline.row_count
        with EventLog(path) as other:
            other.append(
                [StepStarted(job_id=JOB, operator=OP, item_key=ITEMS[0], step_key=_step(ITEMS[0]), attempt=2)]
            )
        await wait_until(pilot, lambda: timeline.row_count == before + 1, limit_s=15)

        await pilot.press("escape")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        with EventLog(path) as other:
            other.append(_paid(ITEMS[0])[1:])  # its second attempt succeeded
            for item in ITEMS[1:]:
                other.append(_paid(item))
            other.append([JobFinished(job_id=JOB, operator=OP, status="completed", error=None)])
        await wait_until(pilot, lambda: "status completed" in _summary(app), limit_s=15)
        assert "items 3: 3 succeeded" in _summary(app)


async def test_a_plan_an_overlapping_run_outdated_is_refused_before_any_confirmation(tmp_path: Path) -> None:
    """Found walking the demo: two dry runs of batch 15, the first executed from the command line, then the
    second opened in the console: ctrl+e asked "Resume … 156 steps left, moving USD 32,399.00 + VND …", and
    only once confirmed said the plan was out of date. The engine refuses such a plan before writing
    anything; the console now says so at once, with the engine's reason, instead of asking."""
    path = tmp_path / "paydesk.sqlite"
    stale, ran = "commit-plan", "commit-ran"
    with EventLog(path) as log:
        log.append(
            [
                JobCreated(
                    job_id=stale, operator=OP, kind="commit", params={"batch": 15}, selection_key="b15"
                ),
                JobPlanned(job_id=stale, operator=OP, items=3, steps=3, totals={}, estimate={}),
            ]
        )
        log.append(  # another run on the same selection, after that plan was made
            [
                JobCreated(job_id=ran, operator=OP, kind="commit", params={"batch": 15}, selection_key="b15"),
                JobPlanned(job_id=ran, operator=OP, items=3, steps=3, totals={}, estimate={}),
                JobStarted(job_id=ran, operator=OP, workers=2),
                JobFinished(job_id=ran, operator=OP, status="completed", error=None),
            ]
        )
    app = console(path, read_only=False)  # no config: the engine does not start, nothing moves
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: showing(app, JobsScreen) and table.row_count == 2)
        table.move_cursor(row=[str(key.value) for key in table.rows].index(stale))
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen) and app.screen.job is not None)
        await pilot.press("ctrl+e")
        notes = lambda: [note.message for note in app._notifications]  # noqa: E731
        await wait_until(pilot, lambda: any("refused" in note for note in notes()))
        (note,) = [note for note in notes() if "refused" in note]
        assert f"job {ran}" in note and "overlapping selection" in note and f"discard {stale}" in note
        assert showing(app, JobScreen)  # no confirmation asked

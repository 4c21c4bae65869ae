"""ctrl+e on the Jobs list says what it will do: a dry run's plan is executed (the same words as New job's
confirmation), a job that stopped half-way is resumed.

Found walking the demo: a dry run planned from the command line and executed from the console's Jobs list
asked "Resume job? … Steps in doubt are re-read first": a plan nobody ran has no step in doubt, and the
dialog did not say that the plan is not made again, nor that what changed in Notion since is read first.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Label

from console.screens.dialogs import STORED_PLAN_RUNS, ConfirmScreen
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
    StepSucceeded,
)
from tests.console.conftest import SIZE, showing, wait_until
from tests.console.test_snapshots import console

pytestmark = pytest.mark.asyncio
OP = "ops@example.com"


def planned(job: str, selection: str) -> list[Event]:
    events: list[Event] = [
        JobCreated(job_id=job, operator=OP, kind="commit", params={"batch": 15}, selection_key=selection)
    ]
    for n in range(2):
        item = f"{job}-item-{n}"
        events.append(
            ItemPlanned(job_id=job, operator=OP, item_key=item, label=f"INV-{n}", kind="payable", data={})
        )
        events.append(
            StepPlanned(
                job_id=job,
                operator=OP,
                item_key=item,
                step_key=f"{item}:Status=Paid",
                kind="set",
                target=item,
                property="Status",
                before="Open",
                after="Paid",
            )
        )
    events.append(
        JobPlanned(job_id=job, operator=OP, items=2, steps=2, totals={"USD": "250.00"}, estimate={})
    )
    return events


async def dialog_for(path: Path, job: str) -> tuple[str, str]:
    """The title and body of the dialog ctrl+e opens on `job`'s row of the Jobs list."""
    app = console(path, read_only=False)  # no configuration: no engine starts, nothing is sent
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: showing(app, JobsScreen) and table.row_count == 2)
        table.move_cursor(row=[str(key.value) for key in table.rows].index(job))
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        title = str(app.screen.query_one(".title", Label).render())
        body = str(app.screen.query_one("#body").render())
        await pilot.press("escape")  # nothing is executed
        await wait_until(pilot, lambda: showing(app, JobsScreen))
    return title, body


async def test_a_dry_run_is_executed_and_a_stopped_job_resumed_each_said_as_such(tmp_path: Path) -> None:
    path = tmp_path / "paydesk.sqlite"
    with EventLog(path) as log:
        log.append(planned("commit-dry", "b15"))
        stopped = planned("commit-stopped", "b16")
        log.append([*stopped, JobStarted(job_id="commit-stopped", operator=OP, workers=2)])
        log.append(
            [
                StepSucceeded(
                    job_id="commit-stopped",
                    operator=OP,
                    item_key="commit-stopped-item-0",
                    step_key="commit-stopped-item-0:Status=Paid",
                    value="Paid",
                )
            ]
        )

    title, body = await dialog_for(path, "commit-dry")
    assert title == "Execute this plan?"
    assert "Execute plan commit-dry: 2 writes, moving USD 250.00." in body
    assert " ".join(STORED_PLAN_RUNS.split()) in " ".join(body.split())
    assert "in doubt" not in body

    title, body = await dialog_for(path, "commit-stopped")
    assert title == "Resume job?"
    assert "Resume commit-stopped (interrupted): 1 steps left." in body
    assert "in doubt" in body and "not planned again" not in body


async def test_a_job_stopped_before_its_plan_is_refused_as_never_planned_not_as_stale(tmp_path: Path) -> None:
    """Found walking: ctrl+e on a job quit while it preloaded was refused as "the plan may be out of date",
    naming a job run since on its selection, as though it had a plan: it never got one."""
    path = tmp_path / "paydesk.sqlite"
    with EventLog(path) as log:
        log.append(
            [
                JobCreated(job_id="commit-quit", operator=OP, kind="commit", params={}, selection_key="b15"),
                JobFinished(
                    job_id="commit-quit",
                    operator=OP,
                    status="cancelled",
                    error="stopped before its plan was stored; start it again",
                ),
            ]
        )
        log.append(
            [*planned("commit-later", "b15"), JobStarted(job_id="commit-later", operator=OP, workers=2)]
        )
    app = console(path, read_only=False)  # no configuration: no engine starts, nothing is sent
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: showing(app, JobsScreen) and table.row_count == 2)
        table.move_cursor(row=[str(key.value) for key in table.rows].index("commit-quit"))
        await pilot.press("ctrl+e")
        refused = "refused: job commit-quit never got a plan (cancelled); start a new job instead"
        await wait_until(pilot, lambda: any(n.message == refused for n in app._notifications))
        assert showing(app, JobsScreen), "no dialog: there is nothing to resume"


@pytest.mark.parametrize("count", [1, 2])
async def test_jobs_stopped_in_an_earlier_run_are_offered_for_resuming_in_plain_words(
    tmp_path: Path, count: int
) -> None:
    """The console opens offering to resume what an earlier run left half-way, counted in words ("1 job …
    Resume it now?", not "1 job(s) … Resume them now?")."""
    path = tmp_path / "paydesk.sqlite"
    with EventLog(path) as log:
        for n in range(count):
            job = f"commit-{n}"
            log.append([*planned(job, f"b{n}"), JobStarted(job_id=job, operator=OP, workers=2)])
    app = console(path, read_only=False)
    app.settings = dataclasses.replace(app.settings, offer_resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        body = " ".join(str(app.screen.query_one("#body").render()).split())
        button = str(app.screen.query_one("#yes", Button).label)
        await pilot.press("escape")  # nothing is resumed
    if count == 1:
        assert body.startswith("1 job stopped half-way in an earlier run:")
        assert body.endswith("Resume it now?")
        assert button == "Resume 1 job"
    else:
        assert body.startswith("2 jobs stopped half-way") and body.endswith("Resume them now?")
        assert button == "Resume 2 jobs"

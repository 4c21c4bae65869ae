"""The console drives the engine it hosts: plan a commit, read the plan, confirm it, watch it finish."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Static, Tree

from console.app import PaydeskApp
from console.screens.dialogs import ConfirmScreen
from console.screens.item import ItemScreen
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from console.screens.new_job import NewJobScreen
from console.widgets.tables import row_text
from eventlog import EventLog
from tests.console.conftest import SIZE, ServedDemo, journal_has, showing, wait_until

pytestmark = pytest.mark.asyncio


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_a_planned_commit_is_confirmed_and_executes_exactly_its_plan(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("n")
        assert isinstance(app.screen, NewJobScreen)
        await pilot.click("#plan")
        screen = app.screen
        await wait_until(pilot, lambda: not screen.query_one("#execute", Button).disabled)
        assert journal_has(app, "sent plan commit 2026-01 batch 15")
        plan = text_of(screen.query_one("#plan-text", Static))
        assert "writes by type" in plan and "money moved" in plan and "estimated" in plan
        assert screen.plan is not None
        job_id = screen.plan.job_id

        await pilot.click("#execute")
        assert isinstance(app.screen, ConfirmScreen)
        body = text_of(app.screen.query_one("#body", Static))
        assert f"{screen.plan.writes} writes" in body and "moving" in body
        # the stored plan runs, after a read of what changed since (the dialog once said nothing was read)
        assert "it is not planned again" in body and "What changed in Notion since it was made" in body
        await pilot.press("ctrl+y")  # the dialog's confirm key: a click can land before it is laid out
        await wait_until(pilot, lambda: showing(app, JobScreen))
        assert journal_has(app, f"sent execute {job_id}")

        def finished() -> bool:
            with EventLog(demo.db_path, read_only=True) as log:
                row = log.job(job_id)
                return row is not None and row.status == "completed"

        await wait_until(pilot, finished)
    with EventLog(demo.db_path, read_only=True) as log:
        row = log.job(job_id)
        assert row is not None
        assert row.items_succeeded == screen.plan.items and row.steps_failed == 0
        assert row.resumes == 1  # the dry run's stored plan ran: no second plan


async def test_jobs_open_into_items_with_their_cascade_and_items_into_their_timeline(
    demo: ServedDemo,
) -> None:
    app = PaydeskApp(demo.settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        params = {"month": "2026-01", "batch": 15, "today": "2026-01-16"}
        app.send(lambda engine: engine.start("commit", params), "run commit")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: any(r.status == "completed" for r in jobs.rows))
        await pilot.press("slash", *"commit", "enter")
        table = jobs.query_one("#jobs", DataTable)
        assert table.row_count == 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen))  # pushed once its rows are read
        job = app.screen
        assert isinstance(job, JobScreen)
        await wait_until(pilot, lambda: job.query_one("#items", DataTable).row_count > 0)
        tree = job.query_one("#cascade", Tree)
        await wait_until(pilot, lambda: len(tree.root.children) > 0)
        root = tree.root.children[0]
        assert "[payables] succeeded" in str(root.label)
        assert any("[payouts]" in str(child.label) for child in root.children)
        await pilot.press("f", "f", "f")  # all -> failed -> blocked -> succeeded
        assert job.outcome == "succeeded"
        await pilot.press("enter")
        item = app.screen
        assert isinstance(item, ItemScreen)
        timeline = item.query_one("#timeline", DataTable)
        await wait_until(pilot, lambda: timeline.row_count > 0)
        events = [row_text(timeline, i)[2] for i in range(timeline.row_count)]
        assert "preload.completed" in events and "step.started" in events and "step.succeeded" in events
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, JobsScreen)


async def test_a_plan_the_operator_changed_their_mind_about_is_discarded(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        await pilot.press("n")
        await pilot.click("#plan")
        screen = app.screen
        assert isinstance(screen, NewJobScreen)
        await wait_until(pilot, lambda: not screen.query_one("#execute", Button).disabled)
        assert screen.plan is not None
        job_id = screen.plan.job_id
        await pilot.press("escape")
        await wait_until(pilot, lambda: showing(app, JobsScreen))
        jobs = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: any(job_id in row_text(jobs, i)[0] for i in range(jobs.row_count)))
        row = next(i for i in range(jobs.row_count) if job_id in row_text(jobs, i)[0])
        jobs.move_cursor(row=row)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        assert "can no longer be executed" in text_of(app.screen.query_one("#body", Static))
        await pilot.press("ctrl+y")

        def discarded() -> bool:
            with EventLog(demo.db_path, read_only=True) as log:
                found = log.job(job_id)
                return found is not None and found.status == "discarded"

        await wait_until(pilot, discarded)
        await wait_until(pilot, lambda: any("discarded" in row_text(jobs, i) for i in range(jobs.row_count)))

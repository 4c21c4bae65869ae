"""Time travel on the Job screen: the operator steps a finished job back through its events to before its
first write succeeded, sees the counts it had then, steps forward to its end, and returns to live."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from console.app import PaydeskApp
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from console.widgets.tables import row_text
from eventlog import EventLog
from tests.console.conftest import SIZE, ServedDemo, showing, wait_until

pytestmark = pytest.mark.asyncio
PARAMS = {"month": "2026-01", "batch": 15, "today": "2026-01-16"}


def text_of(screen: JobScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def statuses(screen: JobScreen) -> set[str]:
    table = screen.query_one("#items", DataTable)
    return {cell for row in range(table.row_count) for cell in row_text(table, row)}


async def test_stepping_a_job_back_before_its_first_success_and_forward_to_its_end(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        app.send(lambda engine: engine.start("commit", PARAMS), "run commit")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: any(r.status == "completed" for r in jobs.rows))
        job_id = next(r.job_id for r in jobs.rows if r.status == "completed")
        with EventLog(demo.db_path, read_only=True) as log:
            seqs = log.seqs_of_job(job_id)
            first_success = next(r.seq for r in log.records_of_job(job_id, ["step.succeeded"]))
            live = log.job(job_id)
        assert live is not None and live.steps_succeeded > 0
        count, before = len(seqs), seqs.index(first_success)  # the job's event just before, counted from 1

        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        screen = app.screen
        assert isinstance(screen, JobScreen)
        await wait_until(
            pilot, lambda: screen.job is not None and screen.query_one("#items", DataTable).row_count
        )
        assert "as of" not in text_of(screen, "#title") and screen.check_action("retry", ())

        await pilot.press("t")  # time travel starts at the job's last event: what live shows
        await wait_until(pilot, lambda: screen.moment is not None)
        assert screen.moment is not None and (screen.moment.index, screen.moment.count) == (count, count)
        assert f"as of event {count} of {count} (" in text_of(screen, "#title")
        assert screen.job == live
        assert not screen.check_action("retry", ())  # nothing is written from the past

        leaps, steps = divmod(count - before, 10)
        await pilot.press(*["{"] * leaps, *["["] * steps)
        await wait_until(pilot, lambda: screen.moment is not None and screen.moment.index == before)
        assert screen.moment is not None and screen.moment.seq == seqs[before - 1] < first_success
        summary = text_of(screen, "#summary")
        assert f"as of event {before} of {count} (" in text_of(screen, "#title")
        assert f"items {live.items_total}: 0 succeeded" in summary
        assert f"steps {screen.job.steps_skipped if screen.job else '?'} of " in summary
        assert "settled: 0 succeeded" in summary and ", 0 failed" in summary
        assert screen.job is not None and screen.job.status == "running" and screen.job.steps_succeeded == 0
        assert "succeeded" not in statuses(screen)

        await pilot.press("]")  # the first write succeeds
        await wait_until(pilot, lambda: screen.moment is not None and screen.moment.index == before + 1)
        assert screen.job is not None and screen.job.steps_succeeded == 1
        assert "settled: 1 succeeded" in text_of(screen, "#summary")

        await pilot.press(*["}"] * (count // 10 + 1))  # past the end stops at the last event
        await wait_until(pilot, lambda: screen.moment is not None and screen.moment.index == count)
        assert screen.job == live
        assert f"items {live.items_total}: {live.items_succeeded} succeeded" in text_of(screen, "#summary")

        await pilot.press("escape")  # leaves time travel, not the screen
        await wait_until(pilot, lambda: screen.moment is None)
        assert showing(app, JobScreen) and "as of" not in text_of(screen, "#title")
        assert screen.check_action("retry", ())

        await pilot.press("[", "[")  # from live, [ steps back from the job's last event at once
        await wait_until(pilot, lambda: screen.moment is not None and screen.moment.index == count - 2)
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.moment is None)
        assert screen.job == live

"""Opening a job draws one frame: the Job screen is pushed holding the rows read before, so the first frame
composed with it on top already shows the job's figures, its items and the first item's cascade (before,
an empty screen came first and its rows a frame later). The screen still follows the job as it runs, and
reads again a job that was unfinished when its rows were read.

"Frame" is what bench/console_frames.py times: the compositor's output handed to the terminal driver; each
frame's state is noted as it is handed over, nothing running in between."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static, Tree

from console.app import PaydeskApp
from console.screens.cascade_view import labelled
from console.screens.data import cascade
from console.screens.job import JobScreen, Opening
from console.screens.jobs import JobsScreen
from eventlog import EventLog
from tests.console.conftest import SIZE, ServedDemo, showing, wait_until
from tests.console.test_live_screens import JOURNEYS, summary_lines
from tests.console.test_snapshots import console

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Frame:
    job_screen: bool
    items: int
    summary: str
    cascade: int  # nodes under the cascade tree's root


class Frames:
    """What each frame showed of the Job screen on top (if it was), noted as the frame is handed over."""

    def __init__(self, app: PaydeskApp) -> None:
        self.seen: list[Frame] = []
        display = app._display

        def noted(screen: Any, renderable: Any) -> None:
            top = app.screen
            if isinstance(top, JobScreen) and top.is_mounted:
                self.seen.append(
                    Frame(
                        True,
                        top.query_one("#items", DataTable).row_count,
                        str(top.query_one("#summary", Static).render()),
                        len(top.query_one("#cascade", Tree).root.children),
                    )
                )
            elif isinstance(top, JobScreen):
                self.seen.append(Frame(True, 0, "", 0))
            display(screen, renderable)

        app._display = noted  # type: ignore[method-assign]

    def of_job_screen(self) -> list[Frame]:
        return [frame for frame in self.seen if frame.job_screen]


async def test_the_first_frame_of_an_opened_job_shows_its_rows_figures_and_cascade(log_db: Path) -> None:
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        frames = Frames(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        screen = app.screen
        assert isinstance(screen, JobScreen)
        await wait_until(pilot, lambda: len(frames.of_job_screen()) > 0)
        first = frames.of_job_screen()[0]
        with EventLog(log_db, read_only=True) as log:
            assert first.items == len(log.items(screen.job_id)) > 0  # every item of the job
        assert first.summary.startswith(f"{screen.job_id}  status completed_with_failures")
        assert first.cascade > 0  # the first item's steps, its cascade
        items = screen.query_one("#items", DataTable)
        assert items.cursor_row == 0 and items.has_focus


async def test_a_job_opened_from_rows_read_before_it_finished_is_read_again(log_db: Path) -> None:
    """The rows read before the push can be older than the screen: a job unfinished in them is read again
    once the screen shows (a read-only console hears of no engine), and shows as the log holds it."""
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: len(jobs.rows) == 3)
        job_id = jobs.rows[-1].job_id
        with EventLog(log_db, read_only=True) as log:
            row = log.job(job_id)
            items = log.items(job_id)
            steps = log.steps(job_id, items[0].item_key)
        assert row is not None and row.finished_at is not None
        running = replace(row, status="running", finished_at=None)
        stale = [replace(item, status="running") for item in items]
        app.push_screen(JobScreen(job_id, Opening((running, stale, 0, {}), steps, labelled(cascade(steps)))))
        await wait_until(pilot, lambda: showing(app, JobScreen))
        screen = app.screen
        assert isinstance(screen, JobScreen)
        assert summary_lines(screen)[0].startswith(f"{job_id}  status running")
        await wait_until(pilot, lambda: "status completed_with_failures" in summary_lines(screen)[0])
        assert screen.job == row


async def test_a_running_job_opens_with_its_rows_and_is_followed_to_its_end(slow_demo: ServedDemo) -> None:
    app = PaydeskApp(slow_demo.settings(offer_resume=False))
    ids: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        app.send(lambda e: e.start("commit", JOURNEYS["commit"]), "run commit", lambda a: ids.append(a.value))
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: any(r.job_id in ids and r.status == "running" for r in jobs.rows))
        frames = Frames(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        screen = app.screen
        assert isinstance(screen, JobScreen) and screen.job_id == ids[0]
        await wait_until(pilot, lambda: len(frames.of_job_screen()) > 0)
        first = frames.of_job_screen()[0]
        assert first.items > 0 and first.summary.startswith(f"{ids[0]}  status ")
        await wait_until(pilot, lambda: "status completed" in summary_lines(screen)[0], limit_s=120)
        with EventLog(slow_demo.db_path, read_only=True) as log:
            row = log.job(ids[0])
        assert row is not None
        await wait_until(pilot, lambda: f"{row.items_succeeded} succeeded" in summary_lines(screen)[1])
        assert app.screen is screen

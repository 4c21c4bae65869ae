"""The app keeps one Job screen and shows each job opened from the Jobs screen on it (composing one each time
was most of what opening a job cost beside a running job: bench/soak.py). A job opened again shows as on a
new screen: its own rows from its first frame, every outcome, nothing marked, the cursor on the first item;
a read made for the job shown before never lands on it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from eventlog import EventLog
from tests.console.conftest import SIZE, showing, wait_until
from tests.console.test_snapshots import console

pytestmark = pytest.mark.asyncio


def items_of(screen: JobScreen) -> list[str]:
    table = screen.query_one("#items", DataTable)
    return [str(key.value) for key in table.rows]


async def open_row(pilot: Pilot[Any], row: int) -> JobScreen:
    """From the Jobs screen (newest job first): the job on `row`, until its screen lists its items."""
    app = pilot.app
    jobs = app.screen.query_one("#jobs", DataTable)
    jobs.move_cursor(row=row)
    await pilot.press("enter")
    await wait_until(pilot, lambda: showing(app, JobScreen))
    screen = app.screen
    assert isinstance(screen, JobScreen)
    await wait_until(pilot, lambda: screen.query_one("#items", DataTable).row_count > 0)
    return screen


async def back(pilot: Pilot[Any]) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: showing(pilot.app, JobsScreen))


async def test_a_job_opened_again_is_shown_on_the_kept_screen_as_on_a_new_one(log_db: Path) -> None:
    app = console(log_db)
    composed: list[JobScreen] = []
    compose = JobScreen.compose

    def counted(self: JobScreen) -> Any:
        composed.append(self)
        return compose(self)

    JobScreen.compose = counted  # type: ignore[method-assign]
    try:
        async with app.run_test(size=SIZE) as pilot:
            jobs = app.screen.query_one("#jobs", DataTable)
            await wait_until(pilot, lambda: jobs.row_count == 3)
            first = await open_row(pilot, 0)
            first_job = first.job_id
            await pilot.press("down", "space", "f")  # the second item marked, the failed items only
            await wait_until(pilot, lambda: first.outcome == "failed")
            await back(pilot)

            second = await open_row(pilot, 1)
            assert second is first and len(composed) == 1  # the same screen, composed once
            assert second.job_id != first_job
            with EventLog(log_db, read_only=True) as log:
                expected = [item.item_key for item in log.items(second.job_id)]
            assert items_of(second) == expected  # the second job's items, every outcome
            assert second.outcome == "all" and second.marked == set()
            table = second.query_one("#items", DataTable)
            assert table.cursor_row == 0 and table.has_focus
            summary = str(second.query_one("#summary", Static).render())
            assert summary.startswith(f"{second.job_id}  status completed")
            assert str(second.query_one("#title", Static).render()) == f"Job {second.job_id}"
            await wait_until(pilot, lambda: second._cascade_shown is not None)
            assert second._cascade_shown is not None and second._cascade_shown[0] == expected[0]
    finally:
        JobScreen.compose = compose  # type: ignore[method-assign]


async def test_a_read_for_the_job_shown_before_never_lands_on_the_kept_screen(log_db: Path) -> None:
    """The kept screen reads the job it showed (a follow-up refresh) while the operator opens another: that
    read ends after the other job is shown, and is dropped."""
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        screen = await open_row(pilot, 0)
        first_job = screen.job_id
        await back(pilot)
        jobs.move_cursor(row=1)
        await pilot.pause()

        held = threading.Event()
        app.reader._executor.submit(held.wait, 30)  # the reader thread waits: reads queue up behind
        await pilot.press("enter")  # the second job's rows: read first
        await pilot.pause()
        screen.reload()  # then a refresh of the first job
        await pilot.pause()
        held.set()
        await wait_until(pilot, lambda: showing(app, JobScreen) and screen.job_id != first_job)
        await wait_until(pilot, lambda: not screen._loading)
        await pilot.pause(0.2)
        with EventLog(log_db, read_only=True) as log:
            expected = [item.item_key for item in log.items(screen.job_id)]
            row = log.job(screen.job_id)
        assert items_of(screen) == expected
        assert screen.job == row


def styles_applied_to(app: Any, screen: JobScreen) -> list[int]:
    """A counter of the style applications (`Stylesheet.apply`: a node's styles worked out again) to the
    nodes of `screen`, from now on."""
    stylesheet = app.stylesheet
    apply = stylesheet.apply
    applied = [0]

    def counted(node: Any, **kwargs: Any) -> None:
        if node is screen or screen in node.ancestors:
            applied[0] += 1
        apply(node, **kwargs)

    stylesheet.apply = counted
    return applied


async def test_a_job_opened_again_keeps_the_styles_of_the_kept_screen(log_db: Path) -> None:
    """Pushing the kept screen again works out no widget's styles again (Textual would restyle every one,
    and with them empty the items table's and the cascade tree's rendered lines), and the screen looks as
    it did when the same job was opened first."""
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        screen = await open_row(pilot, 0)
        await wait_until(pilot, lambda: screen._cascade_shown is not None)
        await pilot.pause(0.2)
        first_look = app.export_screenshot()
        applied = styles_applied_to(app, screen)

        await pilot.press("down", "up")
        await back(pilot)
        again = await open_row(pilot, 0)
        assert again is screen and applied[0] == 0
        await pilot.pause(0.2)
        assert app.export_screenshot() == first_look

        await back(pilot)
        other = await open_row(pilot, 1)  # another job on it: still no restyle, and its own rows
        await wait_until(pilot, lambda: other._cascade_shown is not None)
        assert other is screen and applied[0] == 0
        with EventLog(log_db, read_only=True) as log:
            assert items_of(other) == [item.item_key for item in log.items(other.job_id)]
            first = log.items(other.job_id)[0].item_key
        assert other._cascade_shown is not None and other._cascade_shown[0] == first


async def test_the_kept_screen_is_restyled_when_the_theme_changed_while_it_was_closed(log_db: Path) -> None:
    """Textual brings styles up to date only on the screens on the stack: a theme chosen while the kept
    screen is closed is applied to it as it opens again (as to a new screen)."""
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        screen = await open_row(pilot, 0)
        table = screen.query_one("#items", DataTable)
        dark = table.get_component_styles("datatable--header").background
        await back(pilot)
        app.theme = "textual-light"
        await pilot.pause(0.2)
        applied = styles_applied_to(app, screen)

        again = await open_row(pilot, 0)
        assert again is screen and applied[0] > 0
        light = table.get_component_styles("datatable--header").background
        assert light != dark
        assert light == jobs.get_component_styles("datatable--header").background  # as the Jobs table's


async def look_of_job(app: Any, pilot: Pilot[Any], row: int) -> str:
    screen = await open_row(pilot, row)
    await wait_until(pilot, lambda: screen._cascade_shown is not None)
    await pilot.pause(0.3)
    return str(app.export_screenshot())


async def test_a_job_opened_again_after_filters_and_time_travel_looks_as_when_new(log_db: Path) -> None:
    fresh = console(log_db)
    async with fresh.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: fresh.screen.query_one("#jobs", DataTable).row_count == 3)
        expected = await look_of_job(fresh, pilot, 0)

    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.screen.query_one("#jobs", DataTable).row_count == 3)
        screen = await open_row(pilot, 0)
        await pilot.press("f", "down", "t")  # a filter, the cursor moved, time travel
        await wait_until(pilot, lambda: screen.moment is not None)
        await pilot.press("[", "escape")  # an event back, then live again
        await wait_until(pilot, lambda: screen.moment is None and not screen._loading)
        await back(pilot)
        await open_row(pilot, 1)  # another job on the kept screen
        await back(pilot)
        assert await look_of_job(app, pilot, 0) == expected

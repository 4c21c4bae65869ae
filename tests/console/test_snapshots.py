"""SVG snapshots of every screen at 80x24, 140x40 and 200x50, on a synthesized log with a fixed clock and no
blinking cursor.

Regenerate (on the pinned Python only): `pytest tests/console/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Tree

from console.app import ConsoleSettings, PaydeskApp
from console.screens.job import JobScreen
from console.screens.log import LogScreen
from tests.console.conftest import FIXED_NOW, showing, wait_until

TERMINALS = {"80x24": (80, 24), "140x40": (140, 40), "200x50": (200, 50)}  # the smallest, usual and large
Snap = Callable[..., bool]


@pytest.fixture(params=sorted(TERMINALS))
def terminal(request: pytest.FixtureRequest) -> tuple[int, int]:
    return TERMINALS[str(request.param)]


def console(db: Path, *, read_only: bool = True) -> PaydeskApp:
    settings = ConsoleSettings(
        db_path=db,
        config=None,
        read_only=read_only,
        default_month="2026-01",
        clock=lambda: FIXED_NOW,
        export_dir=Path("/tmp"),
        offer_resume=False,
    )
    return PaydeskApp(settings)


def steady(
    then: Callable[[Pilot[Any]], Awaitable[None]] | None = None,
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        jobs = pilot.app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        if then is not None:
            await then(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before


async def open_failed_job(pilot: Pilot[Any]) -> None:
    await pilot.press("enter")
    await wait_until(pilot, lambda: showing(pilot.app, JobScreen))  # pushed once its rows are read
    items = pilot.app.screen.query_one("#items", DataTable)
    await wait_until(pilot, lambda: items.row_count == 7)
    await pilot.press("f")  # failed only
    tree = pilot.app.screen.query_one("#cascade", Tree)
    await wait_until(pilot, lambda: items.row_count == 1 and len(tree.root.children) == 1)
    await pilot.pause(0.1)


def test_jobs_screen(snap_compare: Snap, log_db: Path, terminal: tuple[int, int]) -> None:
    assert snap_compare(console(log_db), terminal_size=terminal, run_before=steady())


def test_job_screen_with_its_cascade(snap_compare: Snap, log_db: Path, terminal: tuple[int, int]) -> None:
    assert snap_compare(console(log_db), terminal_size=terminal, run_before=steady(open_failed_job))


def test_item_screen_timeline(snap_compare: Snap, log_db: Path, terminal: tuple[int, int]) -> None:
    async def open_item(pilot: Pilot[Any]) -> None:
        await open_failed_job(pilot)
        await pilot.press("enter")
        timeline = pilot.app.screen.query_one("#timeline", DataTable)
        await wait_until(pilot, lambda: timeline.row_count > 5)

    assert snap_compare(console(log_db), terminal_size=terminal, run_before=steady(open_item))


def test_log_screen(snap_compare: Snap, log_db: Path, terminal: tuple[int, int]) -> None:
    async def open_log(pilot: Pilot[Any]) -> None:
        await pilot.press("l")
        log = pilot.app.screen
        assert isinstance(log, LogScreen)
        await wait_until(pilot, lambda: len(log.shown) > 50)
        log.query_one("#type", Input).value = "step.failed"
        await wait_until(pilot, lambda: {record.type for record in log.shown} == {"step.failed"})
        await pilot.pause()

    assert snap_compare(console(log_db), terminal_size=terminal, run_before=steady(open_log))


def test_new_job_screen(snap_compare: Snap, log_db: Path, terminal: tuple[int, int]) -> None:
    async def open_new(pilot: Pilot[Any]) -> None:
        await pilot.press("n")
        await pilot.pause()

    app = console(log_db, read_only=False)  # no config: the engine does not start, nothing moves
    assert snap_compare(app, terminal_size=terminal, run_before=steady(open_new))


def test_help(snap_compare: Snap, log_db: Path, terminal: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(console(log_db), terminal_size=terminal, run_before=steady(open_help))


@pytest.mark.asyncio
async def test_tab_never_stops_on_something_the_screen_does_not_show(log_db: Path) -> None:
    """On every screen, each Tab lands on a widget that is displayed, inside the screen, and visible
    (typing goes where the focus shows)."""

    async def walk(app: PaydeskApp, pilot: Pilot[Any]) -> None:
        seen = 0
        for _ in range(12):
            await pilot.press("tab")
            focused = app.focused
            if focused is None:
                continue
            seen += 1
            assert focused.display and focused.visible, focused
            assert all(node.display for node in focused.ancestors if hasattr(node, "display")), focused
            region = focused.region
            assert region.width > 0 and region.height > 0, focused
        assert seen > 0

    async def screens(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, PaydeskApp)
        await steady()(pilot)
        await walk(app, pilot)  # Jobs
        await pilot.press("escape")
        app.screen.query_one("#jobs", DataTable).focus()
        await open_failed_job(pilot)
        await walk(app, pilot)  # Job
        app.screen.query_one("#items", DataTable).focus()
        await pilot.press("enter")
        timeline = app.screen.query_one("#timeline", DataTable)
        await wait_until(pilot, lambda: timeline.row_count > 5)
        await walk(app, pilot)  # Item
        await pilot.press("g", "l")
        await walk(app, pilot)  # Log

    app = console(log_db)
    async with app.run_test(size=(140, 40)) as pilot:
        await screens(pilot)
    writable = console(log_db, read_only=False)
    async with writable.run_test(size=(80, 24)) as pilot:
        await steady()(pilot)
        await pilot.press("n")
        await pilot.pause()
        for _ in range(12):
            await pilot.press("tab")
            focused = writable.focused
            assert focused is not None and focused.display and focused.visible
            assert all(getattr(node, "display", True) for node in focused.ancestors), focused

"""The Job screen's cascade pane shows the item under the cursor: the cursor moves at once and the item's
cascade is read once the cursor rests on it (keys pressed one after another read one cascade, where they
stop); a cascade read for an item the cursor has left since is not drawn; the tree is repainted once, for
the item where the cursor is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from console.screens.job import JobScreen
from tests.console.conftest import SIZE, showing, wait_until
from tests.console.test_snapshots import console

pytestmark = pytest.mark.asyncio


async def opened(pilot: Any) -> tuple[JobScreen, list[str]]:
    app = pilot.app
    jobs = app.screen.query_one("#jobs", DataTable)
    await wait_until(pilot, lambda: jobs.row_count == 3)
    await pilot.press("enter")
    await wait_until(pilot, lambda: showing(app, JobScreen))
    screen = app.screen
    assert isinstance(screen, JobScreen)
    table = screen.query_one("#items", DataTable)
    await wait_until(pilot, lambda: table.row_count > 1)
    keys = [str(key.value) for key in table.rows]
    await wait_until(pilot, lambda: screen._cascade_shown is not None and screen._cascade_shown[0] == keys[0])
    return screen, keys


async def test_a_cascade_read_for_an_item_the_cursor_left_is_not_shown(log_db: Path) -> None:
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, keys = await opened(pilot)
        shown = screen._cascade_shown
        worker = screen._load_cascade(keys[1])  # read for the second item; the cursor stays on the first
        await worker.wait()
        await pilot.pause()
        assert screen._cascade_shown == shown
        assert screen.query_one("#items", DataTable).cursor_row == 0


def cascade_of(screen: JobScreen) -> str | None:
    """The item whose cascade the tree shows."""
    return None if screen._cascade_shown is None else screen._cascade_shown[0]


def cascade_reads(screen: JobScreen) -> list[str]:
    """A list of the items whose cascade `screen` reads from now on."""
    reads: list[str] = []
    load = screen._load_cascade

    def counted(item_key: str) -> Any:
        reads.append(item_key)
        return load(item_key)

    screen._load_cascade = counted  # type: ignore[method-assign]
    return reads


async def test_keys_pressed_one_after_another_read_one_cascade_where_the_cursor_rests(log_db: Path) -> None:
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, keys = await opened(pilot)
        table = screen.query_one("#items", DataTable)
        screen.cascade_rest_s = 3600.0  # rests only when the test says so (`_rested`, as the timer would)
        reads = cascade_reads(screen)

        await pilot.press("down")
        assert table.cursor_row == 1  # the cursor moved at once
        await pilot.press("up", "down", "down")
        assert table.cursor_row == 2 and reads == []
        screen.render_all()  # a refresh of the rows meanwhile (the job moved) leaves it to the rest too
        await pilot.pause()
        assert reads == [] and screen._cascade_shown is not None and screen._cascade_shown[0] == keys[0]

        assert screen._cascade_rest is not None
        screen._cascade_rest.stop()
        screen._rested()  # the cursor rests
        await wait_until(
            pilot, lambda: screen._cascade_shown is not None and screen._cascade_shown[0] == keys[2]
        )
        assert reads == [keys[2]]

        await pilot.press("down", "up")  # back where it rests: nothing to read
        assert screen._cascade_rest is not None
        screen._cascade_rest.stop()
        screen._rested()
        await pilot.pause()
        assert reads == [keys[2]] and screen._cascade_shown[0] == keys[2]


async def test_the_cascade_follows_the_cursor_once_it_rests(log_db: Path) -> None:
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, keys = await opened(pilot)
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: cascade_of(screen) == keys[2])


async def test_a_job_closed_before_the_cursor_rested_opens_again_on_its_first_cascade(log_db: Path) -> None:
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, keys = await opened(pilot)
        screen.cascade_rest_s = 3600.0
        reads = cascade_reads(screen)
        await pilot.press("down", "escape")  # closed before the cursor rested
        await wait_until(pilot, lambda: not screen.on_stack)
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen) and screen.on_stack)
        assert cascade_of(screen) == keys[0]
        await pilot.press("down", "up")
        assert screen._cascade_rest is not None
        screen._cascade_rest.stop()
        screen._rested()
        await pilot.pause()
        assert reads == [] and cascade_of(screen) == keys[0]
        await pilot.press("down")
        screen._cascade_rest.stop()
        screen._rested()
        await wait_until(pilot, lambda: cascade_of(screen) == keys[1])

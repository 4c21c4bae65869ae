"""The Job screen's cascade pane shows the item under the cursor: a cascade read for an item the cursor has
left since (keys pressed one after another) is not drawn; the tree is repainted once, for the item where the
cursor is."""

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

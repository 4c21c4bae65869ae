"""The Item screen's h: the record's history across all jobs, in a dialog (read-only consoles too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from console.screens.dialogs import ReportScreen
from console.screens.item import ItemScreen
from tests.console.conftest import SIZE, showing, wait_until
from tests.console.synth import synthesize
from tests.console.test_snapshots import console, open_failed_job

pytestmark = pytest.mark.asyncio


async def test_h_on_an_item_shows_its_records_history(tmp_path: Path) -> None:
    db = tmp_path / "paydesk.sqlite"
    synthesize(db)
    app = console(db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        await open_failed_job(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, ItemScreen))
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen))
        body = str(app.screen.query_one("#body", Static).render())
        assert body.startswith("history of ") and "failed" in body and "last reconcile:" in body
        await pilot.press("escape")
        await wait_until(pilot, lambda: showing(app, ItemScreen))

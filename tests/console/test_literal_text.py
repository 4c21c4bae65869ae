"""Text that comes from Notion or from the log is shown literally: a failure message holding "[bold]" or
"[/]" is neither read as markup (which would restyle the screen or break its rendering) nor altered."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, Tree

from console.app import ConsoleSettings, PaydeskApp
from console.screens.item import ItemScreen
from console.screens.job import JobScreen
from console.widgets.tables import row_text
from eventlog import EventLog
from tests.console.conftest import FIXED_NOW, showing, wait_until
from tests.console.synth import Ticking, commit_job

pytestmark = pytest.mark.asyncio

MESSAGE = "Status [bold]is[/] not a property [/] that exists [b"
SHORT = "Status [bold]is[/] not a property [/]"  # the table's error column shows the first 80 characters
JOB_ERROR = "preload failed: [red]HTTP 502[/red] from [/]"


WIDE = (240, 45)  # wide enough that the error column and the cascade pane crop nothing checked here
TEXT = re.compile(r'<text [^>]*x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>([^<]*)</text>')


def screen_text(app: PaydeskApp) -> str:
    """What the terminal shows, as lines of plain text rebuilt from the screenshot's text runs."""
    rows: dict[float, dict[int, str]] = {}
    for x, y, length, run in TEXT.findall(app.export_screenshot()):
        run = html.unescape(run).replace("\xa0", " ")
        if run.strip("\n"):
            cell = float(length) / len(run)
            rows.setdefault(float(y), {})[round(float(x) / cell)] = run
    lines = []
    for y in sorted(rows):
        line = ""
        for column, run in sorted(rows[y].items()):
            line = line.ljust(column) + run
        lines.append(line)
    return "\n".join(lines)


@pytest.fixture
def markup_log(tmp_path: Path) -> Path:
    db = tmp_path / "paydesk.sqlite"
    with EventLog(db, clock=Ticking()) as log:
        for batch in commit_job("commit-markup", 3, failing=1, message=MESSAGE, job_error=JOB_ERROR):
            log.append(batch)
    return db


async def test_a_failure_message_with_markup_is_shown_literally(markup_log: Path) -> None:
    settings = ConsoleSettings(
        db_path=markup_log, config=None, read_only=True, clock=lambda: FIXED_NOW, offer_resume=False
    )
    app = PaydeskApp(settings)
    async with app.run_test(size=WIDE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen))  # pushed once its rows are read
        job = app.screen
        assert isinstance(job, JobScreen)
        items = job.query_one("#items", DataTable)
        tree = job.query_one("#cascade", Tree)
        await wait_until(pilot, lambda: items.row_count == 4)
        await pilot.press("f")  # failed only: the item whose payout failed, and its cascade
        await wait_until(pilot, lambda: items.row_count == 1 and len(tree.root.children) == 1)
        failed = job.selected_item()
        await wait_until(pilot, lambda: job._cascade_shown is not None and job._cascade_shown[0] == failed)
        await pilot.pause()

        assert SHORT in row_text(items, 0)[5]
        payout = tree.root.children[0].children[0]
        assert str(payout.label).endswith(f"failed — validation_error: {MESSAGE}")
        assert f"error: {JOB_ERROR}" in str(job.query_one("#summary", Static).render())
        shown = screen_text(app)
        assert SHORT in shown  # in the table's cell
        assert f"validation_error: {SHORT[:20]}" in shown  # in the cascade: Notion's code, then its message
        assert f"error: {JOB_ERROR}" in shown

        await pilot.press("enter")
        item = app.screen
        assert isinstance(item, ItemScreen)
        timeline = item.query_one("#timeline", DataTable)
        await wait_until(pilot, lambda: timeline.row_count > 5)
        await pilot.pause()
        details = [row_text(timeline, index)[3] for index in range(timeline.row_count)]
        assert any(MESSAGE in detail for detail in details)
        assert MESSAGE in str(item.query_one("#summary", Static).render())
        assert SHORT in screen_text(app)

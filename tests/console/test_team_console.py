"""The console on a team's PostgreSQL log shows every operator's jobs live: another operator's job, committed
from another connection (another machine, as far as the console can tell), appears with that operator's
name because the log NOTIFYs the console, which reads the log only then (no polling of the jobs)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import DataTable

from console.app import ConsoleSettings, PaydeskApp
from console.screens.jobs import JobsScreen
from eventlog import EventLog, JobCreated, JobFinished
from tests.console.conftest import SIZE, showing, wait_until

pytestmark = pytest.mark.asyncio


def created(job_id: str, operator: str) -> JobCreated:
    return JobCreated(
        job_id=job_id, operator=operator, kind="commit", params={"month": "2026-01"}, selection_key=job_id
    )


def cells_of(app: PaydeskApp) -> list[str]:
    table = app.screen.query_one("#jobs", DataTable)
    return [" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_another_operators_job_appears_live_with_their_name(postgres_url: str) -> None:
    with EventLog(postgres_url) as log:
        log.append([created("commit-ana", "ana")])
    settings = ConsoleSettings(
        db_path=postgres_url, config=None, read_only=True, clock=lambda: datetime(2026, 1, 16, tzinfo=UTC)
    )
    app = PaydeskApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot,
            lambda: showing(app, JobsScreen) and app.screen.query_one("#jobs", DataTable).row_count == 1,
        )
        reads_before = len(app.journal)
        with EventLog(postgres_url) as log:  # ben, on another machine
            log.append([created("commit-ben", "ben")])
        await wait_until(pilot, lambda: any("ben" in row for row in cells_of(app)), limit_s=20)
        assert "log changed" in app.journal[reads_before:]
        with EventLog(postgres_url) as log:
            log.append([JobFinished(job_id="commit-ben", operator="ben", status="failed", error="stopped")])
        await wait_until(pilot, lambda: any("ben" in r and "failed" in r for r in cells_of(app)), limit_s=20)

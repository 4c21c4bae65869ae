"""An SVG snapshot of the Job screen in time travel (ten events before the job's last), at 80x24 and 140x40,
on the snapshots' synthesized log. Regenerate as tests/console/test_snapshots.py says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from console.screens.job import JobScreen
from tests.console.conftest import wait_until
from tests.console.synth import synthesize
from tests.console.test_snapshots import Snap, console, open_failed_job, steady


@pytest.fixture
def log_db(tmp_path: Path) -> Path:
    db = tmp_path / "paydesk.sqlite"
    synthesize(db)
    return db


@pytest.mark.parametrize("terminal", [(80, 24), (140, 40)], ids=["80x24", "140x40"])
def test_job_screen_ten_events_back(snap_compare: Snap, log_db: Path, terminal: tuple[int, int]) -> None:
    async def travel(pilot: Pilot[Any]) -> None:
        await open_failed_job(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, JobScreen)
        await pilot.press("f", "f", "f", "f", "f", "f", "f")  # back to every outcome
        await wait_until(pilot, lambda: screen.outcome == "all")
        await pilot.press("t", "{")
        await wait_until(
            pilot,
            lambda: screen.moment is not None and screen.moment.index == screen.moment.count - 10,
        )
        await pilot.pause(0.1)

    assert snap_compare(console(log_db), terminal_size=terminal, run_before=steady(travel))

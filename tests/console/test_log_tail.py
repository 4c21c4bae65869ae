"""The Log screen's catch-up: hundreds of events drawn a slice at a time, in order, once each, and a filter
changed half-way through redraws from everything read (nothing twice, nothing missing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import RichLog

from console.app import ConsoleSettings, PaydeskApp
from console.screens import log as log_module
from console.screens.log import KEEP, WRITE_SLICE, LogScreen
from tests.console.conftest import SIZE, showing, wait_until
from tests.console.synth import synthesize

pytestmark = pytest.mark.asyncio


@pytest.fixture
def busy_log(tmp_path: Path) -> Path:
    db = tmp_path / "paydesk.sqlite"
    synthesize(db, jobs=4, items=30)
    return db


def settings(db: Path) -> ConsoleSettings:
    return ConsoleSettings(db_path=db, config=None, read_only=True, offer_resume=False)


async def test_a_long_catch_up_is_drawn_whole_in_order_once(busy_log: Path) -> None:
    app = PaydeskApp(settings(busy_log))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: showing(app, LogScreen))
        log = app.screen
        assert isinstance(log, LogScreen)
        await wait_until(pilot, lambda: len(log.shown) == KEEP)
        assert len(log.records) == KEEP > 2 * WRITE_SLICE
        seqs = [record.seq for record in log.shown]
        assert seqs == sorted(set(seqs)) == [record.seq for record in log.records]
        assert len(log.query_one("#events", RichLog).lines) == KEEP


async def test_a_filter_set_during_the_catch_up_shows_each_matching_event_once(
    busy_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = PaydeskApp(settings(busy_log))
    filtered: list[bool] = []

    async def filter_while_yielding(delay: float) -> None:
        # The first time the catch-up lets other work in, that work is the operator typing a filter.
        if not filtered:
            filtered.append(True)
            screen = app.screen
            assert isinstance(screen, LogScreen) and 0 < len(screen.shown) < KEEP
            screen.type_filter = "step.succeeded"
            screen.refilter()
        await real_sleep(delay)

    real_sleep = log_module.sleep
    monkeypatch.setattr(log_module, "sleep", filter_while_yielding)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: showing(app, LogScreen))
        log = app.screen
        assert isinstance(log, LogScreen)
        await wait_until(pilot, lambda: len(log.records) == KEEP and not log._polling)
        await pilot.pause()
        assert filtered
        wanted = [record.seq for record in log.records if record.type == "step.succeeded"]
        assert [record.seq for record in log.shown] == wanted
        assert len(log.query_one("#events", RichLog).lines) == len(wanted) > 0

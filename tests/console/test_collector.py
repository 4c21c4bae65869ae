"""The console's garbage-collector policy: applied once while the app runs and undone after; and, walked
through the app, closed screens do not stay alive for every full collection to traverse."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Tree

from console.collector import CollectorPolicy, forget_closed_widgets, uncycle_lines
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from tests.console.conftest import SIZE, showing, wait_until
from tests.console.test_snapshots import console


@pytest.fixture
def clean_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    if forget_closed_widgets in gc.callbacks:
        gc.callbacks.remove(forget_closed_widgets)


@pytest.mark.usefixtures("clean_collector")
def test_apply_freezes_what_exists_and_hooks_full_collections_once() -> None:
    kept = [object() for _ in range(10)]
    threshold = gc.get_threshold()
    policy = CollectorPolicy()
    policy.apply()
    policy.apply()  # twice is once
    assert gc.get_freeze_count() >= len(kept)
    assert gc.callbacks.count(forget_closed_widgets) == 1
    assert gc.get_threshold() == threshold  # Python's own schedule
    policy.restore()
    assert forget_closed_widgets not in gc.callbacks
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("clean_collector")
def test_restore_without_apply_changes_nothing() -> None:
    callbacks = list(gc.callbacks)
    CollectorPolicy().restore()
    assert gc.callbacks == callbacks


def test_only_a_full_collection_empties_the_memo() -> None:
    memo = StylesCache.get_inner_outer
    memo.cache_clear()
    gc.callbacks.append(forget_closed_widgets)
    try:
        memo(StylesCache(), Color(1, 2, 3), Color(4, 5, 6))  # type: ignore[arg-type]
        gc.collect(1)
        assert memo.cache_info().currsize == 1
        gc.collect()
        assert memo.cache_info().currsize == 0
    finally:
        gc.callbacks.remove(forget_closed_widgets)


def live_styles_caches() -> tuple[int, int]:
    """(styles caches alive, widgets alive) after a full collection."""
    gc.collect()
    caches = widgets = 0
    for thing in gc.get_objects():
        if isinstance(thing, StylesCache):
            caches += 1
        elif isinstance(thing, Widget):
            widgets += 1
    return caches, widgets


async def open_first_job(pilot: Pilot[Any]) -> JobScreen:
    """From the Jobs screen of the synthesized log: Enter, until the Job screen lists its items."""
    await pilot.press("enter")
    await wait_until(pilot, lambda: showing(pilot.app, JobScreen))
    screen = pilot.app.screen
    assert isinstance(screen, JobScreen)
    await wait_until(pilot, lambda: screen.query_one("#items", DataTable).row_count > 1)
    return screen


@pytest.mark.asyncio
async def test_jobs_opened_and_closed_many_times_leave_nothing_behind(log_db: Path) -> None:
    """An operator opens a job, moves in it and goes back, fifteen times: what each Job screen drew is
    freed with it, so the styles caches alive are those of the widgets alive (before the fix: fifteen
    screens' worth, each with every line it last rendered)."""
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        for _ in range(15):
            await open_first_job(pilot)
            await pilot.press("down", "up")
            await pilot.pause()
            await pilot.press("escape")
            await wait_until(pilot, lambda: showing(app, JobsScreen))
        await pilot.pause()
        caches, widgets = live_styles_caches()
        assert caches <= widgets + 5, (caches, widgets)


@pytest.mark.asyncio
async def test_a_closed_job_screen_lets_go_of_its_rows_and_cascade_unless_kept(log_db: Path) -> None:
    """The Job screen the app keeps (to show the next job opened) keeps what it drew; one opened over it is
    not kept, and lets go of its rows and cascade as it closes."""
    app = console(log_db)
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: jobs.row_count == 3)
        kept = await open_first_job(pilot)
        app.open_job(kept.job_id)  # a job opened over the kept screen: a new one
        await wait_until(pilot, lambda: app.screen is not kept and showing(app, JobScreen))
        closed = app.screen
        assert isinstance(closed, JobScreen)
        items = closed.query_one("#items", DataTable)
        cascade = closed.query_one("#cascade", Tree)
        await wait_until(pilot, lambda: items.row_count > 1 and len(cascade.root.children) > 0)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is kept)
        assert (items.row_count, len(cascade.root.children)) == (0, 0)
        await pilot.press("escape")
        await wait_until(pilot, lambda: showing(app, JobsScreen))
        kept_items = kept.query_one("#items", DataTable)
        assert kept_items.row_count > 1 and len(kept.query_one("#cascade", Tree).root.children) > 0
        assert jobs.row_count == 3  # the screen shown again keeps its own


def test_a_line_that_is_its_own_answer_is_not_kept_in_its_own_cache() -> None:
    """A line cut into one piece, or cropped to all of it, is its own answer: kept in its own cache, it was a
    reference cycle that only a collection freed. The answers are Textual's own."""
    uncycle_lines()
    line = Strip([Segment("abc", Style(bold=True)), Segment("def")], 6)
    references = sys.getrefcount(line)
    assert line.divide([6]) == [line] and line.divide([6, 9]) == [line]
    assert line.crop_extend(0, 6, None) is line and line.crop_extend(-1, 6, None) is line
    assert sys.getrefcount(line) == references  # nothing holds it but this test

    other = Strip([Segment("abc", Style(bold=True)), Segment("def")], 6)
    assert [piece.text for piece in line.divide([2, 6])] == [piece.text for piece in other.divide([2, 6])]
    assert line.crop_extend(1, 8, None).text == "bcdef  "
    assert line.crop_extend(0, 4, None).text == "abcd"

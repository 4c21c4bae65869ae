"""The soak's key cycle, counted: what the console does for each key on a soak-shaped job.

    .venv/bin/python bench/console_keys.py [--cycles 20] [--items 54] [--payouts 100] [--rest S]
                                           [--writing STEPS_PER_S]
                                           [--profile FILE [--profile-keys ACTION …]]

A log holding one commit job shaped as bench/soak.py's (`--items` payables, each over `--payouts` payout
items, each over an invoice split and/or a refund request: some 200 steps, a cascade tree of as many
nodes), half of it written and the rest still planned, is synthesized straight into an event log. A
read-only console is driven headless as the soak drives it, `--cycles` times: open the job (enter on the
Jobs table), down, up, back (escape), each pressed as soon as the last one's effect shows (as the soak
presses them; `--rest S` waits S seconds between them), and 0.3 s after back. With `--writing N`, another
process writes the rest of the job meanwhile, N steps a second (ten items at a time), as the soak's does.

For each key it reports the wall time from the press to the first frame showing its effect
(bench/console_frames.py), the console's CPU time over the same span, and work counted meanwhile: style
applications (`Stylesheet.apply`, a node's styles worked out again), DataTable row lines rendered
(`_render_line_in_row`) and rows whose cells were rendered again (`_get_row_renderables`, called on a miss
of its cell cache), Tree lines rendered (`render_label`, on a miss of its line cache) and how often the
Tree built its lines again; and the milliseconds spent in full garbage collections. Medians over the
cycles after the first (which warms up), and the worst.

Wall times on a shared machine drift; the counts do not: compare two trees by running this against both.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.css.stylesheet import Stylesheet
from textual.widgets import DataTable, Tree

from bench.console_frames import FrameClock, until
from console.app import ConsoleSettings, PaydeskApp
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from eventlog import (
    Event,
    EventLog,
    ItemPlanned,
    JobCreated,
    JobPlanned,
    JobStarted,
    StepPlanned,
    StepStarted,
    StepSucceeded,
)
from tests.console.synth import Ticking

SIZE = (160, 45)
JOB = "commit-soak-0001"


def soak_job(items: int, payouts: int) -> Iterator[list[Event]]:
    """A running commit: `items` payables over `payouts` payout items each (split + refund, split, refund,
    none in turn); the first half of the items written."""
    env = {"job_id": JOB, "operator": "ana"}
    yield [JobCreated(**env, kind="commit", params={"month": "2026-01", "batch": 15}, selection_key=JOB)]
    planned: list[Event] = []
    keys = step_keys(items, payouts)
    for n, (item, steps) in enumerate(keys.items()):
        ienv = {**env, "item_key": item}
        planned.append(ItemPlanned(**ienv, label=f"INV-2026-{n:05d}", kind="payable", data={}))
        payout_keys = []
        below: list[str] = []
        for key in steps[:-1]:
            source = key.split(":")[0]
            if source == "payouts":
                planned.append(_step(ienv, key, source, f"payout Development work #{key[9:]}", below))
                payout_keys.append(key)
                below = []
            else:
                planned.append(_step(ienv, key, source, f"{source[:-1]} {key}", []))
                below.append(key)
        planned.append(_step(ienv, steps[-1], "payables", "payable", payout_keys))
    total = sum(len(steps) for steps in keys.values())
    planned.append(JobPlanned(**env, items=items, steps=total, totals={"USD": 100.0 * items}, estimate={}))
    planned.append(JobStarted(**env, workers=10))
    yield planned
    yield [event for item, steps in list(keys.items())[: items // 2] for event in written(item, steps)]


def step_keys(items: int, payouts: int) -> dict[str, list[str]]:
    """Each item's step keys, each payout's after the split and refund below it, the payable's last."""
    keys: dict[str, list[str]] = {}
    for n in range(items):
        item = f"payable-{n:05d}"
        steps: list[str] = []
        for p in range(payouts):
            for source in (("splits", "refunds"), ("splits",), ("refunds",), ())[p % 4]:
                steps.append(f"{source}:{source[0]}{n}-{p}:Status=Paid")
            steps.append(f"payouts:p{n}-{p}:Status=Paid")
        keys[item] = [*steps, f"payables:{item}:Payment Status=Paid"]
    return keys


def written(item: str, steps: list[str]) -> Iterator[Event]:
    env = {"job_id": JOB, "operator": "ana", "item_key": item}
    for key in steps:
        yield StepStarted(**env, step_key=key, attempt=1)
        yield StepSucceeded(**env, step_key=key, value="Paid", request_id="r")


def write_the_rest(db: str, items: int, payouts: int, rate: float) -> None:
    """Another process running the job: the steps of the items not written yet, `rate` a second, ten items
    at a time (run in a child process)."""
    keys = list(step_keys(items, payouts).items())[items // 2 :]
    with EventLog(Path(db)) as log:
        while keys:
            at_once, keys = keys[:10], keys[10:]
            events = zip(*(written(item, steps) for item, steps in at_once), strict=False)
            pending = [event for group in events for event in group]
            while pending:
                batch, pending = pending[: max(2, int(rate / 5))], pending[max(2, int(rate / 5)) :]
                log.append(batch)
                time.sleep(0.2)


def _step(ienv: dict[str, str], key: str, source: str, label: str, deps: list[str]) -> StepPlanned:
    return StepPlanned(
        **ienv,
        step_key=key,
        kind="update",
        target=key.split(":")[1],
        property="Status",
        before="Pending",
        after="Paid",
        depends_on=deps,
        data_source=source,
        label=label,
    )


class Counts:
    """Work counted by wrapping Textual's methods (this process only)."""

    def __init__(self) -> None:
        self.values = {
            "styles": 0,
            "table_lines": 0,
            "table_cells": 0,
            "tree_lines": 0,
            "tree_builds": 0,
            "full_gc_ms": 0,
        }
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, counter: str, size: Callable[[Any], int] | None = None) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            self.values[counter] += 1 if size is None else size(result)
            return result

        setattr(owner, name, counted)
        self._undo.append(lambda: setattr(owner, name, original))

    def time_full_collections(self) -> None:
        begun = [0.0]

        def timed(phase: str, info: dict[str, Any]) -> None:
            if info.get("generation") == 2:
                if phase == "start":
                    begun[0] = time.perf_counter()
                else:
                    self.values["full_gc_ms"] += round((time.perf_counter() - begun[0]) * 1000)

        gc.callbacks.append(timed)

    def snapshot(self) -> dict[str, int]:
        return dict(self.values)


async def cycles(
    db: Path, count: int, counts: Counts, rest: float, profile: cProfile.Profile | None, profiled: set[str]
) -> dict[str, list[dict[str, float]]]:
    app = PaydeskApp(ConsoleSettings(db_path=db, config=None, read_only=True, offer_resume=False))
    found: dict[str, list[dict[str, float]]] = {}
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        table = jobs.query_one("#jobs", DataTable)
        await until(lambda: table.row_count > 0)
        await pilot.pause(0.3)

        async def measure(action: str, key: str, shown: Callable[[], bool]) -> None:
            before, cpu = counts.snapshot(), time.process_time()
            profiling = profile is not None and action in profiled
            if profiling:
                profile.enable()
            begun = time.perf_counter()
            app.simulate_key(key)
            at = await clock.shown(shown)
            if profiling:
                profile.disable()
            figures: dict[str, float] = {"wall_ms": (at - begun) * 1000}
            figures["cpu_ms"] = (time.process_time() - cpu) * 1000
            figures.update({name: counts.values[name] - before[name] for name in before})
            found.setdefault(action, []).append(figures)

        for _ in range(count):
            await measure("open job", "enter", lambda: isinstance(app.screen, JobScreen) and _items(app))
            screen = app.screen
            assert isinstance(screen, JobScreen)
            await pilot.pause(rest)
            items = screen.query_one("#items", DataTable)
            row = items.cursor_row
            await measure("down", "down", lambda t=items, r=row: t.cursor_row == r + 1)  # type: ignore[misc]
            await pilot.pause(rest)
            await measure("up", "up", lambda t=items, r=row: t.cursor_row == r)  # type: ignore[misc]
            await pilot.pause(rest)
            await measure("back", "escape", lambda: app.screen is jobs)
            await pilot.pause(0.3)
    return found


def _items(app: PaydeskApp) -> bool:
    tables = app.screen.query("#items")
    return bool(tables) and tables.first(DataTable).row_count > 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--items", type=int, default=54)
    parser.add_argument("--payouts", type=int, default=100)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the keys' spans to this file")
    parser.add_argument("--profile-keys", nargs="*", default=["open job"], help="actions profiled")
    parser.add_argument("--rest", type=float, default=0.0, help="seconds between the keys of a cycle")
    parser.add_argument("--writing", type=float, default=0.0, help="steps a second another process writes")
    args = parser.parse_args()
    counts = Counts()
    counts.wrap(Stylesheet, "apply", "styles")
    counts.wrap(DataTable, "_render_line_in_row", "table_lines")
    counts.wrap(DataTable, "_get_row_renderables", "table_cells")
    counts.wrap(Tree, "render_label", "tree_lines")
    counts.wrap(Tree, "_build", "tree_builds")
    counts.time_full_collections()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "soak.sqlite"
        with EventLog(db, clock=Ticking()) as log:
            for batch in soak_job(args.items, args.payouts):
                log.append(batch)
        profile = cProfile.Profile() if args.profile else None
        writer = None
        if args.writing:
            context = multiprocessing.get_context("spawn")
            writer = context.Process(
                target=write_the_rest, args=(str(db), args.items, args.payouts, args.writing)
            )
            writer.start()
        try:
            found = asyncio.run(cycles(db, args.cycles, counts, args.rest, profile, set(args.profile_keys)))
        finally:
            if writer is not None:
                writer.terminate()
                writer.join()
        if profile is not None:
            profile.dump_stats(args.profile)
    for action, rows in found.items():
        line = [f"{action:9}"]
        for name in rows[0]:
            values = [row[name] for row in rows[1:] or rows]  # the first cycle warms up
            line.append(f"{name} {statistics.median(values):7.1f} (max {max(values):7.1f})")
        print("  ".join(line))


if __name__ == "__main__":
    main()

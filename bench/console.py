"""Console benchmark (headless, Pilot, a 140x40 terminal). What is measured, exactly:

- first screen: from just before a new Python process is spawned until that process's console, on a log of
  1,000 jobs, has its Jobs table filled (median of 3 processes). This includes interpreter and Textual
  start-up. Bar: <= 1.5 s.
- app start to 1,000 jobs (for information): from `PaydeskApp` construction, in this process, until the
  first frame showing all 1,000 rows.
- open the list of 1,000 jobs: in a running console, a new Jobs screen is pushed (the screen the console
  opens on); from the push until the first frame composed with all 1,000 rows in its table. Median and
  worst of 5. Bar: <= 500 ms.
- open a job of 50,000 items: on the Jobs screen of a log holding that job, Enter is pressed
  (`App.simulate_key`); until the first frame composed with the Job screen on top showing its first item
  rows, its counts (the summary) and the first item's cascade tree. Median and worst of 5 (escape between
  them). Bar: <= 500 ms.
- input latency under load (bench/console_load.py): a real sandbox process, a commit of `--items` payables
  run by the console's own engine as fast as it goes, keys pressed on the running job's screen; from each
  key press until the first frame showing its effect. p50 and p95 over `--presses` presses, with the events
  the engine wrote during the sampling. Bar: p95 <= 100 ms.

The logs of the views are synthesized straight into an event log (tests/console/synth.py). A "frame" is the
compositor's output handed to the terminal driver (bench/console_frames.py); Textual composes one at most
every 1/60 s. The machine may be shared: run it several times and read ranges.

    .venv/bin/python bench/console.py [--items 5000] [--presses 120] [--template DIR] [--skip-load]

`--template DIR` keeps the seeded sandbox workspace in DIR and copies it for the next runs (seeding 10,000
contractors takes a minute or two). Prints a table and writes bench/results/console.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.widgets import DataTable, Tree

from bench.console_frames import FrameClock, until
from bench.console_load import SIZE, input_latency
from console.app import ConsoleSettings, PaydeskApp
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from eventlog import EventLog
from tests.console.synth import Ticking, commit_job

RESULTS = Path(__file__).parent / "results" / "console.json"
REPEAT = 5
BARS = {
    "first_screen_s": 1.5,
    "open_1000_jobs_ms": 500,
    "open_50000_item_job_ms": 500,
    "input_p95_ms": 100,
}


def synthesize(db: Path, jobs: int, items: int) -> list[str]:
    ids = [f"commit-bench-{n:05d}" for n in range(jobs)]
    with EventLog(db, clock=Ticking()) as log:
        for job_id in ids:
            for batch in commit_job(job_id, items, failing=1 if items > 1 else 0):
                log.append(batch)
    return ids


def read_only(db: Path) -> PaydeskApp:
    return PaydeskApp(ConsoleSettings(db_path=db, config=None, read_only=True, offer_resume=False))


def all_rows(screen: Any, count: int) -> bool:
    tables = screen.query("#jobs")
    return bool(tables) and tables.first(DataTable).row_count == count


async def open_jobs(db: Path) -> tuple[float, list[float]]:
    """App start to all 1,000 rows shown; then pushing a fresh Jobs screen until all rows show (ms)."""
    start = time.perf_counter()
    app = read_only(db)
    async with app.run_test(size=SIZE):
        clock = FrameClock(app)
        shown = await clock.shown(lambda: all_rows(app.screen, 1000))
        app_start = (shown - start) * 1000
        times = []
        for _ in range(REPEAT):
            await asyncio.sleep(0.5)
            screen = JobsScreen()
            start = time.perf_counter()
            app.push_screen(screen)
            shown = await clock.shown(lambda screen=screen: app.screen is screen and all_rows(screen, 1000))
            times.append((shown - start) * 1000)
            await asyncio.sleep(0.3)
            app.pop_screen()
    return app_start, times


def job_shown(app: PaydeskApp) -> bool:
    screen = app.screen
    if not isinstance(screen, JobScreen) or screen.job is None:
        return False
    items = screen.query_one("#items", DataTable)
    tree = screen.query_one("#cascade", Tree)
    return items.row_count > 0 and len(tree.root.children) > 0


async def open_big_job(db: Path) -> list[float]:
    app = read_only(db)
    times = []
    async with app.run_test(size=SIZE):
        clock = FrameClock(app)
        await until(lambda: all_rows(app.screen, 1))
        for _ in range(REPEAT):
            await asyncio.sleep(0.5)
            start = time.perf_counter()
            app.simulate_key("enter")
            times.append((await clock.shown(lambda: job_shown(app)) - start) * 1000)
            await asyncio.sleep(0.3)
            app.simulate_key("escape")
            await until(lambda: isinstance(app.screen, JobsScreen))
    return times


FIRST_SCREEN = """
import sys, time
sys.path.insert(0, {root!r})
from console.app import ConsoleSettings, PaydeskApp
from pathlib import Path
async def auto(pilot):
    table = pilot.app.screen.query_one("#jobs")
    while table.row_count == 0:
        await pilot.pause(0.005)
    print(time.time() - {spawned!r})
    pilot.app.exit()
app = PaydeskApp(ConsoleSettings(db_path=Path({db!r}), config=None, read_only=True, offer_resume=False))
app.run(headless=True, auto_pilot=auto)
"""


def first_screen_s(db: Path) -> float:
    spawned = time.time()
    code = FIRST_SCREEN.format(root=str(Path(__file__).resolve().parent.parent), spawned=spawned, db=str(db))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=5000, help="payables of the commit run under load")
    parser.add_argument("--presses", type=int, default=120)
    parser.add_argument("--template", type=Path, default=None, help="keep the seeded sandbox here")
    parser.add_argument("--skip-load", action="store_true", help="measure the views only")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="paydesk-bench-console-") as tmpdir:
        tmp = Path(tmpdir)
        jobs_db, big_db = tmp / "jobs.sqlite", tmp / "big.sqlite"
        t = time.perf_counter()
        synthesize(jobs_db, 1000, 3)
        synthesize(big_db, 1, 50_000)
        print(f"synthesized the logs in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        figures["first_screen_s"] = round(statistics.median(first_screen_s(jobs_db) for _ in range(3)), 3)
        app_start, jobs = asyncio.run(open_jobs(jobs_db))
        figures["app_start_to_1000_jobs_ms"] = round(app_start, 1)
        figures["open_1000_jobs_ms"] = round(statistics.median(jobs), 1)
        figures["open_1000_jobs_worst_ms"] = round(max(jobs), 1)
        big = asyncio.run(open_big_job(big_db))
        figures["open_50000_item_job_ms"] = round(statistics.median(big), 1)
        figures["open_50000_item_job_worst_ms"] = round(max(big), 1)
        by_key: dict[str, tuple[float, float]] = {}
        if not args.skip_load:
            load = asyncio.run(input_latency(tmp / "load", args.items, args.presses, args.template))
            figures.update(
                {
                    "input_p50_ms": load.p50_ms,
                    "input_p95_ms": load.p95_ms,
                    "input_max_ms": load.max_ms,
                    "input_presses": load.presses,
                    "events_written_while_sampling": load.events_during,
                    "steps_settled_while_sampling": load.steps_settled_during,
                    "job_still_running_after": load.job_running_at_end,
                    "job_items": load.job_items,
                }
            )
            by_key = load.by_key
    print(f"{'measure':<32}{'value':>10}{'bar':>8}  ok")
    for name, value in figures.items():
        bar = BARS.get(name)
        verdict = "" if bar is None else ("yes" if value <= bar else "NO")
        print(f"{name:<32}{value!s:>10}{'' if bar is None else bar:>8}  {verdict}")
    for key, (p50, p95) in by_key.items():
        print(f"  input latency of {key!r}: p50 {p50} ms, p95 {p95} ms")
    RESULTS.parent.mkdir(exist_ok=True)
    result = {"figures": figures, "input_by_key": by_key, "bars": BARS, "load_average": os.getloadavg()}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Console benchmark (headless, Pilot): time to the first screen from process start, and the time to open a
list of 1,000 jobs and a job of 50,000 items synthesized straight into an event log.

Bars: first screen <= 1.5 s; opening those views <= 500 ms. (Input latency under a running 5,000-item job
is not measured yet.)

    .venv/bin/python bench/console.py
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.app import ConsoleSettings, PaydeskApp
from eventlog import EventLog
from tests.console.synth import Ticking, commit_job

RESULTS = Path(__file__).parent / "results" / "console.json"


def synthesize(db: Path, jobs: int, items: int) -> list[str]:
    ids = [f"commit-bench-{n:05d}" for n in range(jobs)]
    with EventLog(db, clock=Ticking()) as log:
        for job_id in ids:
            for batch in commit_job(job_id, items, failing=1 if items > 1 else 0):
                log.append(batch)
    return ids


async def wait_for(pilot: Any, condition: Any, limit_s: float = 60.0) -> None:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > limit_s:
            raise TimeoutError("condition not met")
        await pilot.pause(0.005)


async def open_views(jobs_db: Path, big_db: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    app = PaydeskApp(ConsoleSettings(db_path=jobs_db, config=None, read_only=True, offer_resume=False))
    start = time.perf_counter()
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one("#jobs")
        await wait_for(pilot, lambda: table.row_count == 1000)  # type: ignore[attr-defined]
        figures["open_1000_jobs_ms"] = (time.perf_counter() - start) * 1000
    app = PaydeskApp(ConsoleSettings(db_path=big_db, config=None, read_only=True, offer_resume=False))
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one("#jobs")
        await wait_for(pilot, lambda: table.row_count == 1)  # type: ignore[attr-defined]
        start = time.perf_counter()
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: app.screen.query("#items") and app.screen.query_one("#items").row_count > 0
        )  # type: ignore[attr-defined]
        figures["open_50000_item_job_ms"] = (time.perf_counter() - start) * 1000
    return figures


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
    with tempfile.TemporaryDirectory() as tmp:
        jobs_db, big_db = Path(tmp) / "jobs.sqlite", Path(tmp) / "big.sqlite"
        t = time.perf_counter()
        synthesize(jobs_db, 1000, 3)
        synthesize(big_db, 1, 50_000)
        print(f"synthesized the logs in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        first = sorted(first_screen_s(jobs_db) for _ in range(3))[1]
        figures = {"first_screen_s": round(first, 3)}
        figures.update({k: round(v, 1) for k, v in asyncio.run(open_views(jobs_db, big_db)).items()})
    bars = {"first_screen_s": 1.5, "open_1000_jobs_ms": 500, "open_50000_item_job_ms": 500}
    print(f"{'measure':<26}{'value':>10}{'bar':>10}  ok")
    for name, value in figures.items():
        print(f"{name:<26}{value:>10}{bars[name]:>10}  {'yes' if value <= bars[name] else 'NO'}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"figures": figures, "bars": bars}, indent=2) + "\n")


if __name__ == "__main__":
    main()

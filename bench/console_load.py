"""Input latency of the console while its engine runs a large commit, for bench/console.py.

A sandbox process (bench/console_sandbox.py: real HTTP, no latency, no rate limit) holds a workspace whose
commit of batch 15 has `items` payables. The console app (headless, Pilot) hosts the engine as usual; the
bench asks that engine, through the app's `send` (as the console's own screens do), to run the commit with
paydesk's rate limit set to 1,000 requests/s, so the engine goes as fast as it can. Once the job is writing,
the bench opens the job's screen with Enter, as an operator would, and then presses keys one at a time, a
pseudo-random 30-150 ms after the previous one showed: mostly down/up in the items table (each also loads
the item's cascade), and in every twelve presses a switch to the Log screen and back and the command
palette opened and closed. Each press is timed from `App.simulate_key` until the first frame showing its
effect (the table's cursor on the next row, the new screen on top) is composed. The events the engine wrote
during the sampling and the job's state at its end show whether the job really ran meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.widgets import DataTable

from bench.console_frames import FrameClock, until
from console.app import ConsoleSettings, PaydeskApp
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from console.screens.log import LogScreen
from engine.engine import Engine
from engine.workspace.config import Config, NotionSettings

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-01"
SIZE = (140, 40)
CYCLE = ("down",) * 4 + ("up",) * 2 + ("l", "escape") + ("down",) * 2 + ("ctrl+p", "escape")


@dataclass(frozen=True)
class LoadFigures:
    presses: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    events_during: int
    steps_settled_during: int
    job_running_at_end: bool
    job_items: int
    seed_s: float
    by_key: dict[str, tuple[float, float]]  # key -> (p50, p95) in ms


@contextmanager
def sandbox_process(data: Path, items: int, template: Path | None) -> Iterator[dict[str, Any]]:
    command = [sys.executable, str(ROOT / "bench" / "console_sandbox.py"), "--payables", str(items)]
    command += ["--data", str(data)] + (["--template", str(template)] if template else [])
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise SystemExit("the sandbox process stopped before serving")
        yield json.loads(line)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(60)


def say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def head_seq(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def sample(app: PaydeskApp, clock: FrameClock, presses: int) -> list[tuple[str, float]]:
    """Press keys one by one; each key with the time from its press until a frame shows its effect (ms)."""
    rng = random.Random(7)
    latencies: list[tuple[str, float]] = []
    for n in range(presses):
        key = CYCLE[n % len(CYCLE)]
        shown = expectation(app, key)
        start = time.perf_counter()
        app.simulate_key(key)
        latencies.append((key, (await clock.shown(shown) - start) * 1000))
        if latencies[-1][1] > 250:
            say(f"press {n} ({key}) took {latencies[-1][1]:.0f} ms")
        await asyncio.sleep(rng.uniform(0.03, 0.15))
    return latencies


def expectation(app: PaydeskApp, key: str) -> Callable[[], bool]:
    """What shows that `key` took effect, from the screen it is pressed on."""
    screen = app.screen
    if key in ("down", "up"):
        table = screen.query_one("#items", DataTable)
        row = table.cursor_row
        target = min(row + 1, table.row_count - 1) if key == "down" else max(row - 1, 0)
        if target == row:
            raise RuntimeError("the cursor cannot move: the bench's key cycle went wrong")
        return lambda: app.screen is screen and table.cursor_row == target
    if key == "l":
        return lambda: isinstance(app.screen, LogScreen)
    if key == "ctrl+p":
        return lambda: isinstance(app.screen, CommandPalette)
    if key == "escape":
        return lambda: isinstance(app.screen, JobScreen)
    raise ValueError(key)


async def input_latency(tmp: Path, items: int, presses: int, template: Path | None) -> LoadFigures:
    db = tmp / "paydesk.sqlite"
    say(f"starting a sandbox with {items} payables in batch 15")
    with sandbox_process(tmp / "sandbox", items, template) as served:
        say(f"sandbox ready (seeding took {served['seed_s']} s)")
        config = Config(
            notion=NotionSettings(base_url=served["base_url"], rate=1000.0, burst=1000, timeout_s=30.0),
            data_sources=dict(served["data_sources"]),
            token=served["token"],
        )
        settings = ConsoleSettings(db_path=db, config=config, default_month=MONTH, offer_resume=False)
        app = PaydeskApp(settings)
        async with app.run_test(size=SIZE):
            clock = FrameClock(app)
            await until(lambda: "engine started" in app.journal)
            params = {"month": MONTH, "batch": 15, "today": datetime.now(UTC).date().isoformat()}

            def commit(engine: Engine) -> str:
                return engine.start("commit", params)

            job_ids: list[str] = []
            app.send(commit, "run commit (bench)", lambda answer: job_ids.append(str(answer.value)))
            jobs = app.screen
            assert isinstance(jobs, JobsScreen)
            await until(lambda: bool(job_ids), 60)
            job_id = job_ids[0]

            def writing() -> bool:
                row = jobs.jobs.get(job_id)
                return row is not None and row.status == "running" and row.steps_succeeded > 0

            say(f"job {job_id} planning")
            await until(writing, 600)
            say("job writing; opening its screen")
            app.simulate_key("enter")
            await until(lambda: isinstance(app.screen, JobScreen) and app.screen.job_id == job_id)
            job = app.screen
            await until(
                lambda: bool(job.query("#items")) and job.query_one("#items", DataTable).row_count > 20
            )
            before, settled_before = head_seq(db), _settled(app, job_id)
            say(f"sampling {presses} presses")
            try:
                pressed = await sample(app, clock, presses)
            except Exception as error:  # Textual reports a worker's error in its place on the way out
                say(f"sampling stopped: {error!r}")
                raise
            after, settled_after = head_seq(db), _settled(app, job_id)
            snapshot = app.snapshot
            running = snapshot is not None and not snapshot.jobs[job_id].done
    latencies = [ms for _, ms in pressed]
    say(f"sampled: p50 {percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms")
    return LoadFigures(
        presses=len(latencies),
        p50_ms=round(percentile(latencies, 0.50), 1),
        p95_ms=round(percentile(latencies, 0.95), 1),
        max_ms=round(max(latencies), 1),
        events_during=after - before,
        steps_settled_during=settled_after - settled_before,
        job_running_at_end=running,
        job_items=items,
        seed_s=float(served.get("seed_s", 0.0)),
        by_key=by_key(pressed),
    )


def by_key(pressed: list[tuple[str, float]]) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of the presses of each key."""
    figures = {}
    for key in sorted(set(CYCLE)):
        times = [ms for pressed_key, ms in pressed if pressed_key == key]
        if times:
            figures[key] = (round(percentile(times, 0.5), 1), round(percentile(times, 0.95), 1))
    return figures


def _settled(app: PaydeskApp, job_id: str) -> int:
    snapshot = app.snapshot
    if snapshot is None or job_id not in snapshot.jobs:
        return 0
    return snapshot.jobs[job_id].settled_count

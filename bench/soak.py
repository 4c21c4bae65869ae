"""Soak: one payout commit of at least 10,000 entries under 5 % injected faults, memory and console watched.

    .venv/bin/python bench/soak.py [--entries 10000] [--fault-rate 0.05] [--workers 10]
                                   [--output bench/results/soak.json]

An entry is a step of the commit: one record set to Paid (a payout, its invoice split, its refund request,
or the payable over them); the job's progress and the console count these. The payables are its items.

1. A sandbox is served over HTTP by a child process (`--serve`, no rate limit, no latency), seeded with a
   demo shape sized so that batch 15 of 2026-01 has at least `--entries` steps to write: every other
   contractor is paid on the 15th; each payable has up to 100 payout items, and their links cycle through
   split + refund, split, refund and none (about 2 steps per item).
2. Faults at `--fault-rate` in all, transient kinds only, in fixed proportions: 429 20 %, 500 20 %, 502, 503,
   504, 529 and reset 10 % each, timeout 5 % and applied_reset 5 %. paydesk's client timeout is 2 s.
3. `paydesk run commit --month 2026-01 --batch 15 --workers N --json` runs as a subprocess. Its resident
   memory is sampled from /proc every 0.2 s (VmRSS, and VmHWM, the kernel's peak), and the job's progress
   from the event log every 0.5 s; each memory sample is tagged with the progress of the time.
4. While it runs, the console (`PaydeskApp`, read-only, on the same log) is driven headless with Pilot, in
   cycles: open the job (enter) until its items show, down and up in the items table until the cursor
   moves, back (escape) until the Jobs screen is on top. Each key's latency is the time from the press
   (`App.simulate_key`) until the first frame composed while the screen shows its effect, timed as
   bench/console.py times it (bench/console_frames.py); Pilot's own `press` waits for the whole app to be
   idle, which says more about the timers than about what the operator sees. The Jobs table's progress cell
   is recorded each cycle, and the length of every full garbage collection of the console's process (one
   stops the console for as long).
5. At the end: the job completed with every entry settled (succeeded or skipped, none failed: the faults
   are all transient), every planned target is Paid in the workspace (read with the faults off),
   `paydesk verify` and `paydesk replay --check` pass.

Prints a summary and writes bench/results/soak.json (`--output`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
sys.path.insert(0, str(ROOT))

from eventlog import EventLog, JobRow  # noqa: E402
from sandbox.demo import DemoShape  # noqa: E402

MONTH, BATCH = "2026-01", 15
MAX_ITEMS = 100  # payout items per payable (a relation written in one request holds at most 100)
PROPORTIONS = {
    "429": 0.20,
    "500": 0.20,
    "502": 0.10,
    "503": 0.10,
    "504": 0.10,
    "529": 0.10,
    "reset": 0.10,
    "timeout": 0.05,
    "applied_reset": 0.05,
}
SIZE = (160, 45)
KEY_LIMIT_S = 60.0  # a key whose effect has not shown after this long fails the soak


# ---- the shape and the faults ------------------------------------------------------------------------------


def shape_for(entries: int) -> DemoShape:
    """A workspace whose batch-15 commit has at least `entries` steps (about 2 per payout item + 1)."""
    items = MAX_ITEMS if entries >= 40 * MAX_ITEMS else min(MAX_ITEMS, max(4, entries // 20))
    in_batch = math.ceil(entries / (2 * items) * 1.05) + 1
    contractors = 2 * in_batch  # every other contractor is paid on the 15th
    return DemoShape(
        contractors=contractors,
        projects=1,
        projects_per_contractor=0,
        updates_per_deployment=0,
        approved_orders=0,
        payables=contractors,
        payout_items_per_payable=items,
        big_payable_items=items,
        awkward=False,
    )


def fault_spec(rate: float) -> str:
    return ",".join(f"{kind}:{round(rate * share, 5)}" for kind, share in PROPORTIONS.items())


# ---- the sandbox child process -----------------------------------------------------------------------------


def serve(
    data_dir: Path, entries: int, rps: float = 0.0, latency_ms: float = 0.0, jitter_ms: float = 0.0
) -> None:
    """`--serve`: seed and serve the sandbox; print one JSON line when ready; stop when stdin closes. With
    `rps`, requests over HTTP are limited like Notion's (burst 3, 429 with Retry-After) and answered after
    `latency_ms` + uniform(0, `jitter_ms`); the seed, made in the process, is not."""
    import logging

    import trio
    from notion_client import AsyncClient

    from sandbox.demo import seed_demo
    from sandbox.options import SandboxOptions
    from sandbox.server import open_sandbox

    quiet = logging.getLogger("bench.soak")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False

    async def main() -> None:
        started = time.perf_counter()
        options = SandboxOptions(rps=rps, burst=3, latency_ms=latency_ms, jitter_ms=jitter_ms, random_seed=1)
        async with open_sandbox(data_dir, options) as sandbox:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=sandbox.notion_app), base_url=sandbox.base_url
            ) as http:
                client = AsyncClient(
                    auth=sandbox.token, base_url=sandbox.base_url, client=http, retry=False, logger=quiet
                )
                ws = await seed_demo(
                    client, sandbox.store, shape=shape_for(entries), month=MONTH, random_seed=5
                )
            ready = {
                "base_url": sandbox.base_url,
                "token": sandbox.token,
                "data_sources": ws.data_sources,
                "pages": ws.counts,
                "seed_s": round(time.perf_counter() - started, 1),
            }
            print(json.dumps(ready), flush=True)
            await trio.to_thread.run_sync(sys.stdin.buffer.read, abandon_on_cancel=True)

    trio.run(main)


# ---- watching the job --------------------------------------------------------------------------------------


@dataclass
class Progress:
    job_id: str | None = None
    status: str = ""
    total: int = 0
    settled: int = 0
    samples: list[tuple[float, int, int, str]] = field(default_factory=list)  # (s, settled, total, status)
    planned: asyncio.Event = field(default_factory=asyncio.Event)  # set once the job has a plan (or ended)

    @property
    def fraction(self) -> float:
        return self.settled / self.total if self.total else 0.0


def newest_job(db: Path) -> JobRow | None:
    if not db.exists():
        return None
    with EventLog(db, read_only=True) as log:
        jobs = log.jobs()
    return jobs[-1] if jobs else None


async def watch_progress(db: Path, progress: Progress, started: float, done: asyncio.Event) -> None:
    while not done.is_set():
        try:
            job = await asyncio.to_thread(newest_job, db)
        except Exception:  # the log is being created: read again
            job = None
        if job is not None:
            progress.job_id, progress.status, progress.total = job.job_id, job.status, job.steps_total
            progress.settled = job.steps_total - job.steps_planned - job.steps_started
            sample = (round(time.perf_counter() - started, 2), progress.settled, progress.total, job.status)
            progress.samples.append(sample)
            if progress.total:
                progress.planned.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 0.5)
    progress.planned.set()


def memory_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a live process, in kB; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except (FileNotFoundError, ProcessLookupError):
        return None
    values = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines() if line.startswith("Vm")}
    if "VmRSS" not in values:  # a zombie
        return None
    return values["VmRSS"], values.get("VmHWM", values["VmRSS"])


async def watch_memory(
    pid: int, progress: Progress, started: float, samples: list[dict[str, Any]], done: asyncio.Event
) -> None:
    while not done.is_set():
        found = memory_kb(pid)
        if found is not None:
            samples.append(
                {
                    "s": round(time.perf_counter() - started, 2),
                    "rss_kb": found[0],
                    "hwm_kb": found[1],
                    "settled": progress.settled,
                    "total": progress.total,
                    "status": progress.status,
                }
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 0.2)


# ---- the console -------------------------------------------------------------------------------------------


@dataclass
class ConsoleReport:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    during_job: int = 0  # cycles that started while the job ran
    after_job: int = 0
    progress_cells: list[tuple[float, str, str]] = field(default_factory=list)  # (s, status, progress)
    errors: list[str] = field(default_factory=list)
    full_collections: list[float] = field(default_factory=list)  # the console process's, in seconds


@contextlib.contextmanager
def full_collections_timed(into: list[float]) -> Iterator[None]:
    """Note how long each full garbage collection of this (the console's) process takes meanwhile: one
    stops the console for as long, whatever key is pressed then."""
    begun = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            begun[0] = time.perf_counter()
        else:
            into.append(time.perf_counter() - begun[0])

    gc.callbacks.append(timed)
    try:
        yield
    finally:
        gc.callbacks.remove(timed)


async def drive_console(
    db: Path, progress: Progress, started: float, done: asyncio.Event, report: ConsoleReport
) -> None:
    """Open the console read-only once the job has a plan, and run key cycles until the job is over (and
    two more after, so that a short job still gets a few)."""
    from console.app import ConsoleSettings, PaydeskApp

    await progress.planned.wait()
    app = PaydeskApp(ConsoleSettings(db_path=db, config=None, read_only=True, default_month=MONTH))
    with full_collections_timed(report.full_collections):
        await run_key_cycles(app, progress, started, done, report)


async def run_key_cycles(
    app: Any, progress: Progress, started: float, done: asyncio.Event, report: ConsoleReport
) -> None:
    from textual.widgets import DataTable

    from bench.console_frames import FrameClock
    from console.screens.job import JobScreen
    from console.screens.jobs import JobsScreen
    from console.widgets.tables import row_text

    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)

        async def measure(action: str, key: str, shown: Callable[[], bool]) -> None:
            begun = time.perf_counter()
            app.simulate_key(key)
            try:
                at = await clock.shown(shown, KEY_LIMIT_S)
            except TimeoutError:
                raise TimeoutError(f"{key} ({action}) did not show within {KEY_LIMIT_S:g} s") from None
            report.latencies.setdefault(action, []).append(round(at - begun, 4))

        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        table = jobs.query_one("#jobs", DataTable)
        while table.row_count == 0:
            await pilot.pause(0.05)
        extra = 2
        while extra > 0:
            running = not done.is_set()
            if running:
                report.during_job += 1
            else:
                report.after_job += 1
                extra -= 1
            cells = row_text(table, 0)
            report.progress_cells.append((round(time.perf_counter() - started, 2), cells[2], cells[3]))
            await measure("open job", "enter", lambda: isinstance(app.screen, JobScreen) and items_shown(app))
            screen = app.screen
            assert isinstance(screen, JobScreen)
            items = screen.query_one("#items", DataTable)
            if items.row_count > 1:
                row = items.cursor_row
                await measure("down", "down", lambda t=items, r=row: t.cursor_row == r + 1)  # type: ignore[misc]
                await measure("up", "up", lambda t=items, r=row: t.cursor_row == r)  # type: ignore[misc]
            await measure("back", "escape", lambda: app.screen is jobs)
            await pilot.pause(0.3)


def items_shown(app: Any) -> bool:
    from textual.widgets import DataTable

    tables = app.screen.query("#items")
    return bool(tables) and isinstance(tables.first(), DataTable) and tables.first().row_count > 0


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {
        "count": len(ordered),
        "p50_ms": round(cut[49] * 1000, 1),
        "p95_ms": round(cut[94] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


# ---- the run -----------------------------------------------------------------------------------------------


def write_config(path: Path, ready: dict[str, Any], workers: int, rate: float = 0.0) -> None:
    """paydesk's configuration for the served sandbox: at `rate` requests/s (burst 3, as Notion allows), or
    with no practical limit when `rate` is 0."""
    lines = [
        "[notion]",
        f'base_url = "{ready["base_url"]}"',
        'notion_version = "2025-09-03"',
        f"rate = {rate or 1000.0}",
        f"burst = {3 if rate else 100}",
        "timeout_s = 2.0",
        "",
        "[engine]",
        f"workers = {workers}",
        "",
        "[data_sources]",
        *(f'{name} = "{source}"' for name, source in ready["data_sources"].items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def paydesk(env: dict[str, str], *args: str) -> tuple[int, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "console.cli",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out, err


async def all_paid(base_url: str, token: str, ready: dict[str, Any], db: Path, job_id: str) -> dict[str, Any]:
    """Every planned target read back (faults off): how many are Paid, and how many are not."""

    def targets() -> list[tuple[str, str]]:
        with EventLog(db, read_only=True) as log:
            return [(step.data_source, step.target) for step in log.steps(job_id)]

    wanted = await asyncio.to_thread(targets)
    status: dict[str, str | None] = {}
    headers = {"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
        for logical in sorted({logical for logical, _ in wanted}):
            cursor: str | None = None
            while True:
                body: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
                source = ready["data_sources"][logical]
                answer = (await http.post(f"/v1/data_sources/{source}/query", json=body)).json()
                for page in answer["results"]:
                    props = page["properties"]
                    prop = props.get("Payment Status") or props.get("Status") or {}
                    value = prop.get(prop.get("type", ""), None)
                    status[page["id"]] = value.get("name") if isinstance(value, dict) else None
                if not answer["has_more"]:
                    break
                cursor = answer["next_cursor"]
    not_paid = [target for _, target in wanted if status.get(target) != "Paid"]
    return {"targets": len(wanted), "paid": len(wanted) - len(not_paid), "not_paid": not_paid[:10]}


def curve(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The memory at 0, 10, 20, 25, …, 75, …, 100 % of the entries settled, while the job runs: the first
    running sample at or past each mark, and the last running sample (a mark no running sample reached is
    left out; samples taken as the process winds down are the report's `at_exit`)."""
    running = [s for s in samples if s["total"] and s["status"] == "running"]
    points = []
    for mark in sorted({*range(0, 101, 10), 25, 75}):
        found = next((s for s in running if s["settled"] * 100 >= mark * s["total"]), None)
        if found is not None:
            points.append(_point(mark, found))
    if running and (not points or points[-1]["s"] != running[-1]["s"]):
        last = running[-1]
        points.append(_point(round(100 * last["settled"] / last["total"], 1), last))
    return points


def _point(percent: float, sample: dict[str, Any]) -> dict[str, Any]:
    rss_mb = round(sample["rss_kb"] / 1024, 1)
    return {"percent": percent, "s": sample["s"], "rss_mb": rss_mb, "settled": sample["settled"]}


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="paydesk-soak-") as tmp_name:
        tmp = Path(tmp_name)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            "--serve",
            str(tmp / "sandbox"),
            "--entries",
            str(args.entries),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            assert child.stdout is not None and child.stdin is not None
            line = await asyncio.wait_for(child.stdout.readline(), args.timeout)
            if not line:
                raise SystemExit("the sandbox did not start")
            ready = json.loads(line)
            return await run(args, tmp, ready)
        finally:
            if child.stdin is not None:
                child.stdin.close()
            try:
                await asyncio.wait_for(child.wait(), 60)
            except TimeoutError:
                child.kill()
                await child.wait()


async def run(args: argparse.Namespace, tmp: Path, ready: dict[str, Any]) -> dict[str, Any]:
    base_url, db = ready["base_url"], tmp / "log.sqlite"
    write_config(tmp / "paydesk.toml", ready, args.workers)
    env = {k: v for k, v in os.environ.items() if "LLM" not in k and k != "OPENROUTER_API_KEY"}
    env |= {
        "PAYDESK_CONFIG": str(tmp / "paydesk.toml"),
        "PAYDESK_DB": str(db),
        "PAYDESK_HOME": str(tmp / "home"),
        "NOTION_TOKEN": ready["token"],
    }
    spec = fault_spec(args.fault_rate)
    async with httpx.AsyncClient(base_url=base_url) as admin:
        (await admin.post("/_sandbox/faults", json={"spec": spec, "random_seed": 7})).raise_for_status()
        (await admin.post("/_sandbox/stats/reset")).raise_for_status()

    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "console.cli",
        "run",
        "commit",
        "--month",
        MONTH,
        "--batch",
        str(BATCH),
        "--workers",
        str(args.workers),
        "--json",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    done = asyncio.Event()
    progress, console = Progress(), ConsoleReport()
    memory: list[dict[str, Any]] = []

    async def wait_job() -> tuple[bytes, bytes]:
        try:
            out, err = await asyncio.wait_for(process.communicate(), args.timeout)
            return out, err
        finally:
            done.set()

    async def console_task() -> None:
        try:
            await drive_console(db, progress, started, done, console)
        except Exception as err:  # reported, and the soak fails on it
            console.errors.append(f"{type(err).__name__}: {err}")

    async with asyncio.TaskGroup() as group:
        job = group.create_task(wait_job())
        group.create_task(watch_progress(db, progress, started, done))
        group.create_task(watch_memory(process.pid, progress, started, memory, done))
        group.create_task(console_task())
    out, err = job.result()
    wall = time.perf_counter() - started
    row = await asyncio.to_thread(newest_job, db)
    assert row is not None

    async with httpx.AsyncClient(base_url=base_url) as admin:
        stats = (await admin.get("/_sandbox/stats")).json()
        (await admin.post("/_sandbox/faults", json={"spec": ""})).raise_for_status()
    paid = await all_paid(base_url, ready["token"], ready, db, row.job_id)
    verify, replay = await asyncio.gather(paydesk(env, "verify"), paydesk(env, "replay", "--check"))

    planned_at = next((t for t, _, total, _ in progress.samples if total), None)
    summary: dict[str, Any] = json.loads(out) if out.strip() else {}
    settled = row.steps_succeeded + row.steps_skipped
    checks = {
        "exit_code": process.returncode,
        "job_status": row.status,
        "entries_settled_at_least_target": settled >= args.entries,
        "none_failed_or_blocked": row.steps_failed == 0 and row.steps_blocked == 0,
        "every_target_paid": paid["paid"] == paid["targets"] > 0,
        "verify_exit": verify[0],
        "replay_check_exit": replay[0],
        "console_errors": console.errors,
        "console_cycles_during_job": console.during_job,
    }
    ok = (
        process.returncode == 0
        and row.status == "completed"
        and bool(checks["entries_settled_at_least_target"])
        and bool(checks["none_failed_or_blocked"])
        and bool(checks["every_target_paid"])
        and verify[0] == 0
        and replay[0] == 0
        and not console.errors
        and console.during_job + console.after_job > 0
    )
    all_latencies = [v for values in console.latencies.values() for v in values]
    shown = [cell for _, _, cell in console.progress_cells]
    peak = max((s["hwm_kb"] for s in memory), default=0)
    return {
        "benchmark": "soak",
        "ok": ok,
        "settings": {
            "entries": args.entries,
            "fault_rate": args.fault_rate,
            "fault_spec": spec,
            "workers": args.workers,
            "client_timeout_s": 2.0,
            "sandbox": "served over HTTP by a child process, no rate limit, no latency",
        },
        "workspace": {
            "pages": ready["pages"],
            "seed_s": ready["seed_s"],
            "shape": vars(shape_for(args.entries)),
        },
        "job": {
            "job_id": row.job_id,
            "status": row.status,
            "items": row.plan_items,
            "entries_planned": row.steps_total,
            "entries_succeeded": row.steps_succeeded,
            "entries_skipped": row.steps_skipped,
            "entries_failed": row.steps_failed,
            "entries_blocked": row.steps_blocked,
            "entries_settled": settled,
            "summary": {k: v for k, v in summary.items() if k != "errors"},
            "errors": summary.get("errors", [])[:5],
            "wall_s": round(wall, 1),
            "planned_at_s": planned_at,
            "entries_per_s_executing": round(settled / (wall - planned_at), 1) if planned_at else None,
            "stderr_tail": err.decode(errors="replace")[-500:],
        },
        "sandbox": {
            "requests": stats["totals"]["total"],
            "reads": stats["totals"]["reads"],
            "writes": stats["totals"]["writes"],
            "faults_injected": stats["totals"]["faults"],
            "faults_by_status": {k: v for k, v in stats["by_status"].items() if not k.startswith("2")},
            "fault_share": round(stats["totals"]["faults"] / max(1, stats["totals"]["total"]), 4),
        },
        "memory": {
            "peak_rss_mb": round(peak / 1024, 1),
            "samples": len(memory),
            "curve": curve(memory),
            "at_exit": memory[-1] if memory else None,
            "thinned": memory[:: max(1, len(memory) // 60)],
        },
        "console": {
            "cycles_during_job": console.during_job,
            "cycles_after_job": console.after_job,
            "latency_all": percentiles(all_latencies),
            "latency_by_key": {action: percentiles(values) for action, values in console.latencies.items()},
            "progress_cells_distinct": len(dict.fromkeys(shown)),
            "progress_cells": console.progress_cells[:: max(1, len(console.progress_cells) // 12)],
            "errors": console.errors,
            "full_collections": len(console.full_collections),
            "full_collection_max_ms": round(max(console.full_collections, default=0.0) * 1000, 1),
        },
        "checks": checks,
        "every_target_paid": paid,
        "progress_samples": len(progress.samples),
        "load_average": os.getloadavg(),
    }


def print_report(report: dict[str, Any]) -> None:
    job, memory, console, sandbox = report["job"], report["memory"], report["console"], report["sandbox"]
    print(
        f"soak: {job['entries_settled']} of {job['entries_planned']} entries settled "
        f"({job['items']} payables), {job['entries_failed']} failed, status {job['status']}, "
        f"{job['wall_s']} s"
    )
    print(
        f"faults injected: {sandbox['faults_injected']} of {sandbox['requests']} requests "
        f"({sandbox['fault_share']:.1%}) {sandbox['faults_by_status']}"
    )
    print(
        f"peak RSS {memory['peak_rss_mb']} MB; RSS by progress: "
        + ", ".join(f"{p['percent']}% {p['rss_mb']} MB" for p in memory["curve"])
    )
    latency = console["latency_all"]
    print(
        f"console: {console['cycles_during_job']} cycles during the job, key latency p50 "
        f"{latency.get('p50_ms')} ms, p95 {latency.get('p95_ms')} ms, max {latency.get('max_ms')} ms; "
        f"{console['progress_cells_distinct']} distinct progress cells; "
        f"{console['full_collections']} full garbage collections in the console's process, the longest "
        f"{console['full_collection_max_ms']} ms"
    )
    print(
        "every target Paid:",
        report["every_target_paid"]["paid"],
        "of",
        report["every_target_paid"]["targets"],
    )
    print("SOAK OK" if report["ok"] else f"SOAK FAILED: {report['checks']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000, help="at least this many entries (steps)")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="share of requests faulted")
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after this long (seconds)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "soak.json"))
    parser.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)  # the sandbox child process
    parser.add_argument("--serve-rps", type=float, default=0.0, help=argparse.SUPPRESS)  # and its limits
    parser.add_argument("--serve-latency-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--serve-jitter-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.serve:
        serve(Path(args.serve), args.entries, args.serve_rps, args.serve_latency_ms, args.serve_jitter_ms)
        return 0
    report = asyncio.run(soak(args))
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(f"wrote {out}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

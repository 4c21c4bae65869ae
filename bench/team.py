"""Benchmark of one Notion rate limit shared by several paydesk processes paying one workspace.

    .venv/bin/python bench/team.py [--size medium] [--latency-ms 100] [--jitter-ms 100] [--rps 3] [--burst 3]

Each case starts `paydesk sandbox serve` in its own process on a freshly seeded demo workspace (the same
seed each time, so every case meets the same work), limited like Notion (3 requests/s per integration,
burst 3, 429 with Retry-After) with 150 ± 50 ms latency (100 ms fixed plus up to 100 ms of jitter), and
starts 1, 2 or 4 `paydesk run … --json` processes at once, one job each, with non-overlapping selections:
commit batch 1, commit batch 15, generate refund, generate invoice_split (the first N of these). They use
one configuration (one integration), one log (a workspace is bound to one log) and so one schedule of send
slots beside it (`[notion] share_limit = true`). The baseline is the 4-process case with
`share_limit = false`: each process keeps its own bucket at the full rate.

Reported per case, from the sandbox's counters (`GET /_sandbox/stats`, polled every 50 ms): requests that
arrived (429s included), 429s, combined requests/s over the wall time, the wall time (all processes started
to the last one ended), the rate-limit floor and wall ÷ floor; and the same over the sending period alone
(first request to last request arriving), since start-up (imports, the log, the schema check) and the tail
(the last answer, the log's final events, exit) are time when nobody sends. The floor: the sandbox's bucket
starts full, so n accepted requests need at least (n − burst) ÷ rate seconds between the first and the last
(a 429 takes no token; the shared cases get none). The wall's floor adds the mean latency of the last
answer. Each row carries the 1-minute load average taken as the case ended. The bar: wall ÷ floor ≤ 1.10
with 4 processes sharing the limit, every job done (exit 0, nothing failed).
Prints a table and writes bench/results/team.json. The medium workspace takes about 10 minutes in all (each
4-process case about 3); `--size small` about 3.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "team.json"
MONTH = "2026-01"
TOKEN = "secret_bench_team_token"
READY = "paydesk sandbox serving at "
FLOOR_BAR = 1.10
POLL_S = 0.05
JOBS: dict[str, tuple[str, ...]] = {  # one job per process, in this order; selections that do not overlap
    "commit 1": ("commit", "--month", MONTH, "--batch", "1"),
    "commit 15": ("commit", "--month", MONTH, "--batch", "15"),
    "generate refund": ("generate", "--type", "refund", "--month", MONTH),
    "generate invoice_split": ("generate", "--type", "invoice_split", "--month", MONTH),
}
CASES = ((1, True), (2, True), (4, True), (4, False))  # (processes, share_limit)


@dataclass
class Job:
    name: str
    argv: tuple[str, ...]
    code: int = -1
    wall_s: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""


@dataclass
class Case:
    processes: int
    share_limit: bool
    requests: int = 0
    rate_limited: int = 0
    wall_s: float = 0.0
    first_request_s: float = 0.0  # after the processes started
    last_request_s: float = 0.0
    by_route: dict[str, int] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)


# ---- the sandbox in its own process ----------------------------------------------------------------------


@asynccontextmanager
async def serve(workdir: Path, args: argparse.Namespace) -> AsyncIterator[str]:
    """`paydesk sandbox serve` seeding a fresh demo workspace in `workdir`; its base URL once ready (the
    configuration is then in workdir/paydesk.toml)."""
    command = [
        *("sandbox", "serve", "--port", "0", "--data", str(workdir / "sandbox")),
        *("--seed", "demo", "--size", args.size, "--month", MONTH, "--random-seed", "5"),
        *("--rps", f"{args.rps:g}", "--burst", str(args.burst)),
        *("--latency-ms", f"{args.latency_ms:g}", "--jitter-ms", f"{args.jitter_ms:g}"),
        *("--write-config", str(workdir / "paydesk.toml")),
    ]
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "console.cli", *command], stdout=subprocess.PIPE, env=environment(), cwd=ROOT
    )
    try:
        assert process.stdout is not None
        buffer = b""
        with trio.fail_after(300):
            while b"\n" not in buffer:
                chunk = await process.stdout.receive_some()
                if not chunk:
                    raise SystemExit(f"the sandbox exited before it was ready: {buffer!r}")
                buffer += chunk
        yield buffer.split(b"\n", 1)[0].decode().removeprefix(READY).split(" ", 1)[0]
    finally:
        process.send_signal(signal.SIGTERM)
        with trio.CancelScope(shield=True), trio.fail_after(60):
            await process.wait()


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "LLM" not in k and k != "OPENROUTER_API_KEY"}
    return env | {"NOTION_TOKEN": TOKEN, "PYTHONPATH": str(ROOT), **extra}


async def stats(http: httpx.AsyncClient) -> dict[str, Any]:
    found: dict[str, Any] = (await http.get("/_sandbox/stats")).json()
    return found


# ---- one case --------------------------------------------------------------------------------------------


async def run_job(job: Job, env: dict[str, str], started: float) -> None:
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "console.cli", "run", *job.argv, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    out, err = bytearray(), bytearray()

    async def drain(stream: trio.abc.ReceiveStream, into: bytearray) -> None:
        async for chunk in stream:
            into.extend(chunk)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(drain, process.stdout, out)
        nursery.start_soon(drain, process.stderr, err)
    job.code = await process.wait()
    job.wall_s = time.perf_counter() - started
    job.stderr = err.decode().strip()[-2000:]
    try:
        job.summary = json.loads(out)
    except ValueError:
        job.summary = {}


async def run_case(case: Case, args: argparse.Namespace, tmp: Path) -> None:
    workdir = tmp / f"{case.processes}-{'shared' if case.share_limit else 'own'}"
    async with serve(workdir, args) as base_url:
        config = workdir / "paydesk.toml"
        text = config.read_text(encoding="utf-8")
        line = f"burst = {args.burst}\n"
        assert line in text, "the sandbox's configuration has no burst line to put share_limit after"
        flag = f"share_limit = {'true' if case.share_limit else 'false'}\n"
        config.write_text(text.replace(line, line + flag, 1), encoding="utf-8")
        env = environment(
            PAYDESK_CONFIG=str(config),
            PAYDESK_DB=str(workdir / "log.sqlite"),
            PAYDESK_HOME=str(workdir / "home"),
        )
        case.jobs = [Job(name, argv) for name, argv in list(JOBS.items())[: case.processes]]
        async with httpx.AsyncClient(base_url=base_url) as http:
            (await http.post("/_sandbox/stats/reset")).raise_for_status()
            timeline: list[tuple[float, int]] = []
            started = time.perf_counter()
            async with trio.open_nursery() as nursery:

                async def poll() -> None:
                    while True:
                        total = (await stats(http))["totals"]["total"]
                        timeline.append((time.perf_counter() - started, int(total)))
                        await trio.sleep(POLL_S)

                nursery.start_soon(poll)
                async with trio.open_nursery() as jobs:
                    for job in case.jobs:
                        jobs.start_soon(run_job, job, env, started)
                nursery.cancel_scope.cancel()
            case.wall_s = max(job.wall_s for job in case.jobs)
            final = await stats(http)
    case.load_average = os.getloadavg()
    case.requests = int(final["totals"]["total"])
    case.rate_limited = int(final["totals"]["rate_limited"])
    case.by_route = {route: row["count"] for route, row in final["by_route"].items()}
    # The first poll that saw a request, and the first that saw them all (each at most POLL_S late).
    case.first_request_s = next((t for t, n in timeline if n > 0), 0.0)
    case.last_request_s = next((t for t, n in timeline if n >= case.requests), case.wall_s)


# ---- figures ---------------------------------------------------------------------------------------------


def figures(case: Case, args: argparse.Namespace) -> dict[str, Any]:
    accepted = case.requests - case.rate_limited
    sending_floor = max(0, accepted - args.burst) / args.rps
    mean_latency = (args.latency_ms + args.jitter_ms / 2) / 1000
    wall_floor = sending_floor + mean_latency
    sending = max(case.last_request_s - case.first_request_s, 1e-9)
    failed = sum(int(job.summary.get("failed", 0) or 0) for job in case.jobs)
    return {
        "processes": case.processes,
        "share_limit": case.share_limit,
        "jobs": [job.name for job in case.jobs],
        "requests": case.requests,
        "rate_limited": case.rate_limited,
        "requests_per_s": round(case.requests / case.wall_s, 3),
        "wall_s": round(case.wall_s, 2),
        "floor_s": round(wall_floor, 2),
        "wall_over_floor": round(case.wall_s / wall_floor, 3),
        "first_request_s": round(case.first_request_s, 2),
        "last_request_s": round(case.last_request_s, 2),
        "sending_s": round(sending, 2),
        "sending_floor_s": round(sending_floor, 2),
        "sending_over_floor": round(sending / sending_floor, 3) if sending_floor else None,
        "sending_requests_per_s": round(case.requests / sending, 3),
        "all_done": all(job.code == 0 for job in case.jobs) and failed == 0,
        "failed_items": failed,
        "per_process": [
            {
                "job": job.name,
                "exit": job.code,
                "wall_s": round(job.wall_s, 2),
                "summary": {k: v for k, v in job.summary.items() if not isinstance(v, list | dict)},
                **({"stderr": job.stderr} if job.code != 0 else {}),
            }
            for job in case.jobs
        ],
        "by_route": case.by_route,
        "load_average": [round(x, 2) for x in case.load_average],
    }


def print_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"paydesk processes sharing one integration, {args.size} demo workspace: {args.rps:g} requests/s, "
        f"burst {args.burst}, latency {args.latency_ms:g} + 0..{args.jitter_ms:g} ms; jobs: "
        + ", ".join(JOBS)
    )
    print(
        f"{'case':<16}{'requests':>9}{'429s':>6}{'req/s':>7}{'wall s':>8}{'floor s':>8}{'wall/fl':>8}"
        f"{'start s':>8}{'send s':>8}{'floor s':>8}{'send/fl':>8}{'done':>6}{'load':>6}"
    )
    for row in rows:
        label = f"{row['processes']} {'shared' if row['share_limit'] else 'own limit'}"
        ratio = row["sending_over_floor"]
        print(
            f"{label:<16}{row['requests']:>9}{row['rate_limited']:>6}{row['requests_per_s']:>7.2f}"
            f"{row['wall_s']:>8.1f}{row['floor_s']:>8.1f}{row['wall_over_floor']:>8.3f}"
            f"{row['first_request_s']:>8.2f}{row['sending_s']:>8.1f}{row['sending_floor_s']:>8.1f}"
            f"{ratio if ratio is not None else '-':>8}{'yes' if row['all_done'] else 'NO':>6}"
            f"{row['load_average'][0]:>6.2f}"
        )


async def main_async(args: argparse.Namespace) -> int:
    cases = [Case(processes, share) for processes, share in CASES]
    with tempfile.TemporaryDirectory(prefix="paydesk-bench-team-") as tmpdir:
        for case in cases:
            await run_case(case, args, Path(tmpdir))
            print(
                f"  {case.processes} process(es), share_limit={case.share_limit}: {case.requests} requests, "
                f"{case.rate_limited} 429s, {case.wall_s:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    rows = [figures(case, args) for case in cases]
    print_table(rows, args)
    shared4 = next(row for row in rows if row["processes"] == 4 and row["share_limit"])
    own4 = next(row for row in rows if row["processes"] == 4 and not row["share_limit"])
    ok = shared4["wall_over_floor"] <= FLOOR_BAR and all(row["all_done"] for row in rows)
    print(
        f"4 processes sharing the limit: wall / floor = {shared4['wall_over_floor']:.3f} "
        f"(bar ≤ {FLOOR_BAR}), "
        f"sending period / its floor = {shared4['sending_over_floor']}; {shared4['rate_limited']} 429s "
        f"against {own4['rate_limited']} of {own4['requests']} requests with a limit of their own"
    )
    for row in rows:
        for proc in row["per_process"]:
            if proc["exit"] != 0:
                failed = f"`{proc['job']}` exited {proc['exit']}: {proc['stderr']}"
                print(f"  {row['processes']} processes: {failed}")
    print("BAR MET" if ok else "BAR NOT MET")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    result = {"settings": vars(args), "cases": rows, "bar": FLOOR_BAR, "bar_met": ok}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--jitter-ms", type=float, default=100.0)
    parser.add_argument("--rps", type=float, default=3.0)
    parser.add_argument("--burst", type=int, default=3)
    return trio.run(main_async, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

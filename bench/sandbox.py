"""Benchmark of the sandbox server as paydesk meets it: over real HTTP, through the real notion-client.

    .venv/bin/python bench/sandbox.py [--seconds S] [--rate-seconds S] [--concurrency N] [--processes P]

The server runs in its own process (`paydesk sandbox serve`).

1. Throughput, no latency and no rate limit, `--concurrency` requests in flight in all (default 10), on the
   seeded medium demo workspace: pages.retrieve, pages.update (a title) and a 100-row data_sources.query
   page. The load comes from `--processes` client processes (default 2), each running the real async
   notion-client (`AsyncClient`, retries off, one httpx connection pool) under trio with its share of the
   in-flight requests (10 over 2 processes: 5 + 5), each request sent as soon as the previous one of its
   worker is answered. Several processes because the client costs about as much CPU per request as the
   server: one client process tops out near 600 requests/s on its own. All processes warm up, then start
   together and run for `--seconds`; the rate is all their requests over the longest run.
   The bar: at least 500 requests/s for retrieve and for update.
2. The rate limiter (rps 10, burst 10): a client fires as fast as it can for `--rate-seconds` (default 30)
   after draining the burst; accepted requests per second over the configured rate must be within 5 %.
3. Query pages at scale (`bench/sandbox_query.py`): 100-row query pages over data sources of
   `--query-sizes` rows (default 1 k, 10 k, 100 k; seeded straight into the store), one request at a time,
   `--query-pages` requests per shape (all, status filter, sort, lookup, filter + sort), first from the
   server's opening, then with a page update before each query page; beside floors measured in the same run
   (a bare round trip, rendering 100 rows, a raw pass over the rows), the server's start-up time and memory,
   and the load average. The bar: p95 at most 20 ms per page, with or without writes between pages.
   `--part query` runs only this part, `--part throughput` only 1 and 2.

CPU time per request is reported for both processes (client: this process; server: /proc), so a missed bar
can be traced to the side that is short of CPU. The sandbox's own counters (`GET /_sandbox/stats`) are
checked against what the client sent. Prints a table and writes bench/results/sandbox.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import notion_client
import trio

ROOT = Path(__file__).resolve().parents[1]
# The project root before this folder, so that `sandbox` is the package, not this script.
sys.path.insert(0, str(ROOT))

from sandbox_query import (  # noqa: E402
    SHAPES,
    Floors,
    QueryFigure,
    Startup,
    measure_floors,
    measure_shape,
    print_query_table,
    seed_rows,
)

RESULTS = ROOT / "bench" / "results" / "sandbox.json"
SCRIPT = Path(__file__).resolve()
TOKEN = "secret_bench_token"
THROUGHPUT_BAR = 500.0
QUERY_PAGE_BAR_MS = 20.0
RATE_TOLERANCE = 0.05
READY = "paydesk sandbox serving at "
QUIET = logging.getLogger("bench.sandbox")


@dataclass
class Throughput:
    name: str
    requests: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    server_counted: int
    client_cpu_ms: float
    server_cpu_ms: float | None


@dataclass
class RateHold:
    rps: float
    burst: int
    seconds: float
    accepted: int
    refused: int
    accepted_per_second: float
    ratio: float


@dataclass
class Server:
    base_url: str
    config: Path
    pid: int
    started_s: float  # from spawning the process to its ready line

    def rss_mb(self) -> float | None:
        """The server process's resident memory (Linux /proc), or None where unknown."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time the server process has used so far (Linux /proc), or None where unknown."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def server(data_dir: Path, *args: str) -> AsyncIterator[Server]:
    """`paydesk sandbox serve` in its own process, once it is ready."""
    config = data_dir / "paydesk.toml"
    command = [
        sys.executable,
        "-m",
        "console.cli",
        "sandbox",
        "serve",
        "--port",
        "0",
        "--data",
        str(data_dir),
    ]
    env = {**os.environ, "NOTION_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    spawned = time.perf_counter()
    process = await trio.lowlevel.open_process([*command, *args], stdout=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        assert process.stdout is not None
        buffer = b""
        with trio.fail_after(600):
            while b"\n" not in buffer:
                chunk = await process.stdout.receive_some()
                if not chunk:
                    raise SystemExit(f"the sandbox exited before it was ready: {buffer!r}")
                buffer += chunk
        line = buffer.split(b"\n", 1)[0].decode()
        started = time.perf_counter() - spawned
        yield Server(line.removeprefix(READY).split(" ", 1)[0], config, process.pid, started)
    finally:
        process.send_signal(signal.SIGTERM)
        with trio.fail_after(60):
            code = await process.wait()
        if code != 0:
            print(f"warning: the sandbox exited with {code}", file=sys.stderr)


def client_for(base_url: str) -> notion_client.AsyncClient:
    http = httpx.AsyncClient(base_url=base_url, limits=httpx.Limits(max_connections=64), timeout=60)
    return notion_client.AsyncClient(auth=TOKEN, base_url=base_url, client=http, retry=False, logger=QUIET)


WORKLOADS = ("retrieve", "update", "query 100 rows")


def workload(
    client: notion_client.AsyncClient, name: str, updates: str, page_ids: list[str], offset: int
) -> Callable[[int], Awaitable[Any]]:
    """The call `name` makes for request number `i` (pages chosen round-robin, from `offset` on)."""

    async def retrieve(i: int) -> Any:
        return await client.pages.retrieve(page_id=page_ids[(offset + i) % len(page_ids)])

    async def update(i: int) -> Any:
        title = [{"type": "text", "text": {"content": f"Bench entry {offset + i}"}}]
        return await client.pages.update(
            page_id=page_ids[(offset + i) % len(page_ids)], properties={"Entry": {"title": title}}
        )

    async def query(i: int) -> Any:
        page = await client.data_sources.query(data_source_id=updates, page_size=100)
        assert len(page["results"]) == 100
        return page

    return {"retrieve": retrieve, "update": update, "query 100 rows": query}[name]


async def client_worker(args: argparse.Namespace) -> int:
    """One client process of the throughput runs (`--worker`), driven over stdin/stdout by the parent.

    For each workload: wait for a `warm` line, warm up, print `ready`, wait for a `go` line, run
    `--concurrency` workers back to back for `--seconds`, print one JSON line
    `{"latencies": [...], "cpu": s, "elapsed": s}`."""
    base_url, updates = args.worker
    client = client_for(base_url)
    lines = trio.wrap_file(sys.stdin)
    try:
        first = await client.data_sources.query(data_source_id=updates, page_size=100)
        page_ids = [page["id"] for page in first["results"]]
        for name in WORKLOADS:
            call = workload(client, name, updates, page_ids, args.offset)
            if (await lines.readline()).strip() != "warm":
                return 1
            for i in range(args.concurrency * 5):
                await call(i)
            print("ready", flush=True)
            if (await lines.readline()).strip() != "go":
                return 1
            latencies, cpu, elapsed = await run_workers(call, args.concurrency, args.seconds)
            print(json.dumps({"latencies": latencies, "cpu": cpu, "elapsed": elapsed}), flush=True)
    finally:
        await client.aclose()
    return 0


async def run_workers(
    call: Callable[[int], Awaitable[Any]], concurrency: int, seconds: float
) -> tuple[list[float], float, float]:
    """`concurrency` workers calling `call(i)` back to back for `seconds`: latencies, CPU s, elapsed s."""
    latencies: list[float] = []
    counter = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal counter
        while time.perf_counter() < deadline:
            counter += 1
            started = time.perf_counter()
            await call(counter)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    cpu = time.process_time()
    async with trio.open_nursery() as nursery:
        for _ in range(concurrency):
            nursery.start_soon(worker)
    return latencies, time.process_time() - cpu, time.perf_counter() - started


class ClientProcess:
    """A `--worker` client process and line-based talk with it."""

    def __init__(self, process: trio.Process) -> None:
        self.process = process
        self._buffer = b""

    async def readline(self) -> str:
        assert self.process.stdout is not None
        while b"\n" not in self._buffer:
            chunk = await self.process.stdout.receive_some()
            if not chunk:
                raise SystemExit(f"a client process exited early: {self._buffer!r}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    async def send(self, line: str) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send_all(line.encode() + b"\n")


def split(total: int, parts: int) -> list[int]:
    """`total` in-flight requests over `parts` processes, as evenly as possible (none left idle)."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


async def measure_throughput(
    data_dir: Path, seconds: float, concurrency: int, processes: int
) -> list[Throughput]:
    args = ["--seed", "demo", "--size", "medium", "--month", "2026-01", "--rps", "0"]
    async with server(data_dir, *args, "--write-config", str(data_dir / "paydesk.toml")) as served:
        base_url = served.base_url
        updates = tomllib.loads(served.config.read_text(encoding="utf-8"))["data_sources"]["updates"]
        shares = split(concurrency, processes)
        clients: list[ClientProcess] = []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        results: list[Throughput] = []
        async with httpx.AsyncClient(base_url=base_url) as admin:
            try:
                for index, share in enumerate(shares):
                    command = [sys.executable, str(SCRIPT), "--worker", base_url, updates]
                    options = ["--concurrency", str(share), "--seconds", str(seconds)]
                    options += ["--offset", str(index * 37)]
                    process = await trio.lowlevel.open_process(
                        [*command, *options], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=ROOT
                    )
                    clients.append(ClientProcess(process))
                for name in WORKLOADS:
                    results.append(await _run_workload(name, clients, admin, served))
            finally:
                for client in clients:
                    assert client.process.stdin is not None
                    await client.process.stdin.aclose()  # a worker still waiting for a line gives up
                    with trio.move_on_after(10):
                        await client.process.wait()
                    if client.process.returncode is None:
                        client.process.kill()
        return results


async def _run_workload(
    name: str, clients: list[ClientProcess], admin: httpx.AsyncClient, served: Server
) -> Throughput:
    """All client processes warmed up, then started together; their answers merged."""
    for client in clients:
        await client.send("warm")
    for client in clients:
        if await client.readline() != "ready":
            raise SystemExit("a client process did not get ready")
    await admin.post("/_sandbox/stats/reset")
    server_cpu = served.cpu_seconds()
    for client in clients:
        await client.send("go")
    reports = [json.loads(await client.readline()) for client in clients]
    server_end = served.cpu_seconds()
    latencies = [latency for report in reports for latency in report["latencies"]]
    elapsed = max(report["elapsed"] for report in reports)
    client_cpu = sum(report["cpu"] for report in reports)
    server_ms = (
        None if server_cpu is None or server_end is None else (server_end - server_cpu) / len(latencies)
    )
    counted = (await admin.get("/_sandbox/stats")).json()["totals"]["total"]
    quantiles = statistics.quantiles(latencies, n=20)
    return Throughput(
        name=name,
        requests=len(latencies),
        seconds=round(elapsed, 3),
        per_second=round(len(latencies) / elapsed, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 2),
        p95_ms=round(quantiles[18] * 1000, 2),
        server_counted=counted,
        client_cpu_ms=round(client_cpu / len(latencies) * 1000, 3),
        server_cpu_ms=None if server_ms is None else round(server_ms * 1000, 3),
    )


async def measure_rate_hold(data_dir: Path, seconds: float, rps: float = 10.0, burst: int = 10) -> RateHold:
    """A client firing flat out (4 connections) against `--rps rps --burst burst`; accepted rate / rps."""
    async with server(data_dir, "--rps", str(rps), "--burst", str(burst)) as served:
        base_url = served.base_url
        headers = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
            while (await http.get("/v1/users/me")).status_code != 429:  # drain the burst
                pass
            accepted = refused = 0
            deadline = trio.current_time() + seconds

            async def fire() -> None:
                nonlocal accepted, refused
                while trio.current_time() < deadline:
                    status = (await http.get("/v1/users/me")).status_code
                    if trio.current_time() >= deadline:
                        return
                    if status == 200:
                        accepted += 1
                    elif status == 429:
                        refused += 1
                    else:
                        raise SystemExit(f"unexpected status {status}")

            started = trio.current_time()
            async with trio.open_nursery() as nursery:
                for _ in range(4):
                    nursery.start_soon(fire)
            elapsed = min(trio.current_time(), deadline) - started
    per_second = accepted / elapsed
    return RateHold(
        rps, burst, round(elapsed, 3), accepted, refused, round(per_second, 3), round(per_second / rps, 4)
    )


async def measure_queries(
    data_dir: Path, sizes: list[int], pages: int
) -> tuple[list[Startup], list[Floors], list[QueryFigure]]:
    """Query pages at each size in `sizes`, each workspace served by its own server process: each shape
    first as is, from the server's opening, then with a write before each page."""
    startups: list[Startup] = []
    floors: list[Floors] = []
    figures: list[QueryFigure] = []
    for rows in sizes:
        started = time.perf_counter()
        source = seed_rows(data_dir / f"rows-{rows}", rows)
        print(f"seeded {rows} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        async with server(data_dir / f"rows-{rows}", "--rps", "0") as served:
            rss = served.rss_mb()
            startups.append(
                Startup(rows, round(served.started_s, 2), round(rss or 0.0, 1), round(os.getloadavg()[0], 2))
            )
            client = client_for(served.base_url)
            try:
                floor = await measure_floors(client, source, rows)
                floors.append(floor)
                for shape in SHAPES:
                    figures.append(await measure_shape(client, source, rows, shape, pages, floor))
                head = await client.data_sources.query(data_source_id=source, page_size=100)
                written = [page["id"] for page in head["results"]][::7]
                for shape in SHAPES:
                    figures.append(await measure_shape(client, source, rows, shape, pages, floor, written))
            finally:
                await client.aclose()
    return startups, floors, figures


def cpu_ceiling(row: Throughput) -> float | None:
    """Requests/s the machine's CPUs could carry if client and server had them all to themselves."""
    if row.server_cpu_ms is None:
        return None
    return (os.cpu_count() or 1) * 1000 / (row.client_cpu_ms + row.server_cpu_ms)


def print_table(throughput: list[Throughput], rate: RateHold, load: str) -> None:
    print(f"load: {load}")
    print(
        f"{'workload':<16}{'requests':>9}{'req/s':>9}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'client cpu':>11}{'server cpu':>11}{'ceiling':>9}{'bar':>6}  verdict"
    )
    for row in throughput:
        bar = THROUGHPUT_BAR if row.name in ("retrieve", "update") else None
        verdict = "-" if bar is None else ("ok" if row.per_second >= bar else "BELOW BAR")
        bar_text = f"{bar:.0f}" if bar else "-"
        server_cpu = "?" if row.server_cpu_ms is None else f"{row.server_cpu_ms:.2f}ms"
        ceiling = cpu_ceiling(row)
        ceiling_text = "?" if ceiling is None else f"{ceiling:.0f}"
        print(
            f"{row.name:<16}{row.requests:>9}{row.per_second:>9.1f}{row.p50_ms:>8.2f}{row.p95_ms:>8.2f}"
            f"{row.client_cpu_ms:>9.2f}ms{server_cpu:>11}{ceiling_text:>9}{bar_text:>6}  {verdict}"
        )
    print(
        "(cpu = CPU time per request in the client processes and in the server process;\n"
        " ceiling = CPUs / their sum, the rate an otherwise idle machine could carry; verdicts are on req/s)"
    )
    verdict = "ok" if abs(rate.ratio - 1) <= RATE_TOLERANCE else "OUTSIDE 5%"
    print(
        f"\nrate limit rps={rate.rps:g} burst={rate.burst}: {rate.accepted} accepted, {rate.refused} refused "
        f"in "
        f"{rate.seconds:.1f} s = {rate.accepted_per_second:.3f}/s, {rate.ratio:.4f} of configured  {verdict}"
    )


async def main_async(args: argparse.Namespace) -> int:
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(
            f"note: load average {load_before:.2f} before the run: other work shares the CPUs",
            file=sys.stderr,
        )
    throughput: list[Throughput] = []
    rate: RateHold | None = None
    startups: list[Startup] = []
    floors: list[Floors] = []
    figures: list[QueryFigure] = []
    with tempfile.TemporaryDirectory(prefix="paydesk-bench-") as tmp:
        if args.part in ("all", "throughput"):
            throughput = await measure_throughput(
                Path(tmp) / "throughput", args.seconds, args.concurrency, args.processes
            )
            rate = await measure_rate_hold(Path(tmp) / "rate", args.rate_seconds)
        if args.part in ("all", "query"):
            sizes = [int(size) for size in args.query_sizes.split(",") if size]
            startups, floors, figures = await measure_queries(Path(tmp) / "query", sizes, args.query_pages)
    passed = True
    if rate is not None:
        shares = split(args.concurrency, args.processes)
        per_process = " + ".join(map(str, shares))
        load = (
            f"{args.concurrency} requests in flight from {len(shares)} client process(es) ({per_process}), "
            "each the real notion-client AsyncClient under trio"
        )
        print_table(throughput, rate, load)
        for row in throughput:
            if row.server_counted != row.requests:
                print(
                    f"note: {row.name}: the server counted {row.server_counted}, "
                    f"the client sent {row.requests}"
                )
        passed = all(r.per_second >= THROUGHPUT_BAR for r in throughput if r.name in ("retrieve", "update"))
        passed = passed and abs(rate.ratio - 1) <= RATE_TOLERANCE
    if figures:
        print_query_table(startups, floors, figures, QUERY_PAGE_BAR_MS)
        passed = passed and all(fig.p95_ms <= QUERY_PAGE_BAR_MS for fig in figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "sandbox",
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "system": platform.system(),
                    "load_average_before": round(load_before, 2),
                },
                "settings": {
                    "seconds": args.seconds,
                    "concurrency": args.concurrency,
                    "client_processes": len(split(args.concurrency, args.processes)),
                    "load_average_after": round(os.getloadavg()[0], 2),
                },
                "bars": {
                    "throughput_per_second": THROUGHPUT_BAR,
                    "rate_tolerance": RATE_TOLERANCE,
                    "query_page_p95_ms": QUERY_PAGE_BAR_MS,
                },
                "throughput": [
                    {**asdict(row), "cpu_ceiling_per_second": cpu_ceiling(row)} for row in throughput
                ],
                "rate_limit": None if rate is None else asdict(rate),
                "query_startups": [asdict(startup) for startup in startups],
                "query_floors": [asdict(floor) for floor in floors],
                "query_pages": [asdict(fig) for fig in figures],
                "passed": passed,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwrote {RESULTS.relative_to(ROOT)}; {'all bars met' if passed else 'SOME BARS MISSED'}")
    return 0 if passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per throughput workload")
    parser.add_argument("--rate-seconds", type=float, default=30.0, help="seconds of the rate-limit run")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight (in all)")
    parser.add_argument("--processes", type=int, default=2, help="client processes sharing the requests")
    parser.add_argument("--part", choices=("all", "throughput", "query"), default="all", help="what to run")
    parser.add_argument(
        "--query-sizes", default="1000,10000,100000", help="rows per data source for the query pages"
    )
    parser.add_argument("--query-pages", type=int, default=60, help="requests per query shape and size")
    parser.add_argument("--worker", nargs=2, metavar=("BASE_URL", "DATA_SOURCE"), help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return trio.run(client_worker, args)
    return trio.run(main_async, args)


if __name__ == "__main__":
    sys.exit(main())

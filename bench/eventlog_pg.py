"""Benchmark of the event log on PostgreSQL against a raw PostgreSQL insert of the same rows, in one run.

    .venv/bin/python bench/eventlog_pg.py [--events N] [--url postgresql://…]

Without `--url`, a private durable PostgreSQL server (fsync on, as installed) is started for the run from
the server binaries the tests use (tests/pgserver.py) and removed after it. Floor: the rows paydesk stored,
inserted by raw psycopg into a bare events table (same columns and indexes) in one transaction, both with
`executemany` and with `COPY`. paydesk: the same workload as bench/eventlog.py (the engine's submissions)
through the group-commit writer, with projections, each transaction under the appenders' lock. Best of
`--runs`; the load average is printed beside the figures (the machine is shared). Writes
bench/results/eventlog_pg.json.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from eventlog import EventLog, GroupCommitWriter, Receipt, StoredEvent  # noqa: E402
from eventlog.queries import RECORD_COLUMNS  # noqa: E402
from eventlog.schema import MIGRATIONS  # noqa: E402
from tests.pgserver import PgServer, Unavailable  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "eventlog_pg.json"


def _sqlite_bench() -> Any:
    """bench/eventlog.py, for its workload (loaded by path: its module name is the package's)."""
    spec = importlib.util.spec_from_file_location("bench_eventlog", ROOT / "bench" / "eventlog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fresh_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--url", help="a database URL on a server to use (its databases bench_* are replaced)"
    )
    args = parser.parse_args()
    submissions = _sqlite_bench().workload(args.events)
    n_events = sum(len(s) for s in submissions)
    gc.collect()
    gc.freeze()

    server = None
    if args.url is None:
        try:
            server = PgServer.start_new(durable=True)
        except Unavailable as err:
            print(f"no PostgreSQL server: {err}")
            return 1
        admin_url = server.url()
    else:
        admin_url = args.url
    try:
        failed: list[BaseException] = []

        def check(receipt: Receipt[list[StoredEvent]]) -> None:
            error = receipt.exception()
            if error is not None:
                failed.append(error)

        def append_all(url: str) -> float:
            start = time.perf_counter()
            with GroupCommitWriter(url) as writer:
                last = None
                for submission in submissions:
                    last = writer.submit(submission)
                    last.add_done_callback(check)
                if last is not None:
                    last.result()
            return time.perf_counter() - start

        append_runs = []
        for n in range(args.runs):
            url = _fresh_database(admin_url, f"bench_log_{n}")
            append_runs.append(append_all(url))
        if failed:
            raise SystemExit(f"{len(failed)} submissions failed, the first: {failed[0]!r}")
        with EventLog(url) as log:
            rows = log.connection.execute(f"SELECT {RECORD_COLUMNS} FROM events ORDER BY seq").fetchall()
            assert log.verify().ok and log.replay_check().ok

        floor_url = _fresh_database(admin_url, "bench_floor")
        insert = f"INSERT INTO events ({RECORD_COLUMNS}) VALUES ({', '.join(['%s'] * 10)})"

        def raw(kind: str) -> float:
            with psycopg.connect(floor_url, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS events")
                for statement in MIGRATIONS[0].statements_for("postgresql")[:3]:  # the table, two indexes
                    conn.execute(statement)  # type: ignore[arg-type]
                start = time.perf_counter()
                with conn.transaction(), conn.cursor() as cursor:
                    if kind == "copy":
                        with cursor.copy(f"COPY events ({RECORD_COLUMNS}) FROM STDIN") as copy:  # type: ignore[arg-type]
                            for row in rows:
                                copy.write_row(row)
                    else:
                        cursor.executemany(insert, rows)  # type: ignore[arg-type]
                return time.perf_counter() - start

        executemany_s = min(raw("executemany") for _ in range(args.runs))
        copy_s = min(raw("copy") for _ in range(args.runs))
        append_s = min(append_runs)
    finally:
        if server is not None:
            server.remove()

    load = os.getloadavg()
    summary = {
        "events": n_events,
        "submissions": len(submissions),
        "append_runs_s": append_runs,
        "paydesk_append_events_per_s": n_events / append_s,
        "raw_executemany_events_per_s": n_events / executemany_s,
        "raw_copy_events_per_s": n_events / copy_s,
        "append_vs_raw_executemany": executemany_s / append_s,
        "append_vs_raw_copy": copy_s / append_s,
        "load_average": load,
        "cpus": os.cpu_count(),
    }
    print(f"{n_events:,} events in {len(submissions):,} submissions; load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'measure':<28}{'seconds':>10}{'events/s':>14}")
    for name, seconds in (("raw executemany (floor)", executemany_s), ("raw COPY (floor)", copy_s),
                          ("paydesk append", append_s)):  # fmt: skip
        print(f"{name:<28}{seconds:>10.3f}{n_events / seconds:>14,.0f}")
    print(f"append = {summary['append_vs_raw_executemany']:6.1%} of raw executemany, "
          f"{summary['append_vs_raw_copy']:6.1%} of raw COPY")  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

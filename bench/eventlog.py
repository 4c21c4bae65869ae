"""Benchmark of the event log against the physical floor of SQLite, in one run.

    .venv/bin/python bench/eventlog.py [--events N]

Floor: raw `sqlite3` executemany of the same rows (same columns, same indexes) in one transaction, and a
raw read + json.loads of every row. paydesk: durable appends with projections through the group-commit
writer, rebuild, export (JSONL) and verify. The floors, the appends and the rebuild are each the best of 3
runs, paydesk's runs taking turns with its floor's (the machine is shared, so a single run says more about
its neighbours than about the code; the 1-minute load average is printed beside every figure).

Disk: one commit job of `--entries` entries (steps; 10,000 by default) written as the engine writes it —
its plan in one submission, then `--workers` workers (threads here), each taking the next item and, for each
of its steps, submitting `started` and waiting until it is durable, "sending the request" (a sleep of
`--request-ms`), then submitting the outcome without waiting. The bytes this process wrote to disk
(/proc/self/io write_bytes, the WAL, checkpoints and the closing checkpoint included) over the log file's
growth.

The bars: append ≥ 40 % of the raw insert rate, rebuild ≥ 50 % of the raw read + decode rate, and bytes
written ≤ 4 × the log's growth. Prints a table and writes bench/results/eventlog.json.

Ceilings: the projections are written in the same transaction as the events (DESIGN.md), and a rebuild
writes them too. So the bench also times the raw insert of the projection rows the log ends with (each
row once, the same tables and indexes, one durable transaction, no Python in between), taking turns with
the other floors, and reports the most append and rebuild could reach if paydesk's own work (encoding,
hashing, folding) cost nothing: raw insert ÷ (raw insert + projection rows), and read + decode ÷ (read +
decode + projection rows).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import queue
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventlog import (
    Event,
    EventLog,
    GatewayStats,
    GroupCommitWriter,
    ItemPlanned,
    JobCreated,
    JobFinished,
    JobPlanned,
    JobStarted,
    PreloadCompleted,
    Receipt,
    StepFailed,
    StepPlanned,
    StepSkipped,
    StepStarted,
    StepSucceeded,
    StoredEvent,
    WriterStatistics,
)
from eventlog.queries import RECORD_COLUMNS
from eventlog.schema import CACHE_KIB, MIGRATIONS

PROJECTION_STORED = ("jobs", "items", "steps", "step_states", "preloads")

RESULTS = Path(__file__).resolve().parent / "results" / "eventlog.json"
JOBS = 20
APPEND_BAR = 0.40
REBUILD_BAR = 0.50
DISK_BAR = 4.0
ROUNDS = 3


def workload(target_events: int, seed: int = 7) -> list[list[Event]]:
    """Submissions as the engine makes them: a job's setup, its whole plan in one (engine/jobs.py records
    the plan's events together), then one per step event while ~20 jobs run interleaved."""
    rng = random.Random(seed)
    items_per_job = max(1, target_events // (JOBS * 12))
    op = "bench"
    setup: list[list[Event]] = []
    planning: list[list[list[Event]]] = []
    running: list[list[list[Event]]] = []
    for j in range(JOBS):
        job = f"job-{j:03d}"
        setup.append(
            [
                JobCreated(
                    job_id=job,
                    operator=op,
                    kind="commit",
                    params={"month": "2025-01", "n": j},
                    selection_key=f"sel-{j}",
                ),
                PreloadCompleted(
                    job_id=job,
                    operator=op,
                    data_source="payables",
                    filter={"status": "open"},
                    pages=5,
                    requests=5,
                    ms=812,
                ),
                PreloadCompleted(
                    job_id=job, operator=op, data_source="payouts", filter=None, pages=3, requests=3, ms=455
                ),
            ]
        )
        plan: list[list[Event]] = []
        run: list[list[Event]] = [[JobStarted(job_id=job, operator=op, workers=5)]]
        steps_total = 0
        for i in range(items_per_job):
            item = f"payable-{j:03d}-{i:05d}"
            n_steps = rng.choice((3, 4))
            steps_total += n_steps
            events: list[Event] = [
                ItemPlanned(
                    job_id=job,
                    operator=op,
                    item_key=item,
                    label=f"Invoice {i}",
                    kind="payable",
                    data={"amount": "125.40", "currency": "EUR", "vendor": f"v{i % 97}"},
                )
            ]
            keys = [f"set:{item}:Status:{k}" for k in range(n_steps)]
            for k, key in enumerate(keys):
                events.append(
                    StepPlanned(
                        job_id=job,
                        operator=op,
                        item_key=item,
                        step_key=key,
                        kind="set",
                        target=f"page-{j}-{i}-{k}",
                        property="Status",
                        before="Open",
                        after="Paid",
                        depends_on=keys[k + 1 :] if k == 0 else [],
                    )
                )
            plan.append(events)
            for k, key in enumerate(keys):
                run.append([StepStarted(job_id=job, operator=op, item_key=item, step_key=key, attempt=1)])
                roll = rng.random()
                if roll < 0.03:
                    run.append(
                        [
                            StepFailed(
                                job_id=job,
                                operator=op,
                                item_key=item,
                                step_key=key,
                                status=409,
                                code="conflict_error",
                                message="Conflict occurred while saving",
                                request_id=f"req-{i}-{k}",
                                retryable=True,
                            )
                        ]
                    )
                    run.append([StepStarted(job_id=job, operator=op, item_key=item, step_key=key, attempt=2)])
                if roll < 0.1:
                    run.append(
                        [
                            StepSkipped(
                                job_id=job,
                                operator=op,
                                item_key=item,
                                step_key=key,
                                reason="already at target",
                                current="Paid",
                            )
                        ]
                    )
                else:
                    run.append(
                        [
                            StepSucceeded(
                                job_id=job,
                                operator=op,
                                item_key=item,
                                step_key=key,
                                value="Paid",
                                request_id=f"req-{i}-{k}",
                                page_id=None,
                            )
                        ]
                    )
            if i % 50 == 49:
                run.append(
                    [
                        GatewayStats(
                            job_id=job,
                            operator=op,
                            reads=i,
                            writes=i * 3,
                            retries=i // 10,
                            throttles=0,
                            wait_ms=i * 4,
                        )
                    ]
                )
        plan.append(
            [
                JobPlanned(
                    job_id=job,
                    operator=op,
                    items=items_per_job,
                    steps=steps_total,
                    totals={"EUR": "1000.00"},
                    estimate={"requests": steps_total, "seconds": steps_total / 3},
                )
            ]
        )
        run.append([JobFinished(job_id=job, operator=op, status="completed", error=None)])
        planning.append([[event for events in plan for event in events]])
        running.append(run)
    submissions = list(setup)
    for group in (planning, running):  # jobs interleaved round-robin, as concurrent jobs would be
        cursors = [0] * JOBS
        while any(cursors[j] < len(group[j]) for j in range(JOBS)):
            for j in range(JOBS):
                if cursors[j] < len(group[j]):
                    submissions.append(group[j][cursors[j]])
                    cursors[j] += 1
    return submissions


def commit_job(entries: int, seed: int = 11) -> tuple[list[Event], list[list[tuple[str, str]]]]:
    """A commit job of at least `entries` steps, shaped like engine/kinds/commit's plans (page ids as keys,
    2 to 5 steps per payable, each step with its write, what it expects and its input): the events up to
    its start, and its items' (item key, step key) pairs."""
    rng = random.Random(seed)
    op, job = "ops@example.com", "job-commit"

    def page() -> str:
        return f"{rng.getrandbits(128):032x}"

    events: list[Event] = [
        JobCreated(
            job_id=job,
            operator=op,
            kind="commit",
            params={"month": "2026-01", "batch": 15},
            selection_key="b",
        )
    ]
    items: list[list[tuple[str, str]]] = []
    while sum(map(len, items)) < entries:
        n, item = len(items), page()
        events.append(
            ItemPlanned(
                job_id=job,
                operator=op,
                item_key=item,
                label=f"INV-2026-{n:05d}",
                kind="payable",
                data={
                    "invoice_id": f"INV-2026-{n:05d}",
                    "contractor": f"Contractor {n % 300}",
                    "total": "1250.40",
                },
            )
        )
        steps = [f"payout_items:{page()}:Status=Paid" for _ in range(rng.choice((2, 3, 4, 5)))]
        for k, key in enumerate(steps):
            target = key.split(":")[1]
            events.append(
                StepPlanned(
                    job_id=job,
                    operator=op,
                    item_key=item,
                    step_key=key,
                    kind="set",
                    target=target,
                    property="Status",
                    before="Open",
                    after="Paid",
                    depends_on=steps[:-1] if k == len(steps) - 1 else [],
                    data_source="payout_items",
                    label=f"payout Development work on January, 2026 ({k + 1})",
                    write={"Status": {"status": {"name": "Paid"}}},
                    expect={"Status": "Open"},
                    inputs=[
                        {"page": target, "logical": "payout_items", "edited": "2026-01-14T10:22:00.000Z"}
                    ],
                )
            )
        items.append([(item, key) for key in steps])
    steps_total = sum(map(len, items))
    events.append(
        JobPlanned(
            job_id=job,
            operator=op,
            items=len(items),
            steps=steps_total,
            totals={"EUR": "1000.00"},
            estimate={"requests": steps_total, "seconds": steps_total / 3},
        )
    )
    return events, items


def io_written() -> int:
    """Bytes this process has caused to be written to storage (Linux; 0 where /proc/self/io is missing)."""
    try:
        text = Path("/proc/self/io").read_text(encoding="ascii")
    except OSError:
        return 0
    fields = dict(line.split(": ") for line in text.splitlines())
    return int(fields["write_bytes"])


def disk_job(
    path: Path, entries: int, workers: int, request_s: float
) -> tuple[int, int, WriterStatistics, float]:
    """Run one commit job into a new log at `path` as the engine writes it (see the module docstring);
    return the bytes written, the log's growth, the writer's statistics and the seconds taken."""
    planned, items = commit_job(entries)
    job, op = planned[0].job_id, planned[0].operator
    EventLog(path).close()
    size_before = os.path.getsize(path)
    todo: queue.SimpleQueue[list[tuple[str, str]]] = queue.SimpleQueue()
    for steps in items:
        todo.put(steps)
    failed: list[BaseException] = []
    written_before, start = io_written(), time.perf_counter()
    writer = GroupCommitWriter(path)

    def work() -> None:
        rng = random.Random(threading.get_ident())
        try:
            while True:
                try:
                    steps = todo.get_nowait()
                except queue.Empty:
                    return
                for item, key in steps:
                    writer.submit(
                        [StepStarted(job_id=job, operator=op, item_key=item, step_key=key, attempt=1)]
                    ).result()
                    time.sleep(request_s)
                    outcome = StepSucceeded(
                        job_id=job,
                        operator=op,
                        item_key=item,
                        step_key=key,
                        value="Paid",
                        request_id=f"{rng.getrandbits(64):016x}",
                    )
                    writer.submit([outcome])
        except BaseException as err:
            failed.append(err)

    writer.submit(planned).result()
    writer.submit([JobStarted(job_id=job, operator=op, workers=workers)]).result()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.submit([JobFinished(job_id=job, operator=op, status="completed", error=None)]).result()
    stats = writer.statistics()
    writer.close()
    elapsed = time.perf_counter() - start
    if failed:
        raise SystemExit(f"the disk job failed: {failed[0]!r}")
    return io_written() - written_before, os.path.getsize(path) - size_before, stats, elapsed


def load() -> float:
    return os.getloadavg()[0]


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def floor_database(path: Path, schema: list[str]) -> sqlite3.Connection:
    """A new database at `path` as the log's are set (WAL, synchronous=FULL, its cache), with `schema`."""
    remove(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    for statement in schema:
        conn.execute(statement)
    return conn


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000, help="steps of the disk job")
    parser.add_argument("--workers", type=int, default=10, help="workers of the disk job")
    parser.add_argument("--request-ms", type=float, default=2.0, help="one request of the disk job")
    args = parser.parse_args()
    submissions = workload(args.events)
    n_events = sum(len(s) for s in submissions)
    # The workload (~100k events built up front, a million objects) is the bench's input, not paydesk's
    # memory: keep the garbage collector from walking it again and again while appends are timed. The
    # engine makes its events as it goes; the floor allocates nothing while it is timed.
    gc.collect()
    gc.freeze()

    with tempfile.TemporaryDirectory(prefix="paydesk-bench-") as tmp:
        db = Path(tmp) / "log.sqlite"
        results: dict[str, dict[str, float]] = {}

        # paydesk: durable group-commit appends with projections. Like the engine, the producer keeps no
        # future once it has resolved (a failure is still counted, and the last one is waited for).
        failed: list[BaseException] = []

        def check(future: Receipt[list[StoredEvent]]) -> None:
            error = future.exception()
            if error is not None:
                failed.append(error)

        def append_all(path: Path) -> tuple[float, WriterStatistics]:
            start = time.perf_counter()
            writer = GroupCommitWriter(path)
            last: Receipt[list[StoredEvent]] | None = None
            for submission in submissions:
                last = writer.submit(submission)
                last.add_done_callback(check)
            if last is not None:
                last.result()
            stats = writer.statistics()
            writer.close()
            return time.perf_counter() - start, stats

        # The first append makes the log the floors and the rest read; then paydesk's appends and the raw
        # insert take turns (below), so that a moment when the machine's neighbours are busy falls on both.
        runs = [append_all(db)]
        if failed:
            raise SystemExit(f"{len(failed)} submissions failed, the first: {failed[0]!r}")

        raw = sqlite3.connect(db)
        rows = raw.execute(f"SELECT {RECORD_COLUMNS} FROM events ORDER BY seq").fetchall()
        event_indexes = [  # the floor's table gets the indexes the log's has, whatever the schema version
            sql
            for (sql,) in raw.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
                " AND sql IS NOT NULL"
            )
        ]
        projection_rows = {
            table: raw.execute(f"SELECT * FROM {table}").fetchall() for table in PROJECTION_STORED
        }
        projection_schema = [
            sql
            for (sql,) in raw.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name IN "
                f"({', '.join('?' * len(PROJECTION_STORED))}) AND sql IS NOT NULL ORDER BY type DESC",
                PROJECTION_STORED,
            )
        ]  # the tables first ('table' after 'index' in descending order), then their indexes
        raw.close()

        def raw_projections() -> None:
            """The projection rows the log holds, each written once into empty tables with their indexes,
            in one durable transaction."""
            conn = floor_database(Path(tmp) / "projections.sqlite", projection_schema)
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            for table, table_rows in projection_rows.items():
                if table_rows:
                    marks = ", ".join("?" * len(table_rows[0]))
                    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
            conn.execute("COMMIT")
            raw_projections.elapsed = time.perf_counter() - start  # type: ignore[attr-defined]
            conn.close()

        def read_decode() -> None:
            conn = sqlite3.connect(db)
            for row in conn.execute(f"SELECT {RECORD_COLUMNS} FROM events ORDER BY seq"):
                json.loads(row[8])
            conn.close()

        # floor: raw insert of the same rows, same columns and indexes, one durable transaction
        def raw_insert() -> None:
            conn = floor_database(Path(tmp) / "floor.sqlite", [MIGRATIONS[0].statements[0], *event_indexes])
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(f"INSERT INTO events ({RECORD_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            conn.execute("COMMIT")
            raw_insert.elapsed = time.perf_counter() - start  # type: ignore[attr-defined]
            conn.close()

        # paydesk and its floor in turns, best of `ROUNDS` each (each append into a new file)
        insert_samples, projection_samples = [], []
        for n in range(1, ROUNDS + 1):
            raw_insert()
            insert_samples.append(raw_insert.elapsed)  # type: ignore[attr-defined]
            raw_projections()
            projection_samples.append(raw_projections.elapsed)  # type: ignore[attr-defined]
            if n < ROUNDS:
                other = Path(tmp) / f"log-{n}.sqlite"
                runs.append(append_all(other))
                remove(other)
        insert_s, projections_s = min(insert_samples), min(projection_samples)
        append_s, stats = min(runs, key=lambda run: run[0])
        loads = {"paydesk_append": load(), "floor_raw_insert": load(), "floor_projection_rows": load()}
        if failed:
            raise SystemExit(f"{len(failed)} submissions failed, the first: {failed[0]!r}")

        with EventLog(db) as log:
            read_samples, rebuild_samples = [], []
            for _ in range(ROUNDS):
                read_samples.append(timed(read_decode))
                rebuild_samples.append(timed(log.rebuild))
            read_s, rebuild_s = min(read_samples), min(rebuild_samples)
            loads["floor_raw_read_decode"] = loads["paydesk_rebuild"] = load()
            out = Path(tmp) / "export.jsonl"

            def export() -> None:
                with out.open("w", encoding="utf-8") as file:
                    log.export(file, "jsonl")

            export_s = timed(export)
            loads["paydesk_export_jsonl"] = load()
            verify_s = timed(lambda: log.verify())
            loads["paydesk_verify"] = load()
            replay_s = timed(lambda: log.replay_check())
            loads["paydesk_replay_check"] = load()
            assert log.verify().ok and log.replay_check().ok

        gc.unfreeze()  # the disk job makes its own events, as the engine does
        job_db = Path(tmp) / "job.sqlite"
        disk_bytes, growth, job_stats, job_s = disk_job(
            job_db, args.entries, args.workers, args.request_ms / 1000
        )
        disk_load = load()
        disk_ratio = disk_bytes / growth

        def rate(seconds: float) -> float:
            return n_events / seconds

        results = {
            "floor_raw_insert": {"seconds": insert_s, "events_per_s": rate(insert_s)},
            "floor_raw_read_decode": {"seconds": read_s, "events_per_s": rate(read_s)},
            "floor_projection_rows": {"seconds": projections_s, "events_per_s": rate(projections_s)},
            "paydesk_append": {"seconds": append_s, "events_per_s": rate(append_s)},
            "paydesk_rebuild": {"seconds": rebuild_s, "events_per_s": rate(rebuild_s)},
            "paydesk_export_jsonl": {"seconds": export_s, "events_per_s": rate(export_s)},
            "paydesk_verify": {"seconds": verify_s, "events_per_s": rate(verify_s)},
            "paydesk_replay_check": {"seconds": replay_s, "events_per_s": rate(replay_s)},
        }
        for name, figures in results.items():
            figures["load_average"] = loads[name]
        append_ratio = insert_s / append_s
        rebuild_ratio = read_s / rebuild_s
        n_projection_rows = sum(len(table_rows) for table_rows in projection_rows.values())
        append_ceiling = insert_s / (insert_s + projections_s)
        rebuild_ceiling = read_s / (read_s + projections_s)
        summary = {
            "events": n_events,
            "append_runs_s": [seconds for seconds, _ in runs],
            "submissions": len(submissions),
            "transactions": stats.transactions,
            "largest_transaction": stats.largest_transaction,
            "append_vs_raw_insert": append_ratio,
            "rebuild_vs_raw_read_decode": rebuild_ratio,
            "projection_rows": {table: len(table_rows) for table, table_rows in projection_rows.items()},
            "append_ceiling": append_ceiling,
            "rebuild_ceiling": rebuild_ceiling,
            "append_bar": APPEND_BAR,
            "rebuild_bar": REBUILD_BAR,
            "disk_bar": DISK_BAR,
            "bar_met": append_ratio >= APPEND_BAR and rebuild_ratio >= REBUILD_BAR and disk_ratio <= DISK_BAR,
            "db_bytes": os.path.getsize(db),
            "disk_job": {
                "entries": args.entries,
                "workers": args.workers,
                "request_ms": args.request_ms,
                "events": job_stats.events,
                "transactions": job_stats.transactions,
                "seconds": job_s,
                "bytes_written": disk_bytes,
                "log_growth": growth,
                "written_vs_growth": disk_ratio,
                "load_average": disk_load,
            },
        }

    print(f"{n_events:,} events in {len(submissions):,} submissions, {stats.transactions:,} transactions")
    print(f"{'measure':<24}{'seconds':>10}{'events/s':>14}{'load':>7}")
    for name, figures in results.items():
        print(
            f"{name:<24}{figures['seconds']:>10.3f}{figures['events_per_s']:>14,.0f}"
            f"{figures['load_average']:>7.2f}"
        )
    append_load = max(loads["paydesk_append"], loads["floor_raw_insert"])
    rebuild_load = max(loads["paydesk_rebuild"], loads["floor_raw_read_decode"])
    print(f"append  = {append_ratio:6.1%} of raw insert      (bar {APPEND_BAR:.0%})  load {append_load:.2f}")
    print(
        f"rebuild = {rebuild_ratio:6.1%} of raw read+decode (bar {REBUILD_BAR:.0%})  load {rebuild_load:.2f}"
    )
    print(
        f"ceiling: with the projection rows written once and paydesk's own work free, append could reach "
        f"{append_ceiling:.1%} and rebuild {rebuild_ceiling:.1%} ({n_projection_rows:,} rows in "
        f"{projections_s:.3f} s)"
    )
    print(
        f"disk    = {disk_ratio:6.1f} × the log's growth  (bar ≤ {DISK_BAR:.0f} ×)  load {disk_load:.2f}: "
        f"{disk_bytes / 1e6:,.1f} MB written for {growth / 1e6:,.1f} MB of log, a {args.entries:,}-entry job,"
        f" {job_stats.events:,} events in {job_stats.transactions:,} transactions, {args.workers} workers, "
        f"{args.request_ms:g} ms a request, {job_s:.1f} s"
    )
    print("bar met" if summary["bar_met"] else "BAR NOT MET")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"summary": summary, "results": results}, indent=2) + "\n", encoding="utf-8"
    )
    return 0 if summary["bar_met"] else 1


if __name__ == "__main__":
    sys.exit(main())

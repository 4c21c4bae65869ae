"""Items and steps are kept in the order they were planned, a step's plan apart from its state (schema
version 5), on small pages.

A running job's commits each touch the rows of the few items its workers hold. Kept in key order (page ids,
at random), each of those rows sat on a page of its own, and every commit rewrote all of them in the WAL
and again at the next checkpoint: on a 10,000-entry job the disk wrote 12.6 × the log's growth. In plan
order they sit side by side."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from eventlog import (
    Event,
    EventLog,
    ItemPlanned,
    JobCreated,
    JobStarted,
    StepPlanned,
    StepStarted,
    StepSucceeded,
    schema,
)
from eventlog.rows import ITEM_COLUMNS
from eventlog.tables import snapshot
from tests.eventlog.backends import raw_execute, schema_4_layout

OP = "ops@example.com"
JOB = "job-1"
WORKERS = 10


def _planned(items: int, seed: int = 3) -> tuple[list[Event], list[tuple[str, list[str]]]]:
    """A commit job's plan: `items` payables keyed by page ids, 2 to 5 payouts each (as engine plans)."""
    rng = random.Random(seed)
    events: list[Event] = [JobCreated(job_id=JOB, operator=OP, kind="commit", params={}, selection_key="s")]
    plan: list[tuple[str, list[str]]] = []
    for n in range(items):
        item = f"{rng.getrandbits(128):032x}"
        steps = [f"payout_items:{rng.getrandbits(128):032x}:Status=Paid" for _ in range(rng.randint(2, 5))]
        events.append(
            ItemPlanned(
                job_id=JOB,
                operator=OP,
                item_key=item,
                label=f"INV-{n}",
                kind="payable",
                data={"total": "125.40"},
            )
        )
        events.extend(
            StepPlanned(
                job_id=JOB,
                operator=OP,
                item_key=item,
                step_key=key,
                kind="set",
                target=key.split(":")[1],
                property="Status",
                before="Open",
                after="Paid",
                depends_on=[],
                data_source="payout_items",
                label=f"payout {k + 1} of INV-{n}",
            )
            for k, key in enumerate(steps)
        )
        plan.append((item, steps))
    return events, plan


def _commits(plan: list[tuple[str, list[str]]]) -> Iterator[list[Event]]:
    """What the group-commit writer commits while `WORKERS` workers run the plan: each commit holds every
    worker's outcome of its last step and the start of its next (a worker takes the next item in plan
    order when its item is done)."""
    queue = iter([(item, list(steps)) for item, steps in plan])
    held: list[tuple[str, list[str]] | None] = [next(queue, None) for _ in range(WORKERS)]
    running: list[tuple[str, str]] = []
    while True:
        group: list[Event] = [
            StepSucceeded(job_id=JOB, operator=OP, item_key=item, step_key=step, value="Paid", request_id="r")
            for item, step in running
        ]
        running = []
        for n, slot in enumerate(held):
            if slot is not None and not slot[1]:
                slot = held[n] = next(queue, None)
            if slot is None:
                continue
            item, steps = slot
            running.append((item, steps.pop(0)))
            group.append(
                StepStarted(job_id=JOB, operator=OP, item_key=item, step_key=running[-1][1], attempt=1)
            )
        if not group:
            return
        yield group


def _wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_running_jobs_commit_rewrites_a_few_small_pages(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    events, plan = _planned(300)
    with EventLog(path) as log:
        log.append(events)
        log.append([JobStarted(job_id=JOB, operator=OP, workers=WORKERS)])
        log.connection.execute("PRAGMA wal_autocheckpoint = 0")  # every frame stays in the WAL to be counted
        log.checkpoint()
        page = log.connection.execute("PRAGMA page_size").fetchone()[0]
        before, commits = _wal_bytes(path), 0
        for group in _commits(plan):
            log.append(group)
            commits += 1
        frames = (_wal_bytes(path) - before) / (page + 24)
        job = log.job(JOB)
    assert job is not None and job.steps_succeeded == sum(len(steps) for _, steps in plan)
    assert page == schema.PAGE_SIZE == 1024
    # Measured: 19 frames of 1,024 bytes a commit (20 KB). Steps and items in key order, each step's plan
    # and state in one row: 31 frames of 4,096 bytes (127 KB); in plan order, in one row, 1,024-byte pages:
    # 27 frames (28 KB). About a third of it is the events themselves and their index.
    assert frames * (page + 24) / commits < 24 * 1024


def _as_written_by_schema_4(path: Path) -> None:
    raw_execute(path, *schema_4_layout(path), "DELETE FROM paydesk_schema WHERE version > 4")


def _layout(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    found = dict(
        conn.execute("SELECT name, sql FROM sqlite_master WHERE name IN ('items', 'steps', 'step_states')")
    )
    conn.close()
    return found


def _keys_by_rowid(path: Path, table: str) -> list[int]:
    conn = sqlite3.connect(path)
    seqs = [seq for (seq,) in conn.execute(f"SELECT planned_seq FROM {table} ORDER BY rowid")]
    conn.close()
    return seqs


def test_a_log_of_schema_4_is_remade_in_plan_order_with_its_rows_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    events, plan = _planned(40)
    with EventLog(path) as log:
        log.append(events)
        for group in list(_commits(plan))[:7]:  # a job stopped midway: rows of every status
            log.append(group)
        before = snapshot(log.connection)
    _as_written_by_schema_4(path)
    assert all("WITHOUT ROWID" in sql for sql in _layout(path).values())

    with EventLog(path) as log:
        assert snapshot(log.connection) == before
        assert log.replay_check().ok and log.verify().ok
        pending = [row for row in before["items"] if row[ITEM_COLUMNS.index("status")] == "pending"]
        assert len(log.items(JOB, status="pending")) == len(pending) > 0  # items_by_status made again
    assert sorted(_layout(path)) == ["items", "step_states", "steps"]
    assert not any("WITHOUT ROWID" in sql for sql in _layout(path).values())
    for table in ("items", "steps", "step_states"):
        seqs = _keys_by_rowid(path, table)
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))

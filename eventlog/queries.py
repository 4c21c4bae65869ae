"""The reads the console and the engine need, each served by an index (tests/eventlog checks the query plans).

Every function takes a connection and returns rows or records; `EventLog` exposes them as methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from eventlog.codec import EventRecord
from eventlog.dialect import Connection
from eventlog.rows import (
    ITEM_COLUMNS,
    JOB_COLUMNS,
    PRELOAD_COLUMNS,
    STEP_COLUMNS,
    STEPS_JOINED,
    ItemRow,
    JobRow,
    PreloadRow,
    StepRow,
)

RECORD_COLUMNS = "seq, recorded_at, job_id, item_key, step_key, type, version, operator, payload, hash"

JOBS = f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs ORDER BY created_seq"
JOB = f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs WHERE job_id = ?"
ITEMS = f"SELECT {', '.join(ITEM_COLUMNS)} FROM items WHERE job_id = ? ORDER BY planned_seq LIMIT ?"
ITEMS_BY_STATUS = (
    f"SELECT {', '.join(ITEM_COLUMNS)} FROM items WHERE job_id = ? AND status = ? "
    "ORDER BY planned_seq LIMIT ?"
)
STEPS_OF_JOB = f"SELECT {', '.join(STEP_COLUMNS)} FROM {STEPS_JOINED} WHERE job_id = ? ORDER BY planned_seq"
STEPS_OF_ITEM = (
    f"SELECT {', '.join(STEP_COLUMNS)} FROM {STEPS_JOINED} WHERE job_id = ? AND item_key = ? "
    "ORDER BY planned_seq"
)
PRELOADS_OF_JOB = f"SELECT {', '.join(PRELOAD_COLUMNS)} FROM preloads WHERE job_id = ? ORDER BY seq"
EVENTS_AFTER = f"SELECT {RECORD_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
EVENTS_OF_JOB = f"SELECT {RECORD_COLUMNS} FROM events WHERE job_id = ? ORDER BY seq"
EVENTS_OF_ITEM = f"SELECT {RECORD_COLUMNS} FROM events WHERE job_id = ? AND item_key = ? ORDER BY seq"
HEAD = "SELECT seq, hash FROM events WHERE seq = (SELECT max(seq) FROM events)"
ITEM = f"SELECT {', '.join(ITEM_COLUMNS)} FROM items WHERE job_id = ? AND item_key = ?"
EVENTS_TAIL = f"SELECT {RECORD_COLUMNS} FROM events WHERE seq > ? ORDER BY seq DESC LIMIT ?"
NO_LIMIT = 2**62  # a LIMIT no table reaches (SQLite reads a negative one as none, PostgreSQL refuses it)
SEQS_OF_JOB = "SELECT seq FROM events WHERE job_id = ? ORDER BY seq"
RECORDED_AT = "SELECT recorded_at FROM events WHERE seq = ?"
LAST_SEQ_OF_JOB_AT = "SELECT max(seq) FROM events WHERE job_id = ? AND recorded_at <= ?"
LAST_SEQ_AT = "SELECT max(seq) FROM events WHERE recorded_at <= ?"  # a scan: for the command line only
LIVE_STATUSES = ("created", "planned", "running")
JOBS_CHANGED = (
    f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs "
    f"WHERE updated_seq > ? OR status IN ({', '.join('?' * len(LIVE_STATUSES))}) ORDER BY created_seq"
)


def _events_of_job_by_type(types: int) -> str:
    marks = ", ".join("?" * types)
    return f"SELECT {RECORD_COLUMNS} FROM events WHERE job_id = ? AND type IN ({marks}) ORDER BY seq"


CONSOLE_QUERIES: dict[str, tuple[str, tuple[object, ...]]] = {
    "jobs": (JOBS, ()),
    "job": (JOB, ("j",)),
    "items": (ITEMS, ("j", 10)),
    "items_by_status": (ITEMS_BY_STATUS, ("j", "failed", 10)),
    "steps_of_job": (STEPS_OF_JOB, ("j",)),
    "steps_of_item": (STEPS_OF_ITEM, ("j", "i")),
    "preloads_of_job": (PRELOADS_OF_JOB, ("j",)),
    "events_after": (EVENTS_AFTER, (0, 10)),
    "events_of_job": (EVENTS_OF_JOB, ("j",)),
    "events_of_item": (EVENTS_OF_ITEM, ("j", "i")),
    "head": (HEAD, ()),
    "item": (ITEM, ("j", "i")),
    "events_tail": (EVENTS_TAIL, (0, 10)),
    "jobs_changed": (JOBS_CHANGED, (0, *LIVE_STATUSES)),
    "events_of_job_by_type": (_events_of_job_by_type(2), ("j", "preload.completed", "job.resumed")),
    "seqs_of_job": (SEQS_OF_JOB, ("j",)),
    "recorded_at": (RECORDED_AT, (1,)),
    "last_seq_of_job_at": (LAST_SEQ_OF_JOB_AT, ("j", "2026-01-16T09:30:00.000000Z")),
}
"""Every console query with sample arguments, for the query-plan test."""


def jobs(conn: Connection) -> list[JobRow]:
    return [JobRow(*row) for row in conn.execute(JOBS)]


def job(conn: Connection, job_id: str) -> JobRow | None:
    row = conn.execute(JOB, (job_id,)).fetchone()
    return None if row is None else JobRow(*row)


def items(
    conn: Connection, job_id: str, status: str | None = None, limit: int | None = None
) -> list[ItemRow]:
    most = NO_LIMIT if limit is None else limit
    if status is None:
        return [ItemRow(*row) for row in conn.execute(ITEMS, (job_id, most))]
    return [ItemRow(*row) for row in conn.execute(ITEMS_BY_STATUS, (job_id, status, most))]


def steps(conn: Connection, job_id: str, item_key: str | None = None) -> list[StepRow]:
    if item_key is None:
        return [StepRow(*row) for row in conn.execute(STEPS_OF_JOB, (job_id,))]
    return [StepRow(*row) for row in conn.execute(STEPS_OF_ITEM, (job_id, item_key))]


def preloads(conn: Connection, job_id: str) -> list[PreloadRow]:
    return [PreloadRow(*row) for row in conn.execute(PRELOADS_OF_JOB, (job_id,))]


def records_after(conn: Connection, seq: int, limit: int) -> list[EventRecord]:
    return [EventRecord(*row) for row in conn.execute(EVENTS_AFTER, (seq, limit))]


def records_of_job(conn: Connection, job_id: str) -> Iterator[EventRecord]:
    for row in conn.execute(EVENTS_OF_JOB, (job_id,)):
        yield EventRecord(*row)


def records_of_item(conn: Connection, job_id: str, item_key: str) -> list[EventRecord]:
    return [EventRecord(*row) for row in conn.execute(EVENTS_OF_ITEM, (job_id, item_key))]


def item(conn: Connection, job_id: str, item_key: str) -> ItemRow | None:
    row = conn.execute(ITEM, (job_id, item_key)).fetchone()
    return None if row is None else ItemRow(*row)


def makers_of(conn: Connection, page_id: str, other_than: str) -> list[str]:
    """The jobs other than `other_than` that recorded making the page `page_id` (a create that succeeded)."""
    rows = conn.execute(
        "SELECT DISTINCT s.job_id FROM steps s JOIN step_states st ON st.planned_seq = s.planned_seq "
        "WHERE st.page_id = ? AND st.status = 'succeeded' AND s.kind = 'create' AND s.job_id <> ? "
        "ORDER BY s.job_id",
        (page_id, other_than),
    ).fetchall()
    return [row[0] for row in rows]


class PriorCreate(NamedTuple):
    """A create another job recorded for a target: made (`succeeded`, with its page), or with an outcome
    nobody knows (`started`), or `failed` (`http_status` says whether the failure proves it made nothing)."""

    job_id: str
    target: str
    status: str
    http_status: int | None
    page_id: str | None


_TARGETS_PER_QUERY = 500


def creates_for(conn: Connection, targets: Sequence[str], other_than: str) -> list[PriorCreate]:
    """The creates of jobs other than `other_than` for any of `targets` that made a page or may have:
    succeeded, started (in doubt) or failed; by job and target. One pass over the steps per 500 targets
    (a job asks once, before it executes its creates)."""
    found: list[PriorCreate] = []
    unique = sorted(set(targets))
    for start in range(0, len(unique), _TARGETS_PER_QUERY):
        chunk = unique[start : start + _TARGETS_PER_QUERY]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT s.job_id, s.target, st.status, st.http_status, st.page_id FROM steps s "
            "JOIN step_states st ON st.planned_seq = s.planned_seq "
            f"WHERE s.kind = 'create' AND s.job_id <> ? AND s.target IN ({marks}) "
            "AND st.status IN ('succeeded', 'started', 'failed') ORDER BY s.job_id, s.target",
            (other_than, *chunk),
        ).fetchall()
        found.extend(PriorCreate(*row) for row in rows)
    return found


def records_tail(conn: Connection, seq: int, limit: int) -> list[EventRecord]:
    """The newest `limit` records after `seq`, oldest first."""
    rows = conn.execute(EVENTS_TAIL, (seq, limit)).fetchall()
    return [EventRecord(*row) for row in reversed(rows)]


def jobs_changed(conn: Connection, seq: int) -> list[JobRow]:
    """The jobs whose row moved after `seq`, and every job still created, planned or running, oldest first.
    (One pass over the jobs in creation order: a log of 1,000 jobs costs one scan of that index.)"""
    return [JobRow(*row) for row in conn.execute(JOBS_CHANGED, (seq, *LIVE_STATUSES))]


def records_of_job_by_type(conn: Connection, job_id: str, types: Sequence[str]) -> Iterator[EventRecord]:
    if not types:
        return
    for row in conn.execute(_events_of_job_by_type(len(types)), (job_id, *types)):
        yield EventRecord(*row)


def records_of_types(conn: Connection, types: Sequence[str]) -> Iterator[EventRecord]:
    """Every record of the event `types` in the log, in order (a scan: for rare reads such as the
    workspace's binding history, not for the console's polling)."""
    if not types:
        return
    marks = ", ".join("?" * len(types))
    sql = f"SELECT {RECORD_COLUMNS} FROM events WHERE type IN ({marks}) ORDER BY seq"
    for row in conn.execute(sql, tuple(types)):
        yield EventRecord(*row)


def seqs_of_job(conn: Connection, job_id: str) -> list[int]:
    return [int(row[0]) for row in conn.execute(SEQS_OF_JOB, (job_id,))]


def recorded_at(conn: Connection, seq: int) -> str | None:
    row = conn.execute(RECORDED_AT, (seq,)).fetchone()
    return None if row is None else str(row[0])


def last_seq_at(conn: Connection, moment: str, job_id: str | None = None) -> int:
    """The last event recorded at or before `moment` (the log's time form), of `job_id` if given; 0: none."""
    if job_id is None:
        row = conn.execute(LAST_SEQ_AT, (moment,)).fetchone()
    else:
        row = conn.execute(LAST_SEQ_OF_JOB_AT, (job_id, moment)).fetchone()
    return 0 if row is None or row[0] is None else int(row[0])

"""Recomputing projections from the events: a full rebuild, catching up from the tracking position, and
folding one log's events (all of them, or one job's) into another database's projection tables — a scratch
in-memory copy (`scratch_database`) for `replay --check` and for the projections as of an event
(`eventlog.asof`).

Events are streamed in sequence order, folded in memory by the same `Projector` live appends use, and the
changed rows are written in bulk every `chunk` events. The cyclic garbage collector is paused meanwhile
(`eventlog.gcpause`): the fold makes many objects and no garbage cycles.
"""

from __future__ import annotations

import json
import json.scanner
import sqlite3
from collections.abc import Callable
from typing import Any

from eventlog import schema, tables
from eventlog.dialect import Connection
from eventlog.gcpause import collector_paused
from eventlog.projection import PAYLOAD_FREE, Projector
from eventlog.registry import EventRegistry

_FOLD_SQL = (
    "SELECT seq, recorded_at, type, job_id, item_key, step_key, operator, version, payload FROM events "
    "WHERE seq > ? AND seq <= ? ORDER BY seq"
)
_FOLD_JOB_SQL = (
    "SELECT seq, recorded_at, type, job_id, item_key, step_key, operator, version, payload FROM events "
    "WHERE job_id = ? AND seq > ? AND seq <= ? ORDER BY seq"
)
MAX_SEQ = 2**63 - 1
_NOTHING: dict[str, Any] = {}  # the payload handed to the fold of a `PAYLOAD_FREE` type (never changed)

_make_scanner: Any = json.scanner.make_scanner
_decode: Callable[[str, int], tuple[Any, int]] = _make_scanner(json.JSONDecoder())
"""`json.loads` without its two Python layers: a payload is canonical JSON (no whitespace around it), so
the C scanner reads it from its first character; returns (value, end)."""


def scratch_database() -> sqlite3.Connection:
    """An in-memory SQLite database with the log's schema (every migration's SQLite statements), empty."""
    copy = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in schema.MIGRATIONS:
            for statement in migration.statements:
                copy.execute(statement)
    except BaseException:
        copy.close()
        raise
    return copy


def fold_into(
    source: Connection,
    target: Connection,
    projector: Projector,
    registry: EventRegistry,
    *,
    after: int,
    to_seq: int | None = None,
    job_id: str | None = None,
    chunk: int = 100_000,
    cache_rows: int = 500_000,
) -> int:
    """Fold the events of `source` with `after < seq ≤ to_seq` (only those of `job_id`, if given) into
    `target`'s tables; return how many.

    The caller owns the transaction on `target`.
    """
    versions = registry.current_versions
    upcast = registry.upcast
    handler_of = projector.handlers.get  # the fold of each type, called directly (no `apply` per event)
    count = 0
    last = MAX_SEQ if to_seq is None else to_seq
    if job_id is None:
        cursor = source.execute(_FOLD_SQL, (after, last))
    else:
        cursor = source.execute(_FOLD_JOB_SQL, (job_id, after, last))
    free = PAYLOAD_FREE
    while rows := cursor.fetchmany(chunk):
        for seq, at, type_name, job_id, item_key, step_key, operator, version, payload in rows:
            handler = handler_of(type_name)
            if handler is None:  # a type the projections do not show
                continue
            if type_name in free:
                handler(seq, at, job_id, item_key, step_key, operator, _NOTHING)
                continue
            try:
                data = _decode(payload, 0)[0]
            except StopIteration:
                raise ValueError(f"event {seq}'s payload is not JSON") from None
            if versions.get(type_name, version) != version:
                data = upcast(type_name, version, data)
            handler(seq, at, job_id, item_key, step_key, operator, data)
        projector.position = rows[-1][0]
        count += len(rows)
        tables.write_changes(target, projector.take_changes(), projector.position)
        if projector.size() > cache_rows:
            projector.forget()
    if count == 0:
        tables.set_position(target, after)
    return count


def rebuild(conn: Connection, registry: EventRegistry, *, to_seq: int | None = None) -> int:
    """Empty the projections of `conn` and fold its events from the first (up to `to_seq`) in one
    transaction; return the number of events folded."""
    with collector_paused():
        return _rebuild(conn, registry, to_seq)


def _rebuild(conn: Connection, registry: EventRegistry, to_seq: int | None) -> int:
    conn.execute("BEGIN IMMEDIATE")
    try:
        tables.clear(conn)
        projector = Projector(tables.TableSource(conn), complete=True)
        count = fold_into(conn, conn, projector, registry, after=0, to_seq=to_seq)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return count


def refold(conn: Connection, registry: EventRegistry) -> None:
    """Empty the projections and fold every event again inside the caller's transaction (a migration's)."""
    with collector_paused():
        tables.clear(conn)
        fold_into(conn, conn, Projector(tables.TableSource(conn), complete=True), registry, after=0)


def catch_up(conn: Connection, registry: EventRegistry) -> int:
    """Fold the events after the tracking position into the projections; return how many."""
    with collector_paused():
        return _catch_up(conn, registry)


def _catch_up(conn: Connection, registry: EventRegistry) -> int:
    conn.execute("BEGIN IMMEDIATE")
    try:
        position = tables.position(conn)
        projector = Projector(tables.TableSource(conn), position=position)
        count = fold_into(conn, conn, projector, registry, after=position)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return count

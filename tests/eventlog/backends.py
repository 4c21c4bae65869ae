"""What a test does to a log behind the log's back, on either backend: raw SQL as its owner could run it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from eventlog import is_url

DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
"""What the database itself raises when it refuses a statement (an append-only trigger, a read-only log)."""
REFUSED_CHANGES: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)


def raw_execute(location: str | Path, *statements: str) -> None:
    """Run `statements` in one transaction on the log's database, without paydesk."""
    if is_url(location):
        with psycopg.connect(str(location)) as conn:  # commits when the block ends
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]  # test SQL, not user input
        return
    conn = sqlite3.connect(location)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def raw_rows(location: str | Path, query: str) -> list[tuple[object, ...]]:
    if is_url(location):
        with psycopg.connect(str(location)) as conn:
            return list(conn.execute(query).fetchall())  # type: ignore[arg-type]
    conn = sqlite3.connect(location)
    try:
        return list(conn.execute(query).fetchall())
    finally:
        conn.close()


def drop_append_only_triggers(location: str | Path) -> list[str]:
    """What an attacker with the database could do first: the statements that drop the triggers."""
    if is_url(location):
        return [f"DROP TRIGGER events_reject_{what} ON events" for what in ("update", "delete", "truncate")]
    return ["DROP TRIGGER events_reject_update", "DROP TRIGGER events_reject_delete"]


def tamper(location: str | Path, *statements: str) -> None:
    """Drop the append-only triggers, then run `statements` (an edit of the log's past)."""
    raw_execute(location, *drop_append_only_triggers(location), *statements)


_STEP_STATE_COLUMNS = (
    "status", "attempts", "value", "reason", "last_error", "error_code", "http_status", "retryable",
    "request_id", "page_id", "started_at", "finished_at", "updated_seq",
)  # fmt: skip
_PG_TYPES = {"attempts": "BIGINT", "http_status": "BIGINT", "retryable": "BIGINT", "updated_seq": "BIGINT"}


def schema_4_layout(location: str | Path) -> list[str]:
    """Statements putting back the projection tables schema version 5 remade, as version 4 kept them: items
    and steps without row ids, in key order, each step's plan and state in one row; and removing the store
    table version 6 added (for a test that makes a log of an older schema out of a new one; its version rows
    are for the caller to remove)."""
    from eventlog import schema  # the statements that made them

    v1 = schema.MIGRATIONS[0].statements_for("postgresql" if is_url(location) else "sqlite")
    state = ", ".join(_STEP_STATE_COLUMNS)
    if is_url(location):
        return [
            *(
                f"ALTER TABLE steps ADD COLUMN {column} {_PG_TYPES.get(column, 'TEXT')}"
                for column in _STEP_STATE_COLUMNS
            ),
            f"UPDATE steps SET ({state}) = "
            f"(SELECT {state} FROM step_states s WHERE s.planned_seq = steps.planned_seq)",
            "DROP TABLE step_states",
            "DROP TABLE log_store",
        ]

    def create(table: str) -> str:
        return next(s for s in v1 if s.startswith(f"CREATE TABLE {table} ("))

    plan = "job_id, item_key, step_key, kind, data_source, label, target, property, before, after, depends_on"
    return [
        "ALTER TABLE items RENAME TO items_v5",
        create("items"),
        "INSERT INTO items SELECT * FROM items_v5 ORDER BY job_id, item_key",
        "DROP TABLE items_v5",
        "CREATE INDEX items_by_status ON items (job_id, status, planned_seq)",
        "ALTER TABLE steps RENAME TO steps_v5",
        create("steps"),
        f"INSERT INTO steps ({plan}, {state}, planned_seq) SELECT {plan}, {state}, planned_seq"
        " FROM steps_v5 JOIN step_states USING (planned_seq) ORDER BY job_id, item_key, step_key",
        "DROP TABLE steps_v5",
        "DROP TABLE step_states",
        "DROP TABLE log_store",
    ]

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

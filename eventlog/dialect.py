"""The connection the log's code works on, whichever the backend: a `sqlite3.Connection` as it is, or a
`PgConnection` (`eventlog.postgres`) offering the same subset of its API on PostgreSQL.

The store, the writer, rebuild, replay, verify and export are written once against that subset:
`execute(sql, params)` returning a cursor (`fetchone`, `fetchall`, `fetchmany`, iteration), `executemany`,
`in_transaction`, `close`, with `?` placeholders, `BEGIN IMMEDIATE` for a transaction that writes (one
writer at a time) and `BEGIN` for a read snapshot. What differs is decided here, by `dialect_of`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from eventlog.migrations import Dialect

if TYPE_CHECKING:
    from eventlog.postgres import PgConnection


class Cursor(Protocol):
    """What the log's code reads from a cursor."""

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ...) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


Connection: TypeAlias = "sqlite3.Connection | PgConnection"


def dialect_of(conn: Connection) -> Dialect:
    return "sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"


def is_sqlite(conn: Connection) -> bool:
    return isinstance(conn, sqlite3.Connection)

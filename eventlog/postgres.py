"""The log on PostgreSQL (psycopg 3): `PgConnection` offers the subset of `sqlite3.Connection` the log's
code uses (see `eventlog.dialect`), and `connect` opens a database as a log, migrating its schema.

Translations, each in one place here:
- `?` placeholders become `%s` (and a literal `%` in a statement with parameters `%%`);
- `BEGIN IMMEDIATE` (a transaction that writes) is `BEGIN` plus a transaction-level advisory lock, so
  appenders on any number of machines take turns and keep one hash chain; `BEGIN` (a read snapshot) is a
  REPEATABLE READ transaction, so an export's events and head, or replay's events and projections, agree;
- PRAGMAs (SQLite's file settings) do nothing;
- a SELECT inside a read snapshot (an export, verify, replay) reads through a server-side cursor, so a large
  log is streamed in constant memory as from SQLite;
- a connection that fails (server gone, refused, unreachable) raises `LogUnavailable` in one line, the URL's
  password replaced by ***; the next statement opens a new connection (a transaction in flight is lost
  whole: it never commits half).

The connection runs in autocommit mode: transactions are exactly the `BEGIN` … `COMMIT` the log issues.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq

from eventlog.dialect import Cursor
from eventlog.errors import LogNotFound, LogUnavailable, NewerSchema, NotAnEventLog, OlderSchema
from eventlog.location import describe_location, scrub
from eventlog.migrations import Migration, current_version

LOCK_KEY = 0x50594453  # "PYDS": the advisory lock appenders, rebuilds and migrations of one database take
CONNECT_TIMEOUT_S = 10
STREAM_ROWS = 1000  # rows a streamed cursor fetches per round trip
_LOST_STATES = ("08", "57P")  # connection exceptions; the server shutting down or crashed
_IN_TRANSACTION = (
    pq.TransactionStatus.ACTIVE,
    pq.TransactionStatus.INTRANS,
    pq.TransactionStatus.INERROR,
)
_BEGIN_WRITING = f"BEGIN; SELECT pg_advisory_xact_lock({LOCK_KEY})"
_BEGIN_READING = "BEGIN ISOLATION LEVEL REPEATABLE READ"


class _NoRows:
    """The cursor of a statement that does nothing here (a PRAGMA)."""

    def fetchone(self) -> Any:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def fetchmany(self, size: int = 0) -> list[Any]:
        return []

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class _Streamed:
    """A server-side cursor read `STREAM_ROWS` rows per round trip, whichever fetch is called."""

    def __init__(self, cursor: psycopg.ServerCursor[Any]) -> None:
        self._cursor = cursor
        self._buffer: deque[Any] = deque()
        self._done = False

    def _fill(self) -> bool:
        if not self._buffer and not self._done:
            rows = self._cursor.fetchmany(STREAM_ROWS)
            self._buffer.extend(rows)
            if len(rows) < STREAM_ROWS:
                self._done = True
                self._cursor.close()
        return bool(self._buffer)

    def fetchone(self) -> Any:
        return self._buffer.popleft() if self._fill() else None

    def fetchmany(self, size: int = 1) -> list[Any]:
        rows: list[Any] = []
        while len(rows) < size and self._fill():
            take = min(size - len(rows), len(self._buffer))
            rows += [self._buffer.popleft() for _ in range(take)]
        return rows

    def fetchall(self) -> list[Any]:
        rows: list[Any] = []
        while self._fill():
            rows += self._buffer
            self._buffer.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._fill():
            yield self._buffer.popleft()


@lru_cache(maxsize=1024)
def _translate(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _one_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    text = re.sub(r"\s+", " ", lines[0]) if lines else type(err).__name__
    return text.removeprefix("connection failed: ")


class PgConnection:
    """A psycopg connection to the database at `url`, seen through the sqlite3 subset the log uses."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.where = describe_location(url)
        self._read_only = False
        self._snapshot = False  # inside a `BEGIN` (read snapshot): SELECTs are streamed
        self._cursors = 0
        self._conn = self._open()

    # --- the sqlite3 subset -------------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if sql == "BEGIN IMMEDIATE":
            sql = _BEGIN_WRITING
        elif sql == "BEGIN":
            sql = _BEGIN_READING
        elif sql in ("COMMIT", "ROLLBACK"):
            self._snapshot = False
        elif self._snapshot and sql.startswith("SELECT"):
            return self._stream(sql, params)
        elif sql.startswith("PRAGMA"):
            return _NoRows()
        elif self._conn.closed and sql in ("COMMIT", "ROLLBACK"):
            if sql == "ROLLBACK":
                return _NoRows()  # the transaction died with the connection
            raise LogUnavailable(self.where, "the connection was lost before the transaction committed")
        conn = self._usable()
        try:
            cursor = conn.execute(_translate(sql), params) if params else conn.execute(sql)
        except psycopg.OperationalError as err:
            raise self._failure(err) from None
        if sql is _BEGIN_READING:
            self._snapshot = True
        return cursor

    def _stream(self, sql: str, params: Sequence[Any]) -> Cursor:
        self._cursors += 1
        cursor = self._usable().cursor(name=f"paydesk_{self._cursors}")
        try:
            if params:
                cursor.execute(_translate(sql), params)
            else:
                cursor.execute(sql)
        except psycopg.OperationalError as err:
            raise self._failure(err) from None
        return _Streamed(cursor)

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> None:
        conn = self._usable()
        try:
            with conn.cursor() as cursor:
                cursor.executemany(_translate(sql), seq_of_params)
        except psycopg.OperationalError as err:
            raise self._failure(err) from None

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status in _IN_TRANSACTION

    def close(self) -> None:
        self._conn.close()

    # --- PostgreSQL only ----------------------------------------------------------------------------------

    def set_read_only(self) -> None:
        """Make every later transaction of this connection (and of its reconnections) read-only."""
        self._read_only = True
        self.execute("SET default_transaction_read_only = on")

    def _open(self) -> psycopg.Connection[Any]:
        options: dict[str, Any] = {"autocommit": True, "application_name": "paydesk"}
        if "connect_timeout" not in self._url:
            options["connect_timeout"] = CONNECT_TIMEOUT_S
        try:
            conn = psycopg.connect(self._url, **options)
            if self._read_only:
                conn.execute("SET default_transaction_read_only = on")
        except psycopg.Error as err:
            reason = scrub(_one_line(err), self._url)
            if "does not exist" in reason and "database" in reason:
                raise LogNotFound(self.where, "the database does not exist") from None
            raise LogUnavailable(self.where, reason) from None
        return conn

    def _usable(self) -> psycopg.Connection[Any]:
        if self._conn.closed:
            self._conn = self._open()
        return self._conn

    def _failure(self, err: psycopg.OperationalError) -> BaseException:
        state = err.sqlstate or ""
        if self._conn.closed or state.startswith(_LOST_STATES):
            self._conn.close()
            return LogUnavailable(self.where, scrub(_one_line(err), self._url))
        return err


Refold = Callable[[Any], None]


def connect(
    url: str,
    *,
    create: bool,
    read_only: bool,
    migrations: Sequence[Migration],
    refold: Refold | None,
    migrate: Callable[[Any, Sequence[Migration], Refold | None], None],
) -> PgConnection:
    """Open the database at `url` as an event log, creating and migrating its schema as needed (under the
    advisory lock: several processes opening a new database at once create it once)."""
    conn = PgConnection(url)
    where = conn.where
    try:
        version = _stored_version(conn)
        if version is None:
            if conn.execute("SELECT to_regclass('events')").fetchone()[0] is not None:
                raise NotAnEventLog(where, "it holds an events table that paydesk did not create")
            if read_only or not create:
                raise LogNotFound(where, "the database holds no event log")
            version = 0
        latest = current_version(migrations)
        if version > latest:
            raise NewerSchema(where, f"schema version {version}, this paydesk knows {latest}")
        if version < latest:
            try:
                migrate(conn, migrations, refold)
            except psycopg.errors.InsufficientPrivilege:
                raise OlderSchema(
                    where,
                    f"schema version {version}, which this paydesk migrates to {latest} the first time it "
                    "opens the log, but its user may not change the schema; run paydesk once as one who may",
                ) from None
        if read_only:
            conn.set_read_only()
        return conn
    except BaseException:
        conn.close()
        raise


def _stored_version(conn: PgConnection) -> int | None:
    """The schema version recorded in the database, or None if paydesk never set it up."""
    if conn.execute("SELECT to_regclass('paydesk_schema')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT max(version) FROM paydesk_schema").fetchone()
    return 0 if row[0] is None else int(row[0])

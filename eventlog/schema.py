"""Opening a log and migrating its schema forward: a SQLite file (recognised, created mode 0600, WAL, durable
commits) or, given a `postgresql://` URL, a PostgreSQL database (`eventlog.postgres`).

A paydesk log carries `PRAGMA application_id = APPLICATION_ID` in its header and records each applied
migration in `paydesk_schema`. Opening checks the raw header before SQLite writes anything, so a file that
is not SQLite, is truncated, belongs to another program or to a newer paydesk is refused unchanged.
"""

from __future__ import annotations

import os
import random
import sqlite3
import struct
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from eventlog.dialect import Connection, dialect_of
from eventlog.errors import DamagedLog, LogNotFound, NewerSchema, NotAnEventLog, OlderSchema
from eventlog.location import Location, is_url
from eventlog.migrations import MIGRATIONS, Dialect, Migration, current_version

__all__ = ["MIGRATIONS", "Migration", "connect", "current_version", "migrate"]

APPLICATION_ID = 0x50594453  # "PYDS"
SQLITE_MAGIC = b"SQLite format 3\x00"
CACHE_KIB = 65536  # page cache per connection: projections of a busy log stay in memory
PAGE_SIZE = 1024
"""Bytes per page of a new log file. Each commit of a running job rewrites, in the WAL and again at the
next checkpoint, every page holding a row it changed: a few steps, items, their job, the last page of the
events and of their index. Small pages keep that close to the bytes that changed (4,096-byte pages wrote
1.6 × as much for the same 10,000-entry job; bench/eventlog.py). A log keeps the size it was made with."""


_HEADER_FDS: dict[tuple[int, int], int] = {}
_HEADER_FDS_KEPT = 64


def _read_header(path: Path) -> bytes:
    """The first 100 bytes of `path`, read through a descriptor this process keeps open.

    Closing any descriptor of a file drops every POSIX lock the process holds on it — including the
    locks of SQLite connections (the writer's) in this process. Another process's SQLite connection could
    then think it is the last one, checkpoint and delete the WAL under the running writer. So the
    descriptor is never closed while the file exists (SQLite defers its own closes for the same reason).
    """
    info = path.stat()
    key = (info.st_dev, info.st_ino)
    fd = _HEADER_FDS.get(key)
    if fd is None:
        if len(_HEADER_FDS) >= _HEADER_FDS_KEPT:
            _forget_deleted()
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        _HEADER_FDS[key] = fd
    return os.pread(fd, 100, 0)


def _forget_deleted() -> None:
    """Close the kept descriptors of files that no longer exist (nobody can lock those any more)."""
    for key, fd in list(_HEADER_FDS.items()):
        if os.fstat(fd).st_nlink == 0:
            os.close(fd)
            del _HEADER_FDS[key]


def check_header(path: Path) -> bool:
    """Raise `DamagedLog`/`NotAnEventLog` unless `path` looks like a paydesk log; False if it is empty."""
    size = path.stat().st_size
    if size == 0:
        return False
    header = _read_header(path)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise DamagedLog(path, "not a SQLite database")
    raw_page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if raw_page_size == 1 else raw_page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise DamagedLog(path, "its SQLite header is damaged")
    pages = struct.unpack(">I", header[28:32])[0]
    header_size_valid = header[24:28] == header[92:96]
    if size % page_size or (
        header_size_valid and size < pages * page_size and not _checkpoint_may_be_growing(path)
    ):
        raise DamagedLog(path, f"truncated: {size} bytes where SQLite expects {pages * page_size}")
    (application_id,) = struct.unpack(">I", header[68:72])
    if application_id != APPLICATION_ID:
        raise NotAnEventLog(path, "a SQLite database of another program")
    return True


def _checkpoint_may_be_growing(path: Path) -> bool:
    """Whether a non-empty -wal sits beside the log: a checkpoint then writes page 1 (counting the grown
    database) before the pages that grow the file, so a header counting more pages than the file holds is
    what a reader may see for a moment, and SQLite reads such a file whole."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def create_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (another process creating it at the same
    moment is fine: one of them makes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


BUSY_LIMIT_S = 30.0  # how long opening waits for another process that is creating or migrating the log
SETUP_BUSY_S = 0.25  # how long one step of setting up waits for a lock before `connect` starts again
BUSY_TIMEOUT_MS = 30_000  # how long a statement of an open log waits for another writer


def connect(
    location: Location,
    *,
    create: bool,
    read_only: bool,
    migrations: Sequence[Migration] = MIGRATIONS,
    refold: Refold | None = None,
) -> Connection:
    """Open (or create) the log at `location` and bring its schema up to date; see the module docstring.

    A log of an older schema is migrated even when opened read-only (through a writable connection first,
    which needs write access to the file): its events are never changed, only the schema and projections.
    `refold(conn)` rebuilds the projections inside a migration's transaction when a migration asks for it.

    Two processes opening a new log at once both succeed: while one creates its schema (SQLite answers the
    other "database is locked"), the other waits and tries again, for up to `BUSY_LIMIT_S`."""
    if is_url(location):
        from eventlog import postgres  # psycopg is imported only by who opens a PostgreSQL log

        return postgres.connect(
            str(location),
            create=create,
            read_only=read_only,
            migrations=migrations,
            refold=refold,
            migrate=migrate,
        )
    return connect_file(
        Path(location), create=create, read_only=read_only, migrations=migrations, refold=refold
    )


def connect_file(
    path: Path,
    *,
    create: bool,
    read_only: bool,
    migrations: Sequence[Migration] = MIGRATIONS,
    refold: Refold | None = None,
) -> sqlite3.Connection:
    """`connect` for a SQLite file."""
    deadline = time.monotonic() + BUSY_LIMIT_S
    while True:
        try:
            return _connect(path, create=create, read_only=read_only, migrations=migrations, refold=refold)
        except _Older as older:
            _migrate_for_reading(path, older.version, migrations, refold)
        except _Busy:
            if time.monotonic() > deadline:
                raise DamagedLog(
                    Path(path), "another paydesk process kept it locked while creating it; try again"
                ) from None
            time.sleep(random.uniform(0.01, 0.05))  # not in step with the other process


class _Busy(Exception):
    """Another connection holds a lock the schema set-up needs; try again."""


class _Older(Exception):
    """A read-only open found an older schema: migrate it through a writable connection, then open again."""

    def __init__(self, version: int) -> None:
        self.version = version


Refold = Callable[[Connection], None]


def _migrate_for_reading(
    path: Path, version: int, migrations: Sequence[Migration], refold: Refold | None
) -> None:
    if not os.access(path, os.W_OK):
        raise OlderSchema(
            path,
            f"schema version {version}, which this paydesk migrates to {current_version(migrations)} the "
            "first time it opens the file, but it cannot write to it; run paydesk once as a user who can",
        )
    _connect(path, create=False, read_only=False, migrations=migrations, refold=refold).close()


def _connect(
    path: Path, *, create: bool, read_only: bool, migrations: Sequence[Migration], refold: Refold | None
) -> sqlite3.Connection:
    if not path.exists():
        if read_only or not create:
            raise LogNotFound(path, "the file does not exist")
        create_file(path)
    initialised = check_header(path)
    if not initialised and (read_only or not create):
        raise LogNotFound(path, "the file is empty")
    # Setting up waits briefly for each lock (two connections setting up at once can each wait for the
    # other; a short wait breaks that and `connect` tries again); the connection then waits up to 30 s.
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None, timeout=SETUP_BUSY_S
    )
    try:
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if initialised:
            version = _stored_version(conn, path)
            if version > current_version(migrations):
                raise NewerSchema(
                    path, f"schema version {version}, this paydesk knows {current_version(migrations)}"
                )
        else:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before anything is written to the file
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            version = 0
        if read_only:
            if version < current_version(migrations):
                raise _Older(version)
            conn.execute("PRAGMA query_only = 1")
        else:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise DamagedLog(path, "SQLite refused write-ahead logging for this file")
            if version < current_version(migrations):
                migrate(conn, migrations, refold)
            _settle_store(conn, path)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn
    except sqlite3.OperationalError as err:
        conn.close()
        if "locked" in str(err) or "busy" in str(err):
            raise _Busy() from None
        raise DamagedLog(path, f"SQLite says: {err}") from None
    except sqlite3.DatabaseError as err:
        conn.close()
        raise DamagedLog(path, f"SQLite says: {err}") from None
    except UnicodeDecodeError:  # a damaged page's text, which SQLite hands over as it is
        conn.close()
        raise DamagedLog(path, "a text in it is not UTF-8") from None
    except BaseException:
        conn.close()
        raise


def _settle_store(conn: sqlite3.Connection, path: Path) -> None:
    """A byte copy of the file (`cp`, a backup put back) is another store of the log, like a copy made by
    `paydesk log copy`: the file's device and inode are kept beside the store's identity, and a file found
    under others (copied, or moved to another file system) is given a new identity when it is first opened
    to write. Moved within its file system, it keeps both."""
    if conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'log_store'").fetchone()[0] == 0:
        return  # a schema without stores (tests that build older logs)
    found = path.stat()
    here = f"{found.st_dev}:{found.st_ino}"
    if conn.execute("SELECT value FROM log_store WHERE name = 'file'").fetchone() == (here,):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        kept = conn.execute("SELECT value FROM log_store WHERE name = 'file'").fetchone()
        if kept is None:  # the file the store was made in (or migrated in)
            conn.execute("INSERT INTO log_store (name, value) VALUES ('file', ?)", (here,))
        elif kept != (here,):
            conn.execute("UPDATE log_store SET value = lower(hex(randomblob(16))) WHERE name = 'store'")
            conn.execute("UPDATE log_store SET value = ? WHERE name = 'file'", (here,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _stored_version(conn: sqlite3.Connection, path: Path) -> int:
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        raise NotAnEventLog(path, "a SQLite database of another program")
    try:
        row = conn.execute("SELECT max(version) FROM paydesk_schema").fetchone()
    except sqlite3.OperationalError:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            return 0  # created, then interrupted before its first migration
        raise DamagedLog(path, "its schema version table is missing") from None
    if row[0] is None:
        raise DamagedLog(path, "its schema version table is empty")
    version: int = row[0]
    return version


VERSION_TABLE: dict[Dialect, str] = {
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS paydesk_schema "
        "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')))"
        " STRICT"
    ),
    "postgresql": (
        "CREATE TABLE IF NOT EXISTS paydesk_schema (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL "
        """DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))"""
    ),
}
"""The table recording each applied migration, per backend."""


def migrate(conn: Connection, migrations: Sequence[Migration], refold: Refold | None) -> None:
    """Apply the migrations the log lacks, in one transaction that holds the writers' lock; refold the
    projections if one of them asks for it (and the log held events before)."""
    dialect = dialect_of(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(VERSION_TABLE[dialect])
        version = conn.execute("SELECT coalesce(max(version), 0) FROM paydesk_schema").fetchone()[0]
        applied = [migration for migration in migrations if migration.version > version]
        for migration in applied:
            for statement in migration.statements_for(dialect):
                conn.execute(statement)
            conn.execute("INSERT INTO paydesk_schema (version) VALUES (?)", (migration.version,))
        if version > 0 and refold is not None and any(migration.refold for migration in applied):
            refold(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise

"""The log's file: recognising it, creating it (mode 0600, WAL, durable commits) and migrating it forward.

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
from dataclasses import dataclass
from pathlib import Path

from eventlog.errors import DamagedLog, LogNotFound, NewerSchema, NotAnEventLog, OlderSchema

APPLICATION_ID = 0x50594453  # "PYDS"
SQLITE_MAGIC = b"SQLite format 3\x00"
CACHE_KIB = 65536  # page cache per connection: projections of a busy log stay in memory


@dataclass(frozen=True)
class Migration:
    """A step of the schema: its statements, and whether the projections are then rebuilt from the events
    (`refold`, when what a projection keeps of the same events changed), all in one transaction."""

    version: int
    statements: tuple[str, ...]
    refold: bool = False


_V1 = Migration(
    1,
    (
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            recorded_at TEXT NOT NULL,
            job_id TEXT NOT NULL,
            item_key TEXT,
            step_key TEXT,
            type TEXT NOT NULL,
            version INTEGER NOT NULL,
            operator TEXT NOT NULL,
            payload TEXT NOT NULL,
            hash TEXT NOT NULL
        ) STRICT""",
        "CREATE INDEX events_by_job ON events (job_id, seq)",
        "CREATE INDEX events_by_item ON events (job_id, item_key, seq) WHERE item_key IS NOT NULL",
        """CREATE TRIGGER events_reject_update BEFORE UPDATE ON events
           BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events cannot be changed'); END""",
        """CREATE TRIGGER events_reject_delete BEFORE DELETE ON events
           BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events cannot be deleted'); END""",
        """CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL, selection_key TEXT NOT NULL,
            operator TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
            created_at TEXT, planned_at TEXT, started_at TEXT, finished_at TEXT,
            plan_items INTEGER NOT NULL, plan_steps INTEGER NOT NULL, totals TEXT, estimate TEXT,
            workers INTEGER,
            items_pending INTEGER NOT NULL, items_running INTEGER NOT NULL, items_succeeded INTEGER NOT NULL,
            items_skipped INTEGER NOT NULL, items_failed INTEGER NOT NULL, items_blocked INTEGER NOT NULL,
            items_cancelled INTEGER NOT NULL,
            steps_planned INTEGER NOT NULL, steps_started INTEGER NOT NULL, steps_succeeded INTEGER NOT NULL,
            steps_skipped INTEGER NOT NULL, steps_failed INTEGER NOT NULL, steps_blocked INTEGER NOT NULL,
            steps_cancelled INTEGER NOT NULL,
            preload_pages INTEGER NOT NULL, preload_requests INTEGER NOT NULL, preload_ms INTEGER NOT NULL,
            reads INTEGER NOT NULL, writes INTEGER NOT NULL, retries INTEGER NOT NULL,
            throttles INTEGER NOT NULL, wait_ms INTEGER NOT NULL,
            warnings INTEGER NOT NULL, last_warning TEXT,
            cancel_requested INTEGER NOT NULL, cancel_reason TEXT,
            resumes INTEGER NOT NULL, retry_requests INTEGER NOT NULL,
            created_seq INTEGER NOT NULL, updated_seq INTEGER NOT NULL
        ) STRICT""",
        "CREATE INDEX jobs_by_creation ON jobs (created_seq)",
        """CREATE TABLE items (
            job_id TEXT NOT NULL, item_key TEXT NOT NULL, label TEXT NOT NULL, kind TEXT NOT NULL,
            data TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,
            skip_reason TEXT,
            n_planned INTEGER NOT NULL, n_started INTEGER NOT NULL, n_succeeded INTEGER NOT NULL,
            n_skipped INTEGER NOT NULL, n_failed INTEGER NOT NULL, n_blocked INTEGER NOT NULL,
            n_cancelled INTEGER NOT NULL,
            planned_seq INTEGER NOT NULL, updated_seq INTEGER NOT NULL,
            PRIMARY KEY (job_id, item_key)
        ) STRICT, WITHOUT ROWID""",
        "CREATE INDEX items_by_status ON items (job_id, status, planned_seq)",
        """CREATE TABLE steps (
            job_id TEXT NOT NULL, item_key TEXT NOT NULL, step_key TEXT NOT NULL, kind TEXT NOT NULL,
            data_source TEXT NOT NULL, label TEXT NOT NULL, target TEXT NOT NULL, property TEXT,
            before TEXT NOT NULL, after TEXT NOT NULL, depends_on TEXT NOT NULL, status TEXT NOT NULL,
            attempts INTEGER NOT NULL, value TEXT,
            reason TEXT, last_error TEXT, error_code TEXT, http_status INTEGER, retryable INTEGER,
            request_id TEXT, page_id TEXT, started_at TEXT, finished_at TEXT,
            planned_seq INTEGER NOT NULL, updated_seq INTEGER NOT NULL,
            PRIMARY KEY (job_id, item_key, step_key)
        ) STRICT, WITHOUT ROWID""",
        """CREATE TABLE preloads (
            seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL, data_source TEXT NOT NULL, filter TEXT,
            pages INTEGER NOT NULL, requests INTEGER NOT NULL, ms INTEGER NOT NULL, recorded_at TEXT NOT NULL
        ) STRICT""",
        "CREATE INDEX preloads_by_job ON preloads (job_id, seq)",
        "CREATE TABLE projection_position (name TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT",
        "INSERT INTO projection_position (name, seq) VALUES ('main', 0)",
    ),
)

# A job's request counts (reads, writes, retries, throttles, wait) are the sum of its runs' GatewayStats;
# version 1 kept the last run's, so a resumed or retried job showed only its last run's requests.
_V2 = Migration(2, (), refold=True)

MIGRATIONS: tuple[Migration, ...] = (_V1, _V2)
"""Forward migrations in order; the last one's version is the schema this paydesk writes."""


def current_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return migrations[-1].version


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
    path: Path,
    *,
    create: bool,
    read_only: bool,
    migrations: Sequence[Migration] = MIGRATIONS,
    refold: Refold | None = None,
) -> sqlite3.Connection:
    """Open (or create) the log at `path` and bring its schema up to date; see the module docstring.

    A log of an older schema is migrated even when opened read-only (through a writable connection first,
    which needs write access to the file): its events are never changed, only the schema and projections.
    `refold(conn)` rebuilds the projections inside a migration's transaction when a migration asks for it.

    Two processes opening a new log at once both succeed: while one creates its schema (SQLite answers the
    other "database is locked"), the other waits and tries again, for up to `BUSY_LIMIT_S`."""
    deadline = time.monotonic() + BUSY_LIMIT_S
    path = Path(path)
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


Refold = Callable[[sqlite3.Connection], None]


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
                _migrate(conn, migrations, refold)
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
    except BaseException:
        conn.close()
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


def _migrate(conn: sqlite3.Connection, migrations: Sequence[Migration], refold: Refold | None) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS paydesk_schema "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')))"
            " STRICT"
        )
        version = conn.execute("SELECT coalesce(max(version), 0) FROM paydesk_schema").fetchone()[0]
        applied = [migration for migration in migrations if migration.version > version]
        for migration in applied:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO paydesk_schema (version) VALUES (?)", (migration.version,))
        if version > 0 and refold is not None and any(migration.refold for migration in applied):
            refold(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise

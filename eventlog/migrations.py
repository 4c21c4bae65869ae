"""The schema's migrations, each with its statements for both backends (SQLite and PostgreSQL).

Adding a migration (say version 3, for new tables):

    _V3 = Migration(
        3,
        sqlite=("CREATE TABLE leases (...) STRICT", ...),
        postgres=("CREATE TABLE leases (...)", ...),
    )
    MIGRATIONS = (_V1, _V2, _V3)

Both tuples are required as soon as either holds a statement (a migration that would silently do nothing on
one backend is refused when it is defined). Applying a migration runs its statements for the log's backend,
records its version in `paydesk_schema` and, if `refold`, rebuilds the projections from the events — all in
one transaction (`eventlog.schema.migrate`). Write the PostgreSQL statements without `%` or `?` characters
outside string literals of plpgsql bodies: they are sent as they are, without parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Dialect = Literal["sqlite", "postgresql"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Migration:
    """A step of the schema: its statements for SQLite and for PostgreSQL, and whether the projections are
    then rebuilt from the events (`refold`, when what a projection keeps of the same events changed)."""

    version: int
    sqlite: tuple[str, ...] = ()
    postgres: tuple[str, ...] | None = None
    refold: bool = False

    def __post_init__(self) -> None:
        if self.sqlite and self.postgres is None:
            raise ValueError(f"migration {self.version} has SQLite statements but no PostgreSQL statements")
        if self.postgres and not self.sqlite:
            raise ValueError(f"migration {self.version} has PostgreSQL statements but no SQLite statements")

    @property
    def statements(self) -> tuple[str, ...]:
        """The SQLite statements (what the file backend and the scratch copy of `replay --check` run)."""
        return self.sqlite

    def statements_for(self, dialect: Dialect) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgres or ()


_V1 = Migration(
    1,
    sqlite=(
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
    postgres=(
        """CREATE TABLE events (
            seq BIGINT PRIMARY KEY,
            recorded_at TEXT NOT NULL,
            job_id TEXT COLLATE "C" NOT NULL,
            item_key TEXT COLLATE "C",
            step_key TEXT COLLATE "C",
            type TEXT NOT NULL,
            version BIGINT NOT NULL,
            operator TEXT NOT NULL,
            payload TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
        "CREATE INDEX events_by_job ON events (job_id, seq)",
        "CREATE INDEX events_by_item ON events (job_id, item_key, seq) WHERE item_key IS NOT NULL",
        # TRUNCATE skips row triggers in PostgreSQL: it gets a statement trigger of its own.
        """CREATE FUNCTION paydesk_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               RAISE EXCEPTION 'the event log is append-only: events cannot be %',
                   CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END
                   USING ERRCODE = 'restrict_violation';
           END $$""",
        """CREATE TRIGGER events_reject_update BEFORE UPDATE ON events
           FOR EACH ROW EXECUTE FUNCTION paydesk_events_append_only()""",
        """CREATE TRIGGER events_reject_delete BEFORE DELETE ON events
           FOR EACH ROW EXECUTE FUNCTION paydesk_events_append_only()""",
        """CREATE TRIGGER events_reject_truncate BEFORE TRUNCATE ON events
           FOR EACH STATEMENT EXECUTE FUNCTION paydesk_events_append_only()""",
        """CREATE TABLE jobs (
            job_id TEXT COLLATE "C" PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL,
            selection_key TEXT NOT NULL,
            operator TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
            created_at TEXT, planned_at TEXT, started_at TEXT, finished_at TEXT,
            plan_items BIGINT NOT NULL, plan_steps BIGINT NOT NULL, totals TEXT, estimate TEXT,
            workers BIGINT,
            items_pending BIGINT NOT NULL, items_running BIGINT NOT NULL, items_succeeded BIGINT NOT NULL,
            items_skipped BIGINT NOT NULL, items_failed BIGINT NOT NULL, items_blocked BIGINT NOT NULL,
            items_cancelled BIGINT NOT NULL,
            steps_planned BIGINT NOT NULL, steps_started BIGINT NOT NULL, steps_succeeded BIGINT NOT NULL,
            steps_skipped BIGINT NOT NULL, steps_failed BIGINT NOT NULL, steps_blocked BIGINT NOT NULL,
            steps_cancelled BIGINT NOT NULL,
            preload_pages BIGINT NOT NULL, preload_requests BIGINT NOT NULL, preload_ms BIGINT NOT NULL,
            reads BIGINT NOT NULL, writes BIGINT NOT NULL, retries BIGINT NOT NULL,
            throttles BIGINT NOT NULL, wait_ms BIGINT NOT NULL,
            warnings BIGINT NOT NULL, last_warning TEXT,
            cancel_requested BIGINT NOT NULL, cancel_reason TEXT,
            resumes BIGINT NOT NULL, retry_requests BIGINT NOT NULL,
            created_seq BIGINT NOT NULL, updated_seq BIGINT NOT NULL
        )""",
        "CREATE INDEX jobs_by_creation ON jobs (created_seq)",
        """CREATE TABLE items (
            job_id TEXT COLLATE "C" NOT NULL, item_key TEXT COLLATE "C" NOT NULL, label TEXT NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT NOT NULL, last_error TEXT,
            skip_reason TEXT,
            n_planned BIGINT NOT NULL, n_started BIGINT NOT NULL, n_succeeded BIGINT NOT NULL,
            n_skipped BIGINT NOT NULL, n_failed BIGINT NOT NULL, n_blocked BIGINT NOT NULL,
            n_cancelled BIGINT NOT NULL,
            planned_seq BIGINT NOT NULL, updated_seq BIGINT NOT NULL,
            PRIMARY KEY (job_id, item_key)
        )""",
        "CREATE INDEX items_by_status ON items (job_id, status, planned_seq)",
        """CREATE TABLE steps (
            job_id TEXT COLLATE "C" NOT NULL, item_key TEXT COLLATE "C" NOT NULL,
            step_key TEXT COLLATE "C" NOT NULL, kind TEXT NOT NULL,
            data_source TEXT NOT NULL, label TEXT NOT NULL, target TEXT NOT NULL, property TEXT,
            before TEXT NOT NULL, after TEXT NOT NULL, depends_on TEXT NOT NULL, status TEXT NOT NULL,
            attempts BIGINT NOT NULL, value TEXT,
            reason TEXT, last_error TEXT, error_code TEXT, http_status BIGINT, retryable BIGINT,
            request_id TEXT, page_id TEXT, started_at TEXT, finished_at TEXT,
            planned_seq BIGINT NOT NULL, updated_seq BIGINT NOT NULL,
            PRIMARY KEY (job_id, item_key, step_key)
        )""",
        """CREATE TABLE preloads (
            seq BIGINT PRIMARY KEY, job_id TEXT COLLATE "C" NOT NULL, data_source TEXT NOT NULL,
            filter TEXT, pages BIGINT NOT NULL, requests BIGINT NOT NULL, ms BIGINT NOT NULL,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX preloads_by_job ON preloads (job_id, seq)",
        "CREATE TABLE projection_position (name TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
        "INSERT INTO projection_position (name, seq) VALUES ('main', 0)",
    ),
)


# A job's request counts (reads, writes, retries, throttles, wait) are the sum of its runs' GatewayStats;
# version 1 kept the last run's, so a resumed or retried job showed only its last run's requests.
_V2 = Migration(2, refold=True)

# Team mode's shared rate limit: one schedule of send slots per Notion integration, for every process and
# machine on the log (on PostgreSQL; a SQLite log's processes share a file beside it instead).
_V3 = Migration(
    3,
    sqlite=(
        """CREATE TABLE rate_slots (
            integration TEXT PRIMARY KEY, tat REAL NOT NULL, paused_until REAL NOT NULL,
            generation INTEGER NOT NULL
        ) STRICT""",
    ),
    postgres=(
        """CREATE TABLE rate_slots (
            integration TEXT PRIMARY KEY, tat DOUBLE PRECISION NOT NULL,
            paused_until DOUBLE PRECISION NOT NULL, generation BIGINT NOT NULL
        )""",
    ),
)

# One index on the events instead of two: each append wrote a leaf of `events_by_item` at a random place
# (item keys are page ids), a page the WAL then carried at every commit. A job's events are found through
# `events_by_job`; an item's by scanning its job's entries there, which hold the item key (no row read for
# the events of other items).
_V4_STATEMENTS = (
    "DROP INDEX events_by_item",
    "DROP INDEX events_by_job",
    "CREATE INDEX events_by_job ON events (job_id, seq, item_key)",
)
_V4 = Migration(4, sqlite=_V4_STATEMENTS, postgres=_V4_STATEMENTS)


# Items and steps in the order they were planned, a step's plan apart from its state. Version 1 kept items
# and steps ordered by their keys (page ids, so at random), each step's plan and state in one row: every
# commit of a running job rewrote a page for each item and step it touched. Workers take items in plan
# order, so the rows a commit touches now lie side by side, and a step's events after its plan rewrite
# only its small `step_states` row (keyed by the step's `planned_seq`, the seq of the event that made it,
# which no other step shares). The old primary keys stay unique: the projector's upserts and lookups go
# through them. PostgreSQL keeps rows in heaps, in the order they were written: it only splits the steps.
_STEP_STATES = """CREATE TABLE step_states (
    planned_seq {integer} PRIMARY KEY, status TEXT NOT NULL, attempts {integer} NOT NULL, value TEXT,
    reason TEXT, last_error TEXT, error_code TEXT, http_status {integer}, retryable {integer},
    request_id TEXT, page_id TEXT, started_at TEXT, finished_at TEXT, updated_seq {integer} NOT NULL
){strict}"""
_STATE_COLUMNS = (
    "status, attempts, value, reason, last_error, error_code, http_status, retryable, request_id, page_id, "
    "started_at, finished_at, updated_seq"
)
_PLAN_COLUMNS = (
    "job_id, item_key, step_key, kind, data_source, label, target, property, before, after, depends_on, "
    "planned_seq"
)
_V5 = Migration(
    5,
    sqlite=(
        """CREATE TABLE items_v5 (
            job_id TEXT NOT NULL, item_key TEXT NOT NULL, label TEXT NOT NULL, kind TEXT NOT NULL,
            data TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,
            skip_reason TEXT,
            n_planned INTEGER NOT NULL, n_started INTEGER NOT NULL, n_succeeded INTEGER NOT NULL,
            n_skipped INTEGER NOT NULL, n_failed INTEGER NOT NULL, n_blocked INTEGER NOT NULL,
            n_cancelled INTEGER NOT NULL,
            planned_seq INTEGER NOT NULL, updated_seq INTEGER NOT NULL,
            UNIQUE (job_id, item_key)
        ) STRICT""",
        "INSERT INTO items_v5 SELECT * FROM items ORDER BY planned_seq",
        "DROP TABLE items",
        "ALTER TABLE items_v5 RENAME TO items",
        "CREATE INDEX items_by_status ON items (job_id, status, planned_seq)",
        """CREATE TABLE steps_v5 (
            job_id TEXT NOT NULL, item_key TEXT NOT NULL, step_key TEXT NOT NULL, kind TEXT NOT NULL,
            data_source TEXT NOT NULL, label TEXT NOT NULL, target TEXT NOT NULL, property TEXT,
            before TEXT NOT NULL, after TEXT NOT NULL, depends_on TEXT NOT NULL,
            planned_seq INTEGER PRIMARY KEY,
            UNIQUE (job_id, item_key, step_key)
        ) STRICT""",
        _STEP_STATES.format(integer="INTEGER", strict=" STRICT"),
        f"INSERT INTO steps_v5 ({_PLAN_COLUMNS}) SELECT {_PLAN_COLUMNS} FROM steps ORDER BY planned_seq",
        f"INSERT INTO step_states (planned_seq, {_STATE_COLUMNS}) "
        f"SELECT planned_seq, {_STATE_COLUMNS} FROM steps ORDER BY planned_seq",
        "DROP TABLE steps",
        "ALTER TABLE steps_v5 RENAME TO steps",
    ),
    postgres=(
        _STEP_STATES.format(integer="BIGINT", strict=""),
        f"INSERT INTO step_states (planned_seq, {_STATE_COLUMNS}) "
        f"SELECT planned_seq, {_STATE_COLUMNS} FROM steps",
        "ALTER TABLE steps " + ", ".join(f"DROP COLUMN {column}" for column in _STATE_COLUMNS.split(", ")),
    ),
)

# The identity of this store of the log. A copy (`paydesk log copy`) keeps the log's identity, the hash
# of its first event, and gets a store of its own: the workspace's mark names both (engine.run.binding),
# so a log and its copy cannot both pay one workspace. A random value made once, when the store is.
_STORE_TABLE = "CREATE TABLE log_store (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
_V6 = Migration(
    6,
    sqlite=(
        _STORE_TABLE + " STRICT",
        "INSERT INTO log_store (name, value) VALUES ('store', lower(hex(randomblob(16))))",
    ),
    postgres=(
        _STORE_TABLE,
        "INSERT INTO log_store (name, value) "
        "VALUES ('store', md5(random()::text || clock_timestamp()::text))",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (_V1, _V2, _V3, _V4, _V5, _V6)
"""Forward migrations in order; the last one's version is the schema this paydesk writes."""


def current_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return migrations[-1].version

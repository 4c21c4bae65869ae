"""The contract every backend keeps beyond the single-connection tests (two writers, schemas), and what only
a database server can do to a log: be unreachable, refuse a user, go away in the middle of an append."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventlog import (
    EventLog,
    GroupCommitWriter,
    LogNotFound,
    LogUnavailable,
    NewerSchema,
    WarningRecorded,
    describe_location,
    is_url,
    schema,
)
from eventlog.schema import Migration
from tests.eventlog.backends import REFUSED_CHANGES, raw_execute, raw_rows, schema_4_layout
from tests.eventlog.eventlog_histories import OP, planned_job, small_history
from tests.pgserver import PgServer


def warning(job: str, n: int) -> WarningRecorded:
    return WarningRecorded(job_id=job, operator=OP, code="c", message=str(n))


# --- locations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "url"),
    [
        ("postgresql://ops@db.example/paydesk", True),
        ("postgres://ops@db.example/paydesk", True),
        ("PostgreSQL://ops@db.example/paydesk", True),
        ("/var/lib/paydesk/log.sqlite", False),
        (Path("postgresql:/x"), False),
        ("log.sqlite", False),
    ],
)
def test_a_location_is_a_url_only_when_it_says_postgresql(location: str | Path, url: bool) -> None:
    assert is_url(location) is url


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("postgresql://ops:s3cr%40t@db:5432/paydesk", "postgresql://ops:***@db:5432/paydesk"),
        ("postgresql://ops@db/paydesk?password=s3cret&sslmode=require", "postgresql://ops@db/paydesk?password=***&sslmode=require"),
        ("postgresql://ops@db/paydesk", "postgresql://ops@db/paydesk"),
        (Path("/tmp/log.sqlite"), "/tmp/log.sqlite"),
    ],
)  # fmt: skip
def test_a_location_is_described_without_its_password(location: str | Path, shown: str) -> None:
    assert describe_location(location) == shown


# --- every backend ----------------------------------------------------------------------------------------


def test_two_writers_appending_at_once_keep_one_chain(log_location: str | Path) -> None:
    """Two machines (here two writers, each with its own connection) append to one log at the same time:
    every event gets its own sequence number and the chain stays whole."""
    EventLog(log_location).close()
    start = threading.Barrier(2)
    receipts: dict[str, list[object]] = {}

    def write(name: str) -> None:
        with GroupCommitWriter(log_location) as writer:
            start.wait()
            receipts[name] = [
                writer.submit([warning(name, n), warning(name, n + 1)]) for n in range(0, 60, 2)
            ]

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with EventLog(log_location) as log:
        report = log.verify()
        assert (report.ok, report.checked, log.head().seq) == (True, 120, 120)
        assert log.replay_check().ok
        for name in ("a", "b"):  # each writer's events keep their order
            messages = [s.event.message for s in log.events_after(0, limit=200) if s.event.job_id == name]  # type: ignore[attr-defined]
            assert messages == [str(n) for n in range(60)]


def test_a_log_of_a_newer_schema_is_refused_in_one_line(log_location: str | Path) -> None:
    with EventLog(log_location) as log:
        log.append(small_history()[:2])
    raw_execute(log_location, "INSERT INTO paydesk_schema (version) VALUES (99)")
    with pytest.raises(NewerSchema, match=r"schema version 99.*upgrade paydesk") as refused:
        EventLog(log_location, read_only=True)
    assert "\n" not in str(refused.value)
    assert describe_location(log_location) in str(refused.value)


def test_a_new_migration_applies_its_own_backends_statements_once(log_location: str | Path) -> None:
    with EventLog(log_location) as log:
        log.append(small_history())
    later = schema.current_version() + 1
    leases = Migration(
        later,
        sqlite=("CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL) STRICT",),
        postgres=("CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL)",),
    )
    for _ in range(2):  # the second opening finds the schema current
        schema.connect(
            log_location, create=False, read_only=False, migrations=(*schema.MIGRATIONS, leases)
        ).close()
    assert raw_rows(log_location, "SELECT version FROM paydesk_schema ORDER BY version") == [
        (v,) for v in range(1, later + 1)
    ]
    assert raw_rows(log_location, "SELECT count(*) FROM leases") == [(0,)]


def test_a_migration_must_say_what_it_does_on_both_backends() -> None:
    with pytest.raises(ValueError, match="no PostgreSQL statements"):
        Migration(9, sqlite=("CREATE TABLE t (x INTEGER) STRICT",))
    with pytest.raises(ValueError, match="no SQLite statements"):
        Migration(9, postgres=("CREATE TABLE t (x BIGINT)",))


# --- PostgreSQL only --------------------------------------------------------------------------------------


def test_truncating_the_events_is_refused_too(postgres_url: str) -> None:
    with EventLog(postgres_url) as log:
        log.append(small_history()[:2])
    with pytest.raises(REFUSED_CHANGES, match="append-only"):
        raw_execute(postgres_url, "TRUNCATE events")


def _refused(location: str, error: type[Exception] = LogUnavailable) -> str:
    with pytest.raises(error) as refused:
        EventLog(location)
    message = str(refused.value)
    assert "\n" not in message and "hunter2" not in message
    return message


def test_an_unreachable_server_is_one_line_without_the_password(postgres_server: PgServer) -> None:
    closed_port = PgServer.__new__(PgServer)
    closed_port.port = 1
    message = _refused(closed_port.url("paydesk", password="hunter2"))
    assert message.startswith("the event log postgresql://paydesk:***@127.0.0.1:1/paydesk is unavailable (")


def test_an_unknown_user_is_one_line_without_the_password(postgres_server: PgServer) -> None:
    message = _refused(postgres_server.url("postgres", user="mallory", password="hunter2"))
    assert "mallory" in message and "***" in message


def test_a_malformed_url_is_one_line(postgres_server: PgServer) -> None:
    message = _refused("postgresql://paydesk:hunter2@127.0.0.1:port/db")
    assert message.startswith("the event log postgresql://paydesk:***@127.0.0.1:port/db is unavailable (")


def test_a_database_that_does_not_exist_is_not_found(postgres_server: PgServer) -> None:
    message = _refused(postgres_server.url("no_such_database", password="hunter2"), LogNotFound)
    assert "does not exist" in message


def test_an_empty_database_is_no_log_for_a_reader(postgres_url: str) -> None:
    with pytest.raises(LogNotFound, match="holds no event log"):
        EventLog(postgres_url, read_only=True)


class GateClock:
    """Holds the writer's transaction open (after its lock and head read) until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> datetime:
        self.entered.set()
        self.release.wait()
        return datetime(2025, 1, 31, tzinfo=UTC)


def test_a_server_that_goes_away_mid_append_fails_that_transaction_in_one_line(
    postgres_server: PgServer, postgres_url: str
) -> None:
    clock = GateClock()
    with GroupCommitWriter(postgres_url, clock=clock) as writer:
        clock.release.set()
        writer.submit(planned_job("job-1", {"a": ["a1"]})).result(timeout=30)
        clock.release.clear()
        clock.entered.clear()
        lost = writer.submit([warning("job-1", 1)])
        assert clock.entered.wait(timeout=30)  # the transaction is open, its lock held
        with postgres_server.stopped():
            clock.release.set()
            error = lost.exception(timeout=30)
            assert isinstance(error, LogUnavailable) and "\n" not in str(error)
            refused = writer.submit([warning("job-1", 2)]).exception(timeout=30)
            assert isinstance(refused, LogUnavailable)
        (stored,) = writer.submit([warning("job-1", 3)]).result(timeout=30)  # connects again
    with EventLog(postgres_url) as log:
        assert log.verify().ok and log.replay_check().ok
        assert stored.seq == log.head().seq == len(planned_job("job-1", {"a": ["a1"]})) + 1


def _event_indexes(location: str | Path) -> list[tuple[object, ...]]:
    if isinstance(location, Path):
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql NOTNULL"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'"
    return sorted(raw_rows(location, query))


def test_a_log_of_schema_3_keeps_one_index_on_its_events_and_finds_an_items_events(
    log_location: str | Path,
) -> None:
    with EventLog(log_location) as log:
        log.append(small_history())
        item_key = next(e.item_key for e in small_history() if e.item_key is not None)
        of_item = [s.seq for s in log.events_of_item("job-1", item_key)]
    raw_execute(
        log_location,
        *schema_4_layout(log_location),
        "DROP INDEX events_by_job",
        "CREATE INDEX events_by_job ON events (job_id, seq)",
        "CREATE INDEX events_by_item ON events (job_id, item_key, seq) WHERE item_key IS NOT NULL",
        "DELETE FROM paydesk_schema WHERE version > 3",
    )
    assert _event_indexes(log_location) == [("events_by_item",), ("events_by_job",)]
    with EventLog(log_location) as log:
        assert [s.seq for s in log.events_of_item("job-1", item_key)] == of_item and of_item
        assert log.verify().ok and log.replay_check().ok
    assert _event_indexes(log_location) == [("events_by_job",)]

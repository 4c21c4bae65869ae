"""Opening something that is not a usable paydesk log is a clear error and leaves the file as it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from eventlog import DamagedLog, EventLog, LogNotFound, NewerSchema, NotAnEventLog, schema
from eventlog.schema import Migration
from tests.eventlog.eventlog_histories import small_history


def _real_log(path: Path) -> Path:
    with EventLog(path) as log:
        log.append(small_history())
    return path


def _refused_unchanged(path: Path, error: type[Exception], match: str) -> None:
    before = path.read_bytes()
    with pytest.raises(error, match=match) as caught:
        EventLog(path)
    assert path.read_bytes() == before
    assert str(path) in str(caught.value)


def test_a_text_file_is_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("payouts for january\n" * 20)
    _refused_unchanged(path, DamagedLog, "not a SQLite database")


def test_random_bytes_are_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "noise.sqlite"
    path.write_bytes(os.urandom(8192))
    _refused_unchanged(path, DamagedLog, "not a SQLite database")


@pytest.mark.parametrize("keep", [50, 4096, 4096 + 100])
def test_a_truncated_log_is_damaged(tmp_path: Path, keep: int) -> None:
    path = _real_log(tmp_path / "log.sqlite")
    assert path.stat().st_size > keep + 4096
    with path.open("r+b") as file:
        file.truncate(keep)
    _refused_unchanged(path, DamagedLog, "not a SQLite database|truncated")


def test_a_foreign_sqlite_database_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    _refused_unchanged(path, NotAnEventLog, "another program")
    conn = sqlite3.connect(path)
    assert [row[0] for row in conn.execute("SELECT name FROM sqlite_master")] == ["customers"]
    conn.close()


def test_a_log_from_a_newer_paydesk_is_refused(tmp_path: Path) -> None:
    path = _real_log(tmp_path / "log.sqlite")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO paydesk_schema (version) VALUES (99)")
    conn.commit()
    conn.close()
    _refused_unchanged(path, NewerSchema, "schema version 99.*upgrade paydesk")


def test_a_missing_file_is_not_created_when_the_caller_only_reads(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here.sqlite"
    with pytest.raises(LogNotFound):
        EventLog(path, read_only=True)
    with pytest.raises(LogNotFound):
        EventLog(path, create=False)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_file_becomes_a_log(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    path.touch()
    with EventLog(path) as log:
        assert log.head().seq == 0


def test_an_older_log_is_migrated_forward_keeping_its_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _real_log(tmp_path / "log.sqlite")
    later = schema.current_version() + 1
    notes = Migration(
        later,
        sqlite=("CREATE TABLE notes (seq INTEGER PRIMARY KEY, text TEXT NOT NULL) STRICT",),
        postgres=("CREATE TABLE notes (seq BIGINT PRIMARY KEY, text TEXT NOT NULL)",),
    )
    conn = schema.connect(path, create=False, read_only=False, migrations=(*schema.MIGRATIONS, notes))
    versions = [row[0] for row in conn.execute("SELECT version FROM paydesk_schema ORDER BY version")]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    assert (versions, "notes" in tables, count) == (list(range(1, later + 1)), True, len(small_history()))


def test_two_writers_opening_a_new_log_at_once_both_open_it(tmp_path: Path) -> None:
    """Two `paydesk run` started together on a log that does not exist yet: neither is told it is damaged."""
    import threading

    from eventlog import GroupCommitWriter

    def open_one(path: Path, start: threading.Barrier, errors: list[BaseException]) -> None:
        start.wait()
        try:
            GroupCommitWriter(path).close()
        except BaseException as err:
            errors.append(err)

    for attempt in range(10):
        path = tmp_path / f"log-{attempt}.sqlite"
        errors: list[BaseException] = []
        start = threading.Barrier(2)
        threads = [threading.Thread(target=open_one, args=(path, start, errors)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors


def test_a_reason_quoting_sqlite_is_told_in_one_line(tmp_path: Path) -> None:
    """Found fuzzing damaged logs: SQLite quotes a damaged schema's SQL, newlines and all, in its message."""
    said = "malformed database schema (events) - near 'x':\n  CREATE TABLE events (\n    seq INTEGER\n  )"
    error = DamagedLog(tmp_path / "log.sqlite", f"SQLite says: {said}")
    assert "\n" not in str(error) and "CREATE TABLE events ( seq INTEGER )" in str(error)

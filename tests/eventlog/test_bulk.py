"""Bulk writes put exactly the given rows in the table, NULLs included, whatever their number; and the
garbage-collector pause around them is scoped and restored."""

from __future__ import annotations

import gc
import sqlite3
import threading

import pytest

from eventlog.bulk import CHUNK_VALUES, NULL_STAND_IN, BulkInsert, flat_values
from eventlog.gcpause import collector_paused
from eventlog.rows import ItemRow, JobRow, PreloadRow, StepRow, nullable
from eventlog.schema import MIGRATIONS
from eventlog.tables import PROJECTION_TABLES

COLUMNS = ("k", "t", "n")


def table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, t TEXT, n INTEGER) STRICT")
    return conn


def rows(count: int) -> list[tuple[int, str | None, int | None]]:
    return [(k, None if k % 3 else f"text {k}", None if k % 2 else -k) for k in range(count)]


@pytest.mark.parametrize("count", [0, 1, 2, 7, 1023, 1024, 1025, 2048 + 511, 5000])
def test_every_row_is_written_once_with_its_nulls(count: int) -> None:
    conn = table()
    insert = BulkInsert("t", COLUMNS, nullable={"t", "n"})
    assert insert.chunk_rows * len(COLUMNS) <= CHUNK_VALUES
    insert.run(conn, flat_values(rows(count)))
    assert conn.execute("SELECT k, t, n FROM t ORDER BY k").fetchall() == rows(count)


def test_an_upsert_updates_the_rows_already_there() -> None:
    conn = table()
    upsert = BulkInsert(
        "t", COLUMNS, nullable={"t", "n"}, on_conflict="ON CONFLICT (k) DO UPDATE SET t = excluded.t"
    )
    upsert.run(conn, flat_values(rows(10)))
    upsert.run(conn, flat_values([(k, f"again {k}", None) for k in range(5, 15)]))
    written = dict(conn.execute("SELECT k, t FROM t").fetchall())
    assert written == {**{k: t for k, t, _ in rows(5)}, **{k: f"again {k}" for k in range(5, 15)}}


def test_values_that_do_not_make_whole_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="rows of 3"):
        BulkInsert("t", COLUMNS).run(table(), [1, "a"])


def test_the_nullable_columns_of_the_row_types_are_those_of_the_schema() -> None:
    conn = sqlite3.connect(":memory:")
    for statement in MIGRATIONS[0].statements:
        conn.execute(statement)
    row_types = {"jobs": JobRow, "items": ItemRow, "steps": StepRow, "preloads": PreloadRow}
    for name in PROJECTION_TABLES:
        info = conn.execute(f"PRAGMA table_info({name})").fetchall()
        schema_nullable = {column for _, column, _, notnull, _, pk in info if not notnull and not pk}
        assert nullable(row_types[name]) == schema_nullable, name
        # the stand-in for NULL is a REAL: no projection column may hold one
        assert all(kind in ("TEXT", "INTEGER") for _, _, kind, _, _, _ in info), name
    assert isinstance(NULL_STAND_IN, float)


def test_the_collector_pause_is_restored_and_counted_across_threads() -> None:
    assert gc.isenabled()
    inner_started, outer_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def inner() -> None:
        with collector_paused():
            inner_started.set()
            outer_done.wait(timeout=30)
            seen.append(gc.isenabled())  # the other pause has ended; this one still holds

    thread = threading.Thread(target=inner)
    try:
        with collector_paused():
            assert not gc.isenabled()
            thread.start()
            assert inner_started.wait(timeout=30)
        outer_done.set()
        thread.join(timeout=30)
        assert seen == [False] and gc.isenabled()
    finally:
        gc.enable()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

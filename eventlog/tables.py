"""The projection tables in SQL: loading rows the projector misses and writing its changes in bulk.

Each batch of changes is written with a few multi-row statements per table (see `eventlog.bulk`; one row
per touched job, item or step), in the caller's transaction, together with the tracking position.

A row already in its table is updated without the columns of a secondary index (a job's `created_seq`, an
item's `status` and `planned_seq`) unless the projector says they may have changed: setting an indexed
column, even to its value, rewrites the index entry, so every write of a job would dirty a page of
`jobs_by_creation` and every write of an item one of `items_by_status` — pages the WAL then writes again at
every commit.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from eventlog.bulk import BulkInsert, flat_values
from eventlog.dialect import Connection, Cursor
from eventlog.projection import Changes
from eventlog.rows import (
    ITEM_COLUMNS,
    ITEM_KEY,
    JOB_COLUMNS,
    JOB_KEY,
    PRELOAD_COLUMNS,
    STEP_COLUMNS,
    STEP_KEY,
    STEP_PLAN_COLUMNS,
    STEP_STATE_COLUMNS,
    STEPS_JOINED,
    ItemRow,
    JobRow,
    PreloadRow,
    StepRow,
    nullable,
)

PROJECTION_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "jobs": (JOB_COLUMNS, JOB_KEY),
    "items": (ITEM_COLUMNS, ITEM_KEY),
    "steps": (STEP_COLUMNS, STEP_KEY),
    "preloads": (PRELOAD_COLUMNS, ("seq",)),
}
"""Projection name → (columns in order, primary key). Each is a table, but for `steps`: its plans and
their states, kept in two tables (`STEPS_JOINED`)."""

_FROM = {"steps": STEPS_JOINED}
_STORED = ("jobs", "items", "steps", "step_states", "preloads")


def _select(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    where = " AND ".join(f"{c} = ?" for c in key)
    return f"SELECT {', '.join(columns)} FROM {_FROM.get(table, table)} WHERE {where}"


def _on_conflict(columns: tuple[str, ...], key: tuple[str, ...], kept: tuple[str, ...] = ()) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key and c not in kept)
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


def _upsert(
    table: str,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    row_type: type[Any],
    kept: tuple[str, ...] = (),
) -> BulkInsert:
    """An upsert of whole rows; a row already there keeps its `kept` columns."""
    on_conflict = _on_conflict(columns, key, kept)
    return BulkInsert(table, columns, nullable=nullable(row_type), on_conflict=on_conflict)


_JOB_INDEXED = ("created_seq",)  # jobs_by_creation
_ITEM_INDEXED = ("status", "planned_seq")  # items_by_status
_UPSERT_JOBS = _upsert("jobs", JOB_COLUMNS, JOB_KEY, JobRow)
_UPSERT_JOBS_IN_PLACE = _upsert("jobs", JOB_COLUMNS, JOB_KEY, JobRow, _JOB_INDEXED)
_UPSERT_ITEMS = _upsert("items", ITEM_COLUMNS, ITEM_KEY, ItemRow)
_UPSERT_ITEMS_IN_PLACE = _upsert("items", ITEM_COLUMNS, ITEM_KEY, ItemRow, _ITEM_INDEXED)
_UPSERT_STEP_PLANS = _upsert("steps", STEP_PLAN_COLUMNS, STEP_KEY, StepRow)
_UPSERT_STEP_STATES = _upsert("step_states", ("planned_seq", *STEP_STATE_COLUMNS), ("planned_seq",), StepRow)
_INSERT_PRELOADS = BulkInsert("preloads", PRELOAD_COLUMNS, nullable=nullable(PreloadRow))
_SELECT_JOB = _select("jobs", JOB_COLUMNS, JOB_KEY)
_SELECT_ITEM = _select("items", ITEM_COLUMNS, ITEM_KEY)
_SELECT_STEP = _select("steps", STEP_COLUMNS, STEP_KEY)

job_values = attrgetter(*JOB_COLUMNS)
item_values = attrgetter(*ITEM_COLUMNS)
step_plan_values = attrgetter(*STEP_PLAN_COLUMNS)
step_state_values = attrgetter("planned_seq", *STEP_STATE_COLUMNS)
preload_values = attrgetter(*PRELOAD_COLUMNS)


class TableSource:
    """Rows from the projection tables of `conn` (a `RowSource` for the projector)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def load_job(self, job_id: str) -> JobRow | None:
        row = self._conn.execute(_SELECT_JOB, (job_id,)).fetchone()
        return None if row is None else JobRow(*row)

    def load_item(self, job_id: str, item_key: str) -> ItemRow | None:
        row = self._conn.execute(_SELECT_ITEM, (job_id, item_key)).fetchone()
        return None if row is None else ItemRow(*row)

    def load_step(self, job_id: str, item_key: str, step_key: str) -> StepRow | None:
        row = self._conn.execute(_SELECT_STEP, (job_id, item_key, step_key)).fetchone()
        return None if row is None else StepRow(*row)


def write_changes(conn: Connection, changes: Changes, position: int) -> None:
    """Write the changed rows and move the tracking position (inside the caller's transaction).

    Every changed row is upserted whole (the projector holds all its columns): with the rows bound in
    chunks, that costs less than updating the changed columns of rows already written. Indexed columns are
    left out of the update where the projector knows they have not moved (see the module docstring); a job's
    `created_seq` and an item's `planned_seq` are set when the row is made, and an item's status only moves
    where `moved_items` says so.
    """
    if changes.jobs:
        moved_jobs = changes.moved_jobs
        moved = [job for job in changes.jobs if job.job_id in moved_jobs]
        in_place = [job for job in changes.jobs if job.job_id not in moved_jobs] if moved else changes.jobs
        if moved:
            _UPSERT_JOBS.run(conn, flat_values(map(job_values, moved)))
        if in_place:
            _UPSERT_JOBS_IN_PLACE.run(conn, flat_values(map(job_values, in_place)))
    if changes.items:
        moved_items = changes.moved_items
        moved_rows = [item for item in changes.items if (item.job_id, item.item_key) in moved_items]
        rest = [item for item in changes.items if (item.job_id, item.item_key) not in moved_items]
        if moved_rows:
            _UPSERT_ITEMS.run(conn, flat_values(map(item_values, moved_rows)))
        if rest:
            _UPSERT_ITEMS_IN_PLACE.run(conn, flat_values(map(item_values, rest)))
    if changes.steps:
        planned = changes.planned_steps
        if planned:
            plans = [step for step in changes.steps if (step.job_id, step.item_key, step.step_key) in planned]
            _UPSERT_STEP_PLANS.run(conn, flat_values(map(step_plan_values, plans)))
        _UPSERT_STEP_STATES.run(conn, flat_values(map(step_state_values, changes.steps)))
    if changes.preloads:
        _INSERT_PRELOADS.run(conn, flat_values(map(preload_values, changes.preloads)))
    set_position(conn, position)


def set_position(conn: Connection, position: int) -> None:
    conn.execute("UPDATE projection_position SET seq = ? WHERE name = 'main'", (position,))


def position(conn: Connection) -> int:
    row = conn.execute("SELECT seq FROM projection_position WHERE name = 'main'").fetchone()
    return 0 if row is None else int(row[0])


def clear(conn: Connection) -> None:
    """Empty every projection table and reset the position (inside the caller's transaction)."""
    for table in _STORED:
        conn.execute(f"DELETE FROM {table}")
    set_position(conn, 0)


def rows_in_order(conn: Connection, table: str) -> Cursor:
    """Every row of a projection table, ordered by its primary key (for comparisons)."""
    columns, key = PROJECTION_TABLES[table]
    return conn.execute(
        f"SELECT {', '.join(columns)} FROM {_FROM.get(table, table)} ORDER BY {', '.join(key)}"
    )


def snapshot(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """All projection rows, table by table (for tests and small logs)."""
    return {table: list(rows_in_order(conn, table)) for table in PROJECTION_TABLES}

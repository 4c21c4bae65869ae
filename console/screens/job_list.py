"""The jobs the Jobs screen lists, kept current by reading only the rows that changed.

A refresh reads the jobs whose row moved since the last read (`updated_seq`), plus every job still created,
planned or running: those are re-checked for a lock no process holds (shown as interrupted) and their
duration grows with the clock. A log of 1,000 finished jobs costs one scan inside SQLite per refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from engine import DEFAULT_PLAN_MAX_AGE, display_status
from eventlog import EventLog, JobRow


def changed_jobs(log: EventLog, since: int, max_age: timedelta = DEFAULT_PLAN_MAX_AGE) -> list[JobRow]:
    """The jobs changed after `since` (0: all) and the live ones, oldest first, with their shown status
    (interrupted when nobody runs a running job; expired for a dry run's plan older than `max_age`)."""
    rows = log.jobs_changed(since)
    now = datetime.now(UTC)
    for row in rows:
        row.status = display_status(log.path, row, now, max_age)
    return rows


class JobList:
    """Every job read so far, oldest first; `merge` folds in a refresh and says which rows changed."""

    def __init__(self) -> None:
        self._by_id: dict[str, JobRow] = {}
        self.seen = 0  # the highest updated_seq read

    def merge(self, rows: Iterable[JobRow]) -> set[str]:
        changed: set[str] = set()
        for row in rows:
            if self._by_id.get(row.job_id) != row:
                changed.add(row.job_id)
                self._by_id[row.job_id] = row
            self.seen = max(self.seen, row.updated_seq)
        return changed

    @property
    def rows(self) -> list[JobRow]:
        return list(self._by_id.values())

    def get(self, job_id: str) -> JobRow | None:
        return self._by_id.get(job_id)

    def unfinished(self) -> set[str]:
        """The jobs whose cells change with the clock (their duration) or the engine's progress."""
        return {job_id for job_id, row in self._by_id.items() if row.finished_at is None}

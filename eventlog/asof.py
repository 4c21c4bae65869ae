"""What the log knew then: the projections as of one event, rebuilt from the events alone.

`AsOfView` folds the events up to a sequence number into a scratch in-memory SQLite database with the log's
schema (`rebuild.scratch_database`, the copy `replay --check` folds into) with `rebuild.fold_into` and the
same `Projector` live appends use, and offers the projections' reads (`jobs`, `job`, `items`, `item`,
`steps`, `preloads`, the `Projections` protocol an `EventLog` follows too). The log is only read: its live
projections are never looked at.

One job's rows depend only on that job's events: every fold in `Projector` changes the rows of its event's
own job (the job row and its counts, its items, its steps, its preloads) and reads no other job's rows. So a
view of one job (`job_id=`) folds only that job's events, read through the `events_by_job` index, and its
rows equal those of a fold of every event; the other jobs are absent from it.

Moving a view forward folds only the events in between; moving it back folds again from the first event.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from eventlog import queries, tables
from eventlog.dialect import Connection
from eventlog.gcpause import collector_paused
from eventlog.projection import Projector
from eventlog.rebuild import fold_into, scratch_database
from eventlog.registry import EventRegistry
from eventlog.rows import ItemRow, JobRow, PreloadRow, StepRow


class Projections(Protocol):
    """The reads of the projections: an `EventLog` (live) and an `AsOfView` (as of an event) offer them."""

    def jobs(self) -> list[JobRow]: ...

    def job(self, job_id: str) -> JobRow | None: ...

    def items(self, job_id: str, status: str | None = None, limit: int | None = None) -> list[ItemRow]: ...

    def item(self, job_id: str, item_key: str) -> ItemRow | None: ...

    def steps(self, job_id: str, item_key: str | None = None) -> list[StepRow]: ...

    def preloads(self, job_id: str) -> list[PreloadRow]: ...


class AsOfView:
    """The projections of the log read through `source` as they were once event `seq` was appended (of
    `job_id` only, if given); see the module docstring. A `seq` past the log's last event is taken as the
    last: `seq` is the event the view shows, `recorded_at` its time (None before the first event).

    Read-only; used from the thread that made it (its scratch database is a SQLite connection). Closing it
    frees the scratch database; the log stays open.
    """

    def __init__(
        self, source: Connection, registry: EventRegistry, seq: int, *, job_id: str | None = None
    ) -> None:
        self.job_id = job_id
        self.seq = 0
        self.recorded_at: str | None = None
        self.folded = 0
        """How many events the rows fold (of the job, for a view of one job)."""
        self._source = source
        self._registry = registry
        self._scratch = scratch_database()
        self._projector = Projector(complete=True)
        try:
            self.move_to(seq)
        except BaseException:
            self._scratch.close()
            raise

    def move_to(self, seq: int) -> None:
        """Show the projections as of event `seq` instead (see the class docstring)."""
        source = self._source
        own_snapshot = not source.in_transaction
        if own_snapshot:
            source.execute("BEGIN")  # on PostgreSQL a snapshot streams the events (not fetched at once)
        try:
            head = source.execute(queries.HEAD).fetchone()
            seq = max(0, min(seq, 0 if head is None else int(head[0])))
            if seq < self.seq:
                self._start_again()
            if seq > self.seq:
                self._fold(seq)
            self.seq = seq
            self.recorded_at = queries.recorded_at(source, seq) if seq else None
        finally:
            if own_snapshot and source.in_transaction:
                source.execute("COMMIT")

    def _start_again(self) -> None:
        scratch = self._scratch
        scratch.execute("BEGIN")
        tables.clear(scratch)
        scratch.execute("COMMIT")
        self._projector = Projector(complete=True)
        self.seq = self.folded = 0

    def _fold(self, seq: int) -> None:
        scratch = self._scratch
        scratch.execute("BEGIN")
        try:
            with collector_paused():
                self.folded += fold_into(
                    self._source,
                    scratch,
                    self._projector,
                    self._registry,
                    after=self.seq,
                    to_seq=seq,
                    job_id=self.job_id,
                )
            scratch.execute("COMMIT")
        except BaseException:
            if scratch.in_transaction:
                scratch.execute("ROLLBACK")
            self._start_again()
            raise

    @property
    def connection(self) -> Connection:
        """The scratch database, for read-only SQL the reads here do not cover (tests compare its tables)."""
        return self._scratch

    # --- the projections' reads -------------------------------------------------------------------------

    def jobs(self) -> list[JobRow]:
        """Every job (only the view's job, for a view of one job) with its counts then, oldest first."""
        return queries.jobs(self._scratch)

    def job(self, job_id: str) -> JobRow | None:
        """The job's row then, or None (it did not exist yet, or the view is of another job)."""
        return queries.job(self._scratch, job_id)

    def items(self, job_id: str, status: str | None = None, limit: int | None = None) -> list[ItemRow]:
        return queries.items(self._scratch, job_id, status, limit)

    def item(self, job_id: str, item_key: str) -> ItemRow | None:
        return queries.item(self._scratch, job_id, item_key)

    def steps(self, job_id: str, item_key: str | None = None) -> list[StepRow]:
        return queries.steps(self._scratch, job_id, item_key)

    def preloads(self, job_id: str) -> list[PreloadRow]:
        return queries.preloads(self._scratch, job_id)

    # --- lifetime -----------------------------------------------------------------------------------------

    def close(self) -> None:
        self._scratch.close()

    def __enter__(self) -> AsOfView:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

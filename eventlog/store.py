"""`EventLog`: the event store — append (with projections in the same transaction), read, rebuild.

One `EventLog` owns one connection and is used from one thread. Its location is a SQLite file or a
PostgreSQL database (`postgresql://…`, see `eventlog.postgres`); the code below is the same for both
(`eventlog.dialect`). Several `EventLog`s (in threads, processes or, on PostgreSQL, machines) may read the
same log at once; writes are serialised (by SQLite's lock, or PostgreSQL's advisory lock), so appenders
keep one hash chain. The engine writes through a `GroupCommitWriter`, which owns an `EventLog` in its own
thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from types import TracebackType
from typing import TextIO

from eventlog import queries, rebuild, schema, tables
from eventlog.asof import AsOfView
from eventlog.bulk import BulkInsert
from eventlog.codec import (
    GENESIS_HASH,
    ChainHead,
    Encoder,
    EventRecord,
    Prepared,
    PreparedEvent,
    StoredEvent,
    decode_record,
    encode_group,
    format_time,
    json_value,
    utc_now,
)
from eventlog.dialect import Connection, is_sqlite
from eventlog.errors import DamagedLog, ReadOnlyLog
from eventlog.events import EVENTS
from eventlog.export import ExportHead, Format, Selection, write_export
from eventlog.listen import CHANNEL
from eventlog.location import Location, describe_location, is_url
from eventlog.projection import Projector
from eventlog.queries import PriorCreate
from eventlog.registry import Event, EventRegistry
from eventlog.replay import ReplayReport, replay_check
from eventlog.rows import ItemRow, JobRow, PreloadRow, StepRow
from eventlog.verify import VerifyReport, verify_log

_INSERT_EVENTS = BulkInsert("events", queries.RECORD_COLUMNS.split(", "))
_stored = tuple.__new__  # makes a `StoredEvent` without the Python-level `__new__` of a NamedTuple


class EventLog:
    """The event log at `location` (a path, or a `postgresql://` URL), opened (and created unless
    `create=False` or `read_only=True`).

    Raises `LogNotFound`, `DamagedLog`, `NotAnEventLog`, `NewerSchema` or (PostgreSQL) `LogUnavailable` —
    having changed nothing — when the log cannot be used. `path` is the file's path, or for a database its
    URL with the password replaced by *** (what may be shown). `secrets` are values (the Notion token, …)
    no event may contain; `clock` gives the time recorded with each transaction's events.
    """

    def __init__(
        self,
        location: Location,
        *,
        create: bool = True,
        read_only: bool = False,
        secrets: Iterable[str] = (),
        registry: EventRegistry = EVENTS,
        clock: Callable[[], datetime] = utc_now,
        cache_rows: int = 200_000,
    ) -> None:
        self.is_url = is_url(location)
        self.path: Path | str = describe_location(location) if self.is_url else Path(location)
        self.read_only = read_only
        self.registry = registry
        self._encoder = Encoder(registry, secrets)
        self._clock = clock
        self._cache_rows = cache_rows
        self._projector: Projector | None = None
        self._projector_seq = -1
        self._conn = schema.connect(
            location if self.is_url else self.path,
            create=create,
            read_only=read_only,
            refold=lambda conn: rebuild.refold(conn, registry),
        )

    # --- lifetime -----------------------------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        """The underlying connection, for read-only SQL the methods here do not cover."""
        return self._conn

    def close(self) -> None:
        self._conn.close()

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the database file, as far as open readers allow (PASSIVE); nothing
        to do on PostgreSQL."""
        if is_sqlite(self._conn):
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------------------------

    def prepare(self, events: Iterable[Event]) -> list[PreparedEvent]:
        """Check and encode events without writing them (raises `InvalidEvent` / `SecretRejected`)."""
        prepare = self._encoder.prepare
        return [prepare(event) for event in events]

    def append(self, events: Iterable[Event]) -> list[StoredEvent]:
        """Append events in one durable transaction, with their projection changes; all or nothing."""
        return self.append_prepared([self.prepare(events)])[0]

    def append_prepared(self, batches: Sequence[Sequence[PreparedEvent]]) -> list[list[StoredEvent]]:
        """Append several prepared batches in one transaction (group commit); one result list per batch."""
        return self.append_encoded(batches)  # type: ignore[return-value]  # nothing in it failed

    def append_groups(self, groups: Sequence[Sequence[Event]]) -> list[list[StoredEvent] | BaseException]:
        """Prepare and append several groups of events in one transaction (group commit).

        Each group is all or nothing: one that cannot be prepared (`InvalidEvent`, `SecretRejected`) is
        left out, its exception in its place among the results; the others are written. An error of the
        transaction itself is raised, and then nothing is written.
        """
        return self.append_encoded([encode_group(self._encoder, group) for group in groups])

    def append_encoded(
        self, groups: Sequence[Sequence[Prepared] | Exception]
    ) -> list[list[StoredEvent] | BaseException]:
        """Append groups already encoded (`encode_group`) in one transaction, like `append_groups`: a group
        that could not be encoded (an exception in its place) is left out and handed back."""
        if not any(groups):  # (an exception in place of a group counts as something)
            return [[] for _ in groups]
        if self.read_only:
            raise ReadOnlyLog(f"the event log {self.path} was opened read-only: nothing was appended")
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            head = conn.execute(queries.HEAD).fetchone()
            seq, previous = (0, GENESIS_HASH) if head is None else (head[0], head[1])
            first_seq = seq
            projector = self._projector
            if projector is None or self._projector_seq != seq:
                projector = self._fresh_projector(seq)
            recorded_at = format_time(self._clock())
            head_text = f",{json_value(recorded_at)}"
            handlers = projector.handlers
            rows: list[object] = []
            results: list[list[StoredEvent] | BaseException] = []
            for group in groups:
                if isinstance(group, BaseException):  # this group only: nothing of it is folded
                    results.append(group)
                    continue
                stored = []
                for (
                    type_name,
                    version,
                    job_id,
                    item_key,
                    step_key,
                    operator,
                    payload,
                    payload_json,
                    event,
                    tail,
                ) in group:
                    seq += 1
                    # = chain_hash(previous, canonical_text(...)), the tail being computed in `encode`
                    previous = sha256(f"{previous}[{seq}{head_text}{tail}".encode()).hexdigest()
                    rows += (
                        seq,
                        recorded_at,
                        job_id,
                        item_key,
                        step_key,
                        type_name,
                        version,
                        operator,
                        payload_json,
                        previous,
                    )
                    handler = handlers.get(type_name)
                    if handler is not None:
                        handler(seq, recorded_at, job_id, item_key, step_key, operator, payload)
                    stored.append(_stored(StoredEvent, (seq, recorded_at, previous, event)))
                results.append(stored)
            if seq == first_seq:  # every group was empty or refused: nothing to write
                conn.execute("ROLLBACK")
                return results
            projector.position = seq
            _INSERT_EVENTS.run(conn, rows)
            tables.write_changes(conn, projector.take_changes(), seq)
            if self.is_url:  # consoles on any machine hear of it when this commits (eventlog.listen)
                conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(seq)))
            conn.execute("COMMIT")
        except BaseException:
            self._projector = None
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if projector.size() > self._cache_rows:
            projector.forget()
        self._projector, self._projector_seq = projector, seq
        return results

    def _fresh_projector(self, head_seq: int) -> Projector:
        """A projector for the tables as they are, first catching them up if they lag (same transaction)."""
        position = tables.position(self._conn)
        projector = Projector(tables.TableSource(self._conn), complete=head_seq == 0, position=position)
        if position < head_seq:
            rebuild.fold_into(self._conn, self._conn, projector, self.registry, after=position)
        return projector

    # --- projections --------------------------------------------------------------------------------------

    def rebuild(self, *, to_seq: int | None = None) -> int:
        """Recompute the projections from the first event (up to `to_seq`); return events folded."""
        self._projector = None
        return rebuild.rebuild(self._conn, self.registry, to_seq=to_seq)

    def catch_up(self) -> int:
        """Fold the events after the projections' tracking position; return how many."""
        self._projector = None
        return rebuild.catch_up(self._conn, self.registry)

    def projection_position(self) -> int:
        """The sequence number the projections reflect (equal to `head().seq` unless rebuilt partially)."""
        return tables.position(self._conn)

    # --- reading ------------------------------------------------------------------------------------------

    def store_id(self) -> str:
        """The identity of this store of the log (32 hex digits), made with the store: a copy made by
        `paydesk log copy` has its own, where the log's identity (its first event's hash) is the same."""
        row = self._conn.execute("SELECT value FROM log_store WHERE name = 'store'").fetchone()
        if row is None:
            raise DamagedLog(self.path, "its store identity is missing")
        return str(row[0])

    def head(self) -> ChainHead:
        """The last sequence number and hash (`ChainHead(0, GENESIS_HASH)` for an empty log)."""
        row = self._conn.execute(queries.HEAD).fetchone()
        return ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row[0], row[1])

    def jobs(self) -> list[JobRow]:
        """Every job with its progress counts, oldest first."""
        return queries.jobs(self._conn)

    def job(self, job_id: str) -> JobRow | None:
        return queries.job(self._conn, job_id)

    def items(self, job_id: str, status: str | None = None, limit: int | None = None) -> list[ItemRow]:
        """The items of a job in planned order, optionally only those with `status`, at most `limit`."""
        return queries.items(self._conn, job_id, status, limit)

    def steps(self, job_id: str, item_key: str | None = None) -> list[StepRow]:
        """The steps of a job (or of one of its items) in planned order."""
        return queries.steps(self._conn, job_id, item_key)

    def preloads(self, job_id: str) -> list[PreloadRow]:
        return queries.preloads(self._conn, job_id)

    def events_after(self, seq: int, limit: int = 1000) -> list[StoredEvent]:
        """Up to `limit` events with a sequence number above `seq`, in order (the live tail)."""
        return [decode_record(self.registry, r) for r in queries.records_after(self._conn, seq, limit)]

    def events_of_item(self, job_id: str, item_key: str) -> list[StoredEvent]:
        """Every event of one item (its item and step events), in order."""
        records = queries.records_of_item(self._conn, job_id, item_key)
        return [decode_record(self.registry, r) for r in records]

    def records_after(self, seq: int, limit: int = 1000) -> list[EventRecord]:
        """Like `events_after`, undecoded: the stored columns."""
        return queries.records_after(self._conn, seq, limit)

    def item(self, job_id: str, item_key: str) -> ItemRow | None:
        """One item of a job, or None."""
        return queries.item(self._conn, job_id, item_key)

    def makers_of(self, page_id: str, *, other_than: str) -> list[str]:
        """The jobs, other than `other_than`, whose create recorded making Notion page `page_id`."""
        return queries.makers_of(self._conn, page_id, other_than)

    def creates_for(self, targets: Sequence[str], *, other_than: str) -> list[PriorCreate]:
        """The creates other jobs than `other_than` recorded for `targets` that made a page or may have
        (see `PriorCreate`)."""
        return queries.creates_for(self._conn, targets, other_than)

    def jobs_changed(self, seq: int) -> list[JobRow]:
        """The jobs whose row moved after `seq` (0: all), and every job still created, planned or running,
        oldest first: what a screen listing jobs reads to stay current."""
        return queries.jobs_changed(self._conn, seq)

    def records_tail(self, seq: int, limit: int) -> list[EventRecord]:
        """The newest `limit` stored records after `seq`, oldest first (a busy log is shown from its end)."""
        return queries.records_tail(self._conn, seq, limit)

    def records_of_job(self, job_id: str, types: Sequence[str] | None = None) -> Iterator[EventRecord]:
        """A job's stored records in order, read as they are iterated: all of them, or only those of the
        event `types` given."""
        if types is None:
            return queries.records_of_job(self._conn, job_id)
        return queries.records_of_job_by_type(self._conn, job_id, types)

    def records_of_types(self, types: Sequence[str]) -> list[EventRecord]:
        """Every stored record of the event `types`, of any job, in order (a scan of the log)."""
        return list(queries.records_of_types(self._conn, types))

    def records_of_item(self, job_id: str, item_key: str) -> list[EventRecord]:
        """Like `events_of_item`, undecoded: the stored columns."""
        return queries.records_of_item(self._conn, job_id, item_key)

    # --- as of an event ---------------------------------------------------------------------------------

    def as_of(self, seq: int, *, job_id: str | None = None) -> AsOfView:
        """The projections as they were once event `seq` was appended (a `seq` past the last event is
        the last), rebuilt from the events into a scratch copy; of `job_id` only, if given (folding only its
        events). The live projections are not read. Close the view when done (see `eventlog.asof`)."""
        return AsOfView(self._conn, self.registry, seq, job_id=job_id)

    def seq_at(self, moment: datetime, job_id: str | None = None) -> int:
        """The last event recorded at or before `moment` (timezone-aware), of `job_id` if given (through
        its index; without, a scan of the log); 0 when there is none."""
        return queries.last_seq_at(self._conn, format_time(moment), job_id)

    def seqs_of_job(self, job_id: str) -> list[int]:
        """The sequence numbers of a job's events, in order (from its index alone)."""
        return queries.seqs_of_job(self._conn, job_id)

    def recorded_at(self, seq: int) -> str | None:
        """When event `seq` was appended (the log's time form), or None if there is no such event."""
        return queries.recorded_at(self._conn, seq)

    # --- audit --------------------------------------------------------------------------------------------

    def export(self, out: TextIO, fmt: Format = "jsonl", selection: Selection | None = None) -> ExportHead:
        """Stream the selected events to `out` as JSONL or CSV, ending with the chain head."""
        return write_export(self._conn, out, fmt, selection or Selection())

    def verify(self, against: Path | None = None) -> VerifyReport:
        """Recompute the hash chain (and, given an earlier export, check nothing of it was removed)."""
        return verify_log(self._conn, against)

    def replay_check(self, limit: int = 100) -> ReplayReport:
        """Rebuild the projections into a scratch copy and report how they differ from the live ones."""
        return replay_check(self._conn, self.registry, limit=limit)

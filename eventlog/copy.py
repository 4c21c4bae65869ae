"""Copying a log to another place — a SQLite file to a team's PostgreSQL database, or back — chain intact.

`copy_log(source, target)` writes every event of `source` into `target` exactly as stored (sequence number,
time, keys, type, version, operator, payload text and hash, byte for byte), so the copy's chain verifies
and `verify --against` an export taken from the source passes on it. How:

- The source is read in one read snapshot. Its chain is verified first (and, for a file, SQLite's quick
  check): a source that fails is refused before the target is even opened.
- The target is written in one transaction that holds its writers' lock (`BEGIN IMMEDIATE`: SQLite's write
  lock, PostgreSQL's advisory lock), so no paydesk appends to it meanwhile. Events are inserted as they are,
  in chunks of `chunk` (memory stays constant whatever the log's size); their hashes are not computed
  again, and the append-only triggers still apply (the copy only inserts). The projections are then
  emptied and folded again from the same events (read from the source's snapshot, byte-identical to the
  target's), and the target's whole chain is verified — all before `COMMIT`. So an interrupted copy (the
  process killed, the connection lost, an error) commits nothing, and a copy whose result would not verify
  is rolled back: the target is a complete, verified log or is as it was.
- A target that already holds events is refused, unless they are exactly the beginning of the source's
  chain (its head is the source's event of that number, same hash): then only the rest is copied. A copy
  repeated is thus harmless (nothing to do), and tops a log up: copy while the team still works on the old
  log, stop its writers, copy again — only the events written meanwhile are copied.
- Source and target must be two logs: the same file (by identity, whatever path names it) or the same
  database (same name on a server started at the same moment) is refused.

Refusals raise `CopyRefused`; a database failing during the copy, or a copy that would not verify (the
target's own events damaged), `CopyFailed`. Both are one line, never show a password (locations are shown
by `describe_location`), and mean nothing was written to the target.
A copy keeps the log's identity (the hash of its first event) and gets a store identity of its own
(`EventLog.store_id`, made with the target): a workspace bound to the log stays paid from the old store
until the copy takes it over (engine.run.binding).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from eventlog import queries, tables
from eventlog.bulk import BulkInsert
from eventlog.codec import GENESIS_HASH, ChainHead, EventRecord
from eventlog.dialect import Connection, is_sqlite
from eventlog.errors import EventLogError
from eventlog.events import EVENTS
from eventlog.gcpause import collector_paused
from eventlog.listen import CHANNEL
from eventlog.location import Location, describe_location, is_url, scrub
from eventlog.projection import Projector
from eventlog.rebuild import fold_into
from eventlog.registry import EventRegistry
from eventlog.store import EventLog
from eventlog.verify import VerifyReport, verify_chain

CHUNK = 4096  # events read, inserted and reported per step
_COPY_SQL = f"SELECT {queries.RECORD_COLUMNS} FROM events WHERE seq > ? ORDER BY seq"
_INSERT = BulkInsert("events", queries.RECORD_COLUMNS.split(", "))
_IDENTITY_SQL = "SELECT current_database(), pg_postmaster_start_time()::text"


class CopyRefused(EventLogError):
    """The copy was not made: same source and target, a damaged source, a target holding other events.
    Nothing was written to the target."""


class CopyFailed(EventLogError):
    """A database failed during the copy, or the copy would not have verified; the target's transaction
    was rolled back (nothing written)."""


class CopyProgress(NamedTuple):
    """Where a copy stands: `phase` is "verifying" (the source), "copying", "rebuilding" (the target's
    projections) or "checking" (the target's chain); `done` of `total` events."""

    phase: str
    done: int
    total: int


Progress = Callable[[CopyProgress], None]


@dataclass(frozen=True)
class CopyReport:
    """What a copy did. `events`: the log's events (the source's, now the target's too); `copied`: those
    this copy wrote; `already_there`: those the target held before (a prefix of the source's chain);
    `head`: the chain head both share; `verified`: events whose hashes the check of the target recomputed;
    `jobs`: jobs in the target's projections; `seconds`: how long it took."""

    source: str
    target: str
    events: int
    copied: int
    already_there: int
    head: ChainHead
    verified: int
    jobs: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "events": self.events,
            "copied": self.copied,
            "already_there": self.already_there,
            "head": {"seq": self.head.seq, "hash": self.head.hash},
            "verified": self.verified,
            "jobs": self.jobs,
            "seconds": round(self.seconds, 3),
        }


def copy_log(
    source: Location,
    target: Location,
    *,
    progress: Progress | None = None,
    registry: EventRegistry = EVENTS,
    chunk: int = CHUNK,
) -> CopyReport:
    """Copy the log at `source` to `target` (a path or a `postgresql://` URL each); see the module docstring.

    Raises `CopyRefused` or `CopyFailed` (nothing written), or what opening a log raises (`LogNotFound`
    for a missing source, `LogUnavailable`, `NotAnEventLog`, …). A `KeyboardInterrupt` mid-copy rolls the
    target's transaction back like any other error.
    """
    started = time.monotonic()
    report = progress or _no_progress
    shown_source, shown_target = describe_location(source), describe_location(target)
    if not is_url(source) and not is_url(target) and _same_file(Path(source), Path(target)):
        raise CopyRefused(f"{shown_source} and {shown_target} are the same log: nothing to copy")
    database_errors: tuple[type[Exception], ...] = (sqlite3.Error, *_driver_errors(source, target))
    try:
        with EventLog(source, read_only=True, registry=registry) as source_log:
            done, head = _copy(source_log.connection, source, target, registry, report, chunk)
    except database_errors as err:
        reason = scrub(scrub(_one_line(err), source), target)
        raise CopyFailed(
            f"copying {shown_source} to {shown_target} failed ({reason}); nothing was written to it"
        ) from None
    already_there, verified, jobs = done
    return CopyReport(
        source=shown_source,
        target=shown_target,
        events=head.seq,
        copied=head.seq - already_there,
        already_there=already_there,
        head=head,
        verified=verified,
        jobs=jobs,
        seconds=time.monotonic() - started,
    )


def _copy(
    reader: Connection,
    source: Location,
    target: Location,
    registry: EventRegistry,
    report: Progress,
    chunk: int,
) -> tuple[tuple[int, int, int], ChainHead]:
    """Verify the source, then open the target and write it, all in one read snapshot of the source."""
    shown_source, shown_target = describe_location(source), describe_location(target)
    reader.execute("BEGIN")
    try:
        head = _head(reader)
        checked = _verify_source(reader, head, report, chunk)
        if not checked.ok:
            raise CopyRefused(
                f"the source {shown_source} fails verification{_at(checked)}: {checked.problem}; "
                "nothing was copied (see `paydesk verify`)"
            )
        with EventLog(target, registry=registry) as target_log:
            writer = target_log.connection
            if is_url(source) and is_url(target) and _identity(reader) == _identity(writer):
                raise CopyRefused(f"{shown_source} and {shown_target} are the same log: nothing to copy")
            with collector_paused():
                return _write_target(reader, writer, head, registry, report, chunk, shown_target), head
    finally:
        if reader.in_transaction:
            reader.execute("COMMIT")


def _write_target(
    reader: Connection,
    writer: Connection,
    head: ChainHead,
    registry: EventRegistry,
    report: Progress,
    chunk: int,
    shown_target: str,
) -> tuple[int, int, int]:
    """Copy, rebuild and check in one transaction of the target; (events it held before, events
    verified, jobs)."""
    writer.execute("BEGIN IMMEDIATE")
    try:
        there = _head(writer)
        _check_prefix(reader, there, head, shown_target)
        if there.seq < head.seq:
            _copy_events(reader, writer, there.seq, head.seq, report, chunk)
            report(CopyProgress("rebuilding", 0, head.seq))
            tables.clear(writer)
            projector = Projector(tables.TableSource(writer), complete=True)
            fold_into(reader, writer, projector, registry, after=0, to_seq=head.seq, chunk=chunk)
            report(CopyProgress("rebuilding", head.seq, head.seq))
        checked = _verify_target(writer, head.seq, report, chunk)
        if not checked.ok or checked.head != head:
            problem = checked.problem or f"its head is {checked.head.seq} where the source's is {head.seq}"
            raise CopyFailed(
                f"the copy in {shown_target} would not verify{_at(checked)}: {problem}; "
                "nothing was written to it"
            )
        jobs = int(writer.execute("SELECT count(*) FROM jobs").fetchone()[0])
        if there.seq < head.seq and not is_sqlite(writer):  # consoles on the log hear of it (eventlog.listen)
            writer.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(head.seq)))
        writer.execute("COMMIT")
    except BaseException:
        if writer.in_transaction:
            writer.execute("ROLLBACK")
        raise
    return there.seq, checked.checked, jobs


def _check_prefix(reader: Connection, there: ChainHead, head: ChainHead, shown_target: str) -> None:
    """Refuse a target holding events unless they are the beginning of the source's chain."""
    if there.seq == 0:
        return
    if there.seq > head.seq:
        raise CopyRefused(
            f"the target {shown_target} already holds {there.seq} events, more than the source's "
            f"{head.seq}; copy into an empty file or database"
        )
    row = reader.execute("SELECT hash FROM events WHERE seq = ?", (there.seq,)).fetchone()
    if row is None or row[0] != there.hash:
        raise CopyRefused(
            f"the target {shown_target} already holds {there.seq} events of another log (its chain "
            "is not the beginning of the source's); copy into an empty file or database"
        )


def _copy_events(
    reader: Connection, writer: Connection, after: int, last: int, report: Progress, chunk: int
) -> None:
    """Insert the source's events after `after` into the target, exactly as stored, `chunk` at a time."""
    total = last - after
    done = 0
    report(CopyProgress("copying", 0, total))
    cursor = reader.execute(_COPY_SQL, (after,))
    while rows := cursor.fetchmany(chunk):
        _INSERT.run(writer, [value for row in rows for value in row])
        done += len(rows)
        report(CopyProgress("copying", done, total))


def _verify_source(reader: Connection, head: ChainHead, report: Progress, chunk: int) -> VerifyReport:
    """The source's chain (and, for a file, SQLite's quick check), read from the snapshot."""
    if is_sqlite(reader):
        integrity = reader.execute("PRAGMA quick_check").fetchone()[0]
        if integrity != "ok":
            return VerifyReport(
                False, 0, ChainHead(0, GENESIS_HASH), None, f"SQLite integrity check: {integrity}"
            )
    cursor = reader.execute(_COPY_SQL, (0,))
    return verify_chain(_reported("verifying", _fetched(cursor, chunk), head.seq, report, chunk))


def _verify_target(writer: Connection, total: int, report: Progress, chunk: int) -> VerifyReport:
    """The target's chain, read in pages inside its write transaction (a page at a time on PostgreSQL too,
    where a statement outside a read snapshot is fetched whole)."""

    def pages() -> Iterator[EventRecord]:
        seq = 0
        while page := queries.records_after(writer, seq, chunk):
            yield from page
            seq = page[-1].seq

    return verify_chain(_reported("checking", pages(), total, report, chunk))


def _fetched(cursor: Any, chunk: int) -> Iterator[EventRecord]:
    while rows := cursor.fetchmany(chunk):
        for row in rows:
            yield EventRecord(*row)


def _reported(
    phase: str, records: Iterator[EventRecord], total: int, report: Progress, chunk: int
) -> Iterator[EventRecord]:
    report(CopyProgress(phase, 0, total))
    done = 0
    for record in records:
        yield record
        done += 1
        if done % chunk == 0:
            report(CopyProgress(phase, done, total))
    if done % chunk:
        report(CopyProgress(phase, done, total))


def _head(conn: Connection) -> ChainHead:
    row = conn.execute(queries.HEAD).fetchone()
    return ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row[0], row[1])


def _at(report: VerifyReport) -> str:
    return f" at event {report.first_broken}" if report.first_broken is not None else ""


def _same_file(source: Path, target: Path) -> bool:
    try:
        return os.path.samefile(source, target)
    except OSError:  # one of them does not exist: not the same file
        return False


def _identity(conn: Connection) -> tuple[object, ...]:
    """A PostgreSQL database's identity: its name on a server started at a given moment."""
    return tuple(conn.execute(_IDENTITY_SQL).fetchone())


def _driver_errors(*locations: Location) -> tuple[type[Exception], ...]:
    """What the database driver raises for a statement it refuses (psycopg's errors, if a URL is given)."""
    if not any(is_url(location) for location in locations):
        return ()
    import psycopg  # only who copies to PostgreSQL imports psycopg

    return (psycopg.Error,)


def _one_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _no_progress(_: CopyProgress) -> None:
    pass

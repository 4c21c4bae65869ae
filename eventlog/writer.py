"""`GroupCommitWriter`: one thread, one connection, many events per durable transaction.

Callers on any thread `submit` a list of events and get a `Receipt` (a light future, see
`eventlog.receipt`) that resolves to the stored events once their transaction has committed (durably: WAL
with synchronous=FULL). While one transaction commits, new submissions queue up; the writer then drains the
whole queue (up to `max_batch_events`) into the next transaction. A receipt resolves only after its commit,
so an acknowledged event survives a crash; a submission that fails (a secret, a value that is not JSON)
fails alone, without spoiling the others in its group.

`submit` checks and encodes the events on the caller's thread (a few microseconds an event), so that work
runs while the writer thread waits on SQLite, and a refused submission is known at once (its receipt
fails when the writer reaches it, in order). While the writer works through a backlog, the cyclic garbage
collector is paused (see `eventlog.gcpause`): it resumes as soon as the writer has caught up, and at
least every `MAX_GC_PAUSE_S`.

A busy writer waits a moment before it takes the next group, so that submissions arriving together share
a transaction (as PostgreSQL's commit_delay does): each commit writes the last page of the events, of their
index and the database header again, whatever it holds, so ten commits of one event write ten times what
one commit of ten events writes. It waits `MIN_DELAY_S`, then on while fewer submissions are queued than
the largest of its last `RECENT_GROUPS` groups held, `commit_delay_s` (`COMMIT_DELAY_S` by default) at
most: ten workers that each wait for their `started` event before a request come back together, and a
group that takes them all is one commit where a fixed pause cut them into two or three. Busy means the
previous commit ended less than `BUSY_WINDOW_S` before the next submission was taken; a submission to an
idle writer is committed at once.

Checkpoints (copying the WAL into the database file) are the writer's idle work: once it has caught up and
has written `CHECKPOINT_EVENTS` since the last one, it checkpoints before it waits again, so that a commit
somebody awaits does not also pay for one. A writer that is never idle still has SQLite checkpoint every
`CHECKPOINT_BACKSTOP_PAGES` pages of WAL (about 40 MB).

On PostgreSQL (a `postgresql://` location) commits are the server's to make durable, there is no WAL to
checkpoint, and a server that goes away fails the transaction in flight with `LogUnavailable` (nothing of
it written); the next transaction connects again. The rest of this paragraph is about a SQLite file.

The writer holds the log file open; if that file is renamed, deleted or replaced under it, what it writes
would no longer reach the log at its path (SQLite would go on writing into the old file and a -wal nobody
reads). So before and after every transaction it checks that the path still names the file it holds; once
it does not, that transaction's receipts and every later one fail with `LogMoved`, and a caller who waits
for a `started` event before a request never sends it. A full disk fails the transaction with `DiskFull`
(nothing of it is written).
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from eventlog.codec import Encoder, Prepared, StoredEvent, encode_group, utc_now
from eventlog.errors import DiskFull, EventLogError, LogMoved, WriterClosed
from eventlog.events import EVENTS
from eventlog.gcpause import collector_paused
from eventlog.location import Location, describe_location, is_url
from eventlog.receipt import Receipt
from eventlog.registry import Event, EventRegistry
from eventlog.store import EventLog


@dataclass(frozen=True)
class WriterStatistics:
    """A snapshot of what the writer has done so far."""

    submissions: int
    events: int
    transactions: int
    largest_transaction: int
    queued: int


MAX_GC_PAUSE_S = 10.0
CHECKPOINT_EVENTS = 2_000
CHECKPOINT_BACKSTOP_PAGES = 10_000
COMMIT_DELAY_S = 0.003
MIN_DELAY_S = 0.001
GATHER_POLL_S = 0.0002
RECENT_GROUPS = 8
BUSY_WINDOW_S = 0.005


_Submission = tuple[list[Prepared] | Exception, Receipt[list[StoredEvent]]]
"""The events encoded (or why they cannot be) and the receipt their submitter holds."""


def _size(submission: _Submission) -> int:
    encoded = submission[0]
    return len(encoded) if type(encoded) is list else 1


class GroupCommitWriter:
    """Owns a writer thread with its own `EventLog` on `location` (a path or a `postgresql://` URL); see
    the module docstring.

    Opening errors (`DamagedLog`, …) are raised by the constructor. `close()` writes everything submitted
    before it, then stops the thread; submitting afterwards raises `WriterClosed`.
    """

    def __init__(
        self,
        location: Location,
        *,
        secrets: Iterable[str] = (),
        registry: EventRegistry = EVENTS,
        clock: Callable[[], datetime] = utc_now,
        max_batch_events: int = 10_000,
        commit_delay_s: float = COMMIT_DELAY_S,
    ) -> None:
        self._is_url = is_url(location)
        self.path: Path | str = describe_location(location) if self._is_url else Path(location)
        opened_at = location if self._is_url else self.path
        self._max_batch_events = max_batch_events
        self._commit_delay_s = commit_delay_s
        self._committed_at = float("-inf")  # when the last transaction ended (monotonic)
        self._queue: queue.SimpleQueue[_Submission | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._submissions = self._events = self._transactions = self._largest = 0
        self._queued = 0
        self._recent = [1] * RECENT_GROUPS  # the sizes of the last groups taken (submissions), in a ring
        self._taken = 0
        self._unchecked = 0  # events written since the last checkpoint (the writer thread's own count)
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file the writer holds
        self._lost: LogMoved | None = None
        secrets = tuple(secrets)
        self._encoder = Encoder(registry, secrets)
        self._thread = threading.Thread(
            target=self._run,
            args=(lambda: EventLog(opened_at, secrets=secrets, registry=registry, clock=clock),),
            name=f"paydesk-eventlog-writer:{self.path if self._is_url else Path(self.path).name}",
            daemon=True,
        )
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            self._thread.join()
            raise self._open_error

    # --- the caller's side --------------------------------------------------------------------------------

    def submit(self, events: Iterable[Event]) -> Receipt[list[StoredEvent]]:
        """Queue events to be appended together, in order; the receipt gives them back stored.

        The events are checked and encoded here: if one cannot be (`InvalidEvent`, `SecretRejected`),
        none of them is written and the receipt fails with the reason. Cancelling the receipt before the
        writer takes it withdraws the submission; after that it will be written regardless. Do not mutate
        the events' payloads after submitting them.
        """
        receipt: Receipt[list[StoredEvent]] = Receipt()
        submission = (encode_group(self._encoder, list(events)), receipt)
        with self._lock:
            if self._closed:
                raise WriterClosed(f"the writer for {self.path} is closed")
            self._queued += 1
            self._queue.put(submission)
        return receipt

    def close(self) -> None:
        """Write everything already submitted, then stop the thread and close the connection."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        self._thread.join()

    def statistics(self) -> WriterStatistics:
        with self._lock:
            return WriterStatistics(
                self._submissions, self._events, self._transactions, self._largest, self._queued
            )

    def __enter__(self) -> GroupCommitWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- the writer thread --------------------------------------------------------------------------------

    def _run(self, open_log: Callable[[], EventLog]) -> None:
        try:
            log = open_log()
        except BaseException as err:
            self._open_error = err
            self._ready.set()
            return
        if not self._is_url:
            log.connection.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_BACKSTOP_PAGES}")
            try:
                held = os.stat(self.path)
                self._identity = (held.st_dev, held.st_ino)
            except OSError:
                self._identity = None
        self._ready.set()
        try:
            while self._work(log):
                pass
        finally:
            log.close()
            self._fail_leftovers()

    def _work(self, log: EventLog) -> bool:
        """Wait for submissions, then commit group after group until the queue is empty (then checkpoint,
        if one is due) or the pause of the garbage collector has lasted `MAX_GC_PAUSE_S`; False once the
        writer is closed."""
        first: _Submission | None = self._queue.get()
        with collector_paused():
            deadline = time.monotonic() + MAX_GC_PAUSE_S
            while True:
                if first is not None and time.monotonic() - self._committed_at < BUSY_WINDOW_S:
                    self._gather()  # busy: let the submissions on their way join in
                group, closing = self._take_group(first)
                self._recent[self._taken % RECENT_GROUPS] = len(group)
                self._taken += 1
                if group:
                    self._commit(log, group)
                    self._committed_at = time.monotonic()
                if closing:
                    return False
                if time.monotonic() > deadline:
                    return True  # the collector runs once before the writer goes on
                try:
                    first = self._queue.get_nowait()
                except queue.Empty:
                    break
        if self._unchecked >= CHECKPOINT_EVENTS and self._queue.empty():
            self._unchecked = 0
            with contextlib.suppress(sqlite3.Error):  # the WAL holds it all durably; SQLite tries again later
                log.checkpoint()
        return True

    def _gather(self) -> None:
        """Wait `MIN_DELAY_S`, then until as many submissions are queued as recent groups held, or
        `commit_delay_s` has passed (see the module docstring)."""
        deadline = time.monotonic() + self._commit_delay_s
        first = min(MIN_DELAY_S, self._commit_delay_s)
        if first <= 0:
            return
        _pause(first)
        wanted = max(self._recent)
        while self._queued < wanted and time.monotonic() < deadline:
            _pause(GATHER_POLL_S)

    def _take_group(self, first: _Submission | None) -> tuple[list[_Submission], bool]:
        """`first` and the submissions queued after it, up to `max_batch_events`; and whether the writer
        was closed after them."""
        if first is None:
            return [], True
        group = [first]
        size = _size(first)
        while size < self._max_batch_events:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                return group, True
            group.append(more)
            size += _size(more)
        return group, False

    def _commit(self, log: EventLog, group: list[_Submission]) -> None:
        with self._lock:
            self._queued -= len(group)
        accepted = [submission for submission in group if submission[1].claim()]
        if not accepted:
            return
        try:
            self._check_identity()
            outcomes = log.append_encoded([encoded for encoded, _ in accepted])
            self._check_identity()
        except EventLogError as err:  # the log is gone, or the disk is full: every submission fails alike
            for _, receipt in accepted:
                receipt.settle(None, err)
            return
        except sqlite3.OperationalError as err:
            if not _disk_full(err):
                raise
            full = DiskFull(self.path, _free_bytes(Path(self.path)))
            for _, receipt in accepted:
                receipt.settle(None, full)
            return
        except BaseException as err:
            if len(accepted) == 1:
                accepted[0][1].settle(None, err)
                return
            for submission in accepted:  # find the culprit: one by one
                try:
                    (outcome,) = log.append_encoded([submission[0]])
                except BaseException as single_err:
                    outcome = single_err
                self._resolve([submission], [outcome])
            return
        self._resolve(accepted, outcomes)

    def _resolve(
        self, accepted: list[_Submission], outcomes: list[list[StoredEvent] | BaseException]
    ) -> None:
        """Count what was written (one transaction, if anything was) and resolve the receipts."""
        events = written = 0
        for outcome in outcomes:
            if type(outcome) is list:
                written += 1
                events += len(outcome)
        if written:
            self._unchecked += events
            with self._lock:
                self._submissions += written
                self._events += events
                self._transactions += 1
                self._largest = max(self._largest, events)
        for (_, receipt), outcome in zip(accepted, outcomes, strict=True):
            if type(outcome) is list:
                receipt.settle(outcome, None)
            else:
                receipt.settle(None, outcome)  # type: ignore[arg-type]

    def _check_identity(self) -> None:
        """Raise `LogMoved` once the path no longer names the file this writer holds open."""
        if self._lost is not None:
            raise self._lost
        if self._identity is None:
            return
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            self._lost = LogMoved(self.path, "deleted or renamed")
            raise self._lost from None
        except OSError:
            return  # cannot tell (a transient error): SQLite itself reports real trouble
        if (now.st_dev, now.st_ino) != self._identity:
            self._lost = LogMoved(self.path, "replaced by another file")
            raise self._lost

    def _fail_leftovers(self) -> None:
        while True:
            try:
                submission = self._queue.get_nowait()
            except queue.Empty:
                return
            if submission is not None and submission[1].claim():
                submission[1].settle(None, WriterClosed(f"the writer for {self.path} stopped"))


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _disk_full(err: sqlite3.OperationalError) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    return (
        code == sqlite3.SQLITE_FULL
        or "disk is full" in str(err)
        or getattr(err, "errno", None) == errno.ENOSPC
    )


def _free_bytes(path: Path) -> int:
    try:
        return shutil.disk_usage(path.resolve().parent).free
    except OSError:
        return 0

"""`GroupCommitWriter`: many submitters, few transactions, nothing acknowledged is ever lost."""

from __future__ import annotations

import gc
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from eventlog import (
    DamagedLog,
    EventLog,
    GroupCommitWriter,
    InvalidEvent,
    JobCreated,
    Receipt,
    StoredEvent,
    WarningRecorded,
    WriterClosed,
)
from eventlog import writer as writer_module
from eventlog.writer import CHECKPOINT_EVENTS
from tests.eventlog.eventlog_histories import OP, planned_job


class GateClock:
    """A clock the test can hold shut: the writer's first transaction waits on it, so the submissions made
    meanwhile queue up and must share the next transaction."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> datetime:
        self.entered.set()
        self.release.wait()
        return datetime(2025, 1, 31, tzinfo=UTC)


def warning(job: str, n: int) -> WarningRecorded:
    return WarningRecorded(job_id=job, operator=OP, code="c", message=str(n))


def test_concurrent_submissions_are_all_acknowledged_in_few_transactions(log_location: str | Path) -> None:
    clock = GateClock()
    writer = GroupCommitWriter(log_location, clock=clock)
    first = writer.submit(planned_job("job-0", {"a": ["a1"]}))
    assert clock.entered.wait(timeout=30)
    futures: dict[int, list[Receipt[list[StoredEvent]]]] = {}

    def submitter(t: int) -> None:
        futures[t] = [
            writer.submit([warning(f"job-{t}", n), warning(f"job-{t}", n + 1)]) for n in range(0, 100, 2)
        ]

    threads = [threading.Thread(target=submitter, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    clock.release.set()
    results = [future.result(timeout=30) for fs in futures.values() for future in fs]
    first.result(timeout=30)
    writer.close()

    stats = writer.statistics()
    assert (stats.submissions, stats.events, stats.transactions) == (401, 805, 2)
    seqs = [stored.seq for result in results for stored in result]
    assert sorted(seqs) == list(range(6, 806))
    assert all(b.seq == a.seq + 1 for a, b in results)  # a submission's events stay together, in order
    for t, fs in futures.items():  # and each submitter's submissions keep their order
        messages = [stored.event.message for f in fs for stored in f.result()]  # type: ignore[attr-defined]
        assert messages == [str(n) for n in range(100)], t
    with EventLog(log_location) as log:
        assert log.verify().ok and log.replay_check().ok
        assert log.jobs()[0].job_id == "job-0"


def test_a_bad_submission_fails_alone(log_location: str | Path) -> None:
    clock = GateClock()
    with GroupCommitWriter(log_location, clock=clock) as writer:
        blocker = writer.submit([warning("j", 0)])
        assert clock.entered.wait(timeout=30)
        good = writer.submit([warning("j", 1)])
        bad = writer.submit(
            [JobCreated(job_id="j", operator=OP, kind="k", params={"x": {1, 2}}, selection_key="s")]
        )
        also_good = writer.submit([warning("j", 2)])
        clock.release.set()
        assert isinstance(bad.exception(timeout=30), InvalidEvent)
        assert [s.seq for s in blocker.result() + good.result() + also_good.result()] == [1, 2, 3]


def test_a_submission_cancelled_before_the_writer_takes_it_is_not_written(log_location: str | Path) -> None:
    clock = GateClock()
    with GroupCommitWriter(log_location, clock=clock) as writer:
        writer.submit([warning("j", 0)])
        assert clock.entered.wait(timeout=30)
        withdrawn = writer.submit([warning("j", 1)])
        assert withdrawn.cancel()
        kept = writer.submit([warning("j", 2)])
        clock.release.set()
        assert kept.result(timeout=30)[0].seq == 2


def test_close_writes_everything_submitted_and_then_refuses_more(log_location: str | Path) -> None:
    writer = GroupCommitWriter(log_location)
    futures = [writer.submit([warning("j", n)]) for n in range(50)]
    writer.close()
    assert all(f.done() and not f.exception() for f in futures)
    with pytest.raises(WriterClosed):
        writer.submit([warning("j", 99)])
    writer.close()  # closing twice is harmless
    with EventLog(log_location) as log:
        assert log.head().seq == 50


def test_opening_errors_are_raised_by_the_constructor(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"not a database at all" * 10)
    with pytest.raises(DamagedLog):
        GroupCommitWriter(path)


CRASHING_WRITER = """
import os, signal, sys
from eventlog import GroupCommitWriter, WarningRecorded
writer = GroupCommitWriter(sys.argv[1])
acked = 0
for n in range(100_000):
    future = writer.submit([WarningRecorded(job_id="j", operator="o", code="c", message=str(n))] * 3)
    if n % 7 == 0:
        for stored in future.result():
            print(stored.seq, stored.hash, flush=True)
        acked += 1
    if acked == 40:
        os.kill(os.getpid(), signal.SIGKILL)  # die with submissions queued and a transaction in flight
"""


def test_a_crash_loses_nothing_that_was_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    acknowledged = [line.split() for line in done.stdout.splitlines()]
    assert len(acknowledged) == 120
    with EventLog(path) as log:
        assert log.verify().ok
        stored = dict(log.connection.execute("SELECT seq, hash FROM events"))
        assert log.head().seq >= int(acknowledged[-1][0])
        assert log.replay_check().ok
    assert all(stored.get(int(seq)) == digest for seq, digest in acknowledged)


def test_the_writer_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    assert gc.isenabled()
    with GroupCommitWriter(tmp_path / "log.sqlite") as writer:
        futures = [writer.submit(planned_job(f"job-{n}", {"a": ["a1", "a2"]})) for n in range(50)]
        assert all(future.result(timeout=30) for future in futures)
    assert gc.isenabled()


def test_an_idle_writer_checkpoints_what_it_wrote_into_the_database_file(tmp_path: Path) -> None:
    """Past `CHECKPOINT_EVENTS`, the writer copies the WAL into the file once it has nothing to do (the
    backstop alone would wait for some 40 MB of WAL)."""
    path = tmp_path / "log.sqlite"
    events = [warning("j", n) for n in range(CHECKPOINT_EVENTS)]

    def in_the_file() -> int:
        file = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)  # the file, no WAL
        try:
            return int(file.execute("SELECT count(*) FROM events").fetchone()[0])
        except sqlite3.DatabaseError:  # the file alone is not whole yet (its pages are in the WAL)
            return 0
        finally:
            file.close()

    with GroupCommitWriter(path) as writer:
        writer.submit(events).result(timeout=60)
        deadline = time.monotonic() + 30
        while in_the_file() < len(events) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert in_the_file() == len(events)


def test_a_busy_writer_waits_a_moment_so_submissions_on_their_way_share_its_next_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    later: list[Receipt[list[StoredEvent]]] = []

    def arrivals_meanwhile(seconds: float) -> None:  # what arrives while the writer waits
        pauses.append(seconds)
        later.extend(writer.submit([warning("j", n)]) for n in range(3))

    monkeypatch.setattr(writer_module, "_pause", arrivals_meanwhile)
    monkeypatch.setattr(writer_module, "BUSY_WINDOW_S", 3600.0)  # every commit counts as just now
    with GroupCommitWriter(tmp_path / "log.sqlite", commit_delay_s=0.25) as writer:
        writer.submit([warning("j", 0)]).result(timeout=30)
        assert pauses == [], "a submission to an idle writer is committed at once"
        writer.submit([warning("j", 1)]).result(timeout=30)
        assert pauses == [writer_module.MIN_DELAY_S], "no group held more than these: no further wait"
        assert [receipt.result(timeout=30)[0].seq for receipt in later] == [3, 4, 5]
        stats = writer.statistics()
    assert (stats.submissions, stats.transactions) == (5, 2)


def test_a_busy_writer_waits_on_for_as_many_submissions_as_its_recent_groups_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten workers each wait for their `started` event, send a request, then come back within a few
    hundred microseconds of each other: a fixed pause cut them into two or three commits (the 10,000-entry
    job wrote 3.9 × its log's growth to disk); waiting on for as many as came last time makes them one."""
    pauses: list[float] = []
    arriving = iter([3, 1, 1, 1])  # per pause: three during the first wait, then one per poll
    later: list[Receipt[list[StoredEvent]]] = []

    def arrivals_meanwhile(seconds: float) -> None:
        pauses.append(seconds)
        later.extend(writer.submit([warning("j", n)]) for n in range(next(arriving, 0)))

    monkeypatch.setattr(writer_module, "_pause", arrivals_meanwhile)
    monkeypatch.setattr(writer_module, "BUSY_WINDOW_S", 3600.0)
    with GroupCommitWriter(tmp_path / "log.sqlite", commit_delay_s=60.0) as writer:
        writer.submit([warning("j", 0)]).result(timeout=30)  # idle: committed alone
        writer.submit([warning("j", 1)]).result(timeout=30)  # busy: a group of 4
        first = len(later)
        writer.submit([warning("j", 5)]).result(timeout=30)  # busy: waits until 4 are queued again
        assert all(receipt.result(timeout=30) for receipt in later)
        stats = writer.statistics()
    minimum, poll = writer_module.MIN_DELAY_S, writer_module.GATHER_POLL_S
    assert pauses == [minimum, minimum, poll, poll]
    assert first == 3 and len(later) == 6
    assert (stats.submissions, stats.transactions) == (9, 3)
    assert stats.largest_transaction == 4


def test_a_busy_writer_stops_waiting_at_its_commit_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fewer submitters than before (the recent groups were larger than what comes now): the writer waits
    `commit_delay_s` in all, then commits what it has. Its clock here moves only while it pauses."""
    now = [0.0]
    pauses: list[float] = []
    arriving = iter([3])  # a group of 4 first; then nobody joins the lone submission

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds
        for n in range(next(arriving, 0)):
            writer.submit([warning("j", n)])

    monkeypatch.setattr(writer_module, "_pause", pause)
    monkeypatch.setattr(writer_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    monkeypatch.setattr(writer_module, "BUSY_WINDOW_S", float("inf"))
    with GroupCommitWriter(tmp_path / "log.sqlite", commit_delay_s=0.003) as writer:
        writer.submit([warning("j", 0)]).result(timeout=30)  # idle: at once
        writer.submit([warning("j", 1)]).result(timeout=30)  # busy: a group of 4
        before = len(pauses)
        writer.submit([warning("j", 2)]).result(timeout=30)  # busy, alone: waits the delay, no more
        waited = pauses[before:]
        stats = writer.statistics()
    assert waited[0] == writer_module.MIN_DELAY_S
    assert set(waited[1:]) == {writer_module.GATHER_POLL_S}
    assert sum(waited) == pytest.approx(0.003, abs=writer_module.GATHER_POLL_S)
    assert (stats.submissions, stats.transactions) == (6, 3)

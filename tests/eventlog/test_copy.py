"""Copying a log to another place (`copy_log`): a SQLite file to a real PostgreSQL database and back.

The copy holds every event byte for byte (so its chain verifies, and so does an export taken from the
source before the copy), its projections equal the source's, and it is one transaction: refused or
interrupted, the target is as it was — empty, or the beginning of the chain that a second copy completes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from eventlog import (
    CopyProgress,
    CopyRefused,
    EventLog,
    EventRecord,
    LogListener,
    WarningRecorded,
    copy_log,
    describe_location,
)
from tests.eventlog.backends import raw_rows, tamper
from tests.eventlog.conftest import TickingClock
from tests.eventlog.eventlog_histories import OP, interleave, job_stream, planned_job, small_history
from tests.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[2]
DIRECTIONS = ("sqlite-to-postgresql", "postgresql-to-sqlite")
Location = str | Path


@pytest.fixture(params=DIRECTIONS)
def places(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Location, Location]:
    """(source, target): a SQLite file and a fresh database on the test's PostgreSQL server, each way."""
    url: str = request.getfixturevalue("postgres_url")
    file = tmp_path / "paydesk.sqlite"
    return (file, url) if request.param == "sqlite-to-postgresql" else (url, file)


def fill(location: Location, *, jobs: tuple[str, ...] = ("job-1", "job-2", "job-3"), seed: int = 7) -> None:
    """A log of a few jobs, written in several transactions: a small history, a random one, a dry run, and
    a warning whose text is not ASCII."""
    rng = random.Random(seed)
    first, second, third = jobs
    with EventLog(location, clock=TickingClock()) as log:
        log.append(small_history(first))
        for event in interleave(rng, [job_stream(rng, second)]):
            log.append([event])
        log.append(planned_job(third, {"x": ["x1", "x2"], "y": []}))
        message = "Zürich — 1 000,50 € ‮ (\x1b) «payé»"
        log.append([WarningRecorded(job_id=third, operator=OP, code="note", message=message)])


def records(location: Location) -> list[EventRecord]:
    with EventLog(location, read_only=True) as log:
        return log.records_after(0, limit=1_000_000)


def projections(location: Location) -> list[object]:
    """Every projected row of the log: jobs, then each job's items, steps and preloads."""
    with EventLog(location, read_only=True) as log:
        rows: list[object] = list(log.jobs())
        for job in log.jobs():
            rows += [*log.items(job.job_id), *log.steps(job.job_id), *log.preloads(job.job_id)]
        return rows


def export(location: Location, path: Path) -> Path:
    with EventLog(location, read_only=True) as log, path.open("w", encoding="utf-8", newline="") as out:
        log.export(out)
    return path


def is_empty(location: Location) -> bool:
    """No event log there: no file, no paydesk table in the database, or a log without events."""
    if isinstance(location, Path):
        return not location.exists() or not records(location)
    return raw_rows(location, "SELECT to_regclass('events')") == [(None,)] or not records(location)


# --- a copy ------------------------------------------------------------------------------------------------


def test_a_copy_holds_every_event_byte_for_byte_and_verifies_against_an_earlier_export(
    places: tuple[Location, Location], tmp_path: Path
) -> None:
    source, target = places
    fill(source)
    before = export(source, tmp_path / "before.jsonl")
    report = copy_log(source, target)
    assert records(target) == records(source)
    with EventLog(target) as copy:
        assert copy.verify().ok
        assert copy.verify(against=before).ok
        assert copy.replay_check().ok
    assert projections(target) == projections(source)
    head = records(source)[-1]
    assert (report.events, report.copied, report.already_there, report.verified) == (
        head.seq,
        head.seq,
        0,
        head.seq,
    )
    assert (report.head.seq, report.head.hash, report.jobs) == (head.seq, head.hash, 3)
    assert (report.source, report.target) == (describe_location(source), describe_location(target))


def test_the_copy_can_be_written_to_and_the_source_is_untouched(places: tuple[Location, Location]) -> None:
    source, target = places
    fill(source)
    original = records(source)
    copy_log(source, target)
    with EventLog(target) as copy:
        copy.append(planned_job("job-4", {"z": ["z1"]}))  # the chain goes on from the copied head
        assert copy.verify().ok and copy.replay_check().ok
        assert [job.job_id for job in copy.jobs()] == ["job-1", "job-2", "job-3", "job-4"]
    assert records(source) == original


def test_a_copy_is_the_same_log_in_a_store_of_its_own(places: tuple[Location, Location]) -> None:
    """The workspace's mark names the store that pays it (engine.run.binding): a copy keeps the log's
    chain, and gets an identity of its own, which stays with it, topped up or reopened."""
    source, target = places
    fill(source)
    with EventLog(source, read_only=True) as log:
        store = log.store_id()
    copy_log(source, target)
    with EventLog(source, clock=TickingClock()) as log:
        log.append(planned_job("job-4", {"z": ["z1"]}))
    copy_log(source, target)  # topped up
    with EventLog(target, read_only=True) as copy, EventLog(source, read_only=True) as log:
        assert copy.records_after(0, limit=1) == log.records_after(0, limit=1)
        assert log.store_id() == store and len(store) == 32 and int(store, 16) >= 0
        assert copy.store_id() != store and len(copy.store_id()) == 32


def test_a_file_copied_byte_for_byte_is_another_store_and_a_file_moved_is_the_same(tmp_path: Path) -> None:
    """A `cp` of the log (or a backup put back) carries the store's identity in its bytes: the first open
    to write finds the file under another inode and gives it one of its own. A file renamed keeps its."""
    original = tmp_path / "paydesk.sqlite"
    fill(original)
    with EventLog(original) as log:
        store = log.store_id()
    copied = tmp_path / "copied.sqlite"
    shutil.copyfile(original, copied)
    with EventLog(copied, read_only=True) as log:
        assert log.store_id() == store, "read-only, a copy is not told apart (nothing needs it to be)"
    with EventLog(copied) as log:
        assert log.store_id() != store
        assert log.verify().ok and log.records_after(0, limit=1) == records(original)[:1]
    with EventLog(copied) as log:
        renewed = log.store_id()
    moved = tmp_path / "moved.sqlite"
    copied.rename(moved)
    with EventLog(moved) as log:
        assert log.store_id() == renewed
    with EventLog(original) as log:
        assert log.store_id() == store


def test_consoles_listening_on_a_database_hear_of_the_copy(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "paydesk.sqlite"
    fill(source)
    EventLog(postgres_url).close()
    listener = LogListener(postgres_url)
    try:
        report = copy_log(source, postgres_url)
        assert listener.wait(timeout=30) == report.head.seq  # delivered at commit, so waiting is not timing
    finally:
        listener.close()


def test_progress_reports_each_phase_up_to_its_total(places: tuple[Location, Location]) -> None:
    source, target = places
    fill(source)
    total = len(records(source))
    seen: list[CopyProgress] = []
    copy_log(source, target, progress=seen.append, chunk=4)
    assert [phase for phase in dict.fromkeys(p.phase for p in seen)] == [
        "verifying",
        "copying",
        "rebuilding",
        "checking",
    ]
    copying = [p.done for p in seen if p.phase == "copying"]
    assert copying == sorted(copying) and copying[0] == 0 and copying[-1] == total
    assert len(copying) == 1 + -(-total // 4)  # one report per chunk of 4, after a first at 0
    assert {p.total for p in seen} == {total}
    assert all(p.done == total for p in seen[-1:])


def test_an_empty_log_copies_as_an_empty_log(places: tuple[Location, Location]) -> None:
    source, target = places
    EventLog(source).close()
    report = copy_log(source, target)
    assert (report.events, report.copied, report.head.seq) == (0, 0, 0)
    assert records(target) == []


def test_a_log_copies_between_two_databases_of_one_server(postgres_server: PgServer) -> None:
    source, target = postgres_server.create_database(), postgres_server.create_database()
    try:
        fill(source)
        assert copy_log(source, target).copied == len(records(source))
        assert records(target) == records(source) and projections(target) == projections(source)
    finally:
        for url in (source, target):
            postgres_server.drop_database(url)


# --- refusals: one line, the target unchanged --------------------------------------------------------------


def one_line(err: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


def test_a_target_holding_another_log_is_refused_and_left_unchanged(
    places: tuple[Location, Location],
) -> None:
    source, target = places
    fill(source)
    fill(target, jobs=("other-1", "other-2", "other-3"), seed=8)
    held, rows = records(target), projections(target)
    with pytest.raises(CopyRefused) as refused:
        copy_log(source, target)
    assert "already holds" in one_line(refused) and "another log" in one_line(refused)
    assert records(target) == held and projections(target) == rows


def test_a_target_that_went_on_beyond_the_source_is_refused(places: tuple[Location, Location]) -> None:
    source, target = places
    fill(source)
    copy_log(source, target)
    with EventLog(target) as copy:  # the team already works on the copy
        copy.append(planned_job("job-4", {"z": ["z1"]}))
    held = records(target)
    with pytest.raises(CopyRefused) as refused:
        copy_log(source, target)
    assert f"more than the source's {len(records(source))}" in one_line(refused)
    assert records(target) == held


def test_a_source_that_fails_verification_is_refused_before_the_target_is_made(
    places: tuple[Location, Location],
) -> None:
    source, target = places
    fill(source)
    tamper(source, "UPDATE events SET operator = 'mallory@example.com' WHERE seq = 13")
    with pytest.raises(CopyRefused) as refused:
        copy_log(source, target)
    assert "fails verification at event 13" in one_line(refused)
    assert is_empty(target)
    if isinstance(target, Path):
        assert not target.exists()  # not even created


def test_copying_a_log_onto_itself_is_refused(places: tuple[Location, Location], tmp_path: Path) -> None:
    source, _ = places
    fill(source)
    held = records(source)
    if isinstance(source, Path):
        other_name = tmp_path / "again.sqlite"
        other_name.hardlink_to(source)
        names: list[Location] = [source, tmp_path / "." / source.name, other_name]
    else:
        names = [source, f"{source}?application_name=another"]
    for name in names:
        with pytest.raises(CopyRefused) as refused:
            copy_log(source, name)
        assert "are the same log" in one_line(refused)
    assert records(source) == held


def test_a_refusal_never_shows_the_password_of_a_url(postgres_url: str, tmp_path: Path) -> None:
    fill(postgres_url)
    secret = "s3cret-pw"  # the test server trusts local connections: any password is accepted
    with_password = postgres_url.replace("paydesk@", f"paydesk:{secret}@")
    with pytest.raises(CopyRefused) as same:
        copy_log(with_password, with_password)
    tamper(postgres_url, "UPDATE events SET operator = 'mallory@example.com' WHERE seq = 2")
    with pytest.raises(CopyRefused) as damaged:
        copy_log(with_password, tmp_path / "copy.sqlite")
    for refused in (same, damaged):
        assert secret not in one_line(refused) and "paydesk:***@" in one_line(refused)


# --- interrupted, repeated and topped-up copies ------------------------------------------------------------


class Interrupted(Exception):
    pass


def test_a_copy_interrupted_by_an_error_leaves_the_target_empty_and_a_second_copy_completes(
    places: tuple[Location, Location],
) -> None:
    source, target = places
    fill(source)

    def fail_after_two_chunks(progress: CopyProgress) -> None:
        if progress.phase == "copying" and progress.done >= 8:
            raise Interrupted()

    with pytest.raises(Interrupted):
        copy_log(source, target, progress=fail_after_two_chunks, chunk=4)
    assert is_empty(target)
    report = copy_log(source, target)
    assert report.copied == len(records(source)) and records(target) == records(source)


def test_a_target_holding_the_beginning_of_the_log_gets_only_the_rest(
    places: tuple[Location, Location],
) -> None:
    source, target = places
    fill(source)
    first = copy_log(source, target)
    with EventLog(source, clock=TickingClock()) as log:  # the team went on working on the source meanwhile
        log.append(small_history("job-5"))
    second = copy_log(source, target)
    assert (second.already_there, second.copied) == (first.events, len(small_history()))
    assert records(target) == records(source) and projections(target) == projections(source)
    with EventLog(target) as copy:
        assert copy.verify().ok and copy.replay_check().ok
    again = copy_log(source, target)  # repeated: nothing to do
    assert (again.copied, again.already_there, again.head) == (0, second.events, second.head)


KILLED_COPY = """
import sys
from pathlib import Path
from eventlog import copy_log, is_url

def location(text):
    return text if is_url(text) else Path(text)

def stop_after_two_chunks(progress):
    if progress.phase == "copying" and progress.done == 8:
        print("two chunks copied", flush=True)
        sys.stdin.readline()  # wait here for SIGKILL

copy_log(location(sys.argv[1]), location(sys.argv[2]), progress=stop_after_two_chunks, chunk=4)
print("finished", flush=True)
"""


def copy_killed_mid_way(source: Location, target: Location) -> None:
    """Run a copy in a subprocess and SIGKILL it once it has inserted two chunks of events."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_COPY), str(source), str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        line = child.stdout.readline()
        if line != "two chunks copied\n":
            child.kill()
            pytest.fail(f"the copy did not stop mid-way: {line!r} {child.stderr.read()}")
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL


def test_a_copy_killed_mid_way_leaves_the_earlier_copy_verified_and_a_second_copy_completes(
    places: tuple[Location, Location],
) -> None:
    source, target = places
    fill(source)
    copy_log(source, target)  # an earlier copy: the beginning of the chain
    earlier = records(target)
    with EventLog(source, clock=TickingClock()) as log:
        log.append(small_history("job-5"))  # 20 more events: the killed copy inserted 8 of them
    copy_killed_mid_way(source, target)
    assert records(target) == earlier
    with EventLog(target) as copy:
        assert copy.verify().ok and copy.replay_check().ok
    report = copy_log(source, target)
    assert (report.already_there, report.copied) == (len(earlier), len(small_history()))
    assert records(target) == records(source) and projections(target) == projections(source)


def test_a_first_copy_killed_mid_way_leaves_an_empty_target(places: tuple[Location, Location]) -> None:
    source, target = places
    fill(source)
    copy_killed_mid_way(source, target)
    assert is_empty(target)
    assert copy_log(source, target).copied == len(records(source))


# --- constant memory ---------------------------------------------------------------------------------------


def _copy_peak(tmp_path: Path, target: Location, warnings: int) -> int:
    """Peak Python memory while copying a log of one job and `warnings` warnings, in chunks of 200."""
    source = tmp_path / f"source-{warnings}.sqlite"
    with EventLog(source) as log:
        log.append(planned_job("job-1", {"a": ["a1"]}))
        for start in range(0, warnings, 1000):
            log.append(
                WarningRecorded(job_id="job-1", operator=OP, code="slow", message=f"warning {n} " + "x" * 200)
                for n in range(start, start + 1000)
            )
    tracemalloc.start()
    try:
        copy_log(source, target, chunk=200)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_copying_runs_in_constant_memory_whatever_the_logs_size(
    tmp_path: Path, postgres_server: PgServer
) -> None:
    urls = [postgres_server.create_database() for _ in range(2)]
    try:
        small = _copy_peak(tmp_path, urls[0], 2_000)
        large = _copy_peak(tmp_path, urls[1], 8_000)  # four times the events: ~1.8 MB more if held
    finally:
        for url in urls:
            postgres_server.drop_database(url)
    assert large < small + 600_000, (small, large)

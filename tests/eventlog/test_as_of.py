"""What the log knew then: `EventLog.as_of` rebuilds the projections as of an event from the events alone, on
every backend, for the whole log or one job, moving back and forth."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from eventlog import Event, EventLog, StepSucceeded
from eventlog.tables import snapshot
from tests.eventlog.conftest import TickingClock
from tests.eventlog.eventlog_histories import planned_job, small_history


def truncated_rows(tmp_path: Path, history: list[Event], n: int) -> dict[str, list[tuple[object, ...]]]:
    """The projection rows of a log holding only the first `n` events of `history`, appended at once (as the
    `log` fixture's are: at the same time, by the same clock)."""
    with EventLog(tmp_path / f"first-{n}.sqlite", clock=TickingClock()) as log:
        if n:
            log.append(history[:n])
        return snapshot(log.connection)


def interleaved() -> list[Event]:
    """Two jobs whose events alternate (job-1's small history and job-2's plan)."""
    first, second = small_history("job-1"), planned_job("job-2", {"x": ["x1", "x2"]})
    merged: list[Event] = []
    for a, b in zip(first, second, strict=False):
        merged += [a, b]
    return merged + first[len(second) :]


def test_as_of_an_event_gives_the_rows_a_log_ending_there_holds(log: EventLog, tmp_path: Path) -> None:
    history = small_history()
    log.append(history)
    for n in (0, 1, 5, 9, len(history)):
        with log.as_of(n) as view:
            assert view.seq == n
            assert snapshot(view.connection) == truncated_rows(tmp_path, history, n), n


def test_as_of_reads_the_events_only_never_the_live_projections(log: EventLog, tmp_path: Path) -> None:
    history = small_history()
    log.append(history)
    log.rebuild(to_seq=2)  # the live projections now lag far behind the events
    with log.as_of(len(history)) as view:
        assert snapshot(view.connection) == truncated_rows(tmp_path, history, len(history))
    assert log.projection_position() == 2


def test_the_job_as_of_an_event_before_its_first_step_succeeded(log: EventLog) -> None:
    stored = log.append(small_history())
    first_success = next(s.seq for s in stored if isinstance(s.event, StepSucceeded))
    with log.as_of(first_success - 1, job_id="job-1") as view:
        job = view.job("job-1")
        assert job is not None and (job.status, job.steps_started, job.steps_succeeded) == ("running", 1, 0)
        assert [item.status for item in view.items("job-1")] == ["running", "pending"]
        view.move_to(first_success)
        job = view.job("job-1")
        assert job is not None and (job.steps_started, job.steps_succeeded) == (0, 1)
        assert view.recorded_at == stored[first_success - 1].recorded_at


def test_one_jobs_view_folds_only_its_events_and_equals_the_whole_fold(log: EventLog) -> None:
    history = interleaved()
    log.append(history)
    for n in range(len(history) + 1):
        with log.as_of(n) as whole, log.as_of(n, job_id="job-2") as one:
            assert one.job("job-2") == whole.job("job-2")
            assert one.items("job-2") == whole.items("job-2")
            assert one.steps("job-2") == whole.steps("job-2")
            assert one.preloads("job-2") == whole.preloads("job-2")
            assert one.job("job-1") is None
            assert one.folded == len([s for s in log.seqs_of_job("job-2") if s <= n])


def test_a_view_moved_back_and_forth_equals_a_view_made_there(log: EventLog) -> None:
    history = interleaved()
    log.append(history)
    with log.as_of(len(history), job_id="job-1") as moving:
        for n in (20, 3, 4, 0, 17, 16, len(history), 1):
            moving.move_to(n)
            with log.as_of(n, job_id="job-1") as fresh:
                assert snapshot(moving.connection) == snapshot(fresh.connection), n


def test_a_job_did_not_exist_as_of_an_event_before_its_creation(log: EventLog) -> None:
    log.append(planned_job("job-0", {"a": ["a1"]}))
    log.append(small_history("job-1"))
    created = log.seqs_of_job("job-1")[0]
    with log.as_of(created - 1, job_id="job-1") as view:
        assert view.job("job-1") is None and view.items("job-1") == [] and view.jobs() == []
    with log.as_of(created - 1) as view:
        assert [job.job_id for job in view.jobs()] == ["job-0"]


def test_a_seq_past_the_last_event_shows_the_last(log: EventLog) -> None:
    history = small_history()
    log.append(history)
    with log.as_of(10**6) as view:
        assert view.seq == len(history)
        assert view.recorded_at == log.recorded_at(len(history))
    with log.as_of(-4) as view:
        assert (view.seq, view.recorded_at, view.jobs()) == (0, None, [])


def test_the_event_as_of_a_time_is_the_last_recorded_then(log: EventLog) -> None:
    # the test clock moves one second per transaction, from 12:00:00
    for event in small_history("job-1")[:3]:
        log.append([event])
    log.append(planned_job("job-2", {}))
    assert log.seq_at(datetime(2025, 1, 31, 11, 59, 59, tzinfo=UTC)) == 0
    assert log.seq_at(datetime(2025, 1, 31, 12, 0, 1, 500_000, tzinfo=UTC)) == 2
    assert log.seq_at(datetime(2025, 1, 31, 13, 0, tzinfo=UTC)) == 3 + len(planned_job("job-2", {}))
    assert log.seq_at(datetime(2025, 1, 31, 13, 0, tzinfo=UTC), job_id="job-1") == 3
    assert log.seq_at(datetime(2025, 1, 31, 12, 0, 2, tzinfo=UTC), job_id="job-2") == 0
    assert log.recorded_at(3) == "2025-01-31T12:00:02.000000Z"
    assert log.recorded_at(99) is None
    assert log.seqs_of_job("job-1") == [1, 2, 3]

"""The projections as of any event equal those of a log truncated at that event — for the whole log and for
each job alone — for random valid histories, however the view got there."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventlog import Event, EventLog
from eventlog.tables import snapshot
from tests.eventlog.eventlog_histories import histories

MOMENT = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


def stopped_clock() -> datetime:
    return MOMENT  # both logs record the same times


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), data=st.data())
def test_as_of_an_event_equals_a_log_truncated_there(history: list[Event], data: st.DataObject) -> None:
    n = data.draw(st.integers(0, len(history)), label="as of")
    with tempfile.TemporaryDirectory() as tmp, EventLog(Path(tmp) / "log.sqlite", clock=stopped_clock) as log:
        log.append(history)
        with EventLog(Path(tmp) / "truncated.sqlite", clock=stopped_clock) as truncated:
            truncated.append(history[:n])
            expected = snapshot(truncated.connection)
            jobs = {job.job_id: job for job in truncated.jobs()}
            truncated_rows = {
                job_id: (truncated.items(job_id), truncated.steps(job_id), truncated.preloads(job_id))
                for job_id in jobs
            }

        with log.as_of(n) as view:
            assert snapshot(view.connection) == expected

        job_ids = sorted({event.job_id for event in history})
        for job_id in job_ids:
            start = data.draw(st.integers(0, len(history)), label=f"{job_id} view made at")
            with log.as_of(start, job_id=job_id) as one:
                one.move_to(n)  # forward or back
                assert one.job(job_id) == jobs.get(job_id)
                rows = (one.items(job_id), one.steps(job_id), one.preloads(job_id))
                assert rows == truncated_rows.get(job_id, ([], [], []))
                assert one.jobs() == ([] if job_id not in jobs else [jobs[job_id]])

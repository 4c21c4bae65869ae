"""Found walking the console: after a retry, the Job screen and `paydesk jobs` showed only the retry's
requests (4 reads, 0 writes) for a job that wrote 15 times: each run records its own GatewayStats and the
job's projection kept the last one instead of their sum.

The projection adds them up now, and schema version 2 rebuilds the projections of a log written before,
the first time this paydesk opens it (even for reading), so its numbers are right and `replay --check`
agrees with them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eventlog import EventLog, GatewayStats, JobCreated, OlderSchema, schema
from tests.eventlog.backends import raw_execute, raw_rows, schema_4_layout


def _job_with_two_runs(path: str | Path) -> None:
    with EventLog(path) as log:
        log.append([JobCreated(job_id="j", operator="o", kind="commit", params={}, selection_key="s")])
        log.append(
            [GatewayStats(job_id="j", operator="o", reads=4, writes=15, retries=0, throttles=1, wait_ms=9)]
        )
        log.append(
            [GatewayStats(job_id="j", operator="o", reads=4, writes=0, retries=0, throttles=0, wait_ms=3)]
        )


def _as_written_by_schema_1(location: str | Path) -> None:
    """What the release before left: the last run's counts in the projection, schema version 1."""
    raw_execute(
        location,
        *schema_4_layout(location),
        "UPDATE jobs SET reads = 4, writes = 0, throttles = 0, wait_ms = 3",
        "DELETE FROM paydesk_schema WHERE version > 1",
        "DROP TABLE rate_slots",  # what later versions added, and the indexes they replaced
        "DROP INDEX events_by_job",
        "CREATE INDEX events_by_job ON events (job_id, seq)",
        "CREATE INDEX events_by_item ON events (job_id, item_key, seq) WHERE item_key IS NOT NULL",
    )


def test_a_jobs_request_counts_add_up_every_run(tmp_path: Path) -> None:
    _job_with_two_runs(tmp_path / "log.sqlite")
    with EventLog(tmp_path / "log.sqlite", read_only=True) as log:
        job = log.job("j")
    assert job is not None
    assert (job.reads, job.writes, job.throttles, job.wait_ms) == (8, 15, 1, 12)


@pytest.mark.parametrize("read_only", [True, False])
def test_a_log_of_schema_1_is_refolded_when_first_opened(log_location: str | Path, read_only: bool) -> None:
    path = log_location
    _job_with_two_runs(path)
    _as_written_by_schema_1(path)
    with EventLog(path, read_only=read_only) as log:
        job = log.job("j")
        assert job is not None and (job.reads, job.writes, job.wait_ms) == (8, 15, 12)
        assert log.replay_check().ok
        assert log.verify().ok  # the events are untouched
    versions = [row[0] for row in raw_rows(path, "SELECT version FROM paydesk_schema ORDER BY version")]
    assert versions == [m.version for m in schema.MIGRATIONS]


def test_a_log_of_schema_1_that_cannot_be_written_is_refused_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.sqlite"
    _job_with_two_runs(path)
    _as_written_by_schema_1(path)
    path.chmod(0o400)
    if os.geteuid() == 0:  # root may write to any file: make the check see what another user would
        monkeypatch.setattr(schema.os, "access", lambda *_: False)
    with pytest.raises(OlderSchema) as refused:
        EventLog(path, read_only=True)
    assert "schema version 1" in str(refused.value) and "cannot write to it" in str(refused.value)

"""A log written by release 0.1.0 (tests/eventlog/fixtures/log-0.1.0.sqlite: a dry-run commit, a commit, an
invoice-split generate and a dry-run sync, all at event version 1) still opens, verifies, replays and
exports with today's code, its older events upcast to the current versions."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from eventlog import EventLog, StepPlanned, StepSkipped

FIXTURE = Path(__file__).parent / "fixtures" / "log-0.1.0.sqlite"


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "old.sqlite"
    shutil.copyfile(FIXTURE, path)
    path.chmod(0o600)
    return path


def test_an_old_release_log_verifies_and_replays(tmp_path: Path) -> None:
    with EventLog(_copy(tmp_path), read_only=True) as log:
        report = log.verify()
        assert report.ok, report
        assert report.checked == 351
        assert log.replay_check().ok
        statuses = sorted(job.status for job in log.jobs())
    assert statuses == ["completed", "completed", "planned", "planned"]


def test_its_version_1_steps_are_read_as_version_2_that_assumed_nothing(tmp_path: Path) -> None:
    with EventLog(_copy(tmp_path), read_only=True) as log:
        events = [stored.event for stored in log.events_after(0, limit=1000)]
    planned = [e for e in events if isinstance(e, StepPlanned)]
    skipped = [e for e in events if isinstance(e, StepSkipped)]
    assert len(planned) == 118 and len(skipped) == 14
    assert all(e.expect == {} and e.inputs == [] and e.source is None and e.children == [] for e in planned)
    assert all(e.page_id is None for e in skipped)


def test_it_exports_and_takes_new_events(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    with EventLog(path) as log:
        out = io.StringIO()
        head = log.export(out, "jsonl")
        assert head.exported == 351
        planned = log.jobs()[0]
        assert planned.status == "planned"
        from eventlog import JobDiscarded

        log.append([JobDiscarded(job_id=planned.job_id, operator="test", reason="old plan")])
        assert log.job(planned.job_id) is not None
        assert log.job(planned.job_id).status == "discarded"  # type: ignore[union-attr]
        assert log.verify().ok
        assert log.replay_check().ok

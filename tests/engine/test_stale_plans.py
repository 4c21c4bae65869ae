"""Stale plans are refused, not executed: a dry run's plan older than the allowed age, or made before a job on
an overlapping selection ran; a plan nobody will execute can be discarded; a dry run with nothing to do
leaves no job to resume."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.kinds.commit.params import CommitParams
from engine.run.jobs import JobRefused, run_job
from engine.run.recovery import discard_job, resume_job, retry_job
from engine.run.runtime import open_runtime
from eventlog import EventLog
from tests.engine.conftest import MONTH, Demo
from tests.engine.helpers import PATIENT, TODAY, run_commit

pytestmark = pytest.mark.trio


def status(db: Path, job_id: str) -> str:
    with EventLog(db, read_only=True) as log:
        job = log.job(job_id)
    assert job is not None
    return job.status


async def commit_for(demo: Demo, db: Path, params: CommitParams, *, dry_run: bool = False) -> str:
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        report = await run_job(rt, commit_spec(params), commit_planner(params), dry_run=dry_run)
    return report.job_id


async def test_a_plan_older_than_the_allowed_age_is_refused_naming_its_age(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    later = datetime.now(UTC) + timedelta(hours=2)
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        with pytest.raises(JobRefused) as refused:
            await resume_job(rt, preview.job_id, now=later)
    message = str(refused.value)
    assert "was made 2 h ago" in message and "longer than a plan may wait (1 h" in message
    assert f"paydesk discard {preview.job_id}" in message
    assert status(db, preview.job_id) == "planned", "nothing was written, the plan is still there"
    shorter = dataclasses.replace(demo.config, plan_max_age=timedelta(hours=3))
    async with open_runtime(shorter, db, operator="test", policy=PATIENT) as rt:
        report = await resume_job(rt, preview.job_id, now=later)
    assert report.status == "completed", "a longer allowed age lets it run"


async def test_a_plan_made_before_an_overlapping_job_ran_is_refused_naming_that_job(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    whole = CommitParams(month=MONTH, batch=15, today=TODAY)
    planned = await commit_for(demo, db, whole, dry_run=True)
    one = await run_commit(demo.config, db, batch=15, dry_run=True)
    contractor = one.items[0].data["contractor"]
    narrow = dataclasses.replace(whole, contractor=str(contractor))
    ran = await commit_for(demo, db, narrow)
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        with pytest.raises(JobRefused) as refused:
            await resume_job(rt, planned)
    message = str(refused.value)
    assert ran in message and "overlapping selection" in message and "plan again" in message
    assert f"contractor {contractor}" in message


async def test_a_job_on_another_batch_does_not_make_a_plan_stale(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    planned = await commit_for(demo, db, CommitParams(month=MONTH, batch=15, today=TODAY), dry_run=True)
    await commit_for(demo, db, CommitParams(month=MONTH, batch=1, today=TODAY))
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        report = await resume_job(rt, planned)
    assert report.status == "completed"


async def test_a_discarded_plan_can_no_longer_be_executed(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        row = await discard_job(rt, preview.job_id, reason="changed my mind")
        assert (row.status, row.error) == ("discarded", "changed my mind")
        with pytest.raises(JobRefused, match="was discarded"):
            await resume_job(rt, preview.job_id)
        with pytest.raises(JobRefused, match="was discarded"):
            await retry_job(rt, preview.job_id)
        with pytest.raises(JobRefused, match="only a dry run's plan that was never executed"):
            await discard_job(rt, preview.job_id)


async def test_only_a_plan_nobody_executed_can_be_discarded(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    done = await run_commit(demo.config, db, batch=15)
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        with pytest.raises(JobRefused, match="is completed; only a dry run's plan"):
            await discard_job(rt, done.job_id)
    assert status(db, done.job_id) == "completed"


async def test_a_dry_run_with_nothing_to_do_leaves_no_job_to_resume(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    empty = await run_commit(demo.config, db, batch=15, dry_run=True, job_id=None)
    assert empty.items, "the demo's batch has payables"
    await run_commit(demo.config, db, batch=15)
    again = await run_commit(demo.config, db, batch=15, dry_run=True)
    assert again.status == "discarded" and not again.items
    assert status(db, again.job_id) == "discarded"
    assert any(fact.pages == 0 for fact in again.preloads), "the empty query is known, to be named"
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        with pytest.raises(JobRefused, match="nothing to do"):
            await resume_job(rt, again.job_id)

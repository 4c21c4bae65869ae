"""The long-lived engine a console hosts: jobs in the background, notifications, statistics."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.engine import open_engine
from engine.kinds import KINDS
from engine.run.jobs import JobRefused
from tests.engine.conftest import BINDING_WRITE, MONTH, Demo

pytestmark = pytest.mark.trio


async def test_a_dry_run_then_its_execution_run_in_the_background_and_notify(
    demo: Demo, tmp_path: Path
) -> None:
    changes: list[str] = []
    params = {"month": MONTH, "batch": 15, "today": f"{MONTH}-20"}
    async with open_engine(demo.config, tmp_path / "log.sqlite", on_change=changes.append) as engine:
        job_id = engine.start("commit", params, dry_run=True)
        await engine.jobs[job_id].done.wait()
        planned = engine.jobs[job_id].report
        assert planned is not None and planned.status == "planned"
        engine.resume(job_id)
        await engine.jobs[job_id].done.wait()
        executed = engine.jobs[job_id].report
        assert executed is not None and executed.status == "completed"
        assert engine.jobs[job_id].progress.done == engine.jobs[job_id].progress.total > 0
        stats = engine.statistics()
        assert stats.writes == planned.plan.writes_needed() + BINDING_WRITE if planned.plan else False
        assert stats.running_jobs == 0
    assert changes.count(job_id) >= 4  # started and finished, twice


async def test_a_refused_job_reports_its_reason_instead_of_raising(demo: Demo, tmp_path: Path) -> None:
    async with open_engine(demo.config, tmp_path / "log.sqlite") as engine:
        job_id = engine.resume("no-such-job")
        await engine.jobs[job_id].done.wait()
        assert engine.jobs[job_id].error == "no job no-such-job in the log; `paydesk jobs` lists the jobs"
        assert engine.cancel("no-such-job") is False, "not running here; the request is only logged"


async def test_start_runs_any_registered_kind_by_name(demo: Demo, tmp_path: Path) -> None:
    given = {
        "commit": {"month": MONTH, "batch": 15, "today": f"{MONTH}-20"},
        "generate": {"type": "refund", "month": MONTH},
        "sync": {"month": MONTH},
        "reconcile": {"month": MONTH},
    }
    assert set(given) == set(KINDS)
    async with open_engine(demo.config, tmp_path / "log.sqlite", environ={}) as engine:
        for name, params in given.items():
            job_id = engine.start(name, params, dry_run=True)
            assert job_id.startswith(f"{name}-")
            await engine.jobs[job_id].done.wait()
            report = engine.jobs[job_id].report
            assert engine.jobs[job_id].error is None
            assert report is not None and report.status in ("planned", "discarded")


async def test_start_refuses_an_unknown_kind_or_parameters_the_kind_cannot_take(
    demo: Demo, tmp_path: Path
) -> None:
    async with open_engine(demo.config, tmp_path / "log.sqlite", environ={}) as engine:
        known = "commit, generate, sync, reconcile"
        with pytest.raises(JobRefused, match=f"no job kind 'payday'; known: {known}"):
            engine.start("payday", {"month": MONTH})
        with pytest.raises(JobRefused, match="--month must be YYYY-MM"):
            engine.start("sync", {"month": "January"})
        assert engine.jobs == {}

"""The commit when the workspace or the network misbehaves: refused before any write when the schema lacks
what it needs; a record that cannot be written fails alone, blocks its payable and is finished by a retry;
and a run under seeded random faults ends exactly where an undisturbed run does, for any worker count."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.run.jobs import JobRefused
from engine.run.recovery import resume_job, retry_job
from engine.run.runtime import open_runtime
from engine.workspace.config import Config
from eventlog import EventLog
from tests.engine.conftest import Demo
from tests.engine.helpers import (
    NOTION_VERSION,
    PATIENT,
    TODAY,
    expected_after,
    not_yet_paid,
    open_admin,
    run_commit,
    workspace,
)

pytestmark = pytest.mark.trio

UPDATE = "PATCH /v1/pages/{page_id}"


async def read_back(demo: Demo) -> dict[str, tuple[str | None, str | None]]:
    return await workspace(demo.sandbox.base_url, demo.sandbox.token, demo.workspace.data_sources)


def remove_status_option(demo: Demo, logical: str, prop: str, option: str) -> None:
    """Take a status option away from a data source's schema, as an admin could in Notion's UI."""
    store = demo.sandbox.store
    source = store.sources[demo.workspace.data_sources[logical]]
    config = source.properties[prop]["status"]
    gone = {o["id"] for o in config["options"] if o["name"] == option}
    assert gone, f"{option} is an option of {logical}.{prop} to begin with"
    with store.writing():
        config["options"] = [o for o in config["options"] if o["id"] not in gone]
        for group in config["groups"]:
            group["option_ids"] = [i for i in group["option_ids"] if i not in gone]
        store.mark("data_source", source)


async def put_in_trash(demo: Demo, page_id: str, trashed: bool) -> None:
    headers = {"Authorization": f"Bearer {demo.sandbox.token}", "Notion-Version": NOTION_VERSION}
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url, headers=headers) as http:
        answer = await http.patch(f"/v1/pages/{page_id}", json={"in_trash": trashed})
        assert answer.status_code == 200, answer.text


def job_status(db: Path, job_id: str | None = None) -> str:
    with EventLog(db, read_only=True) as log:
        jobs = [job for job in log.jobs() if job_id is None or job.job_id == job_id]
        assert len(jobs) == 1
        return jobs[0].status


# ---- the schema lacks what the commit needs: refused before any write ------------------------------------


async def test_a_status_option_missing_refuses_the_job_naming_database_property_and_option(
    demo: Demo, tmp_path: Path
) -> None:
    remove_status_option(demo, "payouts", "Status", "Paid")
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.reset_stats()
        with pytest.raises(JobRefused) as refused:
            await run_commit(demo.config, tmp_path / "log.sqlite", batch=1)
        stats = await admin.stats()
    message = str(refused.value)
    assert "Contractor Payouts" in message and '"Status"' in message and "'Paid'" in message
    assert "cannot create status options" in message, "it says what to do"
    assert stats["totals"]["writes"] == 0
    assert job_status(tmp_path / "log.sqlite") == "failed"


async def test_a_configured_property_the_data_source_lacks_refuses_the_job_before_any_write(
    demo: Demo, tmp_path: Path
) -> None:
    renamed = Config(
        notion=demo.config.notion,
        data_sources=demo.config.data_sources,
        properties={"payables": {"Payment Date": "Paid On"}},
        workers=demo.config.workers,
        token=demo.config.token,
    )
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.reset_stats()
        with pytest.raises(JobRefused) as refused:
            await run_commit(renamed, tmp_path / "log.sqlite", batch=15)
        stats = await admin.stats()
    assert 'Contractor Payables: property "Paid On" is missing (expected date)' in str(refused.value)
    assert stats["totals"]["writes"] == 0


async def test_a_data_source_the_config_points_at_wrongly_refuses_the_job_naming_it(
    demo: Demo, tmp_path: Path
) -> None:
    # The splits entry points at the refunds' data source: same title property, other schema.
    swapped = dict(demo.config.data_sources, splits=demo.config.data_sources["refunds"])
    config = Config(notion=demo.config.notion, data_sources=swapped, token=demo.config.token)
    with pytest.raises(JobRefused) as refused:
        await run_commit(config, tmp_path / "log.sqlite", batch=15)
    assert 'Invoice Splits: property "Status" is status, expected select' in str(refused.value)


# ---- a record that cannot be written: it fails alone, and a retry finishes the job -----------------------


async def test_a_payout_trashed_after_the_preview_fails_blocks_its_payable_and_a_retry_finishes_the_job(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    before = await read_back(demo)
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    assert preview.plan is not None
    item = preview.items[0]
    payout = next(s for s in item.steps if s.logical == "payouts" and s.before != "Paid")
    await put_in_trash(demo, payout.target, True)

    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        report = await resume_job(rt, preview.job_id)  # the operator confirms the plan they saw
    assert report.status == "completed_with_failures"
    failed = report.states[payout.key]
    assert failed.status == "failed"
    assert (
        failed.error is not None
        and "HTTP 400 validation_error" in failed.error
        and "archived" in failed.error
    )
    assert failed.attempts == 1, "a 400 is not retried"
    payable = report.states[item.steps[-1].key]
    assert payable.status == "blocked"
    assert payable.error is not None and "is failed" in payable.error and "validation_error" in payable.error
    for other in preview.items[1:]:
        assert report.states[other.steps[-1].key].status == "succeeded"
    with EventLog(db, read_only=True) as log:
        row = next(r for r in log.steps(preview.job_id) if r.step_key == payout.key)
    assert (row.status, row.http_status, row.error_code, row.retryable) == (
        "failed",
        400,
        "validation_error",
        0,
    )
    assert row.request_id and "archived" in (row.last_error or "")
    assert (await read_back(demo))[item.steps[-1].target] == before[item.steps[-1].target]

    await put_in_trash(demo, payout.target, False)
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        retried = await retry_job(rt, preview.job_id, reason="the payout is back")
    assert retried.status == "completed"
    assert await read_back(demo) == expected_after(before, [preview.plan], TODAY)
    assert job_status(db, preview.job_id) == "completed"


# ---- random faults: the same end as an undisturbed run, whatever the worker count -----------------------

FAULTS = "500:0.1,503:0.05,429:0.03,reset:0.03,applied_reset:0.02"


@pytest.mark.parametrize("workers", [1, 5, 20])
async def test_a_commit_under_random_faults_pays_every_record_once_whatever_the_worker_count(
    demo: Demo, tmp_path: Path, workers: int
) -> None:
    before = await read_back(demo)
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.reset_stats()
        await admin.faults(spec=FAULTS, random_seed=2026)
        report = await run_commit(demo.config, tmp_path / "log.sqlite", batch=1, workers=workers)
        await admin.faults(spec="")
        stats = await admin.stats()
        outcomes: dict[str, Any] = stats["by_route"][UPDATE]["by_status"]
    assert report.status == "completed" and report.plan is not None
    assert stats["totals"]["faults"] > 0 and report.counters.retries > 0, "the faults were felt"
    pending = not_yet_paid(report.plan)
    # Every record not yet Paid was answered "done" exactly once; the only other writes are repeats of
    # a set-to-value update after a fault, which the sandbox counted as such.
    assert outcomes["200"] == len(pending)
    assert stats["by_route"][UPDATE]["count"] == len(pending) + sum(
        n for outcome, n in outcomes.items() if outcome != "200"
    )
    assert report.counters.writes == stats["totals"]["writes"]
    assert "POST /v1/pages" not in stats["by_route"]
    assert await read_back(demo) == expected_after(before, [report.plan], TODAY)


# ---- a property renamed between the plan and its execution ---------------------------------------------


async def rename_payout_status(demo: Demo, to: str, was: str = "Status") -> Config:
    """Rename payouts' Status (now called `was`) in Notion; the configuration that follows it."""
    async with httpx.AsyncClient(
        base_url=demo.sandbox.base_url,
        headers={"Authorization": f"Bearer {demo.sandbox.token}", "Notion-Version": NOTION_VERSION},
    ) as http:
        answer = await http.patch(
            f"/v1/data_sources/{demo.config.data_sources['payouts']}",
            json={"properties": {was: {"name": to}}},
        )
        assert answer.status_code == 200, answer.text
    return dataclasses.replace(demo.config, properties={"payouts": {"Status": to}})


async def test_a_plan_that_writes_a_property_renamed_since_is_refused_on_resume_and_retry_before_any_write(
    demo: Demo, tmp_path: Path
) -> None:
    """Found walking: a dry run resumed after payouts' Status was renamed (in Notion and in the
    configuration) sent the stored plan's writes of "Status": one payable was paid, three failed with a
    400, and `paydesk retry` (which the failure advised) could only fail the same way."""
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    assert preview.plan is not None
    renamed = await rename_payout_status(demo, "State")
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.reset_stats()
        async with open_runtime(renamed, db, operator="test", policy=PATIENT) as rt:
            with pytest.raises(JobRefused) as refused:
                await resume_job(rt, preview.job_id)
        assert (await admin.stats())["totals"]["writes"] == 0
    message = str(refused.value)
    assert 'Contractor Payouts "Status"' in message and "no longer has" in message, message
    assert "paydesk run" in message and f"paydesk discard {preview.job_id}" in message, message
    assert job_status(db, preview.job_id) == "planned", "the plan stays, to be read or discarded"

    # The workspace renamed but the configuration not: refused by the usual check, naming the property.
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        with pytest.raises(JobRefused, match='Contractor Payouts: property "Status" is missing'):
            await resume_job(rt, preview.job_id)

    # A job that ran under the old name and failed one step: its retry is refused the same way.
    await rename_payout_status(demo, "Status", was="State")
    ran = await run_commit(demo.config, tmp_path / "other.sqlite", batch=1, dry_run=True)
    assert ran.plan is not None
    payout = next(s for i in ran.plan.items for s in i.steps if s.logical == "payouts" and s.before != "Paid")
    await put_in_trash(demo, payout.target, True)
    async with open_runtime(demo.config, tmp_path / "other.sqlite", operator="test", policy=PATIENT) as rt:
        assert (await resume_job(rt, ran.job_id)).status == "completed_with_failures"
    await put_in_trash(demo, payout.target, False)
    renamed = await rename_payout_status(demo, "State")
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.reset_stats()
        async with open_runtime(renamed, tmp_path / "other.sqlite", operator="test", policy=PATIENT) as rt:
            with pytest.raises(JobRefused, match='Contractor Payouts "Status"'):
                await retry_job(rt, ran.job_id, reason="the payout is back")
        assert (await admin.stats())["totals"]["writes"] == 0

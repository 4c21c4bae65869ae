"""A plan is only as fresh as the workspace it was made from: before any write of a stored plan (a dry run
executed, a resume, a retry) the engine reads what changed since, in batch, and writes only what still
holds — never a second payout for a source, never a payable over a child that is unpaid now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from engine.kinds.commit.report import commit_summary, commit_text
from engine.kinds.generate.kind import generate_planner, generate_spec
from engine.kinds.generate.params import GenerateParams
from engine.kinds.generate.rules import LINKS
from engine.kinds.sync.kind import sync_planner, sync_spec
from engine.kinds.sync.params import SyncParams
from engine.run.jobs import run_job
from engine.run.plan import Item, Step
from engine.run.recovery import resume_job, retry_job
from engine.run.report import JobReport
from engine.run.runtime import Runtime, open_runtime
from eventlog import EventLog, PlanRefreshed, StepStarted
from tests.engine.conftest import MONTH, Demo
from tests.engine.hand import Hand, open_hand
from tests.engine.helpers import PATIENT, TODAY, commit_params, open_admin, run_commit

pytestmark = pytest.mark.trio


@asynccontextmanager
async def hand_of(demo: Demo) -> AsyncIterator[Hand]:
    async with open_hand(demo.sandbox.base_url, demo.sandbox.token, demo.workspace.data_sources) as hand:
        yield hand


@asynccontextmanager
async def runtime(demo: Demo, db: Path) -> AsyncIterator[Runtime]:
    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        yield rt


async def dry_generate(demo: Demo, db: Path, kind: str) -> JobReport:
    params = GenerateParams(type=kind, month=MONTH)
    async with runtime(demo, db) as rt:
        return await run_job(rt, generate_spec(params), generate_planner(params), dry_run=True)


def status_of(page: dict[str, Any], name: str) -> str | None:
    prop = page["properties"][name]
    value = prop[prop["type"]]
    return value["name"] if value else None


def first(items: list[Item], predicate: Any) -> tuple[Item, Step]:
    for item in items:
        for step in item.steps:
            if predicate(step):
                return item, step
    raise AssertionError("the demo plan has no such step")


def refreshed_before_any_write(db: Path, job_id: str) -> PlanRefreshed:
    """The plan.refreshed event of the job's last run, asserting that it came before its first write."""
    with EventLog(db, read_only=True) as log:
        events = [e.event for e in log.events_after(0, limit=100_000) if e.event.job_id == job_id]
    refreshes = [i for i, e in enumerate(events) if isinstance(e, PlanRefreshed)]
    assert refreshes, "the stored plan was checked against the workspace"
    started = [i for i, e in enumerate(events) if isinstance(e, StepStarted) and i > refreshes[-1]]
    assert not started or started[0] > refreshes[-1]
    found = events[refreshes[-1]]
    assert isinstance(found, PlanRefreshed)
    return found


# ---- creates: never a second payout for a source ----------------------------------------------------------


async def test_a_dry_run_executed_after_its_payouts_were_made_elsewhere_makes_none_twice(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    plan = await dry_generate(demo, db, "refund")
    assert len(plan.items) >= 2
    taken = plan.items[0]
    async with hand_of(demo) as hand:
        made = await hand.payout("made by another tool", "01 Refund", taken.key)
        async with runtime(demo, db) as rt:
            report = await resume_job(rt, plan.job_id)
        linking = await hand.payouts_linking(LINKS["refund"])
    create = taken.steps[0]
    assert report.states[create.key].status == "skipped"
    assert report.states[create.key].page_id == made
    assert all(report.states[i.steps[0].key].status == "succeeded" for i in plan.items[1:])
    assert all(len(linking[i.key]) == 1 for i in plan.items), "no source has two payouts"
    assert linking[taken.key] == [made]
    refreshed = refreshed_before_any_write(db, plan.job_id)
    assert refreshed.requests >= 1
    with EventLog(db, read_only=True) as log:
        row = next(s for s in log.steps(plan.job_id) if s.step_key == create.key)
    assert (row.status, row.page_id) == ("skipped", made) and made in (row.reason or "")


async def test_an_order_whose_payout_was_made_by_hand_is_left_as_a_new_plan_would_leave_it(
    demo: Demo, tmp_path: Path
) -> None:
    """The create finds the payout a person made after the plan: the order and its line items are not set
    Completed by this job (a plan made now would skip the order: "payout already exists")."""
    db = tmp_path / "log.sqlite"
    plan = await dry_generate(demo, db, "payroll")
    taken = next(i for i in plan.items if len(i.steps) > 1)
    async with hand_of(demo) as hand:
        made = await hand.payout("made by hand", "00 Task Order", taken.key)
        async with runtime(demo, db) as rt:
            report = await resume_job(rt, plan.job_id)
        order = await hand.page(taken.key)
    create, *after = taken.steps
    assert (report.states[create.key].status, report.states[create.key].page_id) == ("skipped", made)
    assert {report.states[step.key].status for step in after} == {"skipped"}
    assert status_of(order, "Status") == "Approved", "the order is not completed by this job"
    others = [i for i in plan.items if i is not taken]
    assert all(report.states[step.key].status == "succeeded" for i in others for step in i.steps)
    with EventLog(db, read_only=True) as log:
        reasons = {s.step_key: s.reason or "" for s in log.steps(plan.job_id)}
    assert all(made in reasons[step.key] and "outside this job" in reasons[step.key] for step in after)


async def test_a_source_that_no_longer_qualifies_is_not_paid_out(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    plan = await dry_generate(demo, db, "refund")
    assert len(plan.items) >= 3
    rejected, trashed = plan.items[0], plan.items[1]
    async with hand_of(demo) as hand:
        await hand.set_option(rejected.key, "Status", "status", "Rejected")
        await hand.trash(trashed.key)
        async with runtime(demo, db) as rt:
            report = await resume_job(rt, plan.job_id)
        linking = await hand.payouts_linking(LINKS["refund"])
    for item in (rejected, trashed):
        state = report.states[item.steps[0].key]
        assert state.status == "blocked"
        assert state.error is not None and "no longer matches Status = Approved" in state.error
        assert item.key not in linking
    assert report.status == "completed_with_failures"
    assert all(len(linking[i.key]) == 1 for i in plan.items[2:])


async def test_a_payroll_amount_computed_from_hours_edited_since_is_not_written(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    plan = await dry_generate(demo, db, "payroll")
    item = plan.items[0]
    line = next(s for s in item.steps if s.label.startswith("line item"))
    async with hand_of(demo) as hand:
        await hand.set_number(line.target, "Line Item Hours", 99)
        async with runtime(demo, db) as rt:
            report = await resume_job(rt, plan.job_id)
        linking = await hand.payouts_linking(LINKS["payroll"])
    state = report.states[item.steps[0].key]
    assert state.status == "blocked" and state.error is not None
    assert "edited in Notion" in state.error and "plan again" in state.error
    assert item.key not in linking
    assert all(report.item_status(other) == "succeeded" for other in plan.items[1:])


# ---- updates and parents: never a payable over a child that is unpaid now ---------------------------------


async def test_a_child_set_back_after_planning_blocks_its_payable(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    item, split = first(preview.items, lambda s: s.logical == "splits" and s.before == "Paid")
    async with hand_of(demo) as hand:
        await hand.set_option(split.target, "Status", "select", "Pending")
        async with runtime(demo, db) as rt:
            report = await resume_job(rt, preview.job_id)
        payable = await hand.page(item.key)
        child = await hand.page(split.target)
    state = report.states[split.key]
    assert state.status == "blocked" and state.error is not None
    assert "changed in Notion since the plan was made" in state.error
    assert "was Paid, is Pending now" in state.error
    assert report.states[item.steps[-1].key].status == "blocked"
    assert status_of(payable, "Payment Status") == "Pending", "no payable Paid over an unpaid child"
    assert status_of(child, "Status") == "Pending", "a write the operator never confirmed is not sent"
    others = [i for i in preview.items if i.key != item.key]
    assert all(report.states[i.steps[-1].key].status == "succeeded" for i in others)
    # Found walking: the summary named the payable's own "not written because … is blocked" and said to
    # retry, which blocks it again; it names the child's reason now, and that a new plan is needed.
    summary = commit_summary(report, commit_params(15))
    (error,) = summary["errors"]
    assert error["error"].startswith(f"{split.label} blocked: ") and error["error"].endswith("plan again")
    assert commit_text(report, summary)[-1].startswith("these need a new plan")
    one = {**summary, "updated": 1}
    assert commit_text(report, one)[0].endswith(
        "completed_with_failures - 1 payable paid, 0 skipped, 1 not paid"
    )


async def test_a_payout_this_job_paid_then_set_back_by_hand_blocks_the_retry_naming_it(
    demo: Demo, tmp_path: Path
) -> None:
    """Walked: a payout the job had paid was set back to Pending by hand before the payable was written.
    The retry writes no payable over it, and names the payout by its label (not only its page id)."""
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    item, payout = first(preview.items, lambda s: s.logical == "payouts" and s.before != "Paid")
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.faults(targeted=[{"page_id": item.key, "status": 400, "count": 1}])
        async with runtime(demo, db) as rt:
            first_run = await resume_job(rt, preview.job_id)
    assert first_run.states[payout.key].status == "succeeded"
    assert first_run.states[item.steps[-1].key].status == "failed"
    async with hand_of(demo) as hand:
        await hand.patch(payout.target, {"properties": {"Status": {"status": {"name": "Pending"}}}})
        async with runtime(demo, db) as rt:
            retried = await retry_job(rt, preview.job_id)
        payable = await hand.page(item.key)
    state = retried.states[item.steps[-1].key]
    assert state.status == "blocked"
    assert state.error == f"not written because {payout.label} ({payout.target}) is Pending"
    assert status_of(payable, "Payment Status") == "Pending", "no payable Paid over an unpaid child"


async def test_a_payable_paid_by_hand_meanwhile_keeps_its_payment_date(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    item = preview.items[0]
    async with hand_of(demo) as hand:
        await hand.patch(
            item.key,
            {
                "properties": {
                    "Payment Status": {"status": {"name": "Paid"}},
                    "Payment Date": {"date": {"start": "2025-12-31"}},
                }
            },
        )
        async with runtime(demo, db) as rt:
            report = await resume_job(rt, preview.job_id)
        payable = await hand.page(item.key)
    assert report.states[item.steps[-1].key].status == "skipped"
    assert payable["properties"]["Payment Date"]["date"]["start"] == "2025-12-31"
    for other in preview.items[1:]:
        page = await _page(demo, other.key)
        assert page["properties"]["Payment Date"]["date"]["start"] == TODAY


async def _page(demo: Demo, page_id: str) -> dict[str, Any]:
    async with hand_of(demo) as hand:
        return await hand.page(page_id)


async def test_a_payout_linked_to_a_blocked_payable_is_looked_at_before_the_retry_pays_it(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    item, payout = first(preview.items, lambda s: s.logical == "payouts" and s.before != "Paid")
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.faults(targeted=[{"page_id": payout.target, "status": 400, "count": 1}])
        async with runtime(demo, db) as rt:
            first_run = await resume_job(rt, preview.job_id)
    assert first_run.states[item.steps[-1].key].status == "blocked"
    async with hand_of(demo) as hand:
        late = await hand.payout("linked after the failure")
        await hand.link(item.key, "Payout Items", [late])
        async with runtime(demo, db) as rt:
            retried = await retry_job(rt, preview.job_id)
        payable = await hand.page(item.key)
    assert retried.states[payout.key].status == "succeeded", "the failed payout is paid by the retry"
    state = retried.states[item.steps[-1].key]
    assert state.status == "blocked" and state.error is not None
    assert late in state.error and "linked since the plan was made" in state.error
    assert status_of(payable, "Payment Status") == "Pending"
    refreshed_before_any_write(db, preview.job_id)


async def test_the_read_before_a_stored_plan_is_batched_never_per_item(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    preview = await run_commit(demo.config, db, batch=15, dry_run=True)
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.reset_stats()
        async with runtime(demo, db) as rt:
            report = await resume_job(rt, preview.job_id)
        stats = await admin.stats()
    assert report.status == "completed"
    routes = stats["by_route"]
    assert "GET /v1/pages/{page_id}" not in routes, "no record is read on its own"
    queries = routes["POST /v1/data_sources/{data_source_id}/query"]["count"]
    assert queries == 4, "one query per data source written: payables, payouts, splits and refunds"
    refreshed = refreshed_before_any_write(db, preview.job_id)
    assert refreshed.requests == 4 and set(refreshed.read) == {"payables", "payouts", "splits", "refunds"}


# ---- sync: a line item is looked for under its own Order ------------------------------------------------


async def test_a_line_item_under_an_order_trashed_by_hand_is_not_taken_for_the_new_orders(
    demo: Demo, tmp_path: Path
) -> None:
    """An Order trashed by hand leaves its line items behind. The next sync makes a new Order and new line
    items under it: executing its stored plan must not take the old line items (same titles, same
    deployments, under the trashed Order) for the new ones and leave the new Order empty."""
    db = tmp_path / "log.sqlite"
    params = SyncParams(month=MONTH)
    async with runtime(demo, db) as rt:
        first_run = await run_job(rt, sync_spec(params), sync_planner(params))
    made_order = next(
        s
        for i in first_run.items
        for s in i.steps
        if s.kind == "create" and s.key.startswith("orders:create:order")
    )
    old_order = first_run.states[made_order.key].page_id
    assert old_order is not None
    async with hand_of(demo) as hand:
        old_lines = await hand.relation(old_order, "Sub-item")
        assert old_lines, "the first sync made line items under its Order"
        await hand.trash(old_order)
        async with runtime(demo, db) as rt:
            plan = await run_job(rt, sync_spec(params), sync_planner(params), dry_run=True)
            report = await resume_job(rt, plan.job_id)
        creates = [s for i in plan.items for s in i.steps if s.kind == "create"]
        new_order = next(
            report.states[s.key].page_id for s in creates if s.key.startswith("orders:create:order")
        )
        assert new_order is not None and new_order != old_order
        lines = [s for s in creates if s.key.startswith("orders:create:line")]
        assert lines and all(report.states[s.key].status == "succeeded" for s in lines)
        new_lines = await hand.relation(new_order, "Sub-item")
    assert len(new_lines) == len(lines) and not set(new_lines) & set(old_lines)

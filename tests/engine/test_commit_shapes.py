"""Every shape a payout commit's cascade takes, against the seeded demo workspace.

The small demo's batch 1 holds the 30-item payable (payout items cycle through split + refund, split only,
refund only and neither; every seventh is already Paid) and a payable whose items are all Paid already;
batch 15 holds payables whose first item is Paid. Each test checks the stored plan and the workspace after.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.kinds.commit.kind import DATA_SOURCES
from engine.run.plan import Item, Step
from engine.run.recovery import resume_job
from engine.run.report import JobReport
from engine.run.runtime import open_runtime
from tests.engine.conftest import BINDING_READS, BINDING_WRITE, Demo
from tests.engine.helpers import (
    PATIENT,
    TODAY,
    expected_after,
    not_yet_paid,
    open_admin,
    run_commit,
    workspace,
)

pytestmark = pytest.mark.trio


def payout_steps(report: JobReport) -> Iterator[tuple[Item, Step, set[str]]]:
    """(item, payout step, the data sources of the steps it depends on) for every payout planned."""
    by_key = {step.key: step for step in report.plan.steps} if report.plan else {}
    for item in report.items:
        for step in item.steps:
            if step.logical == "payouts":
                yield item, step, {by_key[key].logical for key in step.depends_on}


def one_payout_linking(report: JobReport, children: set[str]) -> tuple[Item, Step]:
    for item, step, linked in payout_steps(report):
        if linked == children and step.before != "Paid":
            return item, step
    raise AssertionError(f"the demo has no unpaid payout linking exactly {children}")


async def read_back(demo: Demo) -> dict[str, tuple[str | None, str | None]]:
    return await workspace(demo.sandbox.base_url, demo.sandbox.token, demo.workspace.data_sources)


def edited(demo: Demo, page_id: str) -> str:
    return demo.sandbox.store.pages[page_id].last_edited_time


@pytest.mark.parametrize(
    ("children", "property_shape"),
    [
        ({"splits"}, {"splits": "select"}),
        ({"refunds"}, {"refunds": "status"}),
        ({"splits", "refunds"}, {"splits": "select", "refunds": "status"}),
        (set(), {}),
    ],
    ids=["split-only", "refund-only", "split-and-refund", "neither"],
)
async def test_a_payout_is_paid_after_its_linked_split_and_refund_and_before_its_payable(
    demo: Demo, tmp_path: Path, children: set[str], property_shape: dict[str, str]
) -> None:
    report = await run_commit(demo.config, tmp_path / "log.sqlite", batch=1)
    assert report.status == "completed"
    item, payout = one_payout_linking(report, children)
    steps = {step.key: step for step in item.steps}
    linked = [steps[key] for key in payout.depends_on]
    order = [step.key for step in item.steps]
    assert all(order.index(child.key) < order.index(payout.key) for child in linked), "leaf first"
    for child in linked:
        kind = property_shape[child.logical]
        assert child.write == {"Status": {kind: {"name": "Paid"}}}, "a select is written as a select"
        assert child.depends_on == ()
    assert payout.write == {"Status": {"status": {"name": "Paid"}}}
    payable = item.steps[-1]
    assert payable.logical == "payables" and payout.key in payable.depends_on
    assert payable.write == {
        "Payment Status": {"status": {"name": "Paid"}},
        "Payment Date": {"date": {"start": TODAY}},
    }

    after = await read_back(demo)
    for step in (*linked, payout):
        assert report.states[step.key].status in {"succeeded", "skipped"}
        assert after[step.target][0] == "Paid"
    assert after[payable.target] == ("Paid", TODAY)


async def test_a_payable_with_more_than_25_payout_items_pays_all_of_them(demo: Demo, tmp_path: Path) -> None:
    report = await run_commit(demo.config, tmp_path / "log.sqlite", batch=1)
    big = max(report.items, key=lambda item: item.data["payout_items"])
    payouts = [step for step in big.steps if step.logical == "payouts"]
    assert big.data["payout_items"] == len(payouts) == 30, "the page object lists only 25 of them"
    payable = big.steps[-1]
    assert set(payable.depends_on) == {step.key for step in big.steps[:-1]}
    assert len({step.target for step in payouts}) == 30
    assert report.states[payable.key].status == "succeeded"
    after = await read_back(demo)
    assert all(after[step.target][0] == "Paid" for step in big.steps)


async def test_records_already_paid_are_skipped_and_never_written(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    plan = await run_commit(demo.config, db, batch=1, dry_run=True)
    paid = [step for step in plan.plan.steps if step.before == "Paid"] if plan.plan else []
    assert {step.logical for step in paid} == {"payouts", "splits", "refunds"}
    untouched = {step.target: edited(demo, step.target) for step in paid}
    all_paid = next(item for item in plan.items if all(step.before == "Paid" for step in item.steps[:-1]))

    async with open_runtime(demo.config, db, operator="test", policy=PATIENT) as rt:
        report = await resume_job(rt, plan.job_id)
    assert report.status == "completed"
    for step in paid:
        assert report.states[step.key].status == "skipped"
    assert {target: edited(demo, target) for target in untouched} == untouched, "no write reached them"
    assert [report.states[s.key].status for s in all_paid.steps] == ["skipped"] * (
        len(all_paid.steps) - 1
    ) + ["succeeded"], "a payable whose items are all Paid gets its own write only"


@pytest.mark.parametrize("batch", [1, 15])
async def test_a_commit_writes_each_record_not_yet_paid_exactly_once_and_nothing_else(
    demo: Demo, tmp_path: Path, batch: int
) -> None:
    before = await read_back(demo)
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.reset_stats()
        report = await run_commit(demo.config, tmp_path / "log.sqlite", batch=batch)
        stats = await admin.stats()
    assert report.status == "completed" and report.plan is not None
    pending = not_yet_paid(report.plan)
    assert stats["totals"]["writes"] == len(pending) + BINDING_WRITE == report.counters.writes
    assert stats["by_route"]["PATCH /v1/pages/{page_id}"]["count"] == len(pending)
    assert "POST /v1/pages" not in stats["by_route"], "a commit creates nothing"
    # every record read in one paginated query per data source, those already Paid and the items beyond
    # the 25 a payable lists included; the first job of the log claims the workspace (two more reads)
    assert "GET /v1/pages/{page_id}" not in stats["by_route"]
    assert "GET /v1/pages/{page_id}/properties/{property_id}" not in stats["by_route"]
    assert stats["totals"]["reads"] == 2 * len(DATA_SOURCES) + BINDING_READS == report.counters.reads
    succeeded = {s.target for s in report.plan.steps if report.states[s.key].status == "succeeded"}
    assert succeeded == pending
    assert await read_back(demo) == expected_after(before, [report.plan], TODAY)

"""Generating payouts end to end: against the seeded sandbox, through the real client, into a real log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.kinds.generate.kind import DATA_SOURCES, generate_planner, generate_spec
from engine.kinds.generate.params import GenerateParams, generate_params
from engine.kinds.generate.report import generate_summary
from engine.notion.gateway import RetryPolicy
from engine.run.jobs import run_job
from engine.run.report import JobReport
from engine.run.runtime import open_runtime
from engine.run.selection import keys_overlap
from tests.engine.conftest import BINDING_READS, BINDING_WRITE, MONTH, Demo
from tests.engine.hand import open_hand
from tests.engine.helpers import hide_pages_made_from_now

pytestmark = pytest.mark.trio

FAST_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


async def generate(demo: Demo, db: Path, kind: str, **kwargs: Any) -> tuple[JobReport, dict[str, Any]]:
    params = GenerateParams(type=kind, month=MONTH)
    async with open_runtime(demo.config, db, operator="test", policy=FAST_RETRIES) as rt:
        report = await run_job(rt, generate_spec(params), generate_planner(params), **kwargs)
    return report, generate_summary(report, params)


async def page(demo: Demo, page_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {demo.sandbox.token}", "Notion-Version": "2025-09-03"}
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url, headers=headers) as http:
        found: dict[str, Any] = (await http.get(f"/v1/pages/{page_id}")).json()
    return found


def option(found: dict[str, Any], name: str) -> str | None:
    prop = found["properties"][name]
    value = prop[prop["type"]]
    return value["name"] if value else None


async def test_payroll_creates_one_payout_per_order_completes_it_and_a_second_run_writes_nothing(
    demo: Demo, tmp_path: Path
) -> None:
    report, summary = await generate(demo, tmp_path / "log.sqlite", "payroll")
    assert report.status == "completed", summary["errors"]
    assert summary["payouts_created"] == 6 and summary["failed"] == 0 and summary["skipped"] == 2
    assert summary["processed"] == 8 and summary["type"] == "payroll"
    totals = (await demo.stats())["totals"]
    assert isinstance(totals, dict) and report.plan is not None
    assert (
        totals["writes"] == report.counters.writes == 6 * (1 + 2 + 1) + BINDING_WRITE
    )  # payout, lines, order
    # reads: one schema check per data source, the workspace's mark (payroll does not check payables) and
    # twice more to claim it, and one query per data source (orders twice: the Orders and their line items)
    schemas = len(DATA_SOURCES["payroll"])
    assert totals["reads"] == report.counters.reads == schemas + 1 + BINDING_READS + schemas + 1
    for item in report.items:
        detail = next(d for d in summary["details"] if d.get("source_id") == item.key)
        payout = await page(demo, detail["payout_id"])
        assert option(payout, "Status") == "Pending"
        assert payout["properties"]["00 Task Order"]["relation"] == [{"id": item.key}]
        assert payout["properties"]["Amount"]["number"] == item.data["amount"]
        for step in item.steps[1:]:
            assert option(await page(demo, step.target), "Status") == "Completed"

    again, second = await generate(demo, tmp_path / "log.sqlite", "payroll")
    assert again.items == [] and second["payouts_created"] == 0
    # the orders are Completed now, so only the two that could not be paid are looked at again
    assert second["processed"] == second["skipped"] == 2
    assert {d["source_id"] for d in second["details"]} == {
        d["source_id"] for d in summary["details"] if "reason" in d
    }


@pytest.mark.parametrize("lag", [False, True])
@pytest.mark.parametrize(("kind", "status"), [("refund", "Pending"), ("invoice_split", "New")])
async def test_refunds_and_splits_get_one_payout_each_and_never_a_second(
    demo: Demo, tmp_path: Path, kind: str, status: str, lag: bool
) -> None:
    """With `lag`, the second run's queries do not show the payouts the first made (Notion's query lag):
    found walking, it planned and made every one of them again. It plans none: the payouts this log made
    are read by id and planned as existing, so the plan's items and totals are what is really left."""
    if lag:  # queries see the seeded workspace only: what the jobs make stays hidden, as under the lag
        hide_pages_made_from_now(demo.sandbox.store)
    report, summary = await generate(demo, tmp_path / "log.sqlite", kind)
    assert report.status == "completed" and summary["payouts_created"] == len(report.items) > 0
    link = "01 Refund" if kind == "refund" else "02 Invoice Split"
    for item in report.items:
        detail = next(d for d in summary["details"] if d.get("source_id") == item.key)
        payout = await page(demo, detail["payout_id"])
        assert option(payout, "Status") == status
        assert payout["properties"][link]["relation"] == [{"id": item.key}]
    again, second = await generate(demo, tmp_path / "log.sqlite", kind)
    assert again.items == [] and second["payouts_created"] == 0
    assert again.plan is not None and again.plan.totals == {}
    made = {i.key for i in report.items}
    assert made <= {d["source_id"] for d in second["details"] if d["reason"].startswith("payout exists")}


async def test_a_dry_run_plans_and_writes_nothing(demo: Demo, tmp_path: Path) -> None:
    report, summary = await generate(demo, tmp_path / "log.sqlite", "payroll", dry_run=True)
    assert report.status == "planned" and summary["payouts_created"] == 0 and summary["failed"] == 0
    totals = (await demo.stats())["totals"]
    assert isinstance(totals, dict) and totals["writes"] == 0


async def test_the_spec_round_trips_its_params_and_locks_one_type_and_month() -> None:
    params = GenerateParams(type="payroll", month=MONTH, batch=15, contractor="Ada")
    spec = generate_spec(params)
    assert generate_params(spec.params) == params
    key = spec.selection_key
    same_month = generate_spec(GenerateParams(type="payroll", month=MONTH)).selection_key
    assert keys_overlap(key, same_month), "the whole month overlaps one contractor's batch of it"
    assert not keys_overlap(key, generate_spec(GenerateParams(type="payroll", month="2026-02")).selection_key)
    assert not keys_overlap(
        key, generate_spec(GenerateParams(type="payroll", month=MONTH, batch=1)).selection_key
    )
    refunds = generate_spec(GenerateParams(type="refund", month=MONTH)).selection_key
    assert keys_overlap(refunds, generate_spec(GenerateParams(type="refund", month="2027-05")).selection_key)
    assert not keys_overlap(refunds, key)


async def test_a_payout_trashed_by_hand_is_made_again_and_then_not_read_by_id_run_after_run(
    demo: Demo, tmp_path: Path
) -> None:
    """A payout this log made, then moved to the trash by hand, is read by id by the next run (the query
    no longer lists it: it could be Notion's lag) and made again. Once its refund has that new payout, the
    old one is not read again on every later run."""
    db = tmp_path / "log.sqlite"
    first, _ = await generate(demo, db, "refund")
    made = first.states[first.items[0].steps[0].key].page_id
    assert made is not None
    async with open_hand(demo.sandbox.base_url, demo.sandbox.token, demo.workspace.data_sources) as hand:
        await hand.trash(made)
    second, summary = await generate(demo, db, "refund")
    assert [item.key for item in second.items] == [first.items[0].key] and summary["payouts_created"] == 1
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        await http.post("/_sandbox/stats/reset")
    third, _ = await generate(demo, db, "refund")
    assert third.items == []
    routes = (await demo.stats())["by_route"]
    assert isinstance(routes, dict) and "GET /v1/pages/{page_id}" not in routes, routes

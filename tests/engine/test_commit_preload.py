"""Preloading and planning a commit against the seeded demo workspace, through the real client."""

from __future__ import annotations

import pytest

from engine.kinds.commit.params import CommitParams
from engine.kinds.commit.plan import plan_commit
from engine.kinds.commit.preload import preload_commit
from engine.notion.gateway import RequestCounters, open_gateway
from engine.run.plan import Plan
from engine.run.preload import Preloader, PreloadFact
from tests.engine.conftest import MONTH, Demo

pytestmark = pytest.mark.trio


async def plan_for(demo: Demo, batch: int) -> tuple[Plan, list[PreloadFact], RequestCounters]:
    facts: list[PreloadFact] = []

    async def report(fact: PreloadFact) -> None:
        facts.append(fact)

    counters = RequestCounters()
    async with open_gateway(demo.config.notion, demo.config.token) as gateway:
        loader = Preloader(gateway, demo.config, counters, report)
        params = CommitParams(month=MONTH, batch=batch, today=f"{MONTH}-20")
        snapshot = await preload_commit(loader, params)
    return plan_commit(snapshot, params, demo.config), facts, counters


async def test_the_commit_preload_reads_in_pages_and_writes_nothing(demo: Demo) -> None:
    _plan, facts, counters = await plan_for(demo, 15)
    stats = await demo.stats()
    totals = stats["totals"]
    assert isinstance(totals, dict)
    assert totals["writes"] == 0
    assert totals["reads"] == counters.reads == sum(f.requests for f in facts)
    assert counters.writes == 0
    queried = sorted(f.data_source for f in facts if not (f.filter and "retrieve" in f.filter))
    assert queried == ["contractors", "payables", "payouts", "rates", "refunds", "splits"]


async def test_every_planned_payable_is_pending_in_the_batch_and_its_parent_step_comes_last(
    demo: Demo,
) -> None:
    for batch in (1, 15):
        plan, _, _ = await plan_for(demo, batch)
        assert plan.items, f"the demo workspace has payables for batch {batch}"
        for item in plan.items:
            last = item.steps[-1]
            assert last.logical == "payables" and last.before == "Pending"
            assert set(last.depends_on) == {s.key for s in item.steps[:-1]}


async def test_the_payable_with_more_than_25_items_is_planned_in_full(demo: Demo) -> None:
    plans = [await plan_for(demo, batch) for batch in (1, 15)]
    biggest = max(item.data["payout_items"] for plan, _, _ in plans for item in plan.items)
    assert biggest > 25

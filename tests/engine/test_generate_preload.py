"""Preloading payout generation against the seeded demo: paginated queries only, no per-item reads."""

from __future__ import annotations

import math

import pytest

from engine.kinds.generate.params import GenerateParams
from engine.kinds.generate.plan import GenerateSnapshot, plan_generate
from engine.kinds.generate.preload import preload_generate
from engine.notion.gateway import RequestCounters, open_gateway
from engine.run.plan import Plan
from engine.run.preload import Preloader, PreloadFact
from tests.engine.conftest import MONTH, Demo

pytestmark = pytest.mark.trio


async def preload(demo: Demo, params: GenerateParams) -> tuple[GenerateSnapshot, list[PreloadFact], int]:
    facts: list[PreloadFact] = []

    async def report(fact: PreloadFact) -> None:
        facts.append(fact)

    counters = RequestCounters()
    async with open_gateway(demo.config.notion, demo.config.token) as gateway:
        snapshot = await preload_generate(Preloader(gateway, demo.config, counters, report), params)
    assert counters.writes == 0
    return snapshot, facts, counters.reads


def assert_paginated(facts: list[PreloadFact], reads: int) -> None:
    assert all(f.filter is None or "retrieve" not in f.filter for f in facts), "no per-item reads"
    for fact in facts:
        assert fact.requests == max(1, math.ceil(fact.pages / 100)), fact
    assert reads == sum(f.requests for f in facts)


async def test_payroll_reads_each_data_source_in_pages_and_plans_every_rated_order(demo: Demo) -> None:
    params = GenerateParams(type="payroll", month=MONTH)
    snapshot, facts, reads = await preload(demo, params)
    assert sorted(f.data_source for f in facts) == [
        "contractors",
        "deployments",
        "orders",
        "orders",
        "payouts",
        "rates",
    ]
    assert_paginated(facts, reads)
    plan: Plan = plan_generate(snapshot, params, demo.config)
    # small demo: contractors 0-5 have an Approved order and a rate, 7 has an order but no valid rate,
    # and an orphan order has no contractor; a Cancelled payout of contractor 0's order does not count.
    assert len(plan.items) == 6
    assert sorted(s.reason.split(" on ")[0].split(":")[0] for s in plan.skips) == [
        "no contractor",
        "no valid rate",
    ]
    for item in plan.items:
        assert item.steps[0].kind == "create" and item.steps[-1].target == item.key
        assert len(item.steps) == 2 + 2  # the payout, two line items (one per deployment), the order
        assert item.data["amount"] > 0


@pytest.mark.parametrize("kind", ["refund", "invoice_split"])
async def test_refunds_and_splits_read_three_data_sources_in_pages(demo: Demo, kind: str) -> None:
    params = GenerateParams(type=kind, month=MONTH)
    snapshot, facts, reads = await preload(demo, params)
    source = "refunds" if kind == "refund" else "splits"
    assert sorted(f.data_source for f in facts) == sorted(["contractors", "payouts", source])
    assert_paginated(facts, reads)
    plan = plan_generate(snapshot, params, demo.config)
    assert plan.items, "the demo has free refunds and splits"
    linked = {s.key for s in plan.skips if s.reason.startswith("payout exists")}
    assert linked, "payable items already link some refunds and splits"
    assert not linked & {i.key for i in plan.items}

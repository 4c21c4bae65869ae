"""Preloading the task order sync against the seeded demo workspace: paginated queries only."""

from __future__ import annotations

import math

import pytest

from engine.kinds.sync.params import SyncParams
from engine.kinds.sync.plan import plan_sync
from engine.kinds.sync.preload import preload_sync
from engine.notion.gateway import RequestCounters, open_gateway
from engine.run.preload import Preloader, PreloadFact
from tests.engine.conftest import MONTH, Demo

pytestmark = pytest.mark.trio


async def test_the_sync_preload_reads_in_pages_and_plans_only_what_changed(demo: Demo) -> None:
    facts: list[PreloadFact] = []

    async def report(fact: PreloadFact) -> None:
        facts.append(fact)

    params = SyncParams(month=MONTH)
    counters = RequestCounters()
    async with open_gateway(demo.config.notion, demo.config.token) as gateway:
        snapshot = await preload_sync(Preloader(gateway, demo.config, counters, report), params)
    assert counters.writes == 0
    assert sorted(f.data_source for f in facts) == [
        "contractors",
        "deployments",
        "orders",
        "orders",
        "projects",
        "updates",
    ]
    for fact in facts:
        assert fact.requests == max(1, math.ceil(fact.pages / 100)), fact
    assert counters.reads == sum(f.requests for f in facts)

    plan = plan_sync(snapshot, params, demo.config)
    # small demo: 8 contractors with updates; 0-5 and 7 have the month's Order, 6 has none; the line
    # items of every fourth contractor (3 and 7) leave out their latest Reviewed update.
    assert len(plan.items) == 8 and plan.skips == ()
    creates = [s for s in plan.steps if s.kind == "create"]
    assert sorted(s.target.split(":")[0] for s in creates) == ["line", "line", "order"]
    changed = {i.data["contractor"] for i in plan.items if any(s.kind == "update" for s in i.steps)}
    assert len(changed) == 2
    for item in plan.items:
        if not item.steps:
            assert all(p["action"] == "unchanged" for p in item.data["projects"])

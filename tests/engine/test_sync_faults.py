"""The task order sync under seeded faults and with 1, 5 or 20 workers ends with the same task order log:
the job's own plan applied to the workspace as it was, with no second Order for the month and no
duplicate line item. The helpers here (`sync_outcome`, …) are also used by the e2e kill -9 tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from engine.kinds.sync.kind import sync_planner, sync_spec
from engine.kinds.sync.params import SyncParams
from engine.kinds.sync.report import sync_summary
from engine.run.jobs import run_job
from engine.run.runtime import open_runtime
from engine.workspace.config import Config
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox
from tests.engine.conftest import MONTH, config_for, seed_into
from tests.engine.helpers import PATIENT, open_admin
from tests.engine.test_generate_faults import (
    FAULTS,
    ORDER_FIELDS,
    State,
    apply_plan,
    pages_in,
    plan_of,
    states_of,
)

pytestmark = pytest.mark.trio

PARAMS = SyncParams(month=MONTH)


def sync_outcome(orders: State) -> dict[str, list[tuple[Any, ...]]]:
    """The task order log by title (a duplicate shows as two entries under one title), each page's fields
    with its Parent item named by title, so that a page created in the job compares by what it is."""
    titles = {pid: fields["Name"] for pid, fields in orders.items()}
    found: dict[str, list[tuple[Any, ...]]] = {}
    for fields in orders.values():
        row = {**fields, "Parent item": tuple(sorted(titles.get(p, p) for p in fields["Parent item"]))}
        found.setdefault(fields["Name"], []).append(tuple(row[name] for name in ORDER_FIELDS))
    return {title: sorted(rows, key=repr) for title, rows in found.items()}


def duplicates(orders: State) -> list[str]:
    """Titles of the month's Orders made twice, and line items made twice (same Order and deployment)."""
    seen: dict[tuple[Any, ...], int] = {}
    for fields in orders.values():
        if fields["Type"] == "Order" and fields["Name"].endswith(f":: {PARAMS.compact}"):
            key: tuple[Any, ...] = ("order", fields["Name"])
        elif fields["Type"] == "Timesheet" and fields["Parent item"] and fields["Project Deployment"]:
            key = ("line item", fields["Parent item"], fields["Project Deployment"])
        else:
            continue
        seen[key] = seen.get(key, 0) + 1
    return [repr(key) for key, count in seen.items() if count > 1]


async def expected_sync(sandbox: RunningSandbox, config: Config) -> tuple[State, dict[str, Any]]:
    """(the orders as they are, the outcome the sync must leave)."""
    plan = await plan_of(sandbox, config, sync_planner(PARAMS))
    assert plan.steps, "nothing to sync: the test would prove nothing"
    before = await states_of(sandbox, config.data_sources, ("orders",))
    return before["orders"], sync_outcome(apply_plan(before, plan)["orders"])


async def titles_by_id(sandbox: RunningSandbox, data_sources: Mapping[str, str]) -> dict[str, str]:
    """Every page's title, by id: to compare outcomes across sandboxes seeded alike (ids differ)."""
    found: dict[str, str] = {}
    for source in data_sources.values():
        for page in await pages_in(sandbox, source):
            title = next(p for p in page["properties"].values() if p["type"] == "title")
            found[page["id"]] = "".join(t["plain_text"] for t in title["title"])
    return found


def renamed(orders: State, titles: Mapping[str, str]) -> State:
    """`orders` with every relation naming its pages by title (sorted), for comparing across sandboxes."""
    return {
        pid: {
            name: tuple(sorted(titles.get(ref, ref) for ref in value)) if isinstance(value, tuple) else value
            for name, value in fields.items()
        }
        for pid, fields in orders.items()
    }


async def test_workers_1_5_20_with_and_without_faults_leave_the_same_task_order_log(tmp_path: Path) -> None:
    outcomes = []
    for workers, faults in ((1, ""), (5, FAULTS), (20, FAULTS)):
        async with open_sandbox(tmp_path / f"sandbox-{workers}", SandboxOptions()) as sandbox:
            workspace = await seed_into(sandbox)
            config = config_for(sandbox, workspace, workers=workers)
            before, expected = await expected_sync(sandbox, config)
            assert duplicates(before) == []
            async with open_admin(sandbox.base_url) as admin:
                targeted = [
                    {"create_in": workspace.data_sources["orders"], "status": "applied_reset", "count": 1}
                ]
                await admin.faults(spec=faults, random_seed=41, targeted=targeted if faults else [])
                db = tmp_path / f"log-{workers}.sqlite"
                async with open_runtime(config, db, operator="test", policy=PATIENT) as rt:
                    report = await run_job(rt, sync_spec(PARAMS), sync_planner(PARAMS))
                summary = sync_summary(report, PARAMS)
                assert report.status == "completed", summary["details"]
                if faults:
                    assert (await admin.stats())["totals"]["faults"] >= 2
                after = (await states_of(sandbox, workspace.data_sources, ("orders",)))["orders"]
                assert duplicates(after) == []
                assert sync_outcome(after) == expected
                titles = await titles_by_id(sandbox, workspace.data_sources)
                outcomes.append(sync_outcome(renamed(after, titles)))

                await admin.faults(spec="", targeted=[])
                await admin.reset_stats()
                async with open_runtime(config, db, operator="test", policy=PATIENT) as rt:
                    again = await run_job(rt, sync_spec(PARAMS), sync_planner(PARAMS))
                assert again.status == "completed" and again.plan is not None and again.plan.steps == []
                assert (await admin.stats())["totals"]["writes"] == 0
    assert outcomes[0] == outcomes[1] == outcomes[2]

"""The reads of a running job (engine.run.freshness `refresh`): before a parent is written, its data source
is read again for changes once its last read is older than `WINDOW_S`. In a long job most of what changed
is the job's own writes; the read asks only for pages not at the value the job writes, and still finds
what matters: a parent linked to a new child, a record set back by hand.

Served in-process under trio's autojump clock: the window passes in no real time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trio

from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.notion.gateway import RequestCounters
from engine.run.freshness import WINDOW_S, Freshness
from engine.run.jobs import run_job
from engine.run.plan import Item, Step
from tests.engine.helpers import (
    LocalNotion,
    commit_params,
    open_local_notion,
    open_local_runtime,
    seed_local_demo,
)

pytestmark = pytest.mark.trio


async def set_status(notion: LocalNotion, page_id: str, value: str) -> None:
    await notion.client.pages.update(page_id=page_id, properties={"Status": {"status": {"name": value}}})


async def planned_commit(
    notion: LocalNotion, tmp_path: Path, batch: int = 15
) -> tuple[list[Item], Freshness]:
    """A batch's commit planned (a dry run), and a Freshness over its items as a run would make it."""
    _, config = await seed_local_demo(notion)
    async with open_local_runtime(notion, config, tmp_path / "log.sqlite") as rt:
        params = commit_params(batch)
        plan = await run_job(rt, commit_spec(params), commit_planner(params), dry_run=True)
    since = datetime.now(UTC) - timedelta(minutes=5)
    gateway = notion.gateway()
    fresh = Freshness(gateway, config.data_sources, RequestCounters(), plan.items, since=since)
    return list(plan.items), fresh


def payout_steps(items: list[Item]) -> list[Step]:
    return [s for item in items for s in item.steps if s.logical == "payouts" and s.before != "Paid"]


async def test_a_running_job_reads_again_only_the_payouts_not_yet_paid(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    async with open_local_notion(tmp_path) as notion:
        items, fresh = await planned_commit(notion, tmp_path)
        payouts = payout_steps(items)
        assert len(payouts) >= 4
        assert await fresh.refresh(["payouts"]) == {}  # the plan's own read counts as the first
        for step in payouts:  # the job's writes
            await set_status(notion, step.target, "Paid")
        set_back, pending = payouts[0], payouts[1]
        await set_status(notion, set_back.target, "Pending")  # by hand, after the job paid it
        await set_status(notion, pending.target, "Pending")  # (edited, as the job has not paid it yet)
        assert await fresh.refresh(["payouts"]) == {}  # read less than WINDOW_S ago

        await trio.sleep(WINDOW_S)
        read = await fresh.refresh(["payouts"])
        source = notion.store.sources[fresh.data_sources["payouts"]]
        every = [page.id for page in notion.store.pages.values() if page.data_source_id == source.id]
        not_paid = [page_id for page_id in every if notion.status_of(page_id) != "Paid"]
    # every payout was edited since it was seeded, a minute ago; only those not Paid were read, not the
    # payouts the job wrote
    assert read == {"payouts": len(not_paid)} and len(not_paid) < len(every) - len(payouts) + 2
    assert fresh.known[set_back.target].values["Status"] == "Pending"
    assert {set_back.target, pending.target} <= set(fresh.known)
    assert all(seen.values.get("Status") != "Paid" for seen in fresh.known.values())


async def test_a_data_source_whose_writes_set_more_than_the_status_is_read_whole(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    """A payable's write also sets its Payment Date: one paid by hand meanwhile must be seen (and skipped,
    its date kept), so its data source is read without the filter."""
    async with open_local_notion(tmp_path) as notion:
        items, fresh = await planned_commit(notion, tmp_path)
    assert fresh.not_at_target("payables") is None
    assert fresh.not_at_target("payouts") == {
        "or": [
            {"property": "Status", "status": {"does_not_equal": "Paid"}},
            {"property": "Status", "status": {"is_empty": True}},
        ]
    }
    assert any(s.logical == "payables" and len(s.write) > 1 for item in items for s in item.steps)


async def test_a_parent_already_at_target_is_not_asked_for_its_children(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    """A payable of more than 25 payout items shows only 25 in its page: listing all of them costs requests
    of their own, worth it before the payable is written, not after (a re-read of the payables finds the
    ones the job just paid)."""
    async with open_local_notion(tmp_path) as notion:
        items, fresh = await planned_commit(notion, tmp_path, batch=1)  # its first payable has 30 items
        big = next(
            s
            for item in items
            for s in item.steps
            if s.logical == "payables" and len(s.children[0].planned) > 25
        )
        await fresh.refresh(["payables"])

        async def reread_after(payment_status: str) -> list[str]:
            """Set the payable's status by hand, let the window pass, read again: the paths requested."""
            status = {"Payment Status": {"status": {"name": payment_status}}}
            await notion.client.pages.update(page_id=big.target, properties=status)
            await trio.sleep(WINDOW_S)
            seen_before = len(notion.tap.seen)
            await fresh.refresh(["payables"])
            return [e.path for e in notion.tap.seen[seen_before:]]

        paid_read = await reread_after("Paid")
        pending_read = await reread_after("Pending")
    assert fresh.known[big.target].values["Payment Status"] == "Pending"
    assert not any("/properties/" in path for path in paid_read)
    assert any("/properties/" in path for path in pending_read)  # its children listed before it is paid

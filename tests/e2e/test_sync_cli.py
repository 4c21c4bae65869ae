"""`paydesk run sync` as a real subprocess against a served sandbox, killed with SIGKILL mid-run and finished
by `paydesk resume`: the task order log must end exactly as the job's plan says (every Order and line item
with its fields), with no second Order for the month and no duplicate line item, and a rerun must write
nothing. One kill lands right after the month's new Order is created, before its answer leaves the sandbox,
while the query lag hides it: the resumed create must find it by title rather than create a second Order."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.kinds.sync.kind import sync_planner
from tests.e2e.test_generate_cli import (
    LAG_MS,
    CreateKiller,
    Setup,
    admin,
    assert_a_rerun_writes_nothing,
    assert_verified,
    finish,
    jobs_in,
    kill_on_write,
    kill_when,
    open_setup,
    paydesk,
    start,
)
from tests.engine.conftest import MONTH
from tests.engine.test_generate_faults import plan_of, states_of
from tests.engine.test_sync_faults import PARAMS, duplicates, expected_sync, sync_outcome

pytestmark = pytest.mark.trio

SYNC = ("run", "sync", "--month", MONTH, "--json")


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with open_setup(tmp_path) as opened:
        yield opened


async def orders_after(setup: Setup) -> dict[str, dict[str, object]]:
    return (await states_of(setup.sandbox, setup.config.data_sources, ("orders",)))["orders"]


# Kill points: during the preload, right after the first write, after a few creates and updates (the small
# demo's sync makes 1 Order and 2 line items, updates 4 line items and sets 2 Orders to Pending Approval).
KILL_POINTS = [("reads", 2), ("writes", 1), ("writes", 5)]


@pytest.mark.parametrize(("kind", "count"), KILL_POINTS)
async def test_kill_9_mid_sync_then_resume_gives_the_uninterrupted_result(
    setup: Setup, kind: str, count: int
) -> None:
    _, expected = await expected_sync(setup.sandbox, setup.config)
    process = await start(setup, *SYNC)
    await kill_when(setup, process, kind, count)
    assert process.returncode == -signal.SIGKILL, "the run ended before the kill point"

    done = await finish(setup, *SYNC)
    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
    after = await orders_after(setup)
    assert duplicates(after) == []
    assert sync_outcome(after) == expected
    await assert_a_rerun_writes_nothing(setup, *SYNC)
    await assert_verified(setup)


async def test_kill_9_right_after_the_order_is_created_under_query_lag_then_resume_finds_it_by_title(
    setup: Setup,
) -> None:
    _, expected = await expected_sync(setup.sandbox, setup.config)
    await admin(setup, "POST", "faults", {"query_lag_ms": LAG_MS})
    await trio.sleep(max(0.0, setup.seeded_at + LAG_MS / 1000 + 0.1 - time.time()))  # the preload sees all
    process = await start(setup, *SYNC, "--workers", "1")  # one create in flight: one left in doubt
    with CreateKiller(setup.sandbox, setup.workspace.data_sources["orders"], process) as killer:
        with trio.fail_after(60):
            await process.wait()
        assert process.returncode == -signal.SIGKILL and killer.made is not None
        ((job, steps),) = await trio.to_thread.run_sync(jobs_in, setup.db)
        in_doubt = [s for s in steps if s.kind == "create" and s.status == "started"]
        assert len(in_doubt) == 1 and in_doubt[0].target.startswith("order:ORD :: "), in_doubt

        done = await paydesk(setup, "resume", job.job_id, "--json")
        assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
        # The lookup queried while the lag hid the Order, and kept at it until the Order showed; the line
        # items that followed name it as their Parent item.
        assert killer.seen_hidden >= 1 and killer.seen_visible >= 1
    after = await orders_after(setup)
    assert duplicates(after) == []
    assert sync_outcome(after) == expected
    summary = json.loads(done.stdout)
    assert summary["status"] == "completed" and summary["orders_created"] == 1


async def test_after_a_kill_9_between_a_line_item_and_its_order_a_fresh_run_is_refused_until_resumed(
    setup: Setup,
) -> None:
    _, expected = await expected_sync(setup.sandbox, setup.config)
    plan = await plan_of(setup.sandbox, setup.config, sync_planner(PARAMS))
    steps = {step.key: step for step in plan.steps}
    order = next(s for s in plan.steps if s.kind == "update" and s.depends_on)  # an Order -> Pending Approval
    last_child = steps[order.depends_on[-1]]  # with one worker, the Order's update comes right after it
    process = await start(setup, *SYNC, "--workers", "1")
    with kill_on_write(setup.sandbox, process, {last_child.target}):
        with trio.fail_after(60):
            await process.wait()
    assert process.returncode == -signal.SIGKILL

    refused = await paydesk(setup, *SYNC)  # the next cron run, say, rather than `paydesk resume`
    message = refused.stderr.decode()
    errors = [line for line in message.splitlines() if not line.startswith("paydesk: job ")]
    assert refused.returncode == 1 and len(errors) == 1 and "was interrupted" in errors[0], message
    job_id = message.split("`paydesk resume ")[1].split("`")[0]
    done = await paydesk(setup, "resume", job_id)
    assert done.returncode == 0, done.stderr.decode()
    after = await orders_after(setup)
    assert duplicates(after) == []
    assert sync_outcome(after) == expected

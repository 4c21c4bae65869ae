"""Create steps: guarded by a lookup of their source key, so an uncertain outcome never makes a duplicate."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.notion.failures import proves_not_applied
from engine.notion.gateway import RetryPolicy
from engine.run.jobs import JobSpec, run_job
from engine.run.plan import Item, Plan, Step
from engine.run.preload import Preloader
from engine.run.recovery import resume_job, retry_job
from engine.run.report import JobReport
from engine.run.runtime import open_runtime
from engine.run.writes import LOOKUP_POLL_S, LOOKUP_WAIT_S
from eventlog import EventLog, StepStarted, StepSucceeded
from tests.engine.conftest import Demo
from tests.engine.hand import open_hand

pytestmark = pytest.mark.trio

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


def title(text: str) -> dict[str, Any]:
    return {"title": [{"type": "text", "text": {"content": text}}]}


def payout_create(key: str, name: str, *, refers_to: str | None = None) -> Step:
    write: dict[str, Any] = {"Name": title(name), "Status": {"status": {"name": "Pending"}}}
    if refers_to:  # a relation to the page another step of this job creates
        write["00 Task Order"] = {"relation": [{"$step": refers_to}]}
    return Step(
        key=key,
        kind="create",
        logical="payouts",
        target=f"test:{name}",
        property="",
        before=None,
        after="created",
        write=write,
        label=f"payout {name}",
        depends_on=(refers_to,) if refers_to else (),
        lookup={"property": "Name", "title": {"equals": name}},
    )


def order_create(key: str, name: str) -> Step:
    return Step(
        key=key,
        kind="create",
        logical="orders",
        target=f"test:{name}",
        property="",
        before=None,
        after="created",
        write={"Name": title(name), "Type": {"select": {"name": "Order"}}},
        label=f"order {name}",
        lookup={"property": "Name", "title": {"equals": name}},
    )


def planner_of(*steps: Step) -> Any:
    async def plan(loader: Preloader) -> Plan:
        return Plan(items=(Item("item-1", "test item", "test", tuple(steps)),), skips=(), totals={}, reads=0)

    return plan


SPEC = JobSpec("test", {}, "test:creates", ())


async def planned_and_started(rt: Any, step: Step) -> JobReport:
    """A dry run of `step`'s job, its step then recorded started with no outcome (as a stop leaves it)."""
    planned = await run_job(rt, SPEC, planner_of(step), dry_run=True)
    envelope = {"job_id": planned.job_id, "operator": "test", "item_key": "item-1", "step_key": step.key}
    await rt.recorder.record(StepStarted(**envelope, attempt=1))
    return planned


async def pages_named(demo: Demo, logical: str, name: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {demo.sandbox.token}", "Notion-Version": "2025-09-03"}
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url, headers=headers) as http:
        answer = await http.post(
            f"/v1/data_sources/{demo.workspace.data_sources[logical]}/query",
            json={"filter": {"property": "Name", "title": {"equals": name}}},
        )
        results: list[dict[str, Any]] = answer.json()["results"]
        return results


async def set_faults(demo: Demo, body: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        assert (await http.post("/_sandbox/faults", json=body)).status_code == 200


async def test_a_create_makes_its_page_and_records_its_id(demo: Demo, tmp_path: Path) -> None:
    step = payout_create("payouts:create:a", "Created once")
    async with open_runtime(demo.config, tmp_path / "log.sqlite", policy=FAST) as rt:
        report = await run_job(rt, SPEC, planner_of(step))
    assert report.status == "completed"
    made = await pages_named(demo, "payouts", "Created once")
    assert [p["id"] for p in made] == [report.states[step.key].page_id]
    with EventLog(tmp_path / "log.sqlite", read_only=True) as log:
        assert log.steps(report.job_id)[0].page_id == made[0]["id"]


async def test_a_create_applied_but_answered_with_a_dropped_connection_is_found_not_repeated(
    demo: Demo, tmp_path: Path
) -> None:
    await set_faults(
        demo,
        {
            "targeted": [
                {"create_in": demo.workspace.data_sources["payouts"], "status": "applied_reset", "count": 1}
            ]
        },
    )
    step = payout_create("payouts:create:b", "Answer lost")
    async with open_runtime(demo.config, tmp_path / "log.sqlite", policy=FAST) as rt:
        report = await run_job(rt, SPEC, planner_of(step))
    assert report.status == "completed"
    made = await pages_named(demo, "payouts", "Answer lost")
    assert len(made) == 1 and report.states[step.key].page_id == made[0]["id"]


async def test_a_create_refused_before_it_applied_is_sent_again(demo: Demo, tmp_path: Path) -> None:
    await set_faults(
        demo,
        {"targeted": [{"create_in": demo.workspace.data_sources["payouts"], "status": "reset", "count": 1}]},
    )
    step = payout_create("payouts:create:c", "Dropped before applying")
    async with open_runtime(demo.config, tmp_path / "log.sqlite", policy=FAST) as rt:
        report = await run_job(rt, SPEC, planner_of(step))
    assert report.status == "completed"
    assert len(await pages_named(demo, "payouts", "Dropped before applying")) == 1


async def test_a_reference_to_a_created_page_is_filled_with_its_id(demo: Demo, tmp_path: Path) -> None:
    order = order_create("orders:create:o", "ORD :: test :: 202601")
    payout = payout_create("payouts:create:p", "Refers to the order", refers_to=order.key)
    async with open_runtime(demo.config, tmp_path / "log.sqlite", policy=FAST) as rt:
        report = await run_job(rt, SPEC, planner_of(order, payout))
    assert report.status == "completed"
    made = (await pages_named(demo, "payouts", "Refers to the order"))[0]
    assert made["properties"]["00 Task Order"]["relation"] == [{"id": report.states[order.key].page_id}]


@pytest.mark.parametrize("applied", [True, False])
async def test_a_create_left_in_doubt_by_a_crash_is_resolved_by_lookup_on_resume(
    demo: Demo, tmp_path: Path, applied: bool
) -> None:
    """A crash after 'started' and before the outcome: resume makes the page only if it is not there."""
    step = payout_create("payouts:create:d", "In doubt")
    db = tmp_path / "log.sqlite"
    async with open_runtime(demo.config, db, policy=FAST) as rt:
        planned = await planned_and_started(rt, step)
        if applied:  # the request reached Notion before the crash
            await rt.gateway.create_page(demo.workspace.data_sources["payouts"], dict(step.write))
        resumed = await resume_job(rt, planned.job_id)
    assert resumed.status == "completed"
    made = await pages_named(demo, "payouts", "In doubt")
    assert len(made) == 1 and resumed.states[step.key].page_id == made[0]["id"]


@pytest.mark.parametrize("how", ["resume", "lookup"])
async def test_a_create_left_in_doubt_whose_page_another_job_made_meanwhile_is_theirs_not_ours(
    demo: Demo, tmp_path: Path, how: str
) -> None:
    """Found walking: Ctrl-C left a generate job with a payout's create started and no answer; the operator
    ran the job again (a new job, which made that payout), then resumed the first. The resume found the
    payout and recorded it as its own success, so two jobs said they made one payout, and the ledger listed
    its amount twice. Now the in-doubt create is skipped, naming the job that made the page, whether the
    resume's read finds it first or the create's own lookup does."""
    step = payout_create("payouts:create:d", "Made by the next job")
    db = tmp_path / "log.sqlite"
    async with open_runtime(demo.config, db, policy=FAST) as rt:
        first = await planned_and_started(rt, step)  # stopped before the request was sent
        second = await run_job(rt, JobSpec("test", {}, "test:creates-again", ()), planner_of(step))
        assert second.states[step.key].status == "succeeded"
        made = second.states[step.key].page_id
        if how == "lookup":  # Notion's query lag hides the page from the resume's read: the create's lookup,
            # which waits the lag out, finds it
            await set_faults(demo, {"spec": "", "query_lag_ms": 1500})
        try:
            resumed = await resume_job(rt, first.job_id)
        finally:
            await set_faults(demo, {"spec": "", "query_lag_ms": 0})
    state = resumed.states[step.key]
    assert (state.status, state.page_id) == ("skipped", made), state
    assert len(await pages_named(demo, "payouts", "Made by the next job")) == 1
    with EventLog(db, read_only=True) as log:
        assert log.makers_of(str(made), other_than="nobody") == [second.job_id], "one job made the page"
        reason = next(s.reason for s in log.steps(first.job_id) if s.step_key == step.key)
    assert reason == f"already made by job {second.job_id}: page {made} exists for it"


@pytest.mark.parametrize("by_hand", ["nothing", "trashed", "cancelled"])
async def test_a_page_another_job_made_moments_before_is_not_made_twice_though_queries_hide_it(
    demo: Demo, tmp_path: Path, by_hand: str
) -> None:
    """Found walking: `paydesk run generate --type refund` twice in a row made every refund's payout twice.
    Notion's queries show a new page only after a lag, so the second job's preload did not see the payouts
    the first had just made, and planned them again. (The planner here plans the create whatever Notion
    holds, as a preload under that lag does.) Now a create another job's log says it made is read by id,
    which shows a page at once: the second job skips it, naming the first. A page made and then moved to
    the trash, or set to Cancelled where the create looks only for payouts not cancelled, does not count:
    the second job makes another, as planning without the lag would."""
    step = payout_create("payouts:create:twice", "Made moments before")
    not_cancelled = {"property": "Status", "status": {"does_not_equal": "Cancelled"}}
    step = dataclasses.replace(step, lookup={"and": [dict(step.lookup or {}), not_cancelled]})
    db = tmp_path / "log.sqlite"
    async with open_runtime(demo.config, db, policy=FAST) as rt:
        await set_faults(demo, {"spec": "", "query_lag_ms": 60_000})  # the second job's reads miss the page
        try:
            first = await run_job(rt, SPEC, planner_of(step))
            made = first.states[step.key].page_id
            assert first.status == "completed" and made
            sandbox = demo.sandbox
            async with open_hand(sandbox.base_url, sandbox.token, demo.workspace.data_sources) as hand:
                if by_hand == "trashed":
                    await hand.trash(made)
                elif by_hand == "cancelled":
                    await hand.set_option(made, "Status", "status", "Cancelled")
            second = await run_job(rt, SPEC, planner_of(step))
        finally:
            await set_faults(demo, {"spec": "", "query_lag_ms": 0})
    state = second.states[step.key]
    live = [p["id"] for p in await pages_named(demo, "payouts", "Made moments before") if not p["in_trash"]]
    if by_hand == "trashed":
        assert state.status == "succeeded" and live == [state.page_id] and state.page_id != made
        return
    if by_hand == "cancelled":
        assert state.status == "succeeded" and sorted(live) == sorted([made, state.page_id]), state
        return
    assert (state.status, state.page_id) == ("skipped", made), state
    assert live == [made]
    with EventLog(db, read_only=True) as log:
        reason = next(s.reason for s in log.steps(second.job_id) if s.step_key == step.key)
        assert log.makers_of(str(made), other_than="nobody") == [first.job_id], "one job made the page"
    assert reason == f"already made by job {first.job_id}: page {made} exists for it"


async def test_a_page_another_job_may_have_made_is_looked_up_waiting_out_the_lag_and_stays_theirs(
    demo: Demo, tmp_path: Path
) -> None:
    """Ctrl-C stopped a job with a payout's create sent and no answer (its page made), and a second job ran
    at once, its preload missing the page under Notion's query lag. The second job's create looks the
    page up first, waiting the lag out, finds it and skips it; resuming the first job then records the page
    as the first job's own: one page, made by one job."""
    step = payout_create("payouts:create:doubt", "Sent without an answer")
    db = tmp_path / "log.sqlite"
    async with open_runtime(demo.config, db, policy=FAST) as rt:
        first = await planned_and_started(rt, step)
        await set_faults(demo, {"spec": "", "query_lag_ms": 1500})
        try:
            made = await rt.gateway.create_page(demo.workspace.data_sources["payouts"], dict(step.write))
            second = await run_job(rt, JobSpec("test", {}, "test:creates-again", ()), planner_of(step))
        finally:
            await set_faults(demo, {"spec": "", "query_lag_ms": 0})
        resumed = await resume_job(rt, first.job_id)
    page = str(made["id"])
    skipped = second.states[step.key]
    assert (skipped.status, skipped.page_id) == ("skipped", page), skipped
    assert (resumed.states[step.key].status, resumed.states[step.key].page_id) == ("succeeded", page)
    assert [p["id"] for p in await pages_named(demo, "payouts", "Sent without an answer")] == [page]
    with EventLog(db, read_only=True) as log:
        assert log.makers_of(page, other_than="nobody") == [first.job_id]
        reason = next(s.reason for s in log.steps(second.job_id) if s.step_key == step.key)
    assert reason == (
        f"already made, by the create job {first.job_id} sent without hearing back: page {page} exists for it"
    )


async def test_a_reference_is_an_id_object_in_a_payload_and_a_bare_id_in_a_filter() -> None:
    from engine.run.writes import StepState, resolve

    states = {"orders:create:o": StepState(status="succeeded", page_id="p-1")}
    payload = {"Parent item": {"relation": [{"$step": "orders:create:o"}]}}
    flt = {"property": "Parent item", "relation": {"contains": {"$step": "orders:create:o"}}}
    assert resolve(payload, states) == {"Parent item": {"relation": [{"id": "p-1"}]}}
    assert resolve(flt, states, bare=True) == {"property": "Parent item", "relation": {"contains": "p-1"}}


async def interrupted_after_the_order(demo: Demo, rt: Any) -> tuple[str, Step, str]:
    """A job stopped between an order's create and the payout built on it: its log says the order was made
    (a page of the workspace), the payout was not. Returns the job, the payout's step and the order's page."""
    order = order_create("orders:create:o", "ORD :: stopped :: 202601")
    payout = payout_create("payouts:create:p", "Built on the stopped order", refers_to=order.key)
    planned = await run_job(rt, SPEC, planner_of(order, payout), dry_run=True)
    made = await rt.gateway.create_page(demo.workspace.data_sources["orders"], dict(order.write))
    envelope = {"job_id": planned.job_id, "operator": "test", "item_key": "item-1", "step_key": order.key}
    await rt.recorder.record(
        StepStarted(**envelope, attempt=1), StepSucceeded(**envelope, value="created", page_id=made["id"])
    )
    return planned.job_id, payout, str(made["id"])


async def test_a_page_the_job_made_then_trashed_by_hand_blocks_what_builds_on_it_until_restored(
    demo: Demo, tmp_path: Path
) -> None:
    """Found walking: an operator stopped a generate job, moved a payout it had made to the trash, and
    resumed: the order was marked Completed over a payout in the trash. Now what builds on a page the job
    made is blocked while that page is in the trash, and written once it is restored."""
    db = tmp_path / "log.sqlite"
    async with open_runtime(demo.config, db, policy=FAST) as rt:
        job_id, payout, order_page = await interrupted_after_the_order(demo, rt)
        async with open_hand(demo.sandbox.base_url, demo.sandbox.token, demo.workspace.data_sources) as hand:
            await hand.trash(order_page)
            resumed = await resume_job(rt, job_id)
            assert resumed.status == "completed_with_failures"
            state = resumed.states[payout.key]
            assert state.status == "blocked"
            why = f"the task order this job made for it, {order_page}, is in the trash in Notion; restore it"
            assert why in (state.error or "")
            assert await pages_named(demo, "payouts", "Built on the stopped order") == []

            await hand.trash(order_page, trashed=False)
            retried = await retry_job(rt, job_id)
    assert retried.status == "completed"
    made = await pages_named(demo, "payouts", "Built on the stopped order")
    assert len(made) == 1
    assert made[0]["properties"]["00 Task Order"]["relation"] == [{"id": order_page}]


async def test_a_page_the_job_made_still_there_costs_one_read_on_resume(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    async with open_runtime(demo.config, db, policy=FAST) as rt:
        job_id, payout, _ = await interrupted_after_the_order(demo, rt)
        resumed = await resume_job(rt, job_id)
    assert resumed.status == "completed"
    assert resumed.states[payout.key].status == "succeeded"
    with EventLog(db, read_only=True) as log:
        refreshed = [json.loads(r.payload) for r in log.records_of_job(job_id, ["plan.refreshed"])]
    assert [r["requests"] for r in refreshed] == [2]  # the payout's guard lookup, and the order's page


async def query_count(demo: Demo) -> int:
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        routes = (await http.get("/_sandbox/stats")).json()["by_route"]
    return int(routes.get("POST /v1/data_sources/{data_source_id}/query", {}).get("count", 0))


async def test_a_retried_create_refused_with_a_400_looks_once_and_does_not_wait_out_query_lag(
    demo: Demo, tmp_path: Path
) -> None:
    """Found walking the demo: retrying one payout whose create Notion had refused with a 400 sent 13
    queries first — its lookup waited out the query lag (6 s), as if the create might have been applied.
    A 400 proves it made nothing: one look, then the create. (A failure that proves nothing, a timeout or a
    502, still waits: test_a_create_applied_but_answered_with_a_dropped_connection_is_found_not_repeated,
    and tests/e2e/test_generate_cli's kill under query lag.)"""
    payouts = demo.workspace.data_sources["payouts"]
    await set_faults(demo, {"targeted": [{"create_in": payouts, "status": 400, "count": 1}]})
    step = payout_create("payouts:create:refused", "Refused with 400")
    async with open_runtime(demo.config, tmp_path / "log.sqlite", policy=FAST) as rt:
        report = await run_job(rt, SPEC, planner_of(step))
        assert report.status == "completed_with_failures", report.states[step.key]
        before = await query_count(demo)
        retried = await retry_job(rt, report.job_id)
        queries = await query_count(demo) - before
    assert retried.status == "completed"
    assert len(await pages_named(demo, "payouts", "Refused with 400")) == 1
    assert queries < LOOKUP_WAIT_S / LOOKUP_POLL_S, f"{queries} queries: the lookup waited out the lag"
    assert 1 <= queries <= 3, queries  # what the retry reads again, and the one look


@pytest.mark.parametrize(
    ("status", "proves"),
    [
        (400, True),
        (404, True),
        (409, True),
        (429, True),
        (503, True),
        (500, False),
        (502, False),
        (504, False),
        (None, False),
    ],
)
async def test_which_failures_prove_a_request_made_nothing(status: int | None, proves: bool) -> None:
    assert proves_not_applied(status) is proves

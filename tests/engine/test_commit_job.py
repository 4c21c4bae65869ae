"""The commit job end to end: against the seeded sandbox, through the real client, into a real log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from engine.kinds.commit.kind import DATA_SOURCES, commit_planner, commit_spec
from engine.kinds.commit.params import CommitParams
from engine.kinds.commit.report import commit_summary
from engine.notion.failures import NotionFailure
from engine.notion.gateway import RetryPolicy
from engine.run.jobs import run_job
from engine.run.recovery import retry_job
from engine.run.report import JobReport
from engine.run.runtime import open_runtime
from eventlog import EventLog
from tests.engine.conftest import BINDING_READS, BINDING_WRITE, MONTH, Demo

pytestmark = pytest.mark.trio

SCHEMA = "GET /v1/data_sources/{data_source_id}"
QUERY = "POST /v1/data_sources/{data_source_id}/query"
RETRIEVE = "GET /v1/pages/{page_id}"
RELATION_PAGE = "GET /v1/pages/{page_id}/properties/{property_id}"

FAST_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


def params(batch: int = 15) -> CommitParams:
    return CommitParams(month=MONTH, batch=batch, today=f"{MONTH}-20")


async def commit(demo: Demo, db: Path, batch: int = 15, **kwargs: Any) -> JobReport:
    p = params(batch)
    async with open_runtime(demo.config, db, operator="test", policy=FAST_RETRIES) as rt:
        return await run_job(rt, commit_spec(p), commit_planner(p), **kwargs)


async def status_of(demo: Demo, page_id: str) -> str | None:
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        page = (
            await http.get(
                f"/v1/pages/{page_id}",
                headers={"Authorization": f"Bearer {demo.sandbox.token}", "Notion-Version": "2025-09-03"},
            )
        ).json()
    for name in ("Payment Status", "Status"):
        prop = page["properties"].get(name)
        if prop:
            value = prop.get(prop["type"])
            return value["name"] if value else None
    return None


async def set_faults(demo: Demo, body: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        answer = await http.post("/_sandbox/faults", json=body)
        assert answer.status_code == 200, answer.text


async def test_a_commit_pays_every_record_of_the_batch_leaf_first_with_the_fewest_requests(
    demo: Demo, tmp_path: Path
) -> None:
    report = await commit(demo, tmp_path / "log.sqlite")
    assert report.status == "completed"
    assert report.items
    stats = await demo.stats()  # before reading pages back, which the sandbox counts too
    totals = stats["totals"]
    assert isinstance(totals, dict) and report.plan is not None
    # The floor: the paginated reads plus one write per record not yet Paid, and the first job of a log
    # writes its mark into the workspace (the payables data source's description) once.
    assert totals["writes"] == report.plan.writes_needed() + BINDING_WRITE == report.counters.writes
    assert stats["by_route"]["PATCH /v1/data_sources/{data_source_id}"]["count"] == BINDING_WRITE
    # and the reads: one schema check per data source, the mark read twice more to claim the workspace, and
    # one paginated query per data source (the small demo's fit in a page each), children already Paid
    # and the items of a payable listing more than 25 included: nothing retrieved one by one
    routes = {route: row["count"] for route, row in stats["by_route"].items()}
    assert routes[SCHEMA] == len(DATA_SOURCES) + BINDING_READS
    assert routes[QUERY] == len(DATA_SOURCES)
    assert RETRIEVE not in routes and RELATION_PAGE not in routes
    assert totals["reads"] == report.counters.reads == 2 * len(DATA_SOURCES) + BINDING_READS
    summary = commit_summary(report, params())
    assert summary["updated"] == len(report.items) and summary["failed"] == 0 and summary["errors"] == []
    for item in report.items:
        for step in item.steps:
            assert await status_of(demo, step.target) == "Paid"


async def reset_stats(demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        await http.post("/_sandbox/stats/reset")


async def test_a_second_job_in_one_engine_run_checks_no_schema_and_reads_only_the_workspaces_mark(
    demo: Demo, tmp_path: Path
) -> None:
    async with open_runtime(demo.config, tmp_path / "log.sqlite", operator="test", policy=FAST_RETRIES) as rt:
        first = await run_job(rt, commit_spec(params(1)), commit_planner(params(1)))
        await reset_stats(demo)
        second = await run_job(rt, commit_spec(params(15)), commit_planner(params(15)))
    assert first.status == second.status == "completed" and second.plan is not None
    stats = await demo.stats()
    routes = {route: row["count"] for route, row in stats["by_route"].items()}
    assert routes[SCHEMA] == 1, "no schema check: only the mark, read afresh for every job"
    assert routes[QUERY] == len(DATA_SOURCES) and RETRIEVE not in routes
    assert second.counters.reads == 1 + len(DATA_SOURCES)
    assert second.counters.writes == second.plan.writes_needed()


async def test_a_validation_error_from_notion_has_the_next_job_check_every_schema_again(
    demo: Demo, tmp_path: Path
) -> None:
    async with open_runtime(demo.config, tmp_path / "log.sqlite", operator="test", policy=FAST_RETRIES) as rt:
        await run_job(rt, commit_spec(params(1)), commit_planner(params(1)), dry_run=True)
        with pytest.raises(NotionFailure) as refused:  # as when a property changed type under paydesk
            await rt.gateway.query_all(
                demo.config.data_sources["payables"],
                {"property": "Payment Status", "select": {"equals": "x"}},
            )
        assert refused.value.code == "validation_error"
        await reset_stats(demo)
        again = await run_job(rt, commit_spec(params(15)), commit_planner(params(15)), dry_run=True)
    assert again.status == "planned"
    routes = {route: row["count"] for route, row in (await demo.stats())["by_route"].items()}
    assert routes[SCHEMA] == len(DATA_SOURCES)


async def test_running_the_same_commit_again_writes_nothing(demo: Demo, tmp_path: Path) -> None:
    await commit(demo, tmp_path / "log.sqlite")
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        await http.post("/_sandbox/stats/reset")
    again = await commit(demo, tmp_path / "log.sqlite")
    assert again.items == [] and again.status == "completed"
    totals = (await demo.stats())["totals"]
    assert isinstance(totals, dict) and totals["writes"] == 0


async def test_a_dry_run_stores_the_plan_and_writes_nothing(demo: Demo, tmp_path: Path) -> None:
    report = await commit(demo, tmp_path / "log.sqlite", dry_run=True)
    assert report.status == "planned"
    totals = (await demo.stats())["totals"]
    assert isinstance(totals, dict) and totals["writes"] == 0
    with EventLog(tmp_path / "log.sqlite", read_only=True) as log:
        job = log.job(report.job_id)
        assert job is not None and job.status == "planned"
        assert job.plan_steps == sum(len(item.steps) for item in report.items)


async def test_a_payout_that_keeps_failing_blocks_its_payable_and_a_retry_finishes_it(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    plan = await commit(demo, db, dry_run=True)
    item = next(i for i in plan.items if any(s.logical == "payouts" and s.before != "Paid" for s in i.steps))
    payout = next(s for s in item.steps if s.logical == "payouts" and s.before != "Paid")
    await set_faults(demo, {"targeted": [{"page_id": payout.target, "status": 500, "count": 50}]})

    report = await commit(demo, db)
    assert report.status == "completed_with_failures"
    assert report.states[payout.key].status == "failed"
    final = item.steps[-1]
    assert report.states[final.key].status == "blocked"
    assert "is failed" in (report.states[final.key].error or "")
    assert await status_of(demo, final.target) == "Pending"
    others = [i for i in report.items if i.key != item.key]
    assert all(report.states[i.steps[-1].key].status == "succeeded" for i in others)
    summary = commit_summary(report, params())
    assert summary["failed"] == 1 and summary["errors"][0]["payable_id"] == item.key
    assert "internal_server_error" in summary["errors"][0]["error"]

    await set_faults(demo, {"targeted": []})
    async with open_runtime(demo.config, db, operator="test", policy=FAST_RETRIES) as rt:
        retried = await retry_job(rt, report.job_id, reason="the payout is fixed")
    assert retried.status == "completed"
    assert await status_of(demo, final.target) == "Paid"
    assert await status_of(demo, payout.target) == "Paid"


@pytest.mark.parametrize("workers", [1, 5, 20])
async def test_any_worker_count_gives_the_same_outcome(demo: Demo, tmp_path: Path, workers: int) -> None:
    report = await commit(demo, tmp_path / "log.sqlite", workers=workers)
    outcome = sorted((key, state.status) for key, state in report.states.items())
    assert report.status == "completed"
    assert {status for _, status in outcome} <= {"succeeded", "skipped"}


async def test_a_second_job_on_the_same_selection_is_refused_while_the_first_runs(
    demo: Demo, tmp_path: Path
) -> None:
    from engine.run.jobs import JobRefused

    db = tmp_path / "log.sqlite"
    await set_faults(demo, {"spec": "", "random_seed": 1})
    p = params()
    async with open_runtime(demo.config, db, operator="test", policy=FAST_RETRIES) as rt:
        started = trio.Event()

        async def planner(loader: Any) -> Any:
            started.set()
            await trio.sleep(3600)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: run_job(rt, commit_spec(p), planner, job_id="first"))
            await started.wait()
            with pytest.raises(JobRefused) as refused:
                await run_job(rt, commit_spec(p), commit_planner(p), job_id="second")
            # The refusal names the job to wait for or cancel, and says the refused one never started.
            assert str(refused.value) == (
                "job first, a commit job on an overlapping selection, is running, so second did not start; "
                "wait for it or stop it with `paydesk cancel first`"
            )
            nursery.cancel_scope.cancel()
        # A holder that has not recorded itself yet (its lock is taken before its job is): the refusal
        # cannot name it, and says what there is to say.
        held = rt.coordination.selection_locks(commit_spec(p).selection_key)
        for lock in held:
            lock.acquire()
        try:
            with pytest.raises(JobRefused, match="overlapping selection is running; wait for it or cancel"):
                await run_job(rt, commit_spec(p), commit_planner(p), job_id="third")
        finally:
            for lock in held:
                lock.release()
    with EventLog(db, read_only=True) as log:
        jobs = [(job.job_id, job.status) for job in log.jobs()]
    # The job stopped while planning is recorded (cancelled: it was stopped), not left 'created'; no
    # refused job is kept.
    assert jobs == [("first", "cancelled")]

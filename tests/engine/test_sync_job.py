"""The task order sync end to end: against the seeded sandbox, through the real client, into a real log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from engine.kinds.sync.kind import sync_planner, sync_spec
from engine.kinds.sync.llm import LLMSettings, LLMSummarizer, open_chat_client
from engine.kinds.sync.params import SyncParams, sync_params
from engine.kinds.sync.report import sync_summary
from engine.kinds.sync.summarize import Summarizer
from engine.notion.gateway import RetryPolicy
from engine.run.jobs import run_job
from engine.run.plan_codec import NOTHING_TO_WRITE
from engine.run.report import JobReport
from engine.run.runtime import open_runtime
from engine.run.selection import keys_overlap
from eventlog import EventLog
from tests.engine.conftest import MONTH, Demo
from tests.engine.helpers import hide_pages_made_from_now

pytestmark = pytest.mark.trio

FAST_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
PARAMS = SyncParams(month=MONTH)


async def sync(
    demo: Demo, db: Path, summarizer: Summarizer | None = None, **kwargs: Any
) -> tuple[JobReport, dict[str, Any]]:
    async with open_runtime(demo.config, db, operator="test", policy=FAST_RETRIES) as rt:
        report = await run_job(rt, sync_spec(PARAMS), sync_planner(PARAMS, summarizer), **kwargs)
    return report, sync_summary(report, PARAMS)


async def page(demo: Demo, page_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {demo.sandbox.token}", "Notion-Version": "2025-09-03"}
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url, headers=headers) as http:
        found: dict[str, Any] = (await http.get(f"/v1/pages/{page_id}")).json()
    return found


async def reset_stats(demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=demo.sandbox.base_url) as http:
        await http.post("/_sandbox/stats/reset")


@pytest.mark.parametrize("lag", [False, True])
async def test_a_sync_creates_the_missing_order_and_line_items_updates_what_changed_then_settles(
    demo: Demo, tmp_path: Path, lag: bool
) -> None:
    """With `lag`, the second sync's queries do not show the Order and line items the first made (Notion's
    query lag): the Order the log says a sync made is read by id, with its line items, and nothing is
    planned again."""
    if lag:  # queries see the seeded workspace only: what the jobs make stays hidden, as under the lag
        hide_pages_made_from_now(demo.sandbox.store)
    report, summary = await sync(demo, tmp_path / "log.sqlite")
    assert report.status == "completed"
    assert (summary["orders_created"], summary["line_items_created"]) == (1, 2)
    assert summary["line_items_updated"] == 4 and summary["contractors_processed"] == 8
    assert summary["month"] == MONTH and summary["batch"] is None
    new = next(d for d in summary["details"] if d["order_step"])
    order = await page(demo, new["order_id"])
    assert order["properties"]["Name"]["title"][0]["plain_text"] == new["order_title"]
    for project in new["projects"]:
        item = await page(demo, project["line_item_id"])
        assert item["properties"]["Parent item"]["relation"] == [{"id": new["order_id"]}]
        assert item["properties"]["Status"]["select"]["name"] == "Pending Feedback"
        assert item["properties"]["Line Item Hours"]["number"] == project["hours"]
    changed = [d for d in summary["details"] if any(p["action"] == "update" for p in d["projects"])]
    for detail in changed:
        order = await page(demo, detail["order_id"])
        assert order["properties"]["Status"]["select"]["name"] == "Pending Approval"

    unchanged = {item.key for item in report.items if not item.steps}
    assert unchanged and nothing_pending(tmp_path / "log.sqlite", report.job_id, unchanged)

    await reset_stats(demo)
    again, second = await sync(demo, tmp_path / "log.sqlite")
    assert again.status == "completed" and again.plan is not None and again.plan.steps == []
    assert second["orders_created"] == second["line_items_created"] == second["line_items_updated"] == 0
    totals = (await demo.stats())["totals"]
    assert isinstance(totals, dict) and totals["writes"] == 0
    assert nothing_pending(tmp_path / "log.sqlite", again.job_id, {item.key for item in again.items})


def nothing_pending(db: Path, job_id: str, unchanged: set[str]) -> bool:
    """Found walking: a completed sync listed the contractors it had nothing to write for as pending (5 of
    8), where its summary counted them processed. They are skipped, saying why; nothing is pending."""
    with EventLog(db, read_only=True) as log:
        items = log.items(job_id)
        job = log.job(job_id)
    assert job is not None and job.items_pending == 0
    skipped = {item.item_key: item.skip_reason for item in items if item.status == "skipped"}
    assert {key: skipped.get(key) for key in unchanged} == dict.fromkeys(unchanged, NOTHING_TO_WRITE)
    return all(item.status != "pending" for item in items)


async def test_the_proof_of_works_comes_from_the_first_model_that_answers(demo: Demo, tmp_path: Path) -> None:
    base = demo.sandbox.base_url
    async with httpx.AsyncClient(base_url=base) as http:
        answer = await http.post("/_sandbox/llm/config", json={"failures": {"broken": 503}})
        assert answer.status_code == 200
    settings = LLMSettings(f"{base}/_sandbox/llm/v1", ("broken", "good"), "sk-test-secret")
    async with open_chat_client(settings) as client:
        report, summary = await sync(demo, tmp_path / "log.sqlite", LLMSummarizer(client))
    assert report.status == "completed"
    creates = [s for s in report.items for s in s.steps if s.target.startswith("line:")]
    assert creates
    for step in creates:
        text = step.write["Proof of Works"]["rich_text"][0]["text"]["content"]
        assert text.startswith("• good: Scope: ")
    async with httpx.AsyncClient(base_url=base) as http:
        calls = (await http.get("/_sandbox/llm/calls")).json()["calls"]
    assert {c["outcome"] for c in calls if c["model"] == "broken"} == {"503"}
    assert "sk-test-secret" not in repr(settings) + repr(summary)
    stored = await trio.to_thread.run_sync(
        lambda: [p.read_bytes() for p in tmp_path.glob("log.sqlite*") if p.is_file()]
    )
    assert stored and all(b"sk-test-secret" not in data for data in stored)  # the log and its WAL


async def test_the_spec_round_trips_its_params_and_locks_the_month() -> None:
    params = SyncParams(month=MONTH, batch=1, contractor="Ada", force=True, hours_only=True)
    spec = sync_spec(params)
    assert sync_params(spec.params) == params
    assert keys_overlap(spec.selection_key, sync_spec(SyncParams(month=MONTH)).selection_key)
    assert not keys_overlap(spec.selection_key, sync_spec(SyncParams(month=MONTH, batch=15)).selection_key)
    assert not keys_overlap(
        spec.selection_key, sync_spec(SyncParams(month=MONTH, contractor="Bo")).selection_key
    )

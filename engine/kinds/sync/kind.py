"""The task order sync job: its selection, its planner (preload, summaries, plan) and its summary.

The summary is `{"job_id", "status", "month", "batch", "orders_created", "line_items_created",
"line_items_updated", "contractors_processed", "details"}`; counts are of writes that succeeded (of the
writes planned, for a dry run). `details` has one entry per contractor: order id, total hours, and per
project its line item id, hours, updates aggregated and what was done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import trio

from engine.kinds.sync.plan import plan_sync
from engine.kinds.sync.preload import preload_sync
from engine.kinds.sync.summarize import BuiltinSummarizer, Summarizer, condense
from engine.kinds.sync.work import SyncParams, SyncSnapshot, needs_summary, work_out
from engine.run.jobs import JobSpec, Planner
from engine.run.plan import Plan
from engine.run.preload import Preloader
from engine.run.report import JobReport, created_page, first_error
from engine.run.selection import Selection
from engine.workspace.config import Config
from engine.workspace.contractors import require_contractor

DATA_SOURCES = ("updates", "contractors", "projects", "deployments", "orders", "rates")


def sync_spec(params: SyncParams) -> JobSpec:
    """Overlapping syncs (the same month; a batch or a contractor narrows it) never run at once: both could
    create a contractor's Order for the month."""
    return JobSpec(
        kind="sync",
        params={
            "month": params.month,
            "batch": params.batch,
            "contractor": params.contractor,
            "force": params.force,
            "hours_only": params.hours_only,
        },
        selection_key=Selection(
            "sync", month=params.month, batch=params.batch, contractor=params.contractor
        ).key,
        data_sources=DATA_SOURCES,
    )


def sync_params(params: Mapping[str, Any]) -> SyncParams:
    batch = params.get("batch")
    return SyncParams(
        month=str(params["month"]),
        batch=int(batch) if batch is not None else None,
        contractor=params.get("contractor"),
        force=bool(params.get("force", False)),
        hours_only=bool(params.get("hours_only", False)),
    )


async def summarize_changes(
    snapshot: SyncSnapshot, params: SyncParams, config: Config, summarizer: Summarizer
) -> dict[str, str]:
    """A proof of works for every line item the sync creates or changes, concurrently (the summarizer
    bounds its own concurrency); a summarizer that raises falls back to the deterministic summary."""
    works, _ = work_out(snapshot, params, config)
    summaries: dict[str, str] = {}

    async def one(key: str, scope: str, entries: Any) -> None:
        try:
            summaries[key] = await summarizer.summarize(scope, entries)
        except Exception:
            summaries[key] = condense(scope, entries)

    async with trio.open_nursery() as nursery:
        for work in works:
            for project in work.projects:
                if needs_summary(project, params):
                    nursery.start_soon(one, project.key, project.scope, project.entries)
    return summaries


def sync_planner(params: SyncParams, summarizer: Summarizer | None = None) -> Planner:
    async def plan(loader: Preloader) -> Plan:
        snapshot = await preload_sync(loader, params)
        require_contractor(params.contractor, snapshot.contractors, loader.config)
        chosen = summarizer if summarizer is not None else BuiltinSummarizer()
        summaries = await summarize_changes(snapshot, params, loader.config, chosen)
        return plan_sync(snapshot, params, loader.config, summaries)

    return plan


def _counts(report: JobReport, step_key: str) -> bool:
    status = report.states[step_key].status
    return status == "succeeded" or (report.status == "planned" and status == "planned")


def sync_summary(report: JobReport, params: SyncParams) -> dict[str, Any]:
    orders = created = updated = processed = 0
    details: list[dict[str, Any]] = []
    for item in report.items:
        for step in item.steps:
            if not _counts(report, step.key):
                continue
            if step.kind == "create":
                if step.target.startswith("order:"):
                    orders += 1
                else:
                    created += 1
            elif step.target != item.data.get("order_id"):  # a line item's update, not the Order's
                updated += 1
        status = report.item_status(item)
        if status in ("succeeded", "skipped") or report.status == "planned":
            processed += 1
        order_step = item.data.get("order_step")
        order_id = item.data.get("order_id") or (created_page(report, order_step) if order_step else None)
        projects = [
            {
                **project,
                "line_item_id": project.get("line_item_id")
                or (created_page(report, project["step"]) if project.get("step") else None),
            }
            for project in item.data.get("projects", [])
        ]
        detail = {**item.data, "order_id": order_id, "projects": projects, "status": status}
        if status not in ("succeeded", "skipped", "planned"):
            detail["error"] = first_error(report, item)
        details.append(detail)
    return {
        "job_id": report.job_id,
        "status": report.status,
        "month": params.month,
        "batch": params.batch,
        "orders_created": orders,
        "line_items_created": created,
        "line_items_updated": updated,
        "contractors_processed": processed,
        "details": details,
    }

"""The payout commit job: its selection, its planner and its summary in the original system's format."""

from __future__ import annotations

from typing import Any

from engine.kinds.commit.plan import CommitParams, plan_commit
from engine.kinds.commit.preload import preload_commit
from engine.run.jobs import JobSpec, Planner
from engine.run.plan import Plan
from engine.run.preload import Preloader
from engine.run.report import JobReport
from engine.run.selection import Selection
from engine.workspace.contractors import require_contractor

DATA_SOURCES = ("payables", "payouts", "splits", "refunds", "rates", "contractors")


def commit_spec(params: CommitParams) -> JobSpec:
    """A commit selects a month's batch (optionally one contractor's), or payables by invoice id whatever
    their period."""
    invoices = frozenset(i.strip() for i in params.invoice_ids if i.strip())
    selection = Selection(
        "commit",
        month=None if invoices else params.month,
        batch=None if invoices else params.batch,
        contractor=params.contractor,
        invoices=invoices or None,
    )
    return JobSpec(
        kind="commit",
        params={
            "month": params.month,
            "batch": params.batch,
            "contractor": params.contractor,
            "invoice_ids": list(params.invoice_ids),
            "today": params.today,
        },
        selection_key=selection.key,
        data_sources=DATA_SOURCES,
    )


def commit_params(params: dict[str, Any]) -> CommitParams:
    return CommitParams(
        month=str(params["month"]),
        batch=int(params["batch"]),
        today=str(params["today"]),
        contractor=params.get("contractor"),
        invoice_ids=tuple(params.get("invoice_ids") or ()),
    )


def commit_planner(params: CommitParams) -> Planner:
    async def plan(loader: Preloader) -> Plan:
        snapshot = await preload_commit(loader, params)
        require_contractor(params.contractor, snapshot.contractors, loader.config)
        return plan_commit(snapshot, params, loader.config)

    return plan


def commit_summary(report: JobReport, params: CommitParams) -> dict[str, Any]:
    """`{"job_id", "month", "batch", "updated", "skipped", "failed", "errors"}`: updated counts the payables
    this job marked Paid; errors name each payable that is not Paid and why."""
    updated = skipped = failed = 0
    errors: list[dict[str, str]] = []
    for item in report.items:
        final = report.states[item.steps[-1].key]
        if final.status == "succeeded":
            updated += 1
        elif final.status == "skipped":
            skipped += 1
        elif report.status != "planned":
            failed += 1
            errors.append({"payable_id": item.key, "error": _first_error(report, item)})
    if report.plan is not None:
        skipped += len(report.plan.skips)
    return {
        "job_id": report.job_id,
        "status": report.status,
        "month": params.month,
        "batch": params.batch,
        "updated": updated,
        "skipped": skipped,
        "failed": failed,
        "errors": errors,
    }


def _first_error(report: JobReport, item: Any) -> str:
    for step in item.steps:
        state = report.states[step.key]
        if state.status == "failed":
            return f"failed to update {step.label}: {state.error}"
    final = report.states[item.steps[-1].key]
    if final.status == "started":
        return "in doubt: the last write's outcome is unknown; run `paydesk resume`"
    return final.error or f"payable {final.status}"

"""The generate-payouts job (payroll, refund, invoice_split): its selection, planner and summary.

The summary is `{"job_id", "status", "type", "payouts_created", "processed", "skipped", "failed", "errors",
"details"}`: `processed` counts every source record looked at (planned or skipped), `skipped` the ones the
plan left out with a reason, `failed` the planned ones not at target after execution (a failed or blocked
step, or one left in doubt), each named in `errors` with why. `details` lists every source record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.kinds.generate.plan import GenerateParams, plan_generate
from engine.kinds.generate.preload import preload_generate
from engine.run.jobs import JobSpec, Planner
from engine.run.plan import Plan
from engine.run.preload import Preloader
from engine.run.report import JobReport, created_page, first_error
from engine.run.selection import Selection
from engine.workspace.contractors import require_contractor

DATA_SOURCES: dict[str, tuple[str, ...]] = {
    "payroll": ("orders", "rates", "payouts", "contractors", "deployments"),
    "refund": ("refunds", "payouts", "contractors"),
    "invoice_split": ("splits", "payouts", "contractors"),
}


def generate_spec(params: GenerateParams) -> JobSpec:
    """Overlapping generate jobs (the same payout type, and for payroll the same month, batch or contractor)
    never run at once: both would plan the same source before either had created its payout."""
    payroll = params.type == "payroll"
    selection = Selection(
        f"generate:{params.type}",
        month=params.month if payroll else None,  # refunds and splits are selected whatever their month
        batch=params.batch if payroll else None,
        contractor=params.contractor,
    )
    return JobSpec(
        kind="generate",
        params={
            "type": params.type,
            "month": params.month,
            "batch": params.batch,
            "contractor": params.contractor,
        },
        selection_key=selection.key,
        data_sources=DATA_SOURCES[params.type],
    )


def generate_params(params: Mapping[str, Any]) -> GenerateParams:
    batch = params.get("batch")
    return GenerateParams(
        type=str(params["type"]),
        month=str(params["month"]),
        batch=int(batch) if batch is not None else None,
        contractor=params.get("contractor"),
    )


def generate_planner(params: GenerateParams) -> Planner:
    async def plan(loader: Preloader) -> Plan:
        snapshot = await preload_generate(loader, params)
        require_contractor(params.contractor, snapshot.contractors, loader.config)
        return plan_generate(snapshot, params, loader.config)

    return plan


def generate_summary(report: JobReport, params: GenerateParams) -> dict[str, Any]:
    created = failed = 0
    errors: list[dict[str, str]] = []
    details: list[dict[str, Any]] = []
    for item in report.items:
        create = item.steps[0]
        status = report.item_status(item)
        if report.states[create.key].status == "succeeded":
            created += 1
        if status not in ("succeeded", "skipped", "planned"):
            failed += 1
            errors.append({"source_id": item.key, "error": first_error(report, item)})
        details.append(
            {
                **item.data,
                "label": item.label,
                "status": status,
                "payout_id": created_page(report, create.key),
            }
        )
    skips = report.plan.skips if report.plan is not None else ()
    for skip in skips:
        details.append(
            {"source_id": skip.key, "label": skip.label, "status": "skipped", "reason": skip.reason}
        )
    return {
        "job_id": report.job_id,
        "status": report.status,
        "type": params.type,
        "payouts_created": created,
        "processed": len(report.items) + len(skips),
        "skipped": len(skips),
        "failed": failed,
        "errors": errors,
        "details": details,
    }

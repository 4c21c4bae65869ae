"""The sync job's result: as JSON (`--json`) and as counts for a terminal.

The summary is `{"job_id", "status", "month", "batch", "orders_created", "line_items_created",
"line_items_updated", "contractors_processed", "errors", "details"}`; counts are of writes that succeeded
(of the writes planned, for a dry run); `errors` names each contractor not at target and why. `details`
has one entry per contractor: order id, total hours, and per project its line item id, hours, updates
aggregated and what was done.
"""

from __future__ import annotations

from typing import Any

from engine.kinds.sync.params import SyncParams
from engine.run.report import JobReport, created_page, item_error


def _counts(report: JobReport, step_key: str) -> bool:
    status = report.states[step_key].status
    return status == "succeeded" or (report.status == "planned" and status == "planned")


def sync_summary(report: JobReport, params: SyncParams) -> dict[str, Any]:
    orders = created = updated = processed = 0
    details: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
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
            error = item_error(report, item, "contractor_id")
            detail["error"] = error["error"]
            errors.append(error)
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
        "errors": errors,
        "details": details,
    }

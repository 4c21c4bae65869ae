"""The generate job's result: as JSON (`--json`) and as counts for a terminal.

The summary is `{"job_id", "status", "type", "payouts_created", "processed", "skipped", "failed", "errors",
"details"}`: `processed` counts every source record looked at (planned or skipped), `skipped` the ones the
plan left out with a reason, `failed` the planned ones not at target after execution (a failed or blocked
step, or one left in doubt), each named in `errors` with why. `details` lists every source record.
"""

from __future__ import annotations

from typing import Any

from engine.kinds.generate.params import GenerateParams
from engine.run.report import JobReport, created_page, item_error


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
            errors.append(item_error(report, item, "source_id"))
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

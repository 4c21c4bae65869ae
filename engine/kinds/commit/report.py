"""The commit job's result in the original system's format: as JSON (`--json`) and in lines for a terminal."""

from __future__ import annotations

from typing import Any

from engine.kinds.commit.params import CommitParams
from engine.run.report import JobReport, error_lines, item_error, what_next


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
            errors.append(item_error(report, item, "payable_id"))
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


def commit_text(report: JobReport, summary: dict[str, Any]) -> list[str]:
    """`job …: completed - 3 payables paid, 1 skipped, 0 not paid`, then each payable not paid and why."""
    lines = [
        f"job {summary['job_id']}: {summary['status']} - {summary['updated']} "
        f"payable{'' if summary['updated'] == 1 else 's'} paid, "
        f"{summary['skipped']} skipped, {summary['failed']} not paid"
    ]
    lines.extend(error_lines(summary))
    if summary["failed"] and summary["status"] == "completed_with_failures":
        lines.append(what_next(summary["job_id"], summary["errors"]))
    return lines

"""The reconcile job's result: its findings as JSON (`--json`) and in lines for a terminal."""

from __future__ import annotations

from typing import Any

from engine.kinds.reconcile.params import ReconcileParams
from engine.run.report import JobReport


def reconcile_summary(report: JobReport, params: ReconcileParams) -> dict[str, Any]:
    """`{"job_id", "status", "compared", "drift", "findings": [...]}`; each finding with its kind, record,
    property, logged value, value now, last edit and whether it can be restored."""
    findings: list[dict[str, Any]] = []
    if report.plan is None:  # a restore (the stored plan executed): what it wrote back
        outcomes = [report.item_status(item) for item in report.items]
        return {
            "job_id": report.job_id,
            "status": report.status,
            "scope": params.describe(),
            "restored": outcomes.count("succeeded"),
            "accepted_or_already": outcomes.count("skipped"),
            "failed": sum(1 for o in outcomes if o not in ("succeeded", "skipped")),
            "drift": 0,
            "findings": [],
        }
    if report.plan is not None:
        for item in report.plan.items:
            findings.append({**_plain(item.data), "item": item.key, "restorable": True})
        for skip in report.plan.skips:  # a finding reported only: its key is drift:KIND:PAGE:PROPERTY
            _, _, page, prop = [*skip.key.split(":", 3), "", "", "", ""][:4]
            findings.append(
                {
                    "item": skip.key,
                    "kind": skip.kind,
                    "page": page,
                    "prop": prop,
                    "words": skip.reason,
                    "restorable": False,
                }
            )
    return {
        "job_id": report.job_id,
        "status": report.status,
        "scope": params.describe(),
        "drift": len(findings),
        "findings": findings,
    }


def _plain(data: Any) -> dict[str, Any]:
    return {
        k: (str(v) if v is not None and not isinstance(v, str | int | bool) else v) for k, v in data.items()
    }


def reconcile_text(report: JobReport, summary: dict[str, Any]) -> list[str]:
    """`job …: 3 findings in the records of the jobs of 2026-01`, each finding, then what to do."""
    count = summary["drift"]
    if "restored" in summary:
        failed = f", {summary['failed']} not restored (`paydesk show {summary['job_id']}` says why)"
        return [
            f"job {summary['job_id']}: {summary['status']} - {summary['restored']} findings written back, "
            f"{summary['accepted_or_already']} accepted or already as logged"
            + (failed if summary["failed"] else "")
        ]
    if not count:
        return [f"job {summary['job_id']}: no drift: Notion holds what the log recorded ({summary['scope']})"]
    lines = [f"job {summary['job_id']}: {count} finding{'s' * (count != 1)} in {summary['scope']}"]
    lines.extend(
        f"  {finding['item']}  {finding['words']}" + ("" if finding["restorable"] else "  (report only)")
        for finding in summary["findings"]
    )
    job = summary["job_id"]
    lines.append(
        f"for each: `paydesk reconcile --accept {job} --item ITEM --reason …` adopts Notion's value; "
        f"`paydesk reconcile --restore {job} --reason …` writes the logged values back (the others)"
    )
    return lines

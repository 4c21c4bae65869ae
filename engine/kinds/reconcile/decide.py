"""The operator's decision on a reconcile job's findings, each with a reason:

- accept: adopt Notion's value (`DriftAccepted`); the finding's restoring write is skipped for good
  (`StepSkipped`), and later reconciles compare with the adopted value;
- restore: write the logged values back for the findings not accepted (`DriftRestoreChosen`, then the job's
  plan is executed as any plan: `resume_job`, with its freshness checks and confirmation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.run.jobs import JobRefused
from eventlog import (
    DriftAccepted,
    DriftRestoreChosen,
    Event,
    EventLog,
    GroupCommitWriter,
    ItemRow,
    Location,
    StepSkipped,
    json_object,
)

NAME = "reconcile"
DONE = ("succeeded", "skipped")


@dataclass(frozen=True)
class Decided:
    job_id: str
    items: list[str]


def _findings(log: EventLog, job_id: str) -> list[ItemRow]:
    job = log.job(job_id)
    if job is None:
        raise JobRefused(f"no job {job_id} in the log; `paydesk jobs` lists the jobs")
    if job.kind != NAME:
        raise JobRefused(f"job {job_id} is a {job.kind} job, not a reconcile: its findings are a reconcile's")
    return log.items(job_id)


def _parts(item: ItemRow) -> tuple[str, str, str, Any]:
    """(finding kind, page, property, value now) of a finding: from its data, or from its key
    (`drift:KIND:PAGE:PROPERTY`) for one reported only."""
    data = json_object(item.data)
    if data.get("page"):
        return str(data["kind"]), str(data["page"]), str(data.get("prop") or ""), data.get("now")
    _, kind, page, prop = [*item.item_key.split(":", 3), "", "", "", ""][:4]
    return kind, page, prop, "accepted"


def accept_findings(
    location: Location, job_id: str, items: Sequence[str] | None, reason: str, operator: str
) -> Decided:
    """Accept the chosen findings (all that are still open when `items` is None)."""
    if not reason.strip():
        raise JobRefused("say why with --reason: an accepted finding is part of the audit trail")
    with EventLog(location, read_only=True) as log:
        rows = {row.item_key: row for row in _findings(log, job_id)}
        steps = {key: log.steps(job_id, key) for key in rows}
        accepted = {r.item_key for r in log.records_of_job(job_id, ("drift.accepted",))}
    unknown = [key for key in items or () if key not in rows]
    if unknown:
        raise JobRefused(
            f"job {job_id} has no finding {', '.join(unknown)}; `paydesk show {job_id}` lists them"
        )
    chosen = [key for key in (items if items is not None else sorted(rows)) if key not in accepted]
    events: list[Event] = []
    for key in chosen:
        if any(step.status == "succeeded" for step in steps[key]):
            raise JobRefused(f"finding {key} of job {job_id} was already restored; it cannot be accepted")
        kind, page, prop, now = _parts(rows[key])
        env = {"job_id": job_id, "operator": operator, "item_key": key}
        events.append(DriftAccepted(**env, page=page, property=prop, finding=kind, value=now, reason=reason))
        for step in steps[key]:
            if step.status not in DONE:
                events.append(
                    StepSkipped(**env, step_key=step.step_key, reason=f"accepted: {reason}", current=now)
                )
    if events:
        with GroupCommitWriter(location) as writer:
            writer.submit(events).result()
    return Decided(job_id, chosen)


def restore_undecided(log: EventLog, job_id: str) -> str | None:
    """Why a reconcile's restoring plan may not be executed yet: nobody chose to restore, with a reason
    (`JobKind.undecided`). Resuming it otherwise would write the logged values back with no decision in
    the audit trail."""
    if next(log.records_of_job(job_id, ["drift.restore_chosen"]), None) is not None:
        return None
    return (
        f"job {job_id} is a reconcile's findings: `paydesk reconcile --restore {job_id} --reason …` writes "
        f"the logged values back, `--accept {job_id} --item … --reason …` adopts Notion's"
    )


def choose_restore(location: Location, job_id: str, reason: str, operator: str) -> Decided:
    """Record that the open findings are to be restored (the caller then executes the job's plan)."""
    if not reason.strip():
        raise JobRefused("say why with --reason: a restore is part of the audit trail")
    with EventLog(location, read_only=True) as log:
        rows = _findings(log, job_id)
        open_items = [
            row.item_key for row in rows if any(s.status not in DONE for s in log.steps(job_id, row.item_key))
        ]
    if not open_items:
        raise JobRefused(f"job {job_id} has no finding left to restore")
    with GroupCommitWriter(location) as writer:
        event = DriftRestoreChosen(job_id=job_id, operator=operator, items=open_items, reason=reason)
        writer.submit([event]).result()
    return Decided(job_id, open_items)

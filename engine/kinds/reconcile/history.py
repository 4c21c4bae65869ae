"""The history of a record (beside reconcile, whose last finding on it is part of it): everything paydesk
ever planned, wrote, skipped or failed on one Notion record across all jobs, in log order, with operator,
reason and Notion's request ids — and what the last reconcile that compared it found. Read from the log
alone (pure over its named reads).

A record is named by its page id (with or without dashes) or by an invoice id: the payable with that
invoice id and the records under it (payout items, splits, refunds) that the jobs touched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.kinds.reconcile.known import known_state
from engine.kinds.reconcile.params import reconcile_params
from eventlog import EventLog, EventRecord, json_object, printable

_PAGE_ID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
STEP_EVENTS = {
    "step.planned": "planned",
    "step.started": "sent",
    "step.succeeded": "written",
    "step.skipped": "skipped",
    "step.failed": "failed",
    "step.blocked": "blocked",
    "step.cancelled": "cancelled",
    "step.resolved": "resolved",
}


@dataclass(frozen=True)
class HistoryLine:
    seq: int
    at: str
    job_id: str
    operator: str
    record: str  # the data source
    page: str
    what: str  # planned, sent, written, skipped, failed, …, drift found, accepted, restore chosen
    detail: str  # property before → after, the reason, Notion's error
    request_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class History:
    key: str
    pages: list[str] = field(default_factory=list)
    lines: list[HistoryLine] = field(default_factory=list)
    state: str = ""  # what the last reconcile that compared the record found ("" when none did)

    def text(self) -> list[str]:
        """The history in lines for a terminal or a console dialog (text from Notion escaped)."""
        count = f"{len(self.lines)} events on {len(self.pages)} record{'s' * (len(self.pages) != 1)}"
        lines = [printable(f"history of {self.key}: {count}")]
        for line in self.lines:
            request = f"  request {line.request_id}" if line.request_id else ""
            lines.append(
                printable(
                    f"{line.seq:>7}  {line.at}  {line.job_id}  {line.operator}  {line.record or '-'} "
                    f"{line.page}  {line.what}  {line.detail}{request}"
                )
            )
        lines.append(printable(f"last reconcile: {self.state or 'none has compared it yet'}"))
        return lines


def _norm(page: str) -> str:
    return page.replace("-", "").lower()


def record_history(log: EventLog, key: str, *, pages: Iterable[str] | None = None) -> History:
    """The history of the record `key` (a page id or an invoice id; an id that is neither is taken as a
    page id), or of the `pages` given; no lines when the log never saw them."""
    history = History(key)
    steps_by_job: dict[str, list[Any]] = {}
    wanted: set[str] = {_norm(page) for page in pages or ()}
    by_page = pages is not None or _PAGE_ID.match(key.strip()) is not None
    for job in log.jobs():
        steps = log.steps(job.job_id)
        steps_by_job[job.job_id] = steps
        if by_page:
            continue
        for item in log.items(job.job_id):
            if json_object(item.data).get("invoice_id") == key.strip():
                wanted.update(_norm(s.page_id or s.target) for s in steps if s.item_key == item.item_key)
    if not wanted:  # no page id, and no invoice id a job planned: take it as a page id as it is
        by_page = True
    if by_page and pages is None:
        wanted.add(_norm(key.strip()))
    records: list[tuple[EventRecord, str, str]] = []  # (event, data source, page)
    for job_id, steps in steps_by_job.items():
        mine = {
            (s.item_key, s.step_key): (s.data_source, s.page_id or s.target)
            for s in steps
            if _norm(s.page_id or s.target) in wanted
        }
        if not mine:
            continue
        items = {item_key for item_key, _ in mine}
        for item_key in sorted(items):
            for record in log.records_of_item(job_id, item_key):
                found = mine.get((item_key, record.step_key or ""))
                if found is not None and record.type in STEP_EVENTS:
                    records.append((record, *found))
    for record in log.records_of_types(("drift.accepted", "drift.restore_chosen")):
        payload = json.loads(record.payload)
        page = str(payload.get("page", ""))
        if record.type == "drift.accepted" and _norm(page) in wanted:
            records.append((record, "", page))
    records.sort(key=lambda entry: entry[0].seq)
    history.pages = sorted({_norm(page) for _, _, page in records} | (wanted if by_page else set()))
    history.lines = [_line(record, logical, page) for record, logical, page in records]
    history.state = _last_reconcile(log, wanted)
    return history


def _line(record: EventRecord, logical: str, page: str) -> HistoryLine:
    payload = json.loads(record.payload)
    what = STEP_EVENTS.get(record.type, record.type)
    detail = ""
    if record.type == "step.planned":
        prop = payload.get("property") or "(created)"
        detail = f"{prop} {_shown(payload.get('before'))} → {_shown(payload.get('after'))}"
    elif record.type in ("step.skipped", "step.blocked", "step.cancelled"):
        detail = str(payload.get("reason") or "")
    elif record.type == "step.failed":
        error = payload.get("error") or payload.get("message") or ""
        detail = f"{payload.get('code') or ''}: {error}".strip(": ")
    elif record.type == "step.resolved":
        detail = str(payload.get("outcome") or "")
    elif record.type == "drift.accepted":
        what = "drift accepted"
        what_of = payload.get("property") or payload.get("finding")
        detail = f"{what_of}: Notion's {_shown(payload.get('value'))} adopted ({payload.get('reason')})"
    request = str(payload.get("request_id") or "")
    return HistoryLine(
        record.seq, record.recorded_at, record.job_id, record.operator, logical, page, what, detail, request
    )


def _shown(value: Any) -> str:
    return "(empty)" if value in (None, "") else str(value)


def _last_reconcile(log: EventLog, wanted: Iterable[str]) -> str:
    """What the latest reconcile job found about these records: its findings on them, or that it compared
    them and found them as the log recorded them, or "" when no reconcile compared them."""
    pages = set(wanted)
    for job in reversed(log.jobs()):
        if job.kind != "reconcile" or job.status not in ("planned", "discarded", "completed"):
            continue
        try:
            scope = set(map(_norm, known_state(log, reconcile_params(json_object(job.params))).pages))
        except ValueError:
            continue
        if not pages & scope:
            continue
        findings = [
            str(json_object(item.data).get("words") or item.skip_reason or item.label)
            for item in log.items(job.job_id)
            if any(page in _norm(item.item_key) for page in pages)
        ]
        if findings:
            return f"{job.job_id} ({job.created_at}) found: " + "; ".join(findings)
        return f"{job.job_id} ({job.created_at}) found Notion as the log recorded it"
    return ""

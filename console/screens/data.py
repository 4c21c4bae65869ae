"""What the screens show, read from the event log off the UI loop, and shaped into cells and lines.

`LogReader` runs every display query on one reader thread with its own read-only connection, so a large
job never stalls the loop the engine shares with Textual. The shaping functions are pure.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text

from console.widgets.tables import Column, cell
from eventlog import EventLog, EventLogError, ItemRow, JobRow, StepRow, printable

T = TypeVar("T")

OUTCOMES = ("all", "failed", "blocked", "succeeded", "skipped", "pending", "running", "cancelled")


class LogReader:
    """Queries on one reader thread holding one read-only connection (opened when the log exists)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="paydesk-reader")
        self._log: EventLog | None = None

    async def read(self, query: Callable[[EventLog], T], default: T) -> T:
        """`query(log)` on the reader thread; `default` while there is no log yet."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, query, default)

    def _call(self, query: Callable[[EventLog], T], default: T) -> T:
        if self._log is None:
            try:
                self._log = EventLog(self.db_path, read_only=True)
            except EventLogError:
                return default
        return query(self._log)

    def close(self) -> None:
        def close_log() -> None:
            if self._log is not None:
                self._log.close()
                self._log = None

        self._executor.submit(close_log)
        self._executor.shutdown(wait=True)


# ---- shaping -------------------------------------------------------------------------------------------


def loads(text: str | None, default: Any = None) -> Any:
    if text is None:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


@lru_cache(maxsize=1024)
def params_text(params: str) -> str:
    """`batch=15 month=2026-01` from the job's parameters (JSON); jobs of a log share a few shapes."""
    value = loads(params, {})
    if not isinstance(value, Mapping):
        return ""
    shown = {k: v for k, v in value.items() if v not in (None, "", [], ())}
    return " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in shown.items())


def money(totals: Mapping[str, Any]) -> str:
    parts = [f"{currency} {float(amount):,.2f}" for currency, amount in sorted(totals.items())]
    return " + ".join(parts) if parts else "nothing"


def bar(done: int, total: int, width: int = 6) -> str:
    if total <= 0:
        return "░" * width + "    -"
    filled = min(width, width * done // total)
    return "█" * filled + "░" * (width - filled) + f" {min(100, 100 * done // total):3d}%"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def clock_text(text: str | None) -> str:
    moment = parse_time(text)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def short_clock_text(text: str | None) -> str:
    """`01-15 09:00`: month, day, hours and minutes (the Jobs table's compact form)."""
    moment = parse_time(text)
    return moment.strftime("%m-%d %H:%M") if moment else "-"


def duration_text(start: str | None, end: str | None, now: datetime) -> str:
    began = parse_time(start)
    if began is None:
        return "-"
    finished = parse_time(end) or now
    seconds = max(0, int((finished - began).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@dataclass(frozen=True)
class LiveProgress:
    done: int
    total: int


STATUS_LABELS = {"completed_with_failures": "done w/ failures"}
"""Statuses shown shorter in the Jobs table (the Job screen and the filter use the full name)."""

JOB_COLUMNS = (
    Column("job", 27),
    Column("parameters", 24),
    Column("status", 16),
    Column("progress", 11),
    Column("ok/skip/fail/blk", 16),
    Column("req", 7),
    Column("started", 11),
    Column("took", 8),
)
"""136 cells wide with their padding: the table fits a 140-column terminal beside its scroll bar."""


def job_cells(row: JobRow, now: datetime, live: LiveProgress | None = None) -> tuple[Text, ...]:
    done = row.steps_total - row.steps_planned - row.steps_started
    total = row.steps_total
    if live is not None and live.total:
        done, total = live.done, live.total
    started = row.started_at or row.created_at
    return (
        cell(row.job_id),
        cell(params_text(row.params)),
        cell(STATUS_LABELS.get(row.status, row.status)),
        cell(bar(done, total)),
        cell(f"{row.items_succeeded}/{row.items_skipped}/{row.items_failed}/{row.items_blocked}"),
        cell(row.reads + row.writes),
        cell(short_clock_text(started)),
        cell(duration_text(started, row.finished_at, now)),
    )


ITEM_COLUMNS = (
    Column("", 1),
    Column("item"),
    Column("status"),
    Column("ok/skip/fail/blocked"),
    Column("attempts"),
    Column("error or reason"),
)


def item_cells(row: ItemRow, marked: bool) -> tuple[Text, ...]:
    return (
        cell("●" if marked else " "),
        cell(row.label or row.item_key),
        cell(row.status),
        cell(f"{row.n_succeeded}/{row.n_skipped}/{row.n_failed}/{row.n_blocked}"),
        cell(row.attempts),
        cell((row.last_error or row.skip_reason or "")[:80]),
    )


def job_summary(row: JobRow) -> Text:
    """The Job screen's header, one line per fact (and the error last, if any); every value is shown
    literally: an error may hold "[" or "[/]"."""
    totals = loads(row.totals, {}) or {}
    estimate = loads(row.estimate, {}) or {}
    first = Text.assemble(
        (row.job_id, "bold"),
        printable(f"  {row.kind}  {params_text(row.params)}  status "),
        (row.status, "bold"),
    )
    lines = [
        first,
        Text(
            f"items {row.items_total}: {row.items_succeeded} succeeded, {row.items_skipped} skipped, "
            f"{row.items_failed} failed, {row.items_blocked} blocked, {row.items_pending} pending"
        ),
        Text(
            f"totals {money(totals)}   estimate {estimate.get('requests', '-')} requests, "
            f"{estimate.get('seconds', '-')} s"
        ),
        Text(
            f"requests {row.reads} reads, {row.writes} writes, {row.retries} retries, "
            f"{row.throttles} throttled, waited {row.wait_ms / 1000:.1f} s; preload {row.preload_pages} "
            f"pages in {row.preload_requests} requests"
        ),
    ]
    if row.error:
        lines.append(Text(printable(f"error: {row.error}")))
    return Text("\n").join(lines)


def filter_items(rows: Sequence[ItemRow], outcome: str) -> list[ItemRow]:
    return list(rows) if outcome == "all" else [row for row in rows if row.status == outcome]


@dataclass(frozen=True)
class CascadeNode:
    step: StepRow
    children: tuple[CascadeNode, ...]

    @property
    def text(self) -> str:
        step = self.step
        return f"{step.label or step.step_key} [{step.data_source}] {step.status}" + (
            f" — {step.last_error or step.reason}" if step.last_error or step.reason else ""
        )


def cascade(steps: Sequence[StepRow]) -> list[CascadeNode]:
    """The item's steps as a tree: each step above the steps it depends on directly (transitive edges cut)."""
    by_key = {step.step_key: step for step in steps}
    deps = {step.step_key: [d for d in loads(step.depends_on, []) if d in by_key] for step in steps}
    below: dict[str, set[str]] = {}

    def all_below(key: str) -> set[str]:
        if key not in below:
            found: set[str] = set()
            for dep in deps[key]:
                found.add(dep)
                found |= all_below(dep)
            below[key] = found
        return below[key]

    def direct(key: str) -> list[str]:
        indirect: set[str] = set()
        for dep in deps[key]:
            indirect |= all_below(dep)
        return [dep for dep in deps[key] if dep not in indirect]

    def node(key: str) -> CascadeNode:
        return CascadeNode(by_key[key], tuple(node(child) for child in direct(key)))

    used = {dep for key in deps for dep in deps[key]}
    return [node(step.step_key) for step in steps if step.step_key not in used]


def step_status_counts(steps: Iterable[StepRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.status] = counts.get(step.status, 0) + 1
    return counts


# ---- plans (the New job screen) -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    job_id: str
    status: str
    error: str | None
    items: int
    writes_by_source: Mapping[str, int]
    at_target: int
    skips: Sequence[tuple[str, str]]  # (label, reason)
    totals: Mapping[str, float]
    requests: int
    seconds: float

    @property
    def writes(self) -> int:
        return sum(self.writes_by_source.values())


def plan_view(log: EventLog, job_id: str) -> PlanView | None:
    job = log.job(job_id)
    if job is None:
        return None
    writes: dict[str, int] = {}
    at_target = 0
    for step in log.steps(job_id):
        if step.before == step.after:
            at_target += 1
        else:
            writes[step.data_source] = writes.get(step.data_source, 0) + 1
    skips = [(row.label or row.item_key, row.skip_reason or "") for row in log.items(job_id, "skipped")]
    estimate = loads(job.estimate, {}) or {}
    return PlanView(
        job_id=job_id,
        status=job.status,
        error=job.error,
        items=job.plan_items - len(skips),
        writes_by_source=writes,
        at_target=at_target,
        skips=skips,
        totals={k: float(v) for k, v in (loads(job.totals, {}) or {}).items()},
        requests=int(estimate.get("requests", 0) or 0),
        seconds=float(estimate.get("seconds", 0) or 0),
    )


def plan_text(plan: PlanView, rate: float) -> Text:
    """The plan as the New job screen shows it; labels and reasons are shown literally."""
    writes = ", ".join(f"{source} {count}" for source, count in sorted(plan.writes_by_source.items()))
    lines = [
        Text.assemble((f"Plan {plan.job_id}", "bold"), f" ({plan.status})"),
        Text(f"{plan.items} items; writes by type: {writes or 'none'}; {plan.at_target} already at target"),
        Text(f"money moved: {money(plan.totals)}"),
        Text(f"estimated {plan.requests} requests, about {plan.seconds:g} s at {rate:g} requests/s"),
    ]
    if plan.skips:
        lines.append(Text(f"skipped {len(plan.skips)}:"))
        lines.extend(Text(printable(f"  {label}: {reason}")) for label, reason in plan.skips[:50])
        if len(plan.skips) > 50:
            lines.append(Text(f"  … and {len(plan.skips) - 50} more"))
    return Text("\n").join(lines)


# ---- the item timeline ----------------------------------------------------------------------------------

OPERATOR_TYPES = ("job.cancel_requested", "job.resumed", "job.retry_requested")


@dataclass(frozen=True)
class TimelineLine:
    seq: int
    at: str
    what: str
    detail: str


def _detail(type_name: str, payload: Mapping[str, Any], step_key: str | None) -> str:
    where = f"{step_key}  " if step_key else ""
    if type_name == "step.failed":
        return (
            f"{where}attempt failed: HTTP {payload.get('status')} {payload.get('code')}: "
            f"{payload.get('message')} (request {payload.get('request_id') or '-'}, "
            f"{'retryable' if payload.get('retryable') else 'not retryable'})"
        )
    if type_name == "step.started":
        return f"{where}attempt {payload.get('attempt')}"
    if type_name == "step.succeeded":
        return f"{where}→ {payload.get('value')} (request {payload.get('request_id') or '-'})"
    if type_name in ("step.skipped", "step.blocked", "item.skipped"):
        return f"{where}{payload.get('reason')}"
    if type_name == "step.resolved":
        return f"{where}{payload.get('outcome')} (found {payload.get('current')})"
    if type_name == "step.planned":
        return f"{where}{payload.get('label')}: {payload.get('before')} → {payload.get('after')}"
    if type_name == "preload.completed":
        return (
            f"{payload.get('data_source')}: {payload.get('pages')} pages in {payload.get('requests')} "
            f"requests, {payload.get('ms')} ms"
        )
    if type_name == "job.retry_requested":
        return f"retry {', '.join(payload.get('items') or []) or 'all'} {payload.get('reason') or ''}".strip()
    if type_name == "job.cancel_requested":
        return f"cancel {payload.get('reason') or ''}".strip()
    if type_name == "item.planned":
        return f"{payload.get('label')} ({payload.get('kind')})"
    return ""


JOB_FACTS = ("preload.completed", *OPERATOR_TYPES)
"""The job's events every item's timeline shows: preloads and the operator's actions (the log filters them:
a job of 50,000 items has some 300,000 events)."""


def item_timeline(log: EventLog, job_id: str, item_key: str) -> list[TimelineLine]:
    lines: list[TimelineLine] = []
    for record in log.records_of_job(job_id, JOB_FACTS):
        payload = loads(record.payload, {})
        actor = f" by {record.operator}" if record.type in OPERATOR_TYPES else ""
        detail = _detail(record.type, payload, None)
        lines.append(TimelineLine(record.seq, record.recorded_at, record.type + actor, detail))
    for record in log.records_of_item(job_id, item_key):
        payload = loads(record.payload, {})
        lines.append(
            TimelineLine(record.seq, record.recorded_at, record.type, _detail(record.type, payload, None))
        )
        if record.step_key:
            last = lines[-1]
            lines[-1] = TimelineLine(
                last.seq, last.at, last.what, _detail(record.type, payload, _short(record.step_key))
            )
    return sorted(lines, key=lambda line: line.seq)


def _short(step_key: str) -> str:
    logical, _, rest = step_key.partition(":")
    page, _, _ = rest.partition(":")
    return f"{logical}:{page[:8]}"


def event_outcome(type_name: str, payload: str) -> str:
    """The outcome an event stands for, for the Log screen's filter."""
    if type_name.startswith("step.") or type_name == "item.skipped":
        return type_name.split(".", 1)[1]
    if type_name == "job.finished":
        status = loads(payload, {}).get("status")
        return str(status) if status else "finished"
    return ""

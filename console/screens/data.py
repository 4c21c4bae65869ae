"""What the screens show, read from the event log off the UI loop, and shaped into cells and lines.

`LogReader` runs every display query on one reader thread with its own read-only connection, so a large
job never stalls the loop the engine shares with Textual. The shaping functions are pure.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from rich.text import Text

from console.widgets.tables import Column, cell
from engine import PreloadFact, shown_value, totals_text, why_nothing
from eventlog import (
    EventLog,
    EventLogError,
    ItemRow,
    JobRow,
    Location,
    Projections,
    ReplayReport,
    StepRow,
    VerifyReport,
    printable,
)

T = TypeVar("T")

OUTCOMES = ("all", "failed", "blocked", "succeeded", "skipped", "pending", "running", "cancelled")


class LogReader:
    """Queries on one reader thread holding one read-only connection (opened when the log exists)."""

    def __init__(self, db_path: Location) -> None:
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
    """`batch=15 month=2026-01` from the job's parameters (JSON); jobs of a log share a few shapes. What is
    not given (empty, or a switch left off: `force=False`) is not shown."""
    value = loads(params, {})
    if not isinstance(value, Mapping):
        return ""
    shown = {k: v for k, v in value.items() if v is not False and v not in (None, "", [], ())}
    return " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in shown.items())


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def month_words(month: Any) -> str:
    """`January 2026` for `2026-01` (anything else as it is)."""
    text = str(month or "")
    year, _, number = text.partition("-")
    if year.isdigit() and number.isdigit() and 1 <= int(number) <= 12:
        return f"{MONTHS[int(number) - 1]} {year}"
    return text or "no month"


def job_words(kind: str, params: str) -> str:
    """The job named as an operator says it: `commit of January 2026, batch 15`, `generate payroll for
    January 2026`, `sync of January 2026 for Ada Lovelace`."""
    value = loads(params, {})
    p: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
    if kind == "generate":
        words = f"generate {p.get('type') or 'payouts'} for {month_words(p.get('month'))}"
    else:
        words = f"{kind or 'job'} of {month_words(p.get('month'))}"
    if p.get("batch"):
        words += f", batch {p['batch']}"
    if p.get("contractor"):
        words += f", for {p['contractor']}"
    invoices = p.get("invoice_ids") or ()
    if invoices:
        shown = ", ".join(map(str, list(invoices)[:3])) + (" …" if len(invoices) > 3 else "")
        words += f", invoice{'s' if len(invoices) > 1 else ''} {shown}"
    if p.get("force"):
        words += ", forced"
    if p.get("hours_only"):
        words += ", hours only"
    return words


def item_counts_text(row: JobRow) -> str:
    """`12 succeeded, 3 skipped, 1 failed, 2 blocked`: the item counts that are not zero."""
    counts = [
        (row.items_succeeded, "succeeded"),
        (row.items_skipped, "skipped"),
        (row.items_failed, "failed"),
        (row.items_blocked, "blocked"),
        (row.items_cancelled, "cancelled"),
        (row.items_pending + row.items_running, "left"),
    ]
    return ", ".join(f"{count} {what}" for count, what in counts if count) or "no items"


def item_name(row: ItemRow) -> str:
    """The item by its business key: a payable's invoice id and contractor, a payout source (or a sync's
    order) and its contractor; the raw item key only when the plan gave nothing else."""
    data = loads(row.data, {})
    data = data if isinstance(data, Mapping) else {}
    contractor = str(data.get("contractor") or "")
    base = row.label or str(data.get("invoice_id") or "") or row.item_key
    if contractor and contractor not in base:
        return f"{base} ({contractor})"
    return base


STEP_ERROR = re.compile(r"(?s)^\S.*?: (?=[a-z][a-z0-9_]*: )")
"""The step key the projection puts before an item's last error (`<step key>: <code>: <message>`); a key
may hold spaces (`payables:…:Payment Status=Paid`), so what ends it is the first `: <code>: `."""


def failure_text(error: str | None) -> str:
    """An item's last error as Notion said it (`validation_error: …`, `blocked: …`), its step key cut."""
    if not error:
        return ""
    return STEP_ERROR.sub("", error, count=1)


def step_failure(step: StepRow) -> str:
    """A failed step's error as Notion gave it: `code: message`."""
    message = step.last_error or step.reason or ""
    return f"{step.error_code}: {message}" if step.error_code else message


def failures_of(log: Projections, job_id: str, items: Iterable[ItemRow], limit: int = 100) -> dict[str, str]:
    """The Notion error (`code: message`) of the first failed step of each failed item (of the first `limit`
    of them): an item's last error may be a step blocked behind the failure."""
    found: dict[str, str] = {}
    for item in items:
        if item.status != "failed" or len(found) >= limit:
            continue
        failed = next((step for step in log.steps(job_id, item.item_key) if step.status == "failed"), None)
        if failed is not None:
            found[item.item_key] = step_failure(failed)
    return found


def money(totals: Mapping[str, Any]) -> str:
    """`USD 5,145.00 + VND 18,700,000`: each currency with its own minor unit (engine.totals_text)."""
    return totals_text(totals, "nothing")


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


NEVER = "—"  # a duration of a job that never ran


def duration_text(start: str | None, end: str | None, now: datetime) -> str:
    """How long a job ran (until `now` while it runs); "—" when it never started: a plan nobody
    executed took no time, and its age is not a duration."""
    began = parse_time(start)
    if began is None:
        return NEVER
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

JOB_COLUMNS = (  # what an operator scans first comes first: on 80 columns job, status, progress, counts show
    Column("job", 29),  # "generate-20261206-014850-c154"
    Column("status", 16),
    Column("progress", 11),
    Column("ok/skip/fail/blk", 16),
    Column("parameters"),
    Column("req", 7),
    Column("started", 11),
    Column("took", 8),
)
"""About 140 cells wide with their padding and the usual parameters (as wide as the widest: never cut)."""


def job_cells(row: JobRow, now: datetime, live: LiveProgress | None = None) -> tuple[Text, ...]:
    done, total = job_progress(row, live)
    started = row.started_at or row.created_at
    return (
        cell(row.job_id),
        cell(STATUS_LABELS.get(row.status, row.status)),
        cell(bar(done, total)),
        cell(f"{row.items_succeeded}/{row.items_skipped}/{row.items_failed}/{row.items_blocked}"),
        cell(params_text(row.params)),
        cell(row.reads + row.writes),
        cell(short_clock_text(started)),
        cell(duration_text(row.started_at, row.finished_at, now)),
    )


def job_progress(row: JobRow, live: LiveProgress | None = None) -> tuple[int, int]:
    """(steps settled, steps) of the whole job: the log's counts, or while it runs here the engine's
    fresher count of this run on top of what earlier runs settled (a resume's run has only the rest) —
    never fewer than the log's, which can be ahead of the engine's last report (a job just finished)."""
    done = row.steps_total - row.steps_planned - row.steps_started
    total = row.steps_total
    if live is not None and live.total:
        if live.total > total:  # the log does not hold the plan yet
            return live.done, live.total
        earlier = total - live.total
        return max(done, min(total, earlier + live.done)), total
    return done, total


ITEM_COLUMNS = (
    Column("", 1),
    Column("item"),
    Column("status", 9),  # the widest status ("succeeded", "cancelled"): a status changing never gets cut
    Column("ok/skip/fail/blocked"),
    Column("attempts"),
    Column("error or reason"),
)


NOTHING_TO_DO = "nothing to do"
SETTLED_WELL = ("succeeded", "skipped")


def steps_of(row: ItemRow) -> int:
    return (
        row.n_planned + row.n_started + row.n_succeeded + row.n_skipped + row.n_failed + row.n_blocked
    ) + row.n_cancelled


def item_status(row: ItemRow) -> str:
    """The item's status as the engine reports it: an item planned with no step at all (a sync contractor
    whose hours are all in place) is skipped, with nothing to do; the log's row keeps it pending."""
    if row.status == "pending" and steps_of(row) == 0 and row.skip_reason is None:
        return "skipped"
    return row.status


def item_reason(row: ItemRow, failure: str | None = None) -> str:
    """Why the item is where it is: Notion's code and message (`failure`, from its failed step, if known),
    the skip reason, or nothing to do."""
    if failure:
        return failure
    if row.last_error and row.status not in SETTLED_WELL:  # an error a retry since fixed is history
        return failure_text(row.last_error)
    if row.skip_reason:
        return row.skip_reason
    return NOTHING_TO_DO if item_status(row) != row.status else ""


def item_cells(row: ItemRow, marked: bool, failure: str | None = None) -> tuple[Text, ...]:
    return (
        cell("●" if marked else " "),
        cell(item_name(row)),
        cell(item_status(row)),
        cell(f"{row.n_succeeded}/{row.n_skipped}/{row.n_failed}/{row.n_blocked}"),
        cell(row.attempts),
        cell(item_reason(row, failure)[:80]),
    )


def job_summary(
    row: JobRow, now: datetime, *, nothing_to_do: int = 0, live: LiveProgress | None = None
) -> Text:
    """The Job screen's header, one line per fact (and the error last, if any); every value is shown
    literally: an error may hold "[" or "[/]". `nothing_to_do` items (planned with no step) count as
    skipped, as the engine reports them; `live` is the engine's count of the run going on here."""
    totals = loads(row.totals, {}) or {}
    estimate = loads(row.estimate, {}) or {}
    done, total = job_progress(row, live)
    first = Text.assemble(  # the status before the parameters: on 80 columns the line is cut at its end
        (row.job_id, "bold"),
        "  status ",
        (row.status, "bold"),
        printable(f"  {row.kind}  {params_text(row.params)}"),
    )
    lines = [
        first,
        Text(
            f"items {row.items_total}: {row.items_succeeded} succeeded, {row.items_skipped + nothing_to_do} "
            f"skipped, {row.items_failed} failed, {row.items_blocked} blocked, {row.items_cancelled} "
            f"cancelled, {row.items_pending - nothing_to_do} pending, {row.items_running} running"
        ),
        Text(
            f"steps {done} of {total} settled: {row.steps_succeeded} succeeded, {row.steps_skipped} "
            f"skipped, {row.steps_failed} failed, {row.steps_blocked} blocked, {row.steps_cancelled} "
            f"cancelled   took {duration_text(row.started_at, row.finished_at, now)}"
        ),
        Text(
            f"totals {money(totals)}   estimate {estimate.get('requests', '-')} requests, "
            f"{estimate.get('seconds', '-')} s"
        ),
        Text(
            # a run's requests are recorded when it ends: while one runs, they are those of the runs before
            f"requests{' (of the runs ended so far)' if row.status == 'running' else ''} {row.reads} reads, "
            f"{row.writes} writes, {row.retries} retries, "
            f"{row.throttles} throttled, {row.wait_ms / 1000:.1f} s queued on the rate limit (all requests' "
            f"waits added up); preload {row.preload_pages} "
            f"pages in {row.preload_requests} requests"
        ),
    ]
    if row.error:
        lines.append(Text(printable(f"error: {row.error}")))
    return Text("\n").join(lines)


def filter_items(rows: Sequence[ItemRow], outcome: str) -> list[ItemRow]:
    return list(rows) if outcome == "all" else [row for row in rows if item_status(row) == outcome]


PENDING_SCAN = 2000  # pending items looked at for those with nothing to do (all of them, but in a huge run)


def nothing_to_do_items(log: Projections, job_id: str, limit: int = PENDING_SCAN) -> list[ItemRow]:
    """The job's items planned with no step at all (the log keeps them pending; the engine skips them)."""
    return [row for row in log.items(job_id, "pending", limit=limit) if item_status(row) == "skipped"]


@dataclass(frozen=True)
class CascadeNode:
    step: StepRow
    children: tuple[CascadeNode, ...]

    @property
    def text(self) -> str:
        step = self.step
        problem = step.reason or ""
        if step.last_error:
            problem = step_failure(step)
        if step.status == "succeeded":  # what blocked or failed it before a retry wrote it is history
            problem = ""
        return f"{step.label or step.step_key} [{step.data_source}] {step.status}" + (
            f" — {problem}" if problem else ""
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
    nothing: str = ""  # why the plan holds no write, when it holds none

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
        totals=dict(loads(job.totals, {}) or {}),
        requests=int(estimate.get("requests", 0) or 0),
        seconds=float(estimate.get("seconds", 0) or 0),
        nothing="" if writes or job.planned_at is None else _why_nothing(log, job_id, skips),
    )


def _why_nothing(log: EventLog, job_id: str, skips: Sequence[object]) -> str:
    facts = [
        PreloadFact(row.data_source, loads(row.filter, None), row.pages, row.requests, row.ms)
        for row in log.preloads(job_id)
    ]
    return why_nothing(job_id, facts, len(skips))


def plan_text(plan: PlanView, rate: float) -> Text:
    """The plan as the New job screen shows it; labels and reasons are shown literally."""
    writes = ", ".join(f"{source} {count}" for source, count in sorted(plan.writes_by_source.items()))
    lines = [
        Text.assemble((f"Plan {plan.job_id}", "bold"), f" ({plan.status})"),
        *([Text(printable(f"nothing to do: {plan.nothing}"), "bold")] if plan.nothing else []),
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
    full: str = ""  # everything the event holds (its step key, its payload), for the report one key away


def _detail(type_name: str, payload: Mapping[str, Any], step: str | None) -> str:
    where = f"{step}: " if step else ""
    if type_name == "step.failed":
        return (
            f"{where}{payload.get('code')}: {payload.get('message')} (HTTP {payload.get('status')}, "
            f"request {payload.get('request_id') or '-'}, "
            f"{'retryable' if payload.get('retryable') else 'not retryable'})"
        )
    if type_name == "step.started":
        return f"{where}attempt {payload.get('attempt')}"
    if type_name == "step.succeeded":
        return f"{where}→ {shown_value(payload.get('value'))} (request {payload.get('request_id') or '-'})"
    if type_name in ("step.skipped", "step.blocked", "item.skipped"):
        return f"{where}{payload.get('reason')}"
    if type_name == "step.resolved":
        return f"{where}{payload.get('outcome')} (found {shown_value(payload.get('current'))})"
    if type_name == "step.planned":
        before, after = shown_value(payload.get("before")), shown_value(payload.get("after"))
        return f"{payload.get('label') or step or ''}: {before} → {after}"
    if type_name == "preload.completed":
        return (
            f"{payload.get('data_source')}: {payload.get('pages')} pages in {payload.get('requests')} "
            f"requests, {payload.get('ms')} ms"
        )
    if type_name == "job.retry_requested":  # the item keys (page ids) are in the full text, one key away
        items = payload.get("items") or []
        what = f"{len(items)} item{'s' if len(items) != 1 else ''}" if items else "all failed or blocked"
        reason = payload.get("reason")
        return f"retry {what}" + (f" ({reason})" if reason else "")
    if type_name == "job.cancel_requested":
        return f"cancel {payload.get('reason') or ''}".strip()
    if type_name == "item.planned":
        return f"{payload.get('label')} ({payload.get('kind')})"
    return ""


JOB_FACTS = ("preload.completed", *OPERATOR_TYPES)
"""The job's events every item's timeline shows: preloads and the operator's actions (the log filters them:
a job of 50,000 items has some 300,000 events)."""


def _full(seq: int, at: str, type_name: str, step_key: str | None, payload: Any) -> str:
    lines = [f"event {seq} at {clock_text(at)}: {type_name}"]
    if step_key:
        lines.append(f"step key: {step_key}")
    if isinstance(payload, Mapping):
        lines.extend(f"{key}: {value}" for key, value in payload.items())
    return "\n".join(lines)


def item_timeline(log: EventLog, job_id: str, item_key: str) -> list[TimelineLine]:
    """The item's events and its job's facts, oldest first; a step is named by its label (the plan's words
    for it), its key is in the line's full text."""
    lines: list[TimelineLine] = []
    for record in log.records_of_job(job_id, JOB_FACTS):
        payload = loads(record.payload, {})
        actor = f" by {record.operator}" if record.type in OPERATOR_TYPES else ""
        detail = _detail(record.type, payload, None)
        full = _full(record.seq, record.recorded_at, record.type, None, payload)
        lines.append(TimelineLine(record.seq, record.recorded_at, record.type + actor, detail, full))
    labels = {step.step_key: step.label or _short(step.step_key) for step in log.steps(job_id, item_key)}
    for record in log.records_of_item(job_id, item_key):
        payload = loads(record.payload, {})
        step = labels.get(record.step_key, _short(record.step_key)) if record.step_key else None
        full = _full(record.seq, record.recorded_at, record.type, record.step_key, payload)
        lines.append(
            TimelineLine(
                record.seq, record.recorded_at, record.type, _detail(record.type, payload, step), full
            )
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


# ---- audits (verify, replay check) ------------------------------------------------------------------------


def verify_text(report: VerifyReport) -> str:
    """The hash chain's verification in a sentence (and the head's hash to write down)."""
    if report.ok:
        if report.checked == 0:
            return "The log holds no events yet: there is no chain to break."
        return (
            f"The chain of {report.checked:,} events is intact: each event's hash covers the one before it, "
            f"up to event {report.head.seq:,}.\nIts head hash is {report.head.hash}."
        )
    at = f"event {report.first_broken:,}" if report.first_broken is not None else "an unknown event"
    before = f" The {report.first_broken - 1:,} events before it are intact." if report.first_broken else ""
    return f"The chain is broken at {at}: {report.problem or 'its hash does not match'}.{before}"


def replay_text(report: ReplayReport) -> str:
    """The replay check in a sentence, then the differences found (if any), one a line."""
    if report.ok:
        return (
            f"Replaying the {report.events:,} events rebuilds exactly the tables the log holds "
            f"(up to event {report.head.seq:,})."
        )
    found = len(report.differences)
    more = " (the first of more)" if report.truncated else ""
    lines = [
        f"Replaying the {report.events:,} events does not rebuild the tables the log holds: "
        f"{found:,} difference{'s' if found != 1 else ''}{more}:"
    ]
    lines.extend(f"  {difference.describe()}" for difference in report.differences)
    return "\n".join(lines)

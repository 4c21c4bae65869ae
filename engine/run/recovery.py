"""Working on a stored plan: resume a job that stopped (or execute a dry run), retry failed and blocked
steps, discard a plan nobody will execute; and ask a job to stop from outside any engine (`request_cancel`).

No write of a stored plan is sent before `Freshness.read_all` has read, in batch, what changed in the
workspace since the plan was made (engine.run.freshness); the read is recorded as `plan.refreshed`. A step
whose outcome a crash left unknown (in doubt) is resolved from that read before anything is written.

A dry run's plan is refused rather than executed when it is older than the configured age, or when a job
on an overlapping selection ran after it was made: the operator plans again (`paydesk run …`) or throws it
away (`paydesk discard JOB`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import trio

from engine.notion.failures import NotionFailure, ResponseShapeError, proves_not_applied
from engine.notion.gateway import RequestCounters
from engine.run.binding import CopyNotBound, refuse_copy
from engine.run.freshness import AT_TARGET, Freshness, utc_now
from engine.run.jobs import JobRefused, check_once, envelope, execute_plan, job_locks, refuse_over_limit
from engine.run.locks import effective_status
from engine.run.plan import Item, Step
from engine.run.plan_codec import items_from_events
from engine.run.plan_names import missing_names, names_used
from engine.run.progress import JobProgress
from engine.run.report import DONE, JobReport
from engine.run.runtime import Runtime, current_operator
from engine.run.selection import keys_overlap, parse_selection
from engine.run.writes import StepState
from engine.workspace.props import RecordShapeError
from engine.workspace.schema import TITLES
from eventlog import (
    Event,
    EventLog,
    GroupCommitWriter,
    JobCancelRequested,
    JobDiscarded,
    JobFinished,
    JobResumed,
    JobRow,
    Location,
    PlanRefreshed,
    RetryRequested,
    StepResolved,
    json_object,
)


@dataclass
class StoredJob:
    row: JobRow
    items: list[Item]
    rows: dict[str, Any]  # step key -> StepRow
    others: list[JobRow]  # every other job of the log (for the stale-plan rule)

    @property
    def never_started(self) -> bool:
        """A dry run's plan nobody has executed yet."""
        return self.row.status == "planned" and self.row.started_at is None


def load_job(log: EventLog, job_id: str) -> StoredJob | None:
    job = log.job(job_id)
    if job is None:
        return None
    upcast = log.registry.upcast
    events = (
        (
            r.type,
            {
                **upcast(r.type, r.version, json.loads(r.payload)),
                "item_key": r.item_key,
                "step_key": r.step_key,
            },
        )
        for r in log.records_of_job(job_id)
    )
    items = items_from_events(events)
    rows = {row.step_key: row for row in log.steps(job_id)}
    others = [other for other in log.jobs() if other.job_id != job_id]
    return StoredJob(job, items, rows, others)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def stale_reason(job: JobRow, others: Sequence[JobRow], now: datetime, max_age: timedelta) -> str | None:
    """Why a dry run's plan may not be executed any more, or None while it may."""
    planned = _when(job.planned_at) or _when(job.created_at)
    if planned is None:
        return None
    if now - planned > max_age:
        return (
            f"the plan of {job.job_id} was made {_age(now - planned)} ago, longer than a plan may wait "
            f"({_age(max_age)}, [engine] plan_max_age_minutes); plan again, and "
            f"`paydesk discard {job.job_id}` throws this one away"
        )
    for other in others:
        ran = other.finished_at or other.started_at
        if other.started_at is None or ran is None or (_when(ran) or planned) <= planned:
            continue
        if not keys_overlap(other.selection_key, job.selection_key):
            continue
        chosen = parse_selection(other.selection_key)
        what = chosen.describe() if chosen is not None else other.kind
        return (
            f"job {other.job_id} ({what}, {other.status}) ran on an overlapping selection after the plan of "
            f"{job.job_id} was made, so the plan may be out of date; plan again, and "
            f"`paydesk discard {job.job_id}` throws this one away"
        )
    return None


def plan_refusal(log: EventLog, row: JobRow, now: datetime, max_age: timedelta) -> str | None:
    """Why a resume of `row` would be refused before it writes anything (`stale_reason`, which
    `resume_job` applies to a plan never started), read from `log`; None when it would not be."""
    if row.planned_at is None:
        return _never_planned(row)
    if row.started_at is not None:
        return None
    return stale_reason(row, [other for other in log.jobs() if other.job_id != row.job_id], now, max_age)


def _never_planned(row: JobRow) -> str:
    """Why a job stopped before its plan was stored cannot be resumed. Found walking the console: resuming
    one there was refused as a plan gone stale, naming a job run since, as if it had a plan to go stale."""
    return f"job {row.job_id} never got a plan ({row.status}); start a new job instead"


def display_status(db_path: Any, job: JobRow, now: datetime, max_age: timedelta) -> str:
    """The status to show: interrupted when the log says running but nobody runs it; expired for a dry
    run's plan older than `max_age`."""
    status = effective_status(db_path, job.job_id, job.status)
    planned = _when(job.planned_at)
    if status == "planned" and job.started_at is None and planned is not None and now - planned > max_age:
        return "expired"
    return status


RESUMED = ("planned", "started", "blocked", "cancelled")
"""The step statuses a resume takes up (a failed step waits for `retry`)."""


def steps_left(row: JobRow) -> int:
    """The steps a resume of the job would take up: planned, in doubt, blocked and cancelled."""
    return row.steps_planned + row.steps_started + row.steps_blocked + row.steps_cancelled


def logged_states(stored: StoredJob) -> dict[str, StepState]:
    """Each planned step's state as the log has it (a step with no row yet is planned)."""
    states: dict[str, StepState] = {}
    for item in stored.items:
        for step in item.steps:
            row = stored.rows.get(step.key)
            if row is None:
                states[step.key] = StepState(current=step.before)
            else:
                unapplied = row.status == "failed" and proves_not_applied(row.http_status)
                states[step.key] = StepState(
                    row.status, step.before, row.attempts, page_id=row.page_id, unapplied=unapplied
                )
    return states


async def _stored(rt: Runtime, job_id: str) -> StoredJob:
    stored = await rt.read_log(lambda log: load_job(log, job_id))
    if stored is None:
        raise JobRefused(f"no job {job_id} in the log; `paydesk jobs` lists the jobs")
    return stored


async def _refresh(
    rt: Runtime,
    stored: StoredJob,
    steps: Sequence[Step],
    states: dict[str, StepState],
    counters: RequestCounters,
) -> Freshness:
    """Read what changed since the plan was made (before any write), and record that it was read."""
    since = _when(stored.row.created_at) or utc_now()
    fresh = Freshness(rt.gateway, rt.config.data_sources, counters, stored.items, since=since)
    try:
        read = await fresh.read_all(steps, states)
    except (NotionFailure, RecordShapeError, ResponseShapeError) as err:
        why = err.describe() if isinstance(err, NotionFailure) else str(err)
        raise JobRefused(
            f"could not read what changed in Notion since the plan of {stored.row.job_id} was made: {why}"
        ) from None
    await rt.recorder.record(
        PlanRefreshed(
            **envelope(rt, stored.row.job_id),
            since=since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            read=dict(read),
            changed=len(fresh.known),
            requests=fresh.requests,
        )
    )
    return fresh


def _resolve_in_doubt(
    rt: Runtime, stored: StoredJob, fresh: Freshness, states: dict[str, StepState]
) -> list[StepResolved]:
    """Steps a crash left started without an outcome, settled from what the read found: an update whose
    target holds its value was applied; any other was not. A create is left planned: it looks its source
    key up before sending again (and the batch read may already have found its page)."""
    resolved: list[StepResolved] = []
    for item in stored.items:
        for step in item.steps:
            state = states[step.key]
            if state.status != "started":
                continue
            state.status = "planned"
            if step.kind == "create":
                continue
            seen = fresh.known.get(step.target)
            value = seen.values.get(step.property, step.before) if seen is not None else step.before
            applied = step.at_target(value)
            state.status = "succeeded" if applied else "planned"
            state.current = value
            resolved.append(
                StepResolved(
                    **envelope(rt, stored.row.job_id),
                    item_key=item.key,
                    step_key=step.key,
                    outcome="succeeded" if applied else "not_applied",
                    current=value,
                )
            )
    return resolved


def _done(states: Mapping[str, StepState]) -> frozenset[str]:
    """The steps at their target (succeeded or skipped) as a run begins (`JobReport.done_before`)."""
    return frozenset(key for key, state in states.items() if state.status in DONE)


def _resumable(stored: StoredJob) -> StoredJob:
    """`stored`, unless its job cannot be resumed (JobRefused, saying why)."""
    row = stored.row
    if row.status == "discarded":
        raise JobRefused(f"job {row.job_id} was discarded ({row.error}); plan again with `paydesk run …`")
    if row.planned_at is None:
        raise JobRefused(_never_planned(row))
    if row.status == "completed":
        raise JobRefused(f"job {row.job_id} is completed: nothing to resume")
    return stored


async def resume_job(
    rt: Runtime,
    job_id: str,
    *,
    workers: int | None = None,
    cancel: trio.Event | None = None,
    progress: JobProgress | None = None,
    now: datetime | None = None,
    allow_over_limit: bool = False,
    undecided: Callable[[EventLog, JobRow], str | None] | None = None,
) -> JobReport:
    """Finish a job that stopped, or execute a dry run's stored plan (one moving more than `[limits]`
    allow only with `allow_over_limit`; one whose kind waits for an operator's decision only once
    `undecided`, `engine.kinds.undecided` for the engine and the command line, says none is awaited)."""
    stored = _resumable(await _stored(rt, job_id))
    async with job_locks(rt, job_id, stored.row.selection_key, stored.row.kind):
        # Read again now that no other run can start: another process may have run the job (to its end)
        # between the first read and the lock.
        stored = _resumable(await _stored(rt, job_id))
        if stored.never_started:
            reason = stale_reason(stored.row, stored.others, now or utc_now(), rt.config.plan_max_age)
            if reason is not None:
                raise JobRefused(reason)
            if not allow_over_limit:
                refuse_over_limit(rt, job_id, json_object(stored.row.totals))
            if undecided is not None:
                row = stored.row
                waiting = await rt.read_log(lambda log: undecided(log, row))
                if waiting is not None:
                    raise JobRefused(waiting)
        counters = RequestCounters()
        states = logged_states(stored)
        done_before = _done(states)
        for state in states.values():
            if state.status in RESUMED and state.status != "started":  # in doubt: resolved below
                state.status = "planned"
        steps = [step for item in stored.items for step in item.steps]
        await _before_recording(rt, stored, [s for s in steps if states[s.key].status in RESUMED], counters)
        await rt.recorder.record(JobResumed(**envelope(rt, job_id)))
        return await _run_again(
            rt, stored, states, counters, done_before, stored.items, steps, workers, cancel, progress
        )


async def _run_again(
    rt: Runtime,
    stored: StoredJob,
    states: dict[str, StepState],
    counters: RequestCounters,
    done_before: frozenset[str],
    items: list[Item],
    refreshed: Sequence[Step],
    workers: int | None,
    cancel: trio.Event | None,
    progress: JobProgress | None,
) -> JobReport:
    """The rest of a resume or retry once it is recorded: read again what `refreshed` steps write, settle
    the steps left in doubt, execute `items`, and report the job with this run's share (`done_before`: the
    steps at their target when it began)."""
    job_id = stored.row.job_id
    fresh = await _refresh(rt, stored, refreshed, states, counters)
    resolved = _resolve_in_doubt(rt, stored, fresh, states)
    if resolved:
        await rt.recorder.record(*resolved)
    status, error = await execute_plan(
        rt,
        job_id,
        items,
        states,
        counters,
        workers,
        cancel,
        progress,
        fresh,
        cancels_before=stored.row.cancel_requested,
    )
    return JobReport(
        job_id, status, stored.items, states, None, counters, error=error, done_before=done_before
    )


async def _before_recording(
    rt: Runtime, stored: StoredJob, steps: Sequence[Step], counters: RequestCounters
) -> None:
    """Refuse, with nothing sent or recorded, a stored plan's `steps` that cannot run here: the workspace
    is paid from another store of this log (a copy still being topped up must stay the beginning of its
    log), or it no longer has a property they use (see engine.run.plan_names) — first the engine run's check
    of the names the configuration gives, then the names the stored plan holds."""
    logicals = sorted({logical for step in steps for logical, _ in names_used(step)})
    try:
        await refuse_copy(rt, await check_once(rt, logicals, counters), counters)
    except CopyNotBound as err:
        raise JobRefused(str(err)) from None
    schemas = {
        logical: properties
        for logical in logicals
        if isinstance(properties := rt.checked.get(logical, {}).get("properties"), Mapping)
    }
    missing = missing_names(steps, schemas)
    if not missing:
        return
    job_id, kind = stored.row.job_id, stored.row.kind
    named = "; ".join(
        f'{TITLES.get(logical, logical)} "{name}" ({count} step{"" if count == 1 else "s"})'
        for (logical, name), count in sorted(missing.items())
    )
    then = (
        f"and throw this one away with `paydesk discard {job_id}`"
        if stored.never_started
        else "(what this job already wrote stays written)"
    )
    raise JobRefused(
        f"the plan of job {job_id} uses properties the workspace no longer has: {named}. They were renamed "
        f"or removed after the plan was made, so nothing was sent; plan again with `paydesk run {kind} …` "
        + then
    )


def _retryable(stored: StoredJob, item_keys: Sequence[str]) -> StoredJob:
    """`stored`, unless its job (or one of `item_keys`) cannot be retried (JobRefused, saying why)."""
    job_id = stored.row.job_id
    if stored.row.status == "discarded":
        raise JobRefused(f"job {job_id} was discarded ({stored.row.error}); plan again with `paydesk run …`")
    if stored.never_started:
        raise JobRefused(f"job {job_id} is a dry run nobody executed: `paydesk resume {job_id}` executes it")
    known = {item.key for item in stored.items}
    unknown = [key for key in item_keys if key not in known]
    if unknown:
        raise JobRefused(f"job {job_id} has no item {', '.join(unknown)}; `paydesk show {job_id}` lists them")
    return stored


async def retry_job(
    rt: Runtime,
    job_id: str,
    *,
    item_keys: Sequence[str] = (),
    reason: str = "",
    workers: int | None = None,
    cancel: trio.Event | None = None,
    progress: JobProgress | None = None,
) -> JobReport:
    """Run a job's failed and blocked steps (of `item_keys`, or of every item) again."""
    stored = _retryable(await _stored(rt, job_id), item_keys)
    async with job_locks(rt, job_id, stored.row.selection_key, stored.row.kind):
        # Read again under the lock: another process may have run the job between the first read and now.
        stored = _retryable(await _stored(rt, job_id), item_keys)
        chosen = [i for i in stored.items if not item_keys or i.key in item_keys]
        counters = RequestCounters()
        states = logged_states(stored)
        done_before = _done(states)
        again = [
            step
            for item in chosen
            for step in item.steps
            if states[step.key].status in ("failed", "blocked", "started", "cancelled", "planned")
        ]
        if not again:
            raise JobRefused(f"job {job_id} has no failed or blocked steps to retry")
        await _before_recording(rt, stored, again, counters)
        await rt.recorder.record(RetryRequested(**envelope(rt, job_id), items=list(item_keys), reason=reason))
        for step in again:
            if states[step.key].status != "started":
                states[step.key].status = "planned"
        retried = [item for item in chosen if any(step in again for step in item.steps)]
        return await _run_again(
            rt, stored, states, counters, done_before, retried, again, workers, cancel, progress
        )


def request_cancel(db_path: Location, job: JobRow, *, reason: str = "", operator: str | None = None) -> bool:
    """Ask `job` to stop from outside any engine (`paydesk cancel`), recording the request in the log. A job
    that nobody runs any more (interrupted) ends here, as cancelled (True); a running one notices the
    request at its next poll of the log and stops (False). Synchronous: it waits for the log's commit."""
    who = operator or current_operator()
    events: list[Event] = [JobCancelRequested(job_id=job.job_id, operator=who, reason=reason)]
    ended = effective_status(db_path, job.job_id, job.status) == "interrupted"
    if ended:
        events.append(JobFinished(job_id=job.job_id, operator=who, status="cancelled", error=None))
    with GroupCommitWriter(db_path) as writer:
        writer.submit(events).result()
    return ended


async def discard_job(rt: Runtime, job_id: str, reason: str = "") -> JobRow:
    """Throw away a dry run's plan that nobody executed; it can no longer be resumed."""
    stored = await _stored(rt, job_id)
    if not stored.never_started:
        raise JobRefused(
            f"job {job_id} is {stored.row.status}; only a dry run's plan that was never executed can be "
            "discarded (`paydesk cancel` stops a running job)"
        )
    # Its own lock keeps a resume of it out; a plan nobody executed writes nothing to Notion, so a job
    # planning or running on the same selection (an operator planning again) does not stop the discard.
    async with job_locks(rt, job_id, None, stored.row.kind):
        await rt.recorder.record(JobDiscarded(**envelope(rt, job_id), reason=reason or "discarded"))
    row = await rt.read_log(lambda log: log.job(job_id))
    assert row is not None
    return row


__all__ = [
    "AT_TARGET",
    "StoredJob",
    "discard_job",
    "display_status",
    "load_job",
    "logged_states",
    "plan_refusal",
    "request_cancel",
    "resume_job",
    "retry_job",
    "stale_reason",
    "steps_left",
]

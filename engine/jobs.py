"""Jobs: created → planned → running → completed | completed_with_failures | failed | cancelled | interrupted.

`run_job` checks the workspace, preloads, plans, stores the plan and (unless it is a dry run) executes it.
`resume_job` finishes a job that stopped (a crash, a cancel, or a dry run the operator now confirms):
steps left in doubt are resolved by reading their targets before anything is written. `retry_job` runs
a job's failed and blocked steps again after re-reading their targets. All of it is in the event log.
A job holds a lock on itself and on its selection, so no second engine runs it or the same selection.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import trio

from engine import props
from engine.config import Config
from engine.executor import execute, initial_states
from engine.failures import NotionFailure, ResponseShapeError
from engine.gateway import NotionGateway, RequestCounters
from engine.locks import FileLock, LockHeld, job_lock, selection_lock
from engine.plan import Item, Plan, Step
from engine.plan_codec import items_from_events, plan_events
from engine.preload import Preloader, PreloadFact
from engine.progress import JobProgress
from engine.props import RecordShapeError
from engine.runtime import Runtime
from engine.workspace_spec import TITLES, check_renames, check_schema
from engine.writes import ExecutionContext, StepState
from eventlog import (
    EventLog,
    GatewayStats,
    JobCreated,
    JobFinished,
    JobResumed,
    JobStarted,
    LogFileError,
    PreloadCompleted,
    RetryRequested,
    StepResolved,
    WarningRecorded,
)
from eventlog.queries import records_of_job

Planner = Callable[[Preloader], Awaitable[Plan]]
CANCEL_POLL_S = 1.0


class JobRefused(Exception):
    """The job could not run (nothing was written to Notion); the message says why and what to do."""


@dataclass(frozen=True)
class JobSpec:
    kind: str
    params: Mapping[str, Any]
    selection_key: str
    data_sources: tuple[str, ...]  # logical databases whose schema is checked before any write


@dataclass
class JobReport:
    job_id: str
    status: str
    items: list[Item] = field(default_factory=list)
    states: dict[str, StepState] = field(default_factory=dict)
    plan: Plan | None = None
    counters: RequestCounters = field(default_factory=RequestCounters)
    error: str | None = None

    def item_status(self, item: Item) -> str:
        statuses = {self.states[s.key].status for s in item.steps}
        for status in ("failed", "blocked", "started", "cancelled", "planned"):
            if status in statuses:
                return "in_doubt" if status == "started" else status
        return "succeeded" if "succeeded" in statuses else "skipped"


def new_job_id(kind: str) -> str:
    return f"{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _envelope(rt: Runtime, job_id: str) -> dict[str, str]:
    return {"job_id": job_id, "operator": rt.operator}


class _Locks:
    """The job's own lock and its selection's, taken together or not at all."""

    def __init__(self, rt: Runtime, job_id: str, selection_key: str, kind: str) -> None:
        self.locks: list[FileLock] = [job_lock(rt.db_path, job_id), selection_lock(rt.db_path, selection_key)]
        self.job_id, self.kind = job_id, kind

    def __enter__(self) -> _Locks:
        try:
            self.locks[0].acquire()
        except LockHeld:
            raise JobRefused(f"job {self.job_id} is running in another paydesk process") from None
        try:
            self.locks[1].acquire()
        except LockHeld:
            self.locks[0].release()
            raise JobRefused(
                f"another {self.kind} job on the same selection is running; "
                "wait for it or cancel it (`paydesk jobs` lists it)"
            ) from None
        return self

    def __exit__(self, *_: object) -> None:
        for lock in reversed(self.locks):
            lock.release()


async def check_workspace(
    gateway: NotionGateway, config: Config, logicals: Sequence[str], counters: RequestCounters
) -> list[str]:
    """Schema problems of the data sources a job writes or reads (empty when all is well)."""
    problems: list[str] = check_renames(config)

    async def check(logical: str) -> None:
        ds_id = config.data_sources[logical]
        try:
            source = await gateway.retrieve_data_source(ds_id, counters)
        except NotionFailure as failure:
            problems.append(f"{TITLES[logical]} (data source {ds_id}): {failure.describe()}")
            return
        schema = source.get("properties")
        problems.extend(check_schema(logical, schema if isinstance(schema, Mapping) else {}, config))

    async with trio.open_nursery() as nursery:
        for logical in logicals:
            nursery.start_soon(check, logical)
    return sorted(problems)


async def _stats(rt: Runtime, job_id: str, counters: RequestCounters) -> None:
    snap = counters.snapshot()
    await rt.recorder.record(
        GatewayStats(
            **_envelope(rt, job_id),
            reads=int(snap["reads"]),
            writes=int(snap["writes"]),
            retries=int(snap["retries"]),
            throttles=int(snap["throttles"]),
            wait_ms=int(snap["wait_ms"]),
        )
    )


async def run_job(
    rt: Runtime,
    spec: JobSpec,
    planner: Planner,
    *,
    dry_run: bool = False,
    workers: int | None = None,
    cancel: trio.Event | None = None,
    job_id: str | None = None,
    progress: JobProgress | None = None,
) -> JobReport:
    job_id = job_id or new_job_id(spec.kind)
    env = _envelope(rt, job_id)
    with _Locks(rt, job_id, spec.selection_key, spec.kind):
        interrupted = await _interrupted_job(rt, spec.selection_key)
        if interrupted is not None:
            raise JobRefused(
                f"job {interrupted} on the same selection was interrupted; finish it with "
                f"`paydesk resume {interrupted}` or give it up with `paydesk cancel {interrupted}`"
            )
        counters = RequestCounters()
        await rt.recorder.record(
            JobCreated(**env, kind=spec.kind, params=dict(spec.params), selection_key=spec.selection_key),
            *(WarningRecorded(**env, code="config", message=w) for w in rt.config.warnings),
        )

        async def report(fact: PreloadFact) -> None:
            rt.recorder.record_nowait(
                PreloadCompleted(
                    **env,
                    data_source=fact.data_source,
                    filter=dict(fact.filter) if fact.filter is not None else None,
                    pages=fact.pages,
                    requests=fact.requests,
                    ms=fact.ms,
                )
            )

        try:
            problems = await check_workspace(rt.gateway, rt.config, spec.data_sources, counters)
            if problems:
                raise JobRefused("the workspace does not match what paydesk needs: " + "; ".join(problems))
            plan = await planner(Preloader(rt.gateway, rt.config, counters, report))
        except (JobRefused, NotionFailure, RecordShapeError, ResponseShapeError) as err:
            message = err.describe() if isinstance(err, NotionFailure) else str(err)
            await rt.recorder.flush()
            await _stats(rt, job_id, counters)
            await rt.recorder.record(JobFinished(**env, status="failed", error=message))
            raise JobRefused(message) from None
        except BaseException:  # stopped (quit, Ctrl-C) before a plan was stored: nothing to resume
            with trio.CancelScope(shield=True):
                await rt.recorder.flush()
                await _stats(rt, job_id, counters)
                stopped = "stopped before its plan was stored; start it again"
                await rt.recorder.record(JobFinished(**env, status="failed", error=stopped))
            raise
        await rt.recorder.flush()
        await rt.recorder.record(*plan_events(job_id, rt.operator, plan, rt.config.notion.rate))
        items = list(plan.items)
        states = initial_states(items)
        if dry_run:
            await _stats(rt, job_id, counters)
            return JobReport(job_id, "planned", items, states, plan, counters)
        status = await _execute(rt, job_id, items, states, counters, workers, cancel, progress)
        return JobReport(job_id, status, items, states, plan, counters)


async def _execute(
    rt: Runtime,
    job_id: str,
    items: list[Item],
    states: dict[str, StepState],
    counters: RequestCounters,
    workers: int | None,
    cancel: trio.Event | None,
    progress: JobProgress | None = None,
) -> str:
    env = _envelope(rt, job_id)
    count = workers or rt.config.workers
    await rt.recorder.record(JobStarted(**env, workers=count))
    ctx = ExecutionContext(
        job_id,
        rt.operator,
        rt.gateway,
        rt.recorder,
        counters,
        count,
        cancel if cancel is not None else trio.Event(),
        progress if progress is not None else JobProgress(),
        rt.config.data_sources,
    )
    finished = False
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_watch_cancel, rt, job_id, ctx.cancel)
            await execute(ctx, items, states)
            nursery.cancel_scope.cancel()
        finished = True
    finally:
        if not finished:  # the engine is being stopped (quit, Ctrl-C) or crashed: record it, resumable
            with trio.CancelScope(shield=True):
                await rt.recorder.flush()
                await _stats(rt, job_id, counters)
                await rt.recorder.record(JobFinished(**env, status="interrupted", error=None))
    status = outcome(states, cancelled=ctx.cancel.is_set())
    await _stats(rt, job_id, counters)
    await rt.recorder.record(JobFinished(**env, status=status, error=None))  # type: ignore[arg-type]
    return status


async def _interrupted_job(rt: Runtime, selection_key: str) -> str | None:
    """A job on this selection that a crash left running in the log (nobody holds its lock), if any.
    Starting afresh instead of resuming it could leave its half-done writes unfinished. A job stopped
    before it started executing (created, or planned) wrote nothing, so it holds nothing back."""

    def query(log: EventLog) -> list[str]:
        return [
            job.job_id for job in log.jobs() if job.selection_key == selection_key and job.status == "running"
        ]

    for job_id in await rt.read_log(query):
        if job_lock(rt.db_path, job_id).is_free():
            return job_id
    return None


def outcome(states: Mapping[str, StepState], *, cancelled: bool) -> str:
    statuses = {state.status for state in states.values()}
    if cancelled and statuses & {"cancelled", "planned"}:
        return "cancelled"
    if statuses & {"failed", "blocked", "started", "planned", "cancelled"}:
        return "completed_with_failures"
    return "completed"


async def _watch_cancel(rt: Runtime, job_id: str, cancel: trio.Event) -> None:
    """Notice a `paydesk cancel` from another process (it is recorded in the log). Only requests made
    after this run started count: an earlier run's cancel does not stop the resumed job.

    A poll that cannot open the log (e.g. its header read while a checkpoint grows the file) is skipped:
    the watcher tries again at the next poll, and the job it watches goes on."""
    seen: int | None = None
    while not cancel.is_set():
        try:
            row = await rt.read_log(lambda log: log.job(job_id))
        except LogFileError:
            row = None
        if row is not None and seen is None:
            seen = row.cancel_requested
        elif row is not None and seen is not None and row.cancel_requested > seen:
            cancel.set()
            return
        await trio.sleep(CANCEL_POLL_S)


# ---- resume and retry ----------------------------------------------------------------------------------


@dataclass
class _StoredJob:
    kind: str
    selection_key: str
    status: str
    items: list[Item]
    rows: dict[str, Any]  # step key -> StepRow


def _load(log: EventLog, job_id: str) -> _StoredJob | None:
    job = log.job(job_id)
    if job is None:
        return None
    events = (
        (r.type, {**json.loads(r.payload), "item_key": r.item_key, "step_key": r.step_key})
        for r in records_of_job(log.connection, job_id)
    )
    items = items_from_events(events)
    rows = {row.step_key: row for row in log.steps(job_id)}
    return _StoredJob(job.kind, job.selection_key, job.status, items, rows)


def _logged_states(stored: _StoredJob) -> dict[str, StepState]:
    """Each planned step's state as the log has it (a step with no row yet is planned)."""
    states: dict[str, StepState] = {}
    for item in stored.items:
        for step in item.steps:
            row = stored.rows.get(step.key)
            if row is None:
                states[step.key] = StepState(current=step.before)
            else:
                states[step.key] = StepState(row.status, step.before, row.attempts, page_id=row.page_id)
    return states


def _current_value(page: Mapping[str, Any], step: Step) -> Any:
    """The value of the step's property on a freshly read page (for status/select: the option name)."""
    payload = step.write.get(step.property)
    kind = next(iter(payload)) if isinstance(payload, Mapping) and payload else None
    if kind in ("status", "select"):
        return props.option(page, step.property, kind)
    return None


async def _reread(rt: Runtime, steps: Sequence[Step], counters: RequestCounters) -> dict[str, Any]:
    """The freshest value of each step's target, read in one concurrent batch; failures map to a marker."""
    values: dict[str, Any] = {}

    async def read(step: Step) -> None:
        try:
            page = await rt.gateway.retrieve_page(step.target, counters)
            values[step.key] = _current_value(page, step)
        except (NotionFailure, RecordShapeError, ResponseShapeError):
            values[step.key] = None

    async with trio.open_nursery() as nursery:
        for step in steps:
            nursery.start_soon(read, step)
    return values


async def resume_job(
    rt: Runtime,
    job_id: str,
    *,
    workers: int | None = None,
    cancel: trio.Event | None = None,
    progress: JobProgress | None = None,
) -> JobReport:
    stored = await rt.read_log(lambda log: _load(log, job_id))
    if stored is None:
        raise JobRefused(f"no job {job_id} in the log; `paydesk jobs` lists the jobs")
    if stored.status in ("created", "failed") and not stored.items:
        raise JobRefused(f"job {job_id} never got a plan ({stored.status}); start a new job instead")
    env = _envelope(rt, job_id)
    with _Locks(rt, job_id, stored.selection_key, stored.kind):
        counters = RequestCounters()
        states = _logged_states(stored)
        for state in states.values():
            if state.status in ("blocked", "cancelled"):
                state.status = "planned"
        in_doubt = [s for item in stored.items for s in item.steps if states[s.key].status == "started"]
        for step in [s for s in in_doubt if s.kind == "create"]:
            # No page to read: the create itself looks its source key up before sending again.
            states[step.key].status = "planned"
        in_doubt = [s for s in in_doubt if s.kind != "create"]
        await rt.recorder.record(JobResumed(**env))
        if in_doubt:
            values = await _reread(rt, in_doubt, counters)
            resolved = []
            for step in in_doubt:
                applied = step.at_target(values[step.key])
                states[step.key].status = "succeeded" if applied else "planned"
                states[step.key].current = values[step.key]
                resolved.append(
                    StepResolved(
                        **env,
                        item_key=_item_of(stored.items, step.key),
                        step_key=step.key,
                        outcome="succeeded" if applied else "not_applied",
                        current=values[step.key],
                    )
                )
            await rt.recorder.record(*resolved)
        status = await _execute(rt, job_id, stored.items, states, counters, workers, cancel, progress)
        return JobReport(job_id, status, stored.items, states, None, counters)


def _item_of(items: Sequence[Item], step_key: str) -> str:
    for item in items:
        if any(s.key == step_key for s in item.steps):
            return item.key
    raise KeyError(step_key)


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
    stored = await rt.read_log(lambda log: _load(log, job_id))
    if stored is None:
        raise JobRefused(f"no job {job_id} in the log; `paydesk jobs` lists the jobs")
    known = {item.key for item in stored.items}
    unknown = [key for key in item_keys if key not in known]
    if unknown:
        raise JobRefused(f"job {job_id} has no item {', '.join(unknown)}; `paydesk show {job_id}` lists them")
    chosen = [i for i in stored.items if not item_keys or i.key in item_keys]
    env = _envelope(rt, job_id)
    with _Locks(rt, job_id, stored.selection_key, stored.kind):
        counters = RequestCounters()
        states = _logged_states(stored)
        again = [
            step
            for item in chosen
            for step in item.steps
            if states[step.key].status in ("failed", "blocked", "started", "cancelled", "planned")
        ]
        if not again:
            raise JobRefused(f"job {job_id} has no failed or blocked steps to retry")
        await rt.recorder.record(RetryRequested(**env, items=list(item_keys), reason=reason))
        values = await _reread(rt, [s for s in again if s.kind != "create"], counters)
        for step in again:
            states[step.key].status = "planned"
            states[step.key].current = values.get(step.key)
        retried = [item for item in chosen if any(step in again for step in item.steps)]
        status = await _execute(rt, job_id, retried, states, counters, workers, cancel, progress)
        return JobReport(job_id, status, stored.items, states, None, counters)

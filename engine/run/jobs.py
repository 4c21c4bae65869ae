"""Jobs: created → planned → running → completed | completed_with_failures | failed | cancelled | interrupted
(or planned → discarded).

`run_job` checks the workspace, preloads, plans, stores the plan and (unless it is a dry run) executes it.
`engine.run.recovery` finishes a job that stopped or executes a dry run's stored plan (`resume_job`), re-runs
failed and blocked steps (`retry_job`) and throws a plan away (`discard_job`). All of it is in the event
log. A job holds a lock on itself and on its selection (engine.run.selection), so no second engine runs it or
an overlapping selection at the same time.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import trio

from engine.notion.failures import NotionFailure, ResponseShapeError, proves_not_applied
from engine.notion.gateway import NotionGateway, RequestCounters, open_gateway
from engine.run.binding import CopyNotBound, NotBound, ensure_owner, refuse_copy
from engine.run.executor import AT_TARGET, execute, initial_states
from engine.run.freshness import Freshness, utc_now
from engine.run.locks import Lock, LockHeld, LogLinked
from engine.run.notify import announce_end
from engine.run.plan import Item, Plan
from engine.run.plan_codec import plan_events
from engine.run.preload import Preloader, PreloadFact
from engine.run.progress import JobProgress
from engine.run.report import JobReport
from engine.run.runtime import Runtime
from engine.run.selection import keys_overlap
from engine.run.writes import ExecutionContext, StepState
from engine.workspace import money
from engine.workspace.config import Config
from engine.workspace.contractors import UnknownContractor
from engine.workspace.props import RecordShapeError
from engine.workspace.schema import TITLES, check_renames, check_schema
from eventlog import (
    EventLog,
    EventLogError,
    GatewayStats,
    JobCreated,
    JobDiscarded,
    JobFinished,
    JobStarted,
    LogFileError,
    PreloadCompleted,
    PriorCreate,
    WarningRecorded,
)

Planner = Callable[[Preloader], Awaitable[Plan]]
CANCEL_POLL_S = 1.0
NOTHING_TO_DO = "the plan has nothing to do"


class JobRefused(Exception):
    """The job could not run (nothing was written to Notion); the message says why and what to do."""


@dataclass(frozen=True)
class JobSpec:
    kind: str
    params: Mapping[str, Any]
    selection_key: str
    data_sources: tuple[str, ...]  # logical databases whose schema is checked before any write


def new_job_id(kind: str) -> str:
    return f"{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def envelope(rt: Runtime, job_id: str) -> dict[str, str]:
    return {"job_id": job_id, "operator": rt.operator}


class SelectionBusy(JobRefused):
    """Another job on an overlapping selection holds its lock (`job_locks` names it)."""


class JobLocks:
    """The job's own lock and its selection's, taken together or not at all."""

    def __init__(self, rt: Runtime, job_id: str, selection_key: str | None, kind: str) -> None:
        """`selection_key` None: the job's own lock only (for what writes nothing to Notion)."""
        try:
            self.locks: list[Lock] = [
                rt.coordination.job_lock(job_id),
                *(rt.coordination.selection_locks(selection_key) if selection_key is not None else ()),
            ]
        except LogLinked as err:
            raise JobRefused(str(err)) from None
        self.job_id, self.kind = job_id, kind
        self._held: list[Lock] = []

    def __enter__(self) -> JobLocks:
        try:
            self.locks[0].acquire()
        except LockHeld:
            raise JobRefused(f"job {self.job_id} is running in another paydesk process") from None
        self._held.append(self.locks[0])
        for lock in self.locks[1:]:
            try:
                lock.acquire()
            except LockHeld:
                self.__exit__()
                raise SelectionBusy(
                    f"another {self.kind} job on an overlapping selection is running; "
                    "wait for it or cancel it (`paydesk jobs` lists it)"
                ) from None
            self._held.append(lock)
        return self

    def __exit__(self, *_: object) -> None:
        for lock in reversed(self._held):
            lock.release()
        self._held = []


@asynccontextmanager
async def job_locks(rt: Runtime, job_id: str, selection_key: str | None, kind: str) -> AsyncIterator[None]:
    """`JobLocks` held for the block; refused because of another job's selection, the refusal names that
    job (which the operator can wait for, show or cancel) and says this one was not started."""
    locks = JobLocks(rt, job_id, selection_key, kind)
    try:
        locks.__enter__()
    except SelectionBusy as busy:
        try:
            holder = await _running_job(rt, selection_key or "", job_id)
        except EventLogError:  # the log cannot be read now: the refusal stands without the name
            holder = None
        if holder is None:  # it has not recorded itself yet, or has just finished
            raise
        raise JobRefused(
            f"job {holder}, a {kind} job on an overlapping selection, is running, so {job_id} did not start; "
            f"wait for it or stop it with `paydesk cancel {holder}`"
        ) from busy
    try:
        yield
    finally:
        locks.__exit__()


async def check_workspace(
    gateway: NotionGateway,
    config: Config,
    logicals: Sequence[str],
    counters: RequestCounters,
    seen: dict[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """Schema problems of the data sources a job writes or reads (empty when all is well); the data
    sources read are left in `seen` (logical name -> data source object)."""
    problems: list[str] = check_renames(config)

    async def check(logical: str) -> None:
        ds_id = config.data_sources[logical]
        try:
            source = await gateway.retrieve_data_source(ds_id, counters)
        except NotionFailure as failure:
            problems.append(f"{TITLES[logical]} (data source {ds_id}): {failure.describe()}")
            return
        if seen is not None:
            seen[logical] = source
        schema = source.get("properties")
        problems.extend(check_schema(logical, schema if isinstance(schema, Mapping) else {}, config))

    async with trio.open_nursery() as nursery:
        for logical in logicals:
            nursery.start_soon(check, logical)
    return sorted(problems)


async def check_once(rt: Runtime, logicals: Sequence[str], counters: RequestCounters) -> dict[str, Any]:
    """Check the schema of the data sources in `logicals` that this engine run has not checked yet (all of
    them again after Notion answered any request with a validation error); raises JobRefused naming every
    problem. Returns the data sources read now (logical name -> data source object)."""
    if rt.gateway.validation_errors != rt.checked_at_errors:
        rt.checked.clear()
        rt.checked_at_errors = rt.gateway.validation_errors
    seen: dict[str, Mapping[str, Any]] = {}
    todo = [logical for logical in logicals if logical not in rt.checked]
    problems = await check_workspace(rt.gateway, rt.config, todo, counters, seen)
    if problems:
        raise JobRefused("the workspace does not match what paydesk needs: " + "; ".join(problems))
    rt.checked.update(seen)
    return seen


async def doctor(config: Config) -> list[str]:
    """What `paydesk doctor` finds wrong (empty when nothing): Notion refusing the token or out of reach,
    else every data source's schema problems."""
    async with open_gateway(config.notion, config.token) as gateway:
        try:
            await gateway.me()
        except NotionFailure as failure:
            return [f"Notion refused the token or cannot be reached: {failure.describe()}"]
        return await check_workspace(gateway, config, list(TITLES), gateway.totals)


async def record_stats(rt: Runtime, job_id: str, counters: RequestCounters) -> None:
    snap = counters.snapshot()
    await rt.recorder.record(
        GatewayStats(
            **envelope(rt, job_id),
            reads=int(snap["reads"]),
            writes=int(snap["writes"]),
            retries=int(snap["retries"]),
            throttles=int(snap["throttles"]),
            wait_ms=int(snap["wait_ms"]),
        )
    )


def refuse_over_limit(rt: Runtime, job_id: str, totals: Mapping[str, object]) -> None:
    """Refuse to execute a plan that moves more than the configuration's `[limits] max_per_job`."""
    over = money.over_limits(totals, rt.config.limits)
    if over:
        moved = "; ".join(map(str, over))
        raise JobRefused(
            f"job {job_id} would move {moved}: it is kept as a plan; read it with `paydesk show {job_id}`, "
            f"then execute it with `paydesk resume {job_id} --allow-over-limit` or discard it"
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
    allow_over_limit: bool = False,
) -> JobReport:
    job_id = job_id or new_job_id(spec.kind)
    env = envelope(rt, job_id)
    async with job_locks(rt, job_id, spec.selection_key, spec.kind):
        interrupted = await _interrupted_job(rt, spec.selection_key)
        if interrupted is not None:
            raise JobRefused(
                f"job {interrupted} on an overlapping selection was interrupted; finish it with "
                f"`paydesk resume {interrupted}` or give it up with `paydesk cancel {interrupted}`"
            )
        counters = RequestCounters()
        since = utc_now()  # what the plan reads is the workspace as of now
        # Checked before the job is recorded: refused as running on a copy of the log that pays, it
        # records nothing (a copy still being topped up must stay the beginning of its log); any other
        # refusal is recorded with the job, below.
        checked: BaseException | None = None
        try:
            source = await refuse_copy(rt, await check_once(rt, spec.data_sources, counters), counters)
        except CopyNotBound as err:
            raise JobRefused(str(err)) from None
        except (JobRefused, NotionFailure, ResponseShapeError) as err:
            checked = err
        await rt.recorder.record(
            JobCreated(**env, kind=spec.kind, params=dict(spec.params), selection_key=spec.selection_key),
            *(WarningRecorded(**env, code="config", message=w) for w in rt.config.warnings),
        )
        facts: list[PreloadFact] = []

        async def report(fact: PreloadFact) -> None:
            facts.append(fact)
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
            if checked is not None:
                raise checked
            # refused at once if another log owns the workspace (its mark read afresh for every job: the
            # schema check's read when it made one); an unbound one is claimed when executing
            owned = await ensure_owner(rt, job_id, counters, claim=False, source=source)
            loader = Preloader(rt.gateway, rt.config, counters, report, rt.read_log, rt.checked)
            plan = await planner(loader)
        except (
            JobRefused,
            NotBound,
            UnknownContractor,
            NotionFailure,
            RecordShapeError,
            ResponseShapeError,
        ) as err:
            message = err.describe() if isinstance(err, NotionFailure) else str(err)
            await rt.recorder.flush()
            await record_stats(rt, job_id, counters)
            await rt.recorder.record(JobFinished(**env, status="failed", error=message))
            announce_end(rt, job_id)
            raise JobRefused(message) from None
        except BaseException as err:  # stopped before a plan was stored: nothing to resume
            # Quit or Ctrl-C: cancelled, by the operator (listed "failed", it read as something gone wrong,
            # and a webhook called people for it); anything else: failed.
            with trio.CancelScope(shield=True):
                try:
                    await rt.recorder.flush()
                    await record_stats(rt, job_id, counters)
                    stopped = "stopped before its plan was stored; start it again"
                    ended = JobFinished(
                        **env, status="cancelled" if only_stopped(err) else "failed", error=stopped
                    )
                    await rt.recorder.record(ended)
                except EventLogError:
                    pass  # the log itself is what failed: the caller reports that
            raise
        await rt.recorder.flush()
        await rt.recorder.record(*plan_events(job_id, rt.operator, plan, rt.config.notion.rate))
        items = list(plan.items)
        states = initial_states(items)
        if not plan.steps and dry_run:  # nothing to execute later: no job is left to resume
            await record_stats(rt, job_id, counters)
            await rt.recorder.record(JobDiscarded(**env, reason=NOTHING_TO_DO))
            return JobReport(job_id, "discarded", items, states, plan, counters, preloads=facts)
        if dry_run:
            await record_stats(rt, job_id, counters)
            return JobReport(job_id, "planned", items, states, plan, counters, preloads=facts)
        if not allow_over_limit:
            try:
                refuse_over_limit(rt, job_id, plan.totals)
            except JobRefused:  # the plan stays, to be read, executed on purpose, or discarded
                await record_stats(rt, job_id, counters)
                raise
        fresh = Freshness(rt.gateway, rt.config.data_sources, counters, items, since=since)
        status, error = await execute_plan(
            rt, job_id, items, states, counters, workers, cancel, progress, fresh, confirm_owner=not owned
        )
        return JobReport(job_id, status, items, states, plan, counters, error=error, preloads=facts)


def only_stopped(error: BaseException) -> bool:
    """Whether `error` is a run being stopped (trio's cancellation, a KeyboardInterrupt), however grouped."""
    if isinstance(error, BaseExceptionGroup):
        return error.split((trio.Cancelled, KeyboardInterrupt))[1] is None
    return isinstance(error, (trio.Cancelled, KeyboardInterrupt))


async def execute_plan(
    rt: Runtime,
    job_id: str,
    items: list[Item],
    states: dict[str, StepState],
    counters: RequestCounters,
    workers: int | None,
    cancel: trio.Event | None,
    progress: JobProgress | None,
    fresh: Freshness | None,
    *,
    confirm_owner: bool = True,
    cancels_before: int = 0,
) -> tuple[str, str | None]:
    """Execute `items` to their outcomes and record how the job ended: (status, error).

    With `confirm_owner` (a stored plan, or a workspace nobody owned when it was planned), first read the
    workspace's mark again: refused (the plan stays, to be executed later) unless this log owns it, or
    claims it now. `cancels_before` is how many cancels the log held for the job when this run began: one
    recorded since (`paydesk cancel` while the job planned, say) stops it before its first write."""
    env = envelope(rt, job_id)
    try:
        if confirm_owner:
            await ensure_owner(rt, job_id, counters, claim=True)
    except NotBound as err:
        raise JobRefused(str(err)) from None
    except NotionFailure as failure:
        raise JobRefused(f"cannot read the workspace's owner: {failure.describe()}; try again") from None
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
        fresh=fresh,
        maker_elsewhere=lambda page_id: _maker_elsewhere(rt, job_id, page_id),
        prior_creates=await _prior_creates(rt, job_id, items, states),
    )
    finished = False
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(_watch_cancel, rt, job_id, ctx.cancel, cancels_before)
            await execute(ctx, items, states)
            nursery.cancel_scope.cancel()
        finished = True
    finally:
        if not finished:  # the engine is being stopped (quit, Ctrl-C) or crashed: record it, resumable
            with trio.CancelScope(shield=True):
                try:
                    await rt.recorder.flush()
                    await record_stats(rt, job_id, counters)
                    await rt.recorder.record(JobFinished(**env, status="interrupted", error=None))
                except EventLogError:
                    pass  # the log itself failed (moved, disk full): the job stays resumable as it is
    error: str | None = None
    if ctx.stopped is not None:
        status = "failed"
        error = (
            f"Notion refused the integration token ({ctx.stopped.describe()}); the job stopped at once. "
            f"Set a valid NOTION_TOKEN, then `paydesk resume {job_id}`"
        )
    else:
        status = outcome(states, cancelled=ctx.cancel.is_set())
    await record_stats(rt, job_id, counters)
    await rt.recorder.record(JobFinished(**env, status=status, error=error))  # type: ignore[arg-type]
    announce_end(rt, job_id)  # in the background: the webhook hears of a job that needs people
    return status, error


async def _prior_creates(
    rt: Runtime, job_id: str, items: Sequence[Item], states: Mapping[str, StepState]
) -> dict[str, list[PriorCreate]]:
    """Target -> the creates other jobs recorded for it that made a page or may have, for the creates
    this job has still to make. Notion's queries show a new page only after a lag, so a job planned right
    after another made a payout may not have seen it (found walking: `paydesk run generate` twice in a row
    made every payout twice). A failure that proves its create made nothing does not count."""
    targets = [
        step.target
        for item in items
        for step in item.steps
        if step.kind == "create" and states[step.key].status not in AT_TARGET
    ]
    if not targets:
        return {}
    found = await rt.read_log(lambda log: log.creates_for(targets, other_than=job_id))
    priors: dict[str, list[PriorCreate]] = {}
    for prior in found:
        if prior.status == "failed" and proves_not_applied(prior.http_status):
            continue
        priors.setdefault(prior.target, []).append(prior)
    return priors


async def _maker_elsewhere(rt: Runtime, job_id: str, page_id: str) -> str | None:
    """The job other than `job_id` that the log says made `page_id` (the first, by id), if any."""
    makers = await rt.read_log(lambda log: log.makers_of(page_id, other_than=job_id))
    return makers[0] if makers else None


async def _running_job(rt: Runtime, selection_key: str, job_id: str) -> str | None:
    """The job on an overlapping selection that some process (this one or another) is running, if any."""
    for found in await _overlapping(rt, selection_key, ("created", "planned", "running"), job_id):
        if not rt.coordination.job_lock(found).is_free():
            return found
    return None


async def _interrupted_job(rt: Runtime, selection_key: str) -> str | None:
    """A job on an overlapping selection that a crash left running in the log (nobody holds its lock), if
    any. Starting afresh instead of resuming it could leave its half-done writes unfinished. A job stopped
    before it started executing (created, or planned) wrote nothing, so it holds nothing back."""
    for found in await _overlapping(rt, selection_key, ("running",)):
        if rt.coordination.job_lock(found).is_free():
            return found
    return None


async def _overlapping(
    rt: Runtime, selection_key: str, statuses: tuple[str, ...], other_than: str | None = None
) -> list[str]:
    """The jobs the log has in one of `statuses` on a selection overlapping `selection_key`."""

    def query(log: EventLog) -> list[str]:
        return [
            job.job_id
            for job in log.jobs()
            if job.status in statuses
            and job.job_id != other_than
            and keys_overlap(job.selection_key, selection_key)
        ]

    return await rt.read_log(query)


def outcome(states: Mapping[str, StepState], *, cancelled: bool) -> str:
    statuses = {state.status for state in states.values()}
    if cancelled and statuses & {"cancelled", "planned"}:
        return "cancelled"
    if statuses & {"failed", "blocked", "started", "planned", "cancelled"}:
        return "completed_with_failures"
    return "completed"


async def _watch_cancel(
    rt: Runtime,
    job_id: str,
    cancel: trio.Event,
    seen: int,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Notice a `paydesk cancel` from another process (it is recorded in the log): more cancels than the
    `seen` the job had when this run began (an earlier run's cancel does not stop the resumed job). The
    first poll is made before the execution starts (`task_status`): a cancel asked while the job was
    planning stops it before any write. Found walking: one asked then was counted as an earlier run's, and
    the job went on to write everything it planned.

    A poll that cannot open the log (e.g. its header read while a checkpoint grows the file) is skipped:
    the watcher tries again at the next poll, and the job it watches goes on."""
    if not cancel.is_set() and await _cancelled_since(rt, job_id, seen):
        cancel.set()
    task_status.started()
    while not cancel.is_set():
        await trio.sleep(CANCEL_POLL_S)
        if await _cancelled_since(rt, job_id, seen):
            cancel.set()


async def _cancelled_since(rt: Runtime, job_id: str, seen: int) -> bool:
    """Whether the log holds more cancels of the job than `seen` (False when it cannot be read now)."""
    try:
        row = await rt.read_log(lambda log: log.job(job_id))
    except LogFileError:
        return False
    return row is not None and row.cancel_requested > seen

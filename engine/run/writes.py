"""Sending one step's write: an update, or a create guarded by a lookup of its source key.

A `started` event is made durable before any request. A cooperative cancel (the job's cancel event) takes
effect between steps, so it never interrupts a write; a hard stop (the engine's scope cancelled: quit,
Ctrl-C) abandons the request in flight, and that step is left in doubt for resume to resolve by reading
its target. A create whose outcome is uncertain
(a timeout, a dropped connection, a 5xx, or an earlier attempt that crashed) is never simply sent again:
its `lookup` filter is queried first — waiting out Notion's query lag within a bound — and a page found
there is taken as the one this step made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import trio

from engine.notion.failures import Disposition, NotionFailure
from engine.notion.filter_match import matches
from engine.notion.gateway import NotionGateway, RequestCounters
from engine.run.freshness import Freshness
from engine.run.plan import CREATED, Step
from engine.run.progress import JobProgress
from engine.run.recorder import Recorder
from engine.workspace import props
from engine.workspace.refs import resolve
from eventlog import PriorCreate, StepCancelled, StepFailed, StepSkipped, StepStarted, StepSucceeded

LOOKUP_WAIT_S = 6.0  # how long a lookup waits out query lag before concluding "not created"
LOOKUP_POLL_S = 0.5
CREATE_ATTEMPTS = 3  # sends of one create in one run (each after a lookup found nothing)


@dataclass
class StepState:
    status: str = "planned"
    current: Any = None  # the freshest known value of the step's property ("created" for a made page)
    attempts: int = 0
    error: str | None = None
    page_id: str | None = None  # the page written (for a create: the page made)
    unapplied: bool = False  # its last attempt failed with an answer proving it made nothing


@dataclass
class ExecutionContext:
    job_id: str
    operator: str
    gateway: NotionGateway
    recorder: Recorder
    counters: RequestCounters
    workers: int
    cancel: trio.Event = field(default_factory=trio.Event)
    progress: JobProgress = field(default_factory=JobProgress)
    data_sources: Mapping[str, str] = field(default_factory=dict)  # logical name -> data source id
    busy: int = 0  # workers currently inside an item
    lookup_wait_s: float = LOOKUP_WAIT_S
    fresh: Freshness | None = None  # what the workspace holds now (None: trust the plan as it is)
    stopped: NotionFailure | None = None  # Notion refused the token: no step starts any more
    # The job, other than this one, that the log says made a page (None: none), asked of a page an attempt
    # of ours left in doubt before it was found: a job run meanwhile may have made it, and then it is theirs.
    maker_elsewhere: Callable[[str], Awaitable[str | None]] | None = None
    # Target -> the creates other jobs recorded for it that made a page, or may have (see `made_before`).
    prior_creates: Mapping[str, Sequence[PriorCreate]] = field(default_factory=dict)


async def adopt_found(
    ctx: ExecutionContext, step: Step, state: StepState, envelope: dict[str, Any], page_id: str
) -> None:
    """The page found for a create an earlier attempt of this job left in doubt: the one that attempt made
    (it succeeded), unless the log says another job made it. Then it is theirs, and the step is skipped
    naming that job, so that one page is recorded as made by one job (the ledger counts it once)."""
    maker = None if ctx.maker_elsewhere is None else await ctx.maker_elsewhere(page_id)
    if maker is None:
        _succeeded(ctx, step, state, envelope, {"id": page_id, "object": "page"})
        return
    _made_by(ctx, state, envelope, f"already made by job {maker}", page_id)


def _made_by(
    ctx: ExecutionContext, state: StepState, envelope: dict[str, Any], who: str, page_id: str
) -> None:
    """Skip a create whose page exists, made by someone else (`who` says by whom)."""
    state.status, state.current, state.page_id = "skipped", CREATED, page_id
    reason = f"{who}: page {page_id} exists for it"
    ctx.recorder.record_nowait(StepSkipped(**envelope, reason=reason, current=CREATED, page_id=page_id))


async def settled_by_another_job(
    ctx: ExecutionContext,
    step: Step,
    state: StepState,
    states: Mapping[str, StepState],
    envelope: dict[str, Any],
) -> bool:
    """Settle a create another job made the page of, or may have (moments ago, perhaps: the plan's reads
    missed it), as skipped naming that job (see `made_before`); True when settled so (or when reading
    failed, recorded as the step's failure). A create this job already attempted is left to its own
    lookup."""
    priors = ctx.prior_creates.get(step.target)
    if not priors or step.kind != "create" or state.attempts > 0:
        return False
    try:
        made = await made_before(ctx, step, states, priors)
    except NotionFailure as failure:
        _failed(ctx, state, envelope, failure)
        return True
    if made is None:
        return False
    _made_by(ctx, state, envelope, *made)
    return True


async def made_before(
    ctx: ExecutionContext, step: Step, states: Mapping[str, StepState], priors: Sequence[PriorCreate]
) -> tuple[str, str] | None:
    """Who made this create's page before, and the page, if Notion still holds it: a page another job's
    log says it made for the same target, read by id (a page read by id is there at once, where a query
    shows it only after Notion's lag, so the preload the plan came from may have missed it) and matching
    this create's lookup as it stands now (a line item made under an Order since trashed is not the one
    to make under the new Order); else the page the lookup finds, waiting out that lag, when another job's
    create is in doubt or a page read cannot be matched here. A page made before but since moved to the
    trash or deleted does not count: the plan makes another, as it did before."""
    if step.lookup is None:
        return None  # nothing to tell this create's page by
    try:
        flt = resolve(dict(step.lookup), states, bare=True)
    except KeyError:
        return None
    made = {prior.page_id: prior.job_id for prior in priors if prior.status == "succeeded" and prior.page_id}
    look = any(prior.status != "succeeded" for prior in priors)
    for page_id, job in made.items():
        try:
            page = await ctx.gateway.retrieve_page(page_id, ctx.counters)
        except NotionFailure as failure:
            if failure.status == 404:
                continue
            raise
        if props.trashed(page):
            continue
        verdict = matches(flt, page)
        if verdict:
            return f"already made by job {job}", page_id
        look = look or verdict is None
    if not look:
        return None
    found = await lookup(ctx, step, states, wait=True)
    if found is None:
        return None
    if found in made:
        return f"already made by job {made[found]}", found
    doubtful = next((prior.job_id for prior in priors if prior.status != "succeeded"), None)
    if doubtful is not None:
        return f"already made, by the create job {doubtful} sent without hearing back", found
    return "already made", found


async def lookup(
    ctx: ExecutionContext, step: Step, states: Mapping[str, StepState], *, wait: bool
) -> str | None:
    """The page an earlier attempt of this create made, if any (waiting out query lag when `wait`)."""
    if step.lookup is None:
        return None
    data_source = ctx.data_sources[step.logical]
    flt = resolve(dict(step.lookup), states, bare=True)
    deadline = trio.current_time() + (ctx.lookup_wait_s if wait else 0.0)
    while True:
        pages, _ = await ctx.gateway.query_all(data_source, flt, ctx.counters)
        live = [p for p in pages if not p.get("in_trash") and not p.get("archived")]
        if live:
            return props.page_id(live[0])
        if trio.current_time() >= deadline:
            return None
        await trio.sleep(LOOKUP_POLL_S)


async def perform(
    ctx: ExecutionContext,
    step: Step,
    state: StepState,
    states: Mapping[str, StepState],
    envelope: dict[str, Any],
) -> None:
    if step.kind == "create":
        await _create(ctx, step, state, states, envelope)
    else:
        await _update(ctx, step, state, states, envelope)


async def _started(ctx: ExecutionContext, state: StepState, envelope: dict[str, Any]) -> None:
    state.attempts += 1
    state.status = "started"
    await ctx.recorder.record(StepStarted(**envelope, attempt=state.attempts))


def _succeeded(
    ctx: ExecutionContext, step: Step, state: StepState, envelope: dict[str, Any], page: Mapping[str, Any]
) -> None:
    state.status = "succeeded"
    state.current = step.after
    state.page_id = props.page_id(page)
    if ctx.fresh is not None and "properties" in page:
        ctx.fresh.observe(page, trio.current_time())
    request_id = page.get("request_id")
    ctx.recorder.record_nowait(
        StepSucceeded(
            **envelope,
            value=step.after,
            request_id=request_id if isinstance(request_id, str) else None,
            page_id=state.page_id,
        )
    )


def _failed(
    ctx: ExecutionContext, state: StepState, envelope: dict[str, Any], failure: NotionFailure
) -> None:
    if failure.disposition is Disposition.REFUSED:  # not this step's fault, and not applied: stop the job
        ctx.stopped = ctx.stopped or failure
        state.status, state.error = "cancelled", failure.describe()
        ctx.recorder.record_nowait(StepCancelled(**envelope))
        return
    state.status = "failed"
    state.error = failure.describe()
    ctx.recorder.record_nowait(
        StepFailed(
            **envelope,
            status=failure.status,
            code=failure.code,
            message=failure.message,
            request_id=failure.request_id,
            retryable=failure.retryable,
        )
    )


async def _update(
    ctx: ExecutionContext,
    step: Step,
    state: StepState,
    states: Mapping[str, StepState],
    envelope: dict[str, Any],
) -> None:
    await _started(ctx, state, envelope)
    try:
        page = await ctx.gateway.update_page(step.target, resolve(dict(step.write), states), ctx.counters)
    except NotionFailure as failure:
        _failed(ctx, state, envelope, failure)
        return
    _succeeded(ctx, step, state, envelope, page)


async def _create(
    ctx: ExecutionContext,
    step: Step,
    state: StepState,
    states: Mapping[str, StepState],
    envelope: dict[str, Any],
) -> None:
    data_source = ctx.data_sources[step.logical]
    payload = resolve(dict(step.write), states)
    uncertain = state.attempts > 0  # an earlier attempt (maybe in a crashed run) may have made it
    # ... unless its failure proves it made nothing (a 400): then one look, without waiting out the lag
    wait = not state.unapplied
    for _ in range(CREATE_ATTEMPTS):
        if uncertain:
            try:
                found = await lookup(ctx, step, states, wait=wait)
            except NotionFailure as failure:
                _failed(ctx, state, envelope, failure)
                return
            if found is not None:
                await adopt_found(ctx, step, state, envelope, found)
                return
        await _started(ctx, state, envelope)
        try:
            page = await ctx.gateway.create_page(data_source, payload, ctx.counters)
        except NotionFailure as failure:
            if failure.maybe_applied and step.lookup is not None:
                uncertain = wait = True
                state.error = failure.describe()
                continue
            _failed(ctx, state, envelope, failure)
            return
        _succeeded(ctx, step, state, envelope, page)
        return
    _failed(
        ctx,
        state,
        envelope,
        NotionFailure(
            status=None,
            code="create_uncertain",
            message=f"{CREATE_ATTEMPTS} attempts had no certain outcome ({state.error})",
            request_id=None,
            disposition=Disposition.TRANSIENT,
            maybe_applied=True,
        ),
    )

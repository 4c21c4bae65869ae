"""Executing a stored plan: items in a bounded worker pool, steps leaf first, each write guarded.

For every step, in the order planned (children before parents):
- already succeeded or skipped (a resumed job): nothing to do;
- cancellation requested: `cancelled`;
- a create it depends on found its source's page made outside this job: `skipped` (as planning now would);
- a step it depends on is not at target: `blocked`, naming which and why;
- a create whose page another job made, or may have made (its create in doubt), and Notion still holds:
  `skipped`, naming that job (engine.run.writes.settled_by_another_job);
- the freshest known value already equals the target: `skipped` (a create whose page already exists:
  `skipped`, naming the page);
- something the plan assumed no longer holds (engine.run.freshness): `blocked`, saying what changed;
- a parent whose children, as its relation links them now, are not all at an accepted value: `blocked`;
- otherwise the write is sent (see engine.run.writes): `started` first, then `succeeded` or `failed`.
One item's failure never stops another. Cancellation is cooperative: no new step starts once it is
requested, and a write already sent finishes, so its outcome is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import trio

from engine.run.freshness import WRITE, Verdict
from engine.run.plan import CREATED, Item, Step
from engine.run.writes import ExecutionContext, StepState, adopt_found, perform, settled_by_another_job
from eventlog import StepBlocked, StepCancelled, StepSkipped

AT_TARGET = frozenset({"succeeded", "skipped"})


def initial_states(items: Sequence[Item]) -> dict[str, StepState]:
    return {step.key: StepState(current=step.before) for item in items for step in item.steps}


async def execute(ctx: ExecutionContext, items: Sequence[Item], states: dict[str, StepState]) -> None:
    """Run `items` to their outcomes, updating `states` in place."""
    limiter = trio.CapacityLimiter(ctx.workers)
    ctx.progress.total += sum(
        1 for item in items for step in item.steps if states[step.key].status not in AT_TARGET
    )

    async def worker(item: Item) -> None:
        async with limiter:
            ctx.busy += 1
            try:
                await run_item(ctx, item, states)
            finally:
                ctx.busy -= 1

    async with trio.open_nursery() as nursery:
        for item in items:
            nursery.start_soon(worker, item)
    await ctx.recorder.flush()


async def run_item(ctx: ExecutionContext, item: Item, states: dict[str, StepState]) -> None:
    labels = {step.key: step.label for step in item.steps}
    for step in item.steps:
        state = states[step.key]
        if state.status in AT_TARGET:
            continue
        await _settle(ctx, item, step, state, states, labels)
        if state.status != "started":  # a step left in doubt is not settled
            ctx.progress.record(state.status)


async def _settle(
    ctx: ExecutionContext,
    item: Item,
    step: Step,
    state: StepState,
    states: dict[str, StepState],
    labels: Mapping[str, str],
) -> None:
    """Bring one step to its outcome for this run (see the module docstring for the order of checks)."""
    envelope = {"job_id": ctx.job_id, "operator": ctx.operator, "item_key": item.key, "step_key": step.key}
    if ctx.cancel.is_set() or ctx.stopped is not None:
        state.status = "cancelled"
        ctx.recorder.record_nowait(StepCancelled(**envelope))
        return
    made_elsewhere = _made_elsewhere(item, step, states)
    if made_elsewhere is not None:
        state.status = "skipped"
        ctx.recorder.record_nowait(StepSkipped(**envelope, reason=made_elsewhere, current=state.current))
        return
    unmet = [key for key in step.depends_on if states[key].status not in AT_TARGET]
    if unmet:
        state.status = "blocked"
        state.error = _blocked_reason(unmet, states, labels)
        ctx.recorder.record_nowait(StepBlocked(**envelope, reason=state.error))
        return
    if await settled_by_another_job(ctx, step, state, states, envelope):
        return
    verdict = _verdict(ctx, step, state)
    if verdict.action == "skip":
        state.status, state.current = "skipped", verdict.current
        ctx.recorder.record_nowait(
            StepSkipped(**envelope, reason=f"already {step.after}", current=verdict.current)
        )
        return
    if verdict.action == "exists":
        await _exists(ctx, step, state, envelope, verdict)
        return
    if verdict.action == "block":
        _block(ctx, state, envelope, verdict.reason)
        return
    if ctx.fresh is not None and step.children:
        reason = await ctx.fresh.children_unready(step, states)
        if reason is not None:
            _block(ctx, state, envelope, f"not written because {reason}")
            return
    await perform(ctx, step, state, states, envelope)


def _made_elsewhere(item: Item, step: Step, states: Mapping[str, StepState]) -> str | None:
    """Why `step` is skipped when a create it depends on found its source's page made outside this job (by
    hand, by another job): the source already has its record, so the item is left as planning it now would
    leave it ("already exists"), and nothing after the create is written."""
    for key in step.depends_on:
        state = states[key]
        if state.status != "skipped" or not state.page_id:
            continue  # the common case, checked first: most steps depend on none that were skipped
        for create in item.steps:
            if create.key == key and create.kind == "create" and create.source is not None:
                made = f"page {state.page_id}"
                return f"not written: {create.label} already exists ({made}), made outside this job"
    return None


def _verdict(ctx: ExecutionContext, step: Step, state: StepState) -> Verdict:
    if ctx.fresh is not None:
        return ctx.fresh.verdict(step, state.current)
    return Verdict("skip", current=state.current) if step.at_target(state.current) else WRITE


def _block(ctx: ExecutionContext, state: StepState, envelope: dict[str, str], reason: str) -> None:
    state.status, state.error = "blocked", reason
    ctx.recorder.record_nowait(StepBlocked(**envelope, reason=reason))


async def _exists(
    ctx: ExecutionContext, step: Step, state: StepState, envelope: dict[str, str], verdict: Verdict
) -> None:
    """A create whose page already exists: the one an earlier attempt of this step made (`adopt_found`),
    or one made by another job or by hand (skipped, naming it)."""
    if state.attempts > 0 and verdict.page_id:
        await adopt_found(ctx, step, state, envelope, verdict.page_id)
        return
    state.status, state.current, state.page_id = "skipped", CREATED, verdict.page_id
    ctx.recorder.record_nowait(
        StepSkipped(**envelope, reason=verdict.reason, current=CREATED, page_id=verdict.page_id)
    )


def _blocked_reason(unmet: list[str], states: Mapping[str, StepState], labels: Mapping[str, str]) -> str:
    parts = []
    for key in unmet[:3]:
        state = states[key]
        why = f" ({state.error})" if state.error and state.status == "failed" else ""
        parts.append(f"{labels.get(key, key)} is {state.status}{why}")
    more = f" and {len(unmet) - 3} more" if len(unmet) > 3 else ""
    return "not written because " + "; ".join(parts) + more

"""Event histories for the event-log tests: a small fixed one and a hypothesis strategy of valid ones."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from eventlog import (
    Event,
    GatewayStats,
    ItemPlanned,
    ItemSkipped,
    JobCancelRequested,
    JobCreated,
    JobFinished,
    JobPlanned,
    JobResumed,
    JobStarted,
    PreloadCompleted,
    RetryRequested,
    StepBlocked,
    StepCancelled,
    StepFailed,
    StepPlanned,
    StepResolved,
    StepSkipped,
    StepStarted,
    StepSucceeded,
    WarningRecorded,
)

OP = "ops@example.com"


def planned_job(job: str, items: dict[str, list[str]]) -> list[Event]:
    """A created and planned job whose items have the given step keys."""
    events: list[Event] = [
        JobCreated(job_id=job, operator=OP, kind="commit", params={"month": "2025-01"}, selection_key="sel"),
        PreloadCompleted(
            job_id=job, operator=OP, data_source="payables", filter=None, pages=2, requests=2, ms=40
        ),
    ]
    for item, steps in items.items():
        events.append(
            ItemPlanned(job_id=job, operator=OP, item_key=item, label=item.title(), kind="payable", data={})
        )
        for step in steps:
            events.append(
                StepPlanned(
                    job_id=job,
                    operator=OP,
                    item_key=item,
                    step_key=step,
                    kind="set",
                    target=f"page-{step}",
                    property="Status",
                    before="Open",
                    after="Paid",
                )
            )
    n_steps = sum(len(steps) for steps in items.values())
    events.append(
        JobPlanned(
            job_id=job,
            operator=OP,
            items=len(items),
            steps=n_steps,
            totals={"EUR": "10.00"},
            estimate={"requests": n_steps, "seconds": 1},
        )
    )
    return events


def small_history(job: str = "job-1") -> list[Event]:
    """One job: item a succeeds, item b fails on its second step."""
    events = planned_job(job, {"a": ["a1", "a2"], "b": ["b1", "b2"]})
    events.append(JobStarted(job_id=job, operator=OP, workers=2))
    for item, step in (("a", "a1"), ("a", "a2"), ("b", "b1")):
        events.append(StepStarted(job_id=job, operator=OP, item_key=item, step_key=step, attempt=1))
        events.append(
            StepSucceeded(job_id=job, operator=OP, item_key=item, step_key=step, value="Paid", request_id="r")
        )
    events.append(StepStarted(job_id=job, operator=OP, item_key="b", step_key="b2", attempt=1))
    events.append(
        StepFailed(
            job_id=job,
            operator=OP,
            item_key="b",
            step_key="b2",
            status=400,
            code="validation_error",
            message="bad",
            request_id="r2",
            retryable=False,
        )
    )
    events.append(JobFinished(job_id=job, operator=OP, status="completed_with_failures"))
    return events


def _execute_step(rng: random.Random, job: str, item: str, step: str, out: list[Event]) -> str:
    """Random execution of one step; returns its final status."""
    kw: dict[str, Any] = {"job_id": job, "operator": OP, "item_key": item, "step_key": step}
    path = rng.choice(
        ["succeed", "skip", "fail", "block", "cancel", "doubt_applied", "doubt_lost", "idle", "start"]
    )
    if path == "idle":
        return "planned"
    if path == "skip" and rng.random() < 0.5:
        out.append(StepSkipped(**kw, reason="already there", current="Paid"))
        return "skipped"
    if path == "block":
        out.append(StepBlocked(**kw, reason="child failed"))
        return "blocked"
    if path == "cancel":
        out.append(StepCancelled(**kw))
        return "cancelled"
    out.append(StepStarted(**kw, attempt=1))
    if path == "start":
        return "started"
    if path == "fail":
        out.append(
            StepFailed(
                **kw,
                status=rng.choice([None, 409, 500]),
                code="conflict_error",
                message="nope",
                request_id=None,
                retryable=rng.random() < 0.5,
            )
        )
        return "failed"
    if path in ("doubt_applied", "doubt_lost"):
        out.append(
            StepResolved(**kw, outcome="succeeded" if path == "doubt_applied" else "not_applied", current=1.5)
        )
        return "succeeded" if path == "doubt_applied" else "planned"
    if path == "skip":
        out.append(StepSkipped(**kw, reason="already there", current={"x": [1, None]}))
        return "skipped"
    out.append(StepSucceeded(**kw, value={"v": rng.randint(0, 9)}, request_id="req", page_id=None))
    return "succeeded"


def job_stream(rng: random.Random, job: str) -> list[Event]:
    items = {f"item-{i}": [f"s{i}-{k}" for k in range(rng.randint(0, 3))] for i in range(rng.randint(0, 4))}
    events = planned_job(job, items)
    for item in items:
        if rng.random() < 0.15:
            events.insert(-1, ItemSkipped(job_id=job, operator=OP, item_key=item, reason="no valid rate"))
    if rng.random() < 0.2:
        return events  # a dry run stops at planned
    events.append(JobStarted(job_id=job, operator=OP, workers=rng.randint(1, 20)))
    statuses: dict[tuple[str, str], str] = {}
    extras: list[Callable[[], Event]] = [
        lambda: WarningRecorded(job_id=job, operator=OP, code="slow", message="rate limited"),
        lambda: GatewayStats(
            job_id=job,
            operator=OP,
            reads=rng.randint(0, 9),
            writes=rng.randint(0, 9),
            retries=1,
            throttles=0,
            wait_ms=rng.randint(0, 999),
        ),
        lambda: JobCancelRequested(job_id=job, operator=OP, reason="operator"),
    ]
    for item, steps in items.items():
        for step in steps:
            statuses[item, step] = _execute_step(rng, job, item, step, events)
            if rng.random() < 0.2:
                events.append(rng.choice(extras)())
    retry = [(i, s) for (i, s), status in statuses.items() if status in ("failed", "blocked")]
    if retry and rng.random() < 0.5:
        events.append(
            RetryRequested(job_id=job, operator=OP, items=sorted({i for i, _ in retry}), reason="retry")
        )
        events.append(JobResumed(job_id=job, operator=OP))
        for item, step in retry:
            events.append(StepStarted(job_id=job, operator=OP, item_key=item, step_key=step, attempt=2))
            events.append(StepSucceeded(job_id=job, operator=OP, item_key=item, step_key=step, value="Paid"))
    if rng.random() < 0.8:
        outcome = rng.choice(["completed", "completed_with_failures", "failed", "cancelled", "interrupted"])
        events.append(
            JobFinished(
                job_id=job, operator=OP, status=outcome, error=None if outcome == "completed" else "x"
            )
        )
    return events


def interleave(rng: random.Random, streams: list[list[Event]]) -> list[Event]:
    """Merge per-job streams, keeping each job's order, as concurrent jobs would."""
    cursors = [0] * len(streams)
    merged: list[Event] = []
    while live := [j for j, stream in enumerate(streams) if cursors[j] < len(stream)]:
        j = rng.choice(live)
        merged.append(streams[j][cursors[j]])
        cursors[j] += 1
    return merged


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """Valid histories of one to three concurrent jobs."""
    rng = draw(st.randoms(use_true_random=False))
    n_jobs = draw(st.integers(1, 3))
    return interleave(rng, [job_stream(rng, f"job-{j}") for j in range(n_jobs)])

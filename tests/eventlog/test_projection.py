"""The projection rules as a pure fold (no SQLite): statuses, attempts and counts."""

from __future__ import annotations

from typing import Any

import pytest

from eventlog import (
    EVENTS,
    Event,
    GatewayStats,
    ItemSkipped,
    JobCancelRequested,
    JobFinished,
    JobResumed,
    JobStarted,
    RetryRequested,
    StepBlocked,
    StepCancelled,
    StepFailed,
    StepResolved,
    StepSkipped,
    StepStarted,
    StepSucceeded,
)
from eventlog.projection import PAYLOAD_FREE, Changes, Projector, item_status
from eventlog.rows import ItemRow
from tests.eventlog.eventlog_histories import OP, planned_job


def fold(events: list[Event]) -> Changes:
    projector = Projector()
    for seq, event in enumerate(events, start=1):
        projector.apply(
            seq,
            f"t{seq:03d}",
            event.TYPE,
            event.job_id,
            event.item_key,
            event.step_key,
            event.operator,
            EVENTS.payload_of(event),
        )
    return projector.take_changes()


def step(cls: type[Event], key: str, **payload: Any) -> Event:
    return cls(job_id="j", operator=OP, item_key=key[0], step_key=key, **payload)


def test_a_dry_run_stops_at_planned_with_every_item_pending() -> None:
    (job,) = fold(planned_job("j", {"a": ["a1"], "b": ["b1", "b2"]})).jobs
    assert (job.status, job.items_pending, job.steps_planned, job.plan_steps) == ("planned", 2, 3, 3)


def test_the_job_status_follows_start_finish_and_resume() -> None:
    events = [*planned_job("j", {"a": ["a1"]}), JobStarted(job_id="j", operator=OP, workers=3)]
    assert fold(events).jobs[0].status == "running"
    events.append(JobFinished(job_id="j", operator=OP, status="interrupted", error="crash"))
    (job,) = fold(events).jobs
    assert (job.status, job.error, job.finished_at) == ("interrupted", "crash", "t007")
    events += [JobResumed(job_id="j", operator=OP), JobCancelRequested(job_id="j", operator=OP, reason="r")]
    (job,) = fold(events).jobs
    assert (job.status, job.finished_at, job.resumes, job.cancel_requested, job.started_at) == (
        "running",
        None,
        1,
        1,
        "t006",
    )


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ((), "pending"),
        (("planned", "planned"), "pending"),
        (("started", "planned"), "running"),
        (("succeeded", "planned"), "running"),
        (("succeeded", "skipped"), "succeeded"),
        (("skipped", "skipped"), "skipped"),
        (("succeeded", "failed"), "failed"),
        (("blocked", "failed"), "failed"),
        (("blocked", "succeeded"), "blocked"),
        (("cancelled", "started"), "cancelled"),
    ],
)
def test_an_items_status_follows_from_its_steps(outcomes: tuple[str, ...], expected: str) -> None:
    item = ItemRow("j", "a")
    for outcome in outcomes:
        setattr(item, f"n_{outcome}", getattr(item, f"n_{outcome}") + 1)
    assert item_status(item) == expected


def test_a_skipped_item_is_skipped_whatever_its_steps() -> None:
    changes = fold(
        [
            *planned_job("j", {"a": ["a1"]}),
            ItemSkipped(job_id="j", operator=OP, item_key="a", reason="no rate"),
        ]
    )
    (item,) = changes.items
    assert (item.status, item.skip_reason, changes.jobs[0].items_skipped) == ("skipped", "no rate", 1)


def test_a_retried_step_counts_its_attempts_and_clears_the_item_failure() -> None:
    events = [
        *planned_job("j", {"a": ["a1"]}),
        step(StepStarted, "a1", attempt=1),
        step(StepFailed, "a1", status=500, code="internal", message="boom", request_id="r", retryable=True),
    ]
    changes = fold(events)
    assert (changes.items[0].status, changes.jobs[0].items_failed, changes.items[0].last_error) == (
        "failed",
        1,
        "a1: internal: boom",
    )
    events += [step(StepStarted, "a1", attempt=2), step(StepSucceeded, "a1", value="Paid")]
    changes = fold(events)
    (job,), (item,), (row,) = changes.jobs, changes.items, changes.steps
    assert (row.status, row.attempts, row.retryable, item.status, item.attempts) == (
        "succeeded",
        2,
        1,
        "succeeded",
        2,
    )
    assert (job.items_failed, job.items_succeeded, job.steps_failed, job.steps_succeeded) == (0, 1, 0, 1)


def test_an_in_doubt_step_is_resolved_applied_or_back_to_planned() -> None:
    base = [
        *planned_job("j", {"a": ["a1", "a2"]}),
        step(StepStarted, "a1", attempt=1),
        step(StepStarted, "a2", attempt=1),
    ]
    changes = fold(
        [
            *base,
            step(StepResolved, "a1", outcome="succeeded", current="Paid"),
            step(StepResolved, "a2", outcome="not_applied", current="Open"),
        ]
    )
    statuses = {row.step_key: (row.status, row.value) for row in changes.steps}
    assert statuses == {"a1": ("succeeded", '"Paid"'), "a2": ("planned", '"Open"')}
    assert changes.items[0].status == "running"


def test_blocked_skipped_and_cancelled_steps_are_counted() -> None:
    changes = fold(
        [
            *planned_job("j", {"a": ["a1", "a2", "a3"]}),
            step(StepSkipped, "a1", reason="already", current="Paid"),
            step(StepBlocked, "a2", reason="child failed"),
            step(StepCancelled, "a3"),
        ]
    )
    (job,) = changes.jobs
    assert (job.steps_skipped, job.steps_blocked, job.steps_cancelled, job.steps_planned) == (1, 1, 1, 0)
    assert (job.items_blocked, changes.items[0].last_error) == (1, "a2: blocked: child failed")


def test_gateway_stats_of_every_run_add_up() -> None:
    stats = [
        GatewayStats(job_id="j", operator=OP, reads=r, writes=2 * r, retries=0, throttles=r, wait_ms=10)
        for r in (1, 5)
    ]
    (job,) = fold([*planned_job("j", {}), *stats]).jobs
    assert (job.reads, job.writes, job.throttles, job.wait_ms) == (6, 12, 6, 20)


def test_unknown_event_types_only_move_the_position() -> None:
    projector = Projector()
    projector.apply(7, "t", "test.other", "j", None, None, OP, {})
    assert (projector.position, projector.take_changes()) == (7, Changes())


def test_only_rows_whose_indexed_columns_moved_are_named_moved() -> None:
    projector = Projector()
    for seq, event in enumerate(
        [*planned_job("j", {"a": ["a1", "a2"], "b": ["b1"]}), step(StepStarted, "a1", attempt=1)], start=1
    ):
        projector.apply(
            seq, "t", event.TYPE, event.job_id, event.item_key, event.step_key, OP, EVENTS.payload_of(event)
        )
    first = projector.take_changes()
    assert (first.moved_jobs, first.moved_items) == ({"j"}, {("j", "a")})
    for seq, event in enumerate(
        [step(StepSucceeded, "a1", value="Paid"), step(StepStarted, "b1", attempt=1)], start=100
    ):
        projector.apply(
            seq, "t", event.TYPE, event.job_id, event.item_key, event.step_key, OP, EVENTS.payload_of(event)
        )
    second = projector.take_changes()
    assert ({item.item_key for item in second.items}, second.moved_jobs, second.moved_items) == (
        {"a", "b"},
        set(),
        {("j", "b")},  # a stayed running (a2 still planned); b moved from pending to running
    )


def test_the_folds_a_rebuild_calls_without_a_payload_read_none_of_it() -> None:
    """A rebuild does not decode the payloads of `PAYLOAD_FREE` types (it hands their folds `{}`): each of
    those folds must give the same rows whatever the payload."""
    events = [*planned_job("j", {"a": ["a1", "a2"]}), JobStarted(job_id="j", operator=OP, workers=1)]
    later: dict[str, Event] = {
        "step.started": step(StepStarted, "a1", attempt=1),
        "step.cancelled": step(StepCancelled, "a2"),
        "job.resumed": JobResumed(job_id="j", operator=OP),
        "job.retry_requested": RetryRequested(job_id="j", operator=OP, items=["a"], reason="why"),
    }
    assert set(later) == PAYLOAD_FREE
    for type_name, event in later.items():
        with_payload, without = Projector(), Projector()
        for seq, each in enumerate([*events, event], start=1):
            payload = EVENTS.payload_of(each)
            for projector, given in ((with_payload, payload), (without, {} if each is event else payload)):
                projector.apply(seq, "t", each.TYPE, each.job_id, each.item_key, each.step_key, OP, given)
        assert with_payload.take_changes() == without.take_changes(), type_name

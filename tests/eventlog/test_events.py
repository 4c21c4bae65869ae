"""Event types have stable names and versions; older stored versions are upcast when read or replayed."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from pathlib import Path

import pytest

from eventlog import EVENTS, Event, EventLog, EventRegistry, JobCreated, UnknownEventType
from eventlog.events import VOCABULARY

STABLE_NAMES = {
    "JobCreated": "job.created",
    "PreloadCompleted": "preload.completed",
    "ItemPlanned": "item.planned",
    "ItemSkipped": "item.skipped",
    "StepPlanned": "step.planned",
    "JobPlanned": "job.planned",
    "JobStarted": "job.started",
    "StepStarted": "step.started",
    "StepSucceeded": "step.succeeded",
    "StepSkipped": "step.skipped",
    "StepFailed": "step.failed",
    "StepBlocked": "step.blocked",
    "StepCancelled": "step.cancelled",
    "StepResolved": "step.resolved",
    "JobCancelRequested": "job.cancel_requested",
    "JobResumed": "job.resumed",
    "RetryRequested": "job.retry_requested",
    "WarningRecorded": "job.warning_recorded",
    "GatewayStats": "gateway.stats",
    "PlanRefreshed": "plan.refreshed",
    "JobDiscarded": "job.discarded",
    "JobFinished": "job.finished",
    "LogStarted": "log.started",
    "WorkspaceBound": "workspace.bound",
    "WorkspaceLost": "workspace.lost",
    "DriftAccepted": "drift.accepted",
    "DriftRestoreChosen": "drift.restore_chosen",
    "NotificationDelivered": "notification.delivered",
    "NotificationFailed": "notification.failed",
}
VERSIONS = {"StepPlanned": 3, "StepSkipped": 2, "JobPlanned": 2, "ItemPlanned": 2}  # the others: 1


def test_every_event_has_its_stable_type_name_and_version() -> None:
    assert {cls.__name__: cls.TYPE for cls in VOCABULARY} == STABLE_NAMES
    assert {cls.__name__: cls.VERSION for cls in VOCABULARY} == {
        name: VERSIONS.get(name, 1) for name in STABLE_NAMES
    }
    assert EVENTS.type_names() == sorted(STABLE_NAMES.values())


def test_events_are_immutable() -> None:
    event = JobCreated(job_id="j", operator="o", kind="k", params={}, selection_key="s")
    with pytest.raises(FrozenInstanceError):
        event.kind = "other"  # type: ignore[misc]


def test_a_type_name_cannot_be_taken_twice() -> None:
    registry = EventRegistry()

    @dataclass(frozen=True, slots=True, kw_only=True)
    class First(Event):
        TYPE = "test.same"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Second(Event):
        TYPE = "test.same"

    registry.register(First)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Second)


def test_a_payload_field_named_like_a_secret_cannot_be_registered() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Leaky(Event):
        TYPE = "test.leaky"
        api_token: str

    with pytest.raises(ValueError, match="looks like a secret"):
        EventRegistry().register(Leaky)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeePaidV1(Event):
    TYPE = "test.fee_paid"
    amount: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FeePaidV2(Event):
    TYPE = "test.fee_paid"
    VERSION = 2
    amount_cents: int
    currency: str


def test_an_older_stored_version_is_upcast_when_read(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    old = EventRegistry()
    old.register(FeePaidV1)
    with EventLog(path, registry=old) as log:
        log.append([FeePaidV1(job_id="j", operator="o", amount=12)])

    new = EventRegistry()
    new.register(FeePaidV2)
    new.register_upcaster(
        "test.fee_paid", 1, lambda p: {"amount_cents": p["amount"] * 100, "currency": "EUR"}
    )
    with EventLog(path, registry=new) as log:
        log.append([FeePaidV2(job_id="j", operator="o", amount_cents=5, currency="USD")])
        events = [stored.event for stored in log.events_after(0)]
        versions = [row[0] for row in log.connection.execute("SELECT version FROM events ORDER BY seq")]
        assert log.verify().ok and log.replay_check().ok
    assert events == [
        FeePaidV2(job_id="j", operator="o", amount_cents=1200, currency="EUR"),
        FeePaidV2(job_id="j", operator="o", amount_cents=5, currency="USD"),
    ]
    assert versions == [1, 2]  # stored events stay as written


def test_a_version_without_an_upcaster_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    old = EventRegistry()
    old.register(FeePaidV1)
    with EventLog(path, registry=old) as log:
        log.append([FeePaidV1(job_id="j", operator="o", amount=12)])
    new = EventRegistry()
    new.register(FeePaidV2)
    with EventLog(path, registry=new) as log, pytest.raises(UnknownEventType, match="no upcaster"):
        log.events_after(0)


def test_an_unknown_stored_type_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    old = EventRegistry()
    old.register(FeePaidV1)
    with EventLog(path, registry=old) as log:
        log.append([FeePaidV1(job_id="j", operator="o", amount=1)])
    with EventLog(path) as log, pytest.raises(UnknownEventType, match=r"test\.fee_paid"):
        log.events_after(0)

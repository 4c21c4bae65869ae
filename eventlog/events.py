"""The vocabulary of the event log: every fact the engine records, each with a stable type name.

Type names are `<noun>.<past-tense verb>` and never change; a changed payload gets a new `VERSION` and an
upcaster (see `eventlog.registry`). Every event carries the envelope `job_id`, `operator`, `item_key`
(item and step events) and `step_key` (step events).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from eventlog.amounts import as_text, map_amounts, number_properties
from eventlog.registry import JSON, Event, EventRegistry

EVENTS = EventRegistry()
"""The registry of paydesk's own events; `EventLog` uses it unless given another."""

JobOutcome = Literal["completed", "completed_with_failures", "failed", "cancelled", "interrupted"]
ResolvedOutcome = Literal["succeeded", "not_applied"]


# --- job lifecycle ---------------------------------------------------------------------------------------


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class JobCreated(Event):
    TYPE = "job.created"
    kind: str
    params: dict[str, JSON]
    selection_key: str


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class PreloadCompleted(Event):
    TYPE = "preload.completed"
    data_source: str
    filter: dict[str, JSON] | None
    pages: int
    requests: int
    ms: int


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class JobPlanned(Event):
    """v2: `totals` are decimal strings per currency ({"USD": "5145.00"}); v1 had JSON numbers."""

    TYPE = "job.planned"
    VERSION = 2
    items: int
    steps: int
    totals: dict[str, JSON]
    estimate: dict[str, JSON]


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class JobStarted(Event):
    TYPE = "job.started"
    workers: int


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class JobCancelRequested(Event):
    TYPE = "job.cancel_requested"
    reason: str


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class JobResumed(Event):
    TYPE = "job.resumed"


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class RetryRequested(Event):
    TYPE = "job.retry_requested"
    items: list[str] = field(default_factory=list)
    reason: str = ""


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class WarningRecorded(Event):
    TYPE = "job.warning_recorded"
    code: str
    message: str


# --- the workspace's binding to the log that pays it -------------------------------------------------------


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class LogStarted(Event):
    """The first event of a log that needed an identity (the hash of its first event) before any job
    had run, e.g. to take a workspace over. `job_id` is "log"."""

    TYPE = "log.started"
    label: str


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceBound(Event):
    """This log wrote its mark into the workspace (`data_source`'s description): from now on it is the log
    that pays it. `previous` is the log it took the workspace over from (`paydesk bind --take-over`)."""

    TYPE = "workspace.bound"
    data_source: str
    log_id: str
    label: str
    previous: str | None = None
    previous_label: str | None = None


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceLost(Event):
    """This log found the workspace bound to another log (`owner`): it was taken over, and this log pays it
    no more unless it takes it back."""

    TYPE = "workspace.lost"
    data_source: str
    log_id: str
    owner: str
    owner_label: str


# --- drift: Notion no longer holding what the log recorded (the reconcile job) -----------------------------


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class DriftAccepted(Event):
    """The operator adopted Notion's value for a reconcile finding (`item_key`): from now on the log knows
    `value` for `property` of `page` (for a record gone or a cascade broken by hand, `finding` says which
    and `value` what was accepted)."""

    TYPE = "drift.accepted"
    SCOPE = "item"
    page: str
    property: str
    finding: str
    value: JSON
    reason: str


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class DriftRestoreChosen(Event):
    """The operator chose to write the logged values back for the reconcile job's findings not accepted;
    the job's plan is then executed as any plan."""

    TYPE = "drift.restore_chosen"
    items: list[str]
    reason: str


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayStats(Event):
    TYPE = "gateway.stats"
    reads: int
    writes: int
    retries: int
    throttles: int
    wait_ms: int


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class JobDiscarded(Event):
    """A planned job the operator threw away (or one whose plan had nothing to do): never executed."""

    TYPE = "job.discarded"
    reason: str


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRefreshed(Event):
    """Before writing, the engine read what changed in the workspace since the plan was made.

    `since` is the last_edited_time the reads went back to; `read` counts the pages each data source
    returned (logical name -> pages), `changed` the planned records found changed, `requests` the
    requests it took."""

    TYPE = "plan.refreshed"
    since: str
    read: dict[str, JSON]
    changed: int
    requests: int


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class JobFinished(Event):
    TYPE = "job.finished"
    status: JobOutcome
    error: str | None = None


# --- items -----------------------------------------------------------------------------------------------


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class ItemPlanned(Event):
    """v2: the amounts of `data` (eventlog.amounts.AMOUNT_KEYS) are decimal strings; v1 had numbers."""

    TYPE = "item.planned"
    VERSION = 2
    SCOPE = "item"
    label: str
    kind: str
    data: dict[str, JSON]


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class ItemSkipped(Event):
    TYPE = "item.skipped"
    SCOPE = "item"
    reason: str


# --- steps -----------------------------------------------------------------------------------------------


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepPlanned(Event):
    """v2 adds what the step assumed of the workspace (see engine.run.plan.Step): `expect`, `inputs`,
    `source` and `children`; a v1 event assumed nothing. v3: a number property's `before`, `after` and
    `expect` are decimal strings (`write` stays the request body Notion was sent, numbers included)."""

    TYPE = "step.planned"
    VERSION = 3
    SCOPE = "step"
    kind: str
    target: str
    property: str | None
    before: JSON
    after: JSON
    depends_on: list[str] = field(default_factory=list)
    data_source: str = ""  # the logical database the target belongs to
    label: str = ""  # what the operator sees, e.g. "payout Development work on January, 2026"
    write: dict[str, JSON] = field(default_factory=dict)  # the properties payload the step sends
    lookup: dict[str, JSON] | None = None  # for a create: the filter that finds the page it made
    expect: dict[str, JSON] = field(default_factory=dict)  # written property -> its value when planned
    inputs: list[JSON] = field(default_factory=list)  # [{"page", "logical", "edited"}]
    source: dict[str, JSON] | None = None  # {"page", "logical", "filter"}
    children: list[JSON] = field(default_factory=list)  # [{"relation", "logical", "property", …}]


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepStarted(Event):
    TYPE = "step.started"
    SCOPE = "step"
    attempt: int


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepSucceeded(Event):
    TYPE = "step.succeeded"
    SCOPE = "step"
    value: JSON
    request_id: str | None = None
    page_id: str | None = None


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepSkipped(Event):
    """v2 adds `page_id`: the page a create found already made (by another job, or by hand)."""

    TYPE = "step.skipped"
    VERSION = 2
    SCOPE = "step"
    reason: str
    current: JSON
    page_id: str | None = None


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepFailed(Event):
    TYPE = "step.failed"
    SCOPE = "step"
    status: int | None
    code: str
    message: str
    request_id: str | None = None
    retryable: bool = False


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepBlocked(Event):
    TYPE = "step.blocked"
    SCOPE = "step"
    reason: str


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepCancelled(Event):
    TYPE = "step.cancelled"
    SCOPE = "step"


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class StepResolved(Event):
    """Crash recovery read the target of an in-doubt step and found it applied or not."""

    TYPE = "step.resolved"
    SCOPE = "step"
    outcome: ResolvedOutcome
    current: JSON


def _step_planned_v1_to_v2(payload: dict[str, JSON]) -> dict[str, JSON]:
    return {**payload, "expect": {}, "inputs": [], "source": None, "children": []}


def _step_skipped_v1_to_v2(payload: dict[str, JSON]) -> dict[str, JSON]:
    return {**payload, "page_id": None}


def _job_planned_v1_to_v2(payload: dict[str, JSON]) -> dict[str, JSON]:
    totals = payload.get("totals")
    if isinstance(totals, dict):
        return {**payload, "totals": {k: as_text(v) for k, v in totals.items()}}
    return payload


def _item_planned_v1_to_v2(payload: dict[str, JSON]) -> dict[str, JSON]:
    result: dict[str, JSON] = {**payload, "data": map_amounts(payload.get("data") or {}, as_text)}
    return result


def _step_planned_v2_to_v3(payload: dict[str, JSON]) -> dict[str, JSON]:
    numbers = number_properties(payload.get("write"))
    if not numbers:
        return payload
    changed: dict[str, JSON] = dict(payload)
    if payload.get("property") in numbers:
        changed["before"], changed["after"] = as_text(payload.get("before")), as_text(payload.get("after"))
    expect = payload.get("expect")
    if isinstance(expect, dict):
        changed["expect"] = {k: as_text(v) if k in numbers else v for k, v in expect.items()}
    return changed


EVENTS.register_upcaster(StepPlanned.TYPE, 1, _step_planned_v1_to_v2)
EVENTS.register_upcaster(StepPlanned.TYPE, 2, _step_planned_v2_to_v3)
EVENTS.register_upcaster(JobPlanned.TYPE, 1, _job_planned_v1_to_v2)
EVENTS.register_upcaster(ItemPlanned.TYPE, 1, _item_planned_v1_to_v2)
EVENTS.register_upcaster(StepSkipped.TYPE, 1, _step_skipped_v1_to_v2)


VOCABULARY: tuple[type[Event], ...] = (
    JobCreated,
    PreloadCompleted,
    ItemPlanned,
    ItemSkipped,
    StepPlanned,
    JobPlanned,
    JobStarted,
    StepStarted,
    StepSucceeded,
    StepSkipped,
    StepFailed,
    StepBlocked,
    StepCancelled,
    StepResolved,
    JobCancelRequested,
    JobResumed,
    RetryRequested,
    WarningRecorded,
    GatewayStats,
    PlanRefreshed,
    JobDiscarded,
    JobFinished,
    LogStarted,
    WorkspaceBound,
    WorkspaceLost,
    DriftAccepted,
    DriftRestoreChosen,
)


# --- notifications: a job that needs people said so (engine.run.notify) ------------------------------------


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationDelivered(Event):
    """The webhook took the message about how the job ended (`about`: the job's status) after `attempts`
    requests; `answer` is the start of what it answered. The webhook's URL is never recorded."""

    TYPE = "notification.delivered"
    about: str
    attempts: int
    http_status: int
    answer: str = ""


@EVENTS.register
@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationFailed(Event):
    """The message about how the job ended was not delivered: `reason` in words, the last HTTP status (None
    when no answer came) and the start of the last answer. The job's outcome is not changed by it."""

    TYPE = "notification.failed"
    about: str
    attempts: int
    reason: str
    http_status: int | None = None
    answer: str = ""


VOCABULARY = (*VOCABULARY, NotificationDelivered, NotificationFailed)

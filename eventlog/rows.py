"""Rows of the projections: jobs, items, steps and preloads, in column order.

JSON columns (`params`, `totals`, `estimate`, `data`, `before`, `after`, `depends_on`, `value`, `filter`)
hold canonical JSON text; `json.loads` them to use the values. Counts of items and steps by status live on
the job row (`items_<status>`, `steps_<status>`) and the item row (`n_<step status>`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

STEP_STATUSES = ("planned", "started", "succeeded", "skipped", "failed", "blocked", "cancelled")
ITEM_STATUSES = ("pending", "running", "succeeded", "skipped", "failed", "blocked", "cancelled")
JOB_STATUSES = (
    "created",
    "planned",
    "running",
    "completed",
    "completed_with_failures",
    "failed",
    "cancelled",
    "interrupted",
    "discarded",
)


@dataclass(slots=True)
class JobRow:
    job_id: str
    kind: str = ""
    params: str = "{}"
    selection_key: str = ""
    operator: str = ""
    status: str = "created"
    error: str | None = None
    created_at: str | None = None
    planned_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    plan_items: int = 0
    plan_steps: int = 0
    totals: str | None = None
    estimate: str | None = None
    workers: int | None = None
    items_pending: int = 0
    items_running: int = 0
    items_succeeded: int = 0
    items_skipped: int = 0
    items_failed: int = 0
    items_blocked: int = 0
    items_cancelled: int = 0
    steps_planned: int = 0
    steps_started: int = 0
    steps_succeeded: int = 0
    steps_skipped: int = 0
    steps_failed: int = 0
    steps_blocked: int = 0
    steps_cancelled: int = 0
    preload_pages: int = 0
    preload_requests: int = 0
    preload_ms: int = 0
    reads: int = 0
    writes: int = 0
    retries: int = 0
    throttles: int = 0
    wait_ms: int = 0
    warnings: int = 0
    last_warning: str | None = None
    cancel_requested: int = 0  # how many cancels were asked (a job resumed after one can be asked again)
    cancel_reason: str | None = None
    resumes: int = 0
    retry_requests: int = 0
    created_seq: int = 0
    updated_seq: int = 0

    @property
    def items_total(self) -> int:
        return sum(getattr(self, f"items_{status}") for status in ITEM_STATUSES)

    @property
    def steps_total(self) -> int:
        return sum(getattr(self, f"steps_{status}") for status in STEP_STATUSES)


@dataclass(slots=True)
class ItemRow:
    job_id: str
    item_key: str
    label: str = ""
    kind: str = ""
    data: str = "{}"
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    skip_reason: str | None = None
    n_planned: int = 0
    n_started: int = 0
    n_succeeded: int = 0
    n_skipped: int = 0
    n_failed: int = 0
    n_blocked: int = 0
    n_cancelled: int = 0
    planned_seq: int = 0
    updated_seq: int = 0


@dataclass(slots=True)
class StepRow:
    job_id: str
    item_key: str
    step_key: str
    kind: str = ""
    data_source: str = ""
    label: str = ""
    target: str = ""
    property: str | None = None
    before: str = "null"
    after: str = "null"
    depends_on: str = "[]"
    status: str = "planned"
    attempts: int = 0
    value: str | None = None
    reason: str | None = None
    last_error: str | None = None
    error_code: str | None = None
    http_status: int | None = None
    retryable: int | None = None
    request_id: str | None = None
    page_id: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    planned_seq: int = 0
    updated_seq: int = 0


@dataclass(frozen=True, slots=True)
class PreloadRow:
    seq: int
    job_id: str
    data_source: str
    filter: str | None
    pages: int
    requests: int
    ms: int
    recorded_at: str


def columns(row_type: type[Any]) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(row_type))


def nullable(row_type: type[Any]) -> frozenset[str]:
    """The columns of a row type that may hold NULL (the fields typed `… | None`)."""
    return frozenset(field.name for field in dataclasses.fields(row_type) if "None" in str(field.type))


JOB_COLUMNS = columns(JobRow)
ITEM_COLUMNS = columns(ItemRow)
STEP_COLUMNS = columns(StepRow)
PRELOAD_COLUMNS = columns(PreloadRow)

JOB_KEY = ("job_id",)
ITEM_KEY = ("job_id", "item_key")
STEP_KEY = ("job_id", "item_key", "step_key")
STEP_STATE_COLUMNS = (
    *STEP_COLUMNS[STEP_COLUMNS.index("status") : STEP_COLUMNS.index("planned_seq")],
    "updated_seq",
)
"""What a step's events after its plan change, kept apart in `step_states` (keyed by `planned_seq`), so
that a running job's commits rewrite only these small rows, not the step's plan."""
STEP_PLAN_COLUMNS = tuple(column for column in STEP_COLUMNS if column not in STEP_STATE_COLUMNS)
"""What a step's plan sets once, kept in `steps`."""
STEPS_JOINED = "steps JOIN step_states USING (planned_seq)"
"""Where a whole `StepRow` is read from."""
PRELOAD_KEY = ("seq",)

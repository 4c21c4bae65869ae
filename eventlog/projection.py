"""The projections as a pure fold: events in, changed rows out. No SQL here.

`Projector.apply` folds one event into in-memory rows, loading a row it has not seen from a `RowSource`
(the tables) and remembering which rows changed; `take_changes` hands the changed rows to whoever writes
them. Live appends and `rebuild` run this same code, which is why they give identical rows.

Rules (documented here because the console shows them):
- Job status: created → planned (JobPlanned) → running (JobStarted / JobResumed) → the JobFinished status.
  A dry run stops at planned; JobDiscarded makes a planned job discarded (its reason as the error).
  JobCancelRequested and RetryRequested are counted; they do not change status.
- Step status: planned, started, succeeded, skipped, failed, blocked, cancelled. Every StepStarted moves the
  step to started and adds one to `attempts` (so a retry after failed/blocked counts). StepResolved moves an
  in-doubt step to succeeded, or back to planned when the write was not applied.
- Item status, first rule that holds: skipped (ItemSkipped); failed (any step failed); blocked (any step
  blocked); cancelled (any step cancelled); pending (no steps, or all steps planned); running (a step started,
  or some steps done while others are still planned); succeeded (all steps succeeded or skipped, at least one
  succeeded); skipped (all steps skipped). `attempts` is the most attempts of any of its steps.
- Job counts are items by status (`items_<status>`) and steps by status (`steps_<status>`); GatewayStats are
  cumulative, so the last one wins; preload figures add up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventlog.amounts import amounts_as_numbers, as_number, is_number_property
from eventlog.codec import canonical_json, json_value
from eventlog.rows import ITEM_STATUSES, STEP_STATUSES, ItemRow, JobRow, PreloadRow, StepRow

_STEP_COUNTS = {status: (f"n_{status}", f"steps_{status}") for status in STEP_STATUSES}
"""Step status → the counts it is in: on its item, and on its job."""
_JOB_ITEM_COUNT = {status: f"items_{status}" for status in ITEM_STATUSES}

Handler = Callable[[int, str, str, str | None, str | None, str, dict[str, Any]], None]


class RowSource(Protocol):
    """Where the projector finds rows it has not seen yet (the projection tables, usually)."""

    def load_job(self, job_id: str) -> JobRow | None: ...

    def load_item(self, job_id: str, item_key: str) -> ItemRow | None: ...

    def load_step(self, job_id: str, item_key: str, step_key: str) -> StepRow | None: ...


class EmptySource:
    """A source with no rows: the start of a rebuild."""

    def load_job(self, job_id: str) -> JobRow | None:
        return None

    def load_item(self, job_id: str, item_key: str) -> ItemRow | None:
        return None

    def load_step(self, job_id: str, item_key: str, step_key: str) -> StepRow | None:
        return None


@dataclass
class Changes:
    """Rows changed since the last `take_changes`, each once (written whole), plus preloads to insert.

    `moved_jobs` and `moved_items` name the rows among them whose indexed columns may have changed (a job's
    `created_seq`, an item's `status`): the others can be written without touching those indexes.
    `planned_steps` names the steps whose plan (the columns of `steps`, not of `step_states`) is new or
    changed."""

    jobs: list[JobRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    preloads: list[PreloadRow] = field(default_factory=list)
    moved_jobs: set[str] = field(default_factory=set)
    moved_items: set[tuple[str, str]] = field(default_factory=set)
    planned_steps: set[tuple[str, str, str]] = field(default_factory=set)


Scope = tuple[JobRow, ItemRow, StepRow]
"""The rows a step event changes: its job, its item and itself."""


def item_status(item: ItemRow) -> str:
    """An item's status from its skip mark and the counts of its steps by status (see module rules)."""
    if item.skip_reason is not None:
        return "skipped"
    if item.n_failed:
        return "failed"
    if item.n_blocked:
        return "blocked"
    if item.n_cancelled:
        return "cancelled"
    done = item.n_succeeded + item.n_skipped
    if item.n_started or (item.n_planned and done):
        return "running"
    if item.n_planned or not done:
        return "pending"
    return "succeeded" if item.n_succeeded else "skipped"


_HANDLERS: dict[str, str] = {
    "job.created": "_job_created",
    "preload.completed": "_preload_completed",
    "job.planned": "_job_planned",
    "job.started": "_job_started",
    "job.cancel_requested": "_job_cancel_requested",
    "job.resumed": "_job_resumed",
    "job.retry_requested": "_retry_requested",
    "job.warning_recorded": "_warning_recorded",
    "gateway.stats": "_gateway_stats",
    "job.finished": "_job_finished",
    "job.discarded": "_job_discarded",
    "item.planned": "_item_planned",
    "item.skipped": "_item_skipped",
    "step.planned": "_step_planned",
    "step.started": "_step_started",
    "step.succeeded": "_step_succeeded",
    "step.skipped": "_step_skipped",
    "step.failed": "_step_failed",
    "step.blocked": "_step_blocked",
    "step.cancelled": "_step_cancelled",
    "step.resolved": "_step_resolved",
}
"""Event type name → the `Projector` method that folds it. Looked up per call (`Projector.handlers`), not
kept on the projector as bound methods: those would make every projector a reference cycle, which only the
cyclic garbage collector frees — walking every row the projector held, a third of a second after a
rebuild of 100,000 events."""

PAYLOAD_FREE = frozenset({"step.started", "step.cancelled", "job.resumed", "job.retry_requested"})
"""The types whose fold reads nothing of the payload (its envelope says it all): a rebuild need not decode
theirs (a third of a commit job's events are `step.started`). Their handlers are called with `{}`."""


class Projector:
    """Folds events into job, item and step rows held in memory; see the module docstring for the rules.

    `complete=True` promises that the source holds no row the projector has not seen (an empty rebuild or
    a new log), so misses are not looked up.
    """

    def __init__(self, source: RowSource | None = None, *, complete: bool = False, position: int = 0) -> None:
        self._source: RowSource = source if source is not None else EmptySource()
        self._complete = complete or source is None
        self.position = position
        self._jobs: dict[str, JobRow] = {}
        self._items: dict[tuple[str, str], ItemRow] = {}
        self._steps: dict[tuple[str, str, str], Scope] = {}  # a step with its job and item
        self._dirty_jobs: dict[str, JobRow] = {}
        self._dirty_items: dict[tuple[str, str], ItemRow] = {}
        self._dirty_steps: dict[tuple[str, str, str], Scope] = {}  # their jobs and items changed too
        self._preloads: list[PreloadRow] = []
        self._moved_jobs: set[str] = set()
        self._moved_items: set[tuple[str, str]] = set()
        self._planned_steps: set[tuple[str, str, str]] = set()

    # --- driving the fold ---------------------------------------------------------------------------------

    @property
    def handlers(self) -> dict[str, Handler]:
        """Type name → the fold of one event of that type. Calling the handler directly is `apply`
        without moving the position (a caller folding many events sets `position` after them). A new dict
        per call: keep it for a batch of events, not on the projector (see `_HANDLERS`)."""
        return {name: getattr(self, method) for name, method in _HANDLERS.items()}

    def apply(
        self,
        seq: int,
        recorded_at: str,
        type_name: str,
        job_id: str,
        item_key: str | None,
        step_key: str | None,
        operator: str,
        payload: dict[str, Any],
    ) -> None:
        """Fold one (current-version) event. Types the projections do not show only move the position."""
        self.position = seq
        method = _HANDLERS.get(type_name)
        if method is not None:
            getattr(self, method)(seq, recorded_at, job_id, item_key, step_key, operator, payload)

    def take_changes(self) -> Changes:
        jobs, items, steps = self._dirty_jobs, self._dirty_items, []
        for job, item, step in self._dirty_steps.values():
            jobs[job.job_id] = job
            items[(item.job_id, item.item_key)] = item
            steps.append(step)
        changes = Changes(
            list(jobs.values()),
            list(items.values()),
            steps,
            self._preloads,
            self._moved_jobs,
            self._moved_items,
            self._planned_steps,
        )
        self._dirty_jobs, self._dirty_items, self._dirty_steps, self._preloads = {}, {}, {}, []
        self._moved_jobs, self._moved_items, self._planned_steps = set(), set(), set()
        return changes

    def size(self) -> int:
        return len(self._jobs) + len(self._items) + len(self._steps)

    def forget(self) -> None:
        """Drop the rows held in memory (after their changes were written); later misses are loaded."""
        self._jobs, self._items, self._steps = {}, {}, {}
        self._complete = False

    # --- rows ---------------------------------------------------------------------------------------------

    def _job(self, job_id: str, seq: int) -> JobRow:
        job = self._jobs.get(job_id)
        if job is None:
            job = None if self._complete else self._source.load_job(job_id)
            if job is None:
                job = JobRow(job_id, created_seq=seq)
            self._jobs[job_id] = job
        job.updated_seq = seq
        self._dirty_jobs[job_id] = job
        return job

    def _item(self, job: JobRow, item_key: str, seq: int) -> ItemRow:
        item = self._item_row(job, item_key, seq)
        item.updated_seq = seq
        self._dirty_items[(job.job_id, item_key)] = item
        return item

    def _item_row(self, job: JobRow, item_key: str, seq: int) -> ItemRow:
        """The item row, loaded or new (a new one is pending, counted on its job)."""
        key = (job.job_id, item_key)
        item = self._items.get(key)
        if item is None:
            item = None if self._complete else self._source.load_item(job.job_id, item_key)
            if item is None:
                item = ItemRow(job.job_id, item_key, planned_seq=seq)
                job.items_pending += 1
            self._items[key] = item
        return item

    def _scope(self, seq: int, job_id: str, item_key: str | None, step_key: str | None) -> Scope:
        """The job, item and step rows of a step event, marked changed at `seq`."""
        key = (job_id, item_key or "", step_key or "")
        scope = self._steps.get(key)
        if scope is None:
            scope = self._new_scope(key, seq)
        job, item, step = scope
        job.updated_seq = item.updated_seq = step.updated_seq = seq
        self._dirty_steps[key] = scope
        return scope

    def _new_scope(self, key: tuple[str, str, str], seq: int) -> Scope:
        """The rows of a step not held in memory: loaded, or new (a new step is planned, and counted)."""
        job_id, item_key, step_key = key
        job = self._jobs.get(job_id)
        if job is None:
            job = self._job(job_id, seq)
        item = self._item_row(job, item_key, seq)
        step = None if self._complete else self._source.load_step(job_id, item_key, step_key)
        if step is None:
            step = StepRow(job_id, item_key, step_key, planned_seq=seq)
            self._planned_steps.add(key)
            item.n_planned += 1
            job.steps_planned += 1
            self._restatus(job, item)
        scope = self._steps[key] = (job, item, step)
        return scope

    def _move(self, job: JobRow, item: ItemRow, step: StepRow, status: str) -> None:
        old = step.status
        if old == status:
            return
        step.status = status
        old_n, old_s = _STEP_COUNTS[old]
        new_n, new_s = _STEP_COUNTS[status]
        setattr(item, old_n, getattr(item, old_n) - 1)
        setattr(item, new_n, getattr(item, new_n) + 1)
        setattr(job, old_s, getattr(job, old_s) - 1)
        setattr(job, new_s, getattr(job, new_s) + 1)
        self._restatus(job, item)

    def _restatus(self, job: JobRow, item: ItemRow) -> None:
        new = item_status(item)
        old = item.status
        if new != old:
            item.status = new
            self._moved_items.add((item.job_id, item.item_key))
            old_i, new_i = _JOB_ITEM_COUNT[old], _JOB_ITEM_COUNT[new]
            setattr(job, old_i, getattr(job, old_i) - 1)
            setattr(job, new_i, getattr(job, new_i) + 1)

    # --- job events ---------------------------------------------------------------------------------------

    def _job_created(self, seq: int, at: str, job_id: str, _i: Any, _s: Any, operator: str, p: Any) -> None:
        job = self._job(job_id, seq)
        job.kind, job.params, job.selection_key = p["kind"], canonical_json(p["params"]), p["selection_key"]
        job.operator, job.created_at, job.created_seq = operator, at, seq
        self._moved_jobs.add(job_id)

    def _preload_completed(self, seq: int, at: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        job.preload_pages += p["pages"]
        job.preload_requests += p["requests"]
        job.preload_ms += p["ms"]
        filter_ = p["filter"]
        self._preloads.append(
            PreloadRow(
                seq,
                job_id,
                p["data_source"],
                None if filter_ is None else canonical_json(filter_),
                p["pages"],
                p["requests"],
                p["ms"],
                at,
            )
        )

    def _job_planned(self, seq: int, at: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        job.status, job.planned_at = "planned", at
        job.plan_items, job.plan_steps = p["items"], p["steps"]
        totals = {k: as_number(v) for k, v in p["totals"].items()}  # see eventlog.amounts
        job.totals, job.estimate = canonical_json(totals), canonical_json(p["estimate"])

    def _job_started(self, seq: int, at: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        job.status, job.workers, job.finished_at, job.error = "running", p["workers"], None, None
        if job.started_at is None:
            job.started_at = at

    def _job_cancel_requested(
        self, seq: int, _a: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any
    ) -> None:
        job = self._job(job_id, seq)
        job.cancel_requested, job.cancel_reason = job.cancel_requested + 1, p["reason"]

    def _job_resumed(self, seq: int, at: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        job.status, job.finished_at, job.error = "running", None, None
        job.resumes += 1
        if job.started_at is None:
            job.started_at = at

    def _retry_requested(self, seq: int, _a: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        self._job(job_id, seq).retry_requests += 1

    def _warning_recorded(self, seq: int, _a: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        job.warnings += 1
        job.last_warning = f"{p['code']}: {p['message']}"

    def _gateway_stats(self, seq: int, _a: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)  # each run records its own requests; the job's are their sum
        job.reads += p["reads"]
        job.writes += p["writes"]
        job.retries += p["retries"]
        job.throttles += p["throttles"]
        job.wait_ms += p["wait_ms"]

    def _job_finished(self, seq: int, at: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        job.status, job.error, job.finished_at = p["status"], p["error"], at

    def _job_discarded(self, seq: int, at: str, job_id: str, _i: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        job.status, job.error, job.finished_at = "discarded", p["reason"], at

    # --- item events --------------------------------------------------------------------------------------

    def _item_planned(self, seq: int, _a: str, job_id: str, item_key: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        item = self._item(job, item_key, seq)
        data = amounts_as_numbers(p["data"])  # see eventlog.amounts
        item.label, item.kind, item.data = p["label"], p["kind"], canonical_json(data)

    def _item_skipped(self, seq: int, _a: str, job_id: str, item_key: Any, _s: Any, _o: Any, p: Any) -> None:
        job = self._job(job_id, seq)
        item = self._item(job, item_key, seq)
        item.skip_reason = p["reason"]
        self._restatus(job, item)

    # --- step events --------------------------------------------------------------------------------------

    def _step_planned(
        self, seq: int, _a: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        step = self._scope(seq, job_id, item_key, step_key)[2]
        self._planned_steps.add((job_id, item_key or "", step_key or ""))
        step.kind, step.target, step.property = p["kind"], p["target"], p["property"]
        step.data_source, step.label = p.get("data_source", ""), p.get("label", "")
        before, after = p["before"], p["after"]
        if is_number_property(p.get("write"), p["property"]):  # see eventlog.amounts
            before, after = as_number(before), as_number(after)
        step.before, step.after = json_value(before), json_value(after)
        depends_on = p["depends_on"]
        step.depends_on = "[]" if not depends_on and type(depends_on) is list else canonical_json(depends_on)

    def _step_started(
        self, seq: int, at: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        job, item, step = self._scope(seq, job_id, item_key, step_key)
        if step.status == "planned":  # the move of nearly every start, spelled out (see `_move`)
            step.status = "started"
            item.n_planned -= 1
            item.n_started += 1
            job.steps_planned -= 1
            job.steps_started += 1
            self._restatus(job, item)
        else:
            self._move(job, item, step, "started")
        step.attempts += 1
        step.started_at, step.finished_at = at, None
        if step.attempts > item.attempts:
            item.attempts = step.attempts

    def _step_succeeded(
        self, seq: int, at: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        job, item, step = self._scope(seq, job_id, item_key, step_key)
        if step.status == "started":  # the move of nearly every success, spelled out (see `_move`)
            step.status = "succeeded"
            item.n_started -= 1
            item.n_succeeded += 1
            job.steps_started -= 1
            job.steps_succeeded += 1
            self._restatus(job, item)
        else:
            self._move(job, item, step, "succeeded")
        step.value, step.request_id, step.page_id = json_value(p["value"]), p["request_id"], p["page_id"]
        step.finished_at = at

    def _step_skipped(
        self, seq: int, at: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        job, item, step = self._scope(seq, job_id, item_key, step_key)
        self._move(job, item, step, "skipped")
        step.reason, step.value, step.finished_at = p["reason"], json_value(p["current"]), at
        if p["page_id"] is not None:
            step.page_id = p["page_id"]

    def _step_failed(
        self, seq: int, at: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        job, item, step = self._scope(seq, job_id, item_key, step_key)
        self._move(job, item, step, "failed")
        step.http_status, step.error_code, step.last_error = p["status"], p["code"], p["message"]
        step.request_id, step.retryable, step.finished_at = p["request_id"], int(p["retryable"]), at
        item.last_error = f"{step.step_key}: {p['code']}: {p['message']}"

    def _step_blocked(
        self, seq: int, at: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        job, item, step = self._scope(seq, job_id, item_key, step_key)
        self._move(job, item, step, "blocked")
        step.reason, step.finished_at = p["reason"], at
        item.last_error = f"{step.step_key}: blocked: {p['reason']}"

    def _step_cancelled(
        self, seq: int, at: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        job, item, step = self._scope(seq, job_id, item_key, step_key)
        self._move(job, item, step, "cancelled")
        step.finished_at = at

    def _step_resolved(
        self, seq: int, at: str, job_id: str, item_key: Any, step_key: Any, _o: Any, p: Any
    ) -> None:
        job, item, step = self._scope(seq, job_id, item_key, step_key)
        applied = p["outcome"] == "succeeded"
        self._move(job, item, step, "succeeded" if applied else "planned")
        step.value, step.finished_at = json_value(p["current"]), at if applied else None

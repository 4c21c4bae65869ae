"""What the log last recorded of each record the chosen jobs touched: read from the log alone.

For every (record, property) a step of a chosen job planned to write, the last thing any job recorded
about it, in log order:
- a step that succeeded: paydesk wrote `after` ("written");
- a step skipped because the record already held it: paydesk saw `after` ("seen");
- a step planned but not (yet) executed, failed, blocked or cancelled: paydesk saw `before` ("seen");
- an accepted drift (`reconcile --accept`): Notion's value, adopted ("accepted");
- a reconcile's restoring write, once it succeeded (its other steps say nothing of the record).
A payout's Amount is what the plan that paid (or created) it recorded; a page a job created is known from
its create. Accepted findings that are not values (a record gone, a cascade broken by hand) are kept too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.kinds.reconcile.params import ReconcileParams
from engine.workspace import money
from eventlog import EventLog, ItemRow, JobRow, StepRow, json_object

SCOPED_KINDS = ("commit", "generate", "sync")  # the jobs whose records a reconcile compares
ACCEPTED = "drift.accepted"
AMOUNT = "Amount"  # a payout's amount, by its default name (`Config.prop` gives the workspace's)


@dataclass(frozen=True)
class Known:
    """The last value the log recorded for one property of one record."""

    logical: str
    page: str
    prop: str
    value: Any
    how: str  # "written", "seen" or "accepted"
    job_id: str
    label: str  # the item's business key (invoice id, source), for people
    seq: int


@dataclass
class KnownState:
    jobs: list[str] = field(default_factory=list)  # the jobs compared
    values: dict[tuple[str, str], Known] = field(default_factory=dict)  # (page, property) -> last known
    pages: dict[str, str] = field(default_factory=dict)  # page -> logical data source
    accepted: dict[tuple[str, str], Any] = field(default_factory=dict)  # (page, finding kind) -> value

    def by_source(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for page, logical in self.pages.items():
            found.setdefault(logical, set()).add(page)
        return found


def chosen_jobs(log: EventLog, params: ReconcileParams) -> list[JobRow]:
    if params.job is not None:
        job = log.job(params.job)
        return [job] if job is not None and job.kind in SCOPED_KINDS else []
    found = []
    for job in log.jobs():
        p = json_object(job.params)
        if job.kind not in SCOPED_KINDS or p.get("month") != params.month:
            continue
        if params.batch is not None and p.get("batch") not in (None, params.batch):
            continue
        found.append(job)
    return found


def known_state(log: EventLog, params: ReconcileParams, amount: str = AMOUNT) -> KnownState:
    """The records the chosen jobs touched, and what the whole log last recorded of each (`amount`: the
    workspace's name for a payout's Amount)."""
    state = KnownState()
    wanted: set[tuple[str, str]] = set()
    for job in chosen_jobs(log, params):
        state.jobs.append(job.job_id)
        steps = log.steps(job.job_id)
        for step in steps:
            page = _page_of(step.kind, step.target, step.page_id)
            if page and step.property:
                wanted.add((page, step.property))
                state.pages[page] = step.data_source
        _amounts(log, job, steps, state, wanted, amount)
    if not wanted:
        return state
    for job in log.jobs():  # later jobs (a restore, another commit) may have written the same records
        labels = {item.item_key: _label(item) for item in log.items(job.job_id)}
        for step in log.steps(job.job_id):
            page = _page_of(step.kind, step.target, step.page_id)
            if (page, step.property or "") not in wanted or not step.property:
                continue
            if job.kind == "reconcile" and step.status != "succeeded":
                continue  # a restore not (yet) written, or skipped because its finding was accepted
            value = _loads(step.after if step.status in ("succeeded", "skipped") else step.before)
            how = "written" if step.status == "succeeded" else "seen"
            _keep(
                state,
                Known(
                    step.data_source,
                    page,
                    step.property,
                    value,
                    how,
                    job.job_id,
                    labels.get(step.item_key) or step.label,
                    step.updated_seq,
                ),
            )
    _accepted(log.records_of_types((ACCEPTED,)), state, amount)
    return state


def _amounts(
    log: EventLog,
    job: JobRow,
    steps: list[StepRow],
    state: KnownState,
    wanted: set[tuple[str, str]],
    prop: str,
) -> None:
    """A commit's payout amounts (recorded in its plan), a generate's created payouts' amounts (`steps`:
    the job's, read once)."""
    by_item: dict[str, list[StepRow]] = {}
    for step in steps:
        by_item.setdefault(step.item_key, []).append(step)
    for item in log.items(job.job_id):
        data, label = json_object(item.data), _label(item)
        payouts = data.get("payouts")
        if isinstance(payouts, Mapping):
            for page, payout in payouts.items():
                if isinstance(payout, Mapping) and payout.get("amount") is not None:
                    amount = money.in_minor_units(payout["amount"], _currency(payout))
                    known = Known("payouts", page, prop, amount, "seen", job.job_id, label, item.planned_seq)
                    _remember_amount(state, wanted, known)
        if job.kind == "generate" and data.get("amount") is not None:
            for step in by_item.get(item.item_key, ()):
                if step.kind == "create" and step.data_source == "payouts" and step.page_id:
                    amount = money.in_minor_units(data["amount"], _currency(data))
                    known = Known(
                        "payouts", step.page_id, prop, amount, "written", job.job_id, label, step.updated_seq
                    )
                    _remember_amount(state, wanted, known)


def _currency(data: Mapping[str, Any]) -> str | None:
    """The currency a plan recorded beside an amount (the projections keep amounts as JSON numbers, see
    eventlog.amounts: shown in minor units, 1150 USD reads 1150.00)."""
    currency = data.get("currency")
    return currency if isinstance(currency, str) else None


def _remember_amount(state: KnownState, wanted: set[tuple[str, str]], known: Known) -> None:
    wanted.add((known.page, known.prop))
    state.pages[known.page] = "payouts"
    _keep(state, known)


def _label(item: ItemRow) -> str:
    """The item's business key: its invoice id, its source's name, else its label."""
    data = json_object(item.data)
    return str(data.get("invoice_id") or data.get("order_title") or data.get("label") or item.label)


def _keep(state: KnownState, known: Known) -> None:
    key = (known.page, known.prop)
    if key not in state.values or state.values[key].seq <= known.seq:
        state.values[key] = known


def _accepted(records: Iterable[Any], state: KnownState, amount: str) -> None:
    for record in records:
        payload = json.loads(record.payload)
        page, prop = str(payload.get("page", "")), str(payload.get("property") or "")
        if payload.get("finding") in ("gone", "cascade"):
            state.accepted[(page, str(payload["finding"]))] = payload.get("value")
            continue
        before = state.values.get((page, prop))
        if before is not None:
            value = payload.get("value")
            if prop == amount and before.logical == "payouts" and value is not None:
                value = money.amount(value)
            _keep(
                state,
                Known(before.logical, page, prop, value, "accepted", record.job_id, before.label, record.seq),
            )


def _page_of(kind: str, target: str, page_id: str | None) -> str:
    if kind == "create":
        return page_id or ""
    return page_id or target


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text

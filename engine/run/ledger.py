"""The ledger: every money-relevant record the jobs of the log planned or wrote, one row each, with the
amount it carries, its outcome and Notion's request id; totals per currency and outcome; the chain head;
and, for commit jobs, a reconciliation of the payouts paid against each payable's Total and the plan's money.

Pure over the log's named reads (`EventLog.jobs`, `items`, `steps`): nothing here talks to Notion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.workspace import money
from eventlog import ChainHead, EventLog, ItemRow, JobRow, StepRow, json_object

COLUMNS = (
    "job",
    "item",
    "contractor",
    "record",
    "page_id",
    "url",
    "property",
    "before",
    "after",
    "amount",
    "currency",
    "outcome",
    "request_id",
    "operator",
    "at",
)
MONEY_KINDS = ("commit", "generate")  # sync writes hours, not money
PAID_OUTCOMES = ("succeeded", "skipped")  # at the target: written by the job, or found so


@dataclass(frozen=True)
class LedgerRow:
    job: str
    item: str
    contractor: str
    record: str  # the data source: payables, payouts, splits, refunds
    page_id: str
    prop: str  # the property written ("(created)" for a page the job created)
    before: str
    after: str
    amount: Decimal | None
    currency: str
    outcome: str
    request_id: str
    operator: str
    at: str

    @property
    def url(self) -> str:
        return f"https://www.notion.so/{self.page_id.replace('-', '')}" if self.page_id else ""

    def cells(self) -> list[str]:
        amount = money.text(self.amount, self.currency).replace(",", "") if self.amount is not None else ""
        values = {**self.__dict__, "url": self.url, "amount": amount, "property": self.prop}
        return [str(values[name]) for name in COLUMNS]


@dataclass
class Ledger:
    rows: list[LedgerRow]
    head: ChainHead
    totals: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (currency, outcome) -> sum
    differences: list[str] = field(default_factory=list)  # what does not reconcile, in words
    unknown: list[str] = field(default_factory=list)  # jobs whose plan did not record payout amounts
    uncompared: list[str] = field(default_factory=list)  # payables over payouts with no exchange rate
    per_usd: Mapping[str, Decimal] = field(default_factory=dict)  # the rates the reconciliation used

    @property
    def reconciles(self) -> bool:
        return not self.differences


def build_ledger(
    log: EventLog,
    *,
    job_id: str | None = None,
    month: str | None = None,
    per_usd: Mapping[str, Decimal] | None = None,
) -> Ledger:
    """The ledger of one job, of the jobs of one work month, or of every money job of the log. `per_usd`
    (the configuration's `[exchange] per_usd`) converts payouts in another currency than their payable's."""
    jobs = [job for job in _jobs(log, job_id, month) if job.kind in MONEY_KINDS]
    rates = dict(per_usd or {})
    rows: list[LedgerRow] = []
    differences: list[str] = []
    unknown: list[str] = []
    uncompared: list[str] = []
    for job in jobs:
        items = {item.item_key: item for item in log.items(job.job_id)}
        steps = log.steps(job.job_id)
        job_rows = list(_rows(job, items, steps))
        rows.extend(job_rows)
        if job.kind == "commit":
            if any(
                "payouts" not in json_object(item.data) for item in items.values() if item.kind == "payable"
            ):
                unknown.append(job.job_id)
            else:
                for finding in _reconcile(job, items, job_rows, rates):
                    (uncompared if isinstance(finding, Uncompared) else differences).append(finding)
    totals: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        if row.amount is not None and row.currency:
            key = (row.currency, row.outcome)
            totals[key] = totals.get(key, Decimal(0)) + row.amount
    return Ledger(rows, log.head(), totals, differences, unknown, uncompared, rates)


def _jobs(log: EventLog, job_id: str | None, month: str | None) -> list[JobRow]:
    if job_id is not None:
        job = log.job(job_id)
        return [job] if job is not None else []
    jobs = log.jobs()
    if month is not None:
        jobs = [job for job in jobs if json_object(job.params).get("month") == month]
    return sorted(jobs, key=lambda job: job.created_at or "")


def _rows(job: JobRow, items: Mapping[str, ItemRow], steps: Iterable[StepRow]) -> Iterator[LedgerRow]:
    for step in steps:
        item = items.get(step.item_key)
        data = json_object(item.data) if item is not None else {}
        amount, currency = _amount_of(job, step, data)
        page = step.page_id or (step.target if step.kind == "update" else "")
        yield LedgerRow(
            job=job.job_id,
            item=_business_key(item, data),
            contractor=str(data.get("contractor") or ""),
            record=step.data_source,
            page_id=page,
            prop=step.property or ("(created)" if step.kind == "create" else ""),
            before=_shown(step.before),
            after=_shown(step.after),
            amount=amount,
            currency=currency,
            outcome=step.status,
            request_id=step.request_id or "",
            operator=job.operator,
            at=step.finished_at or step.started_at or "",
        )


def _amount_of(job: JobRow, step: StepRow, data: Mapping[str, Any]) -> tuple[Decimal | None, str]:
    """The amount a step's record carries: a payout's Amount, a payable's Total, a created payout's."""
    if job.kind == "commit":
        if step.data_source == "payouts":
            payout = (data.get("payouts") or {}).get(step.target)
            if isinstance(payout, Mapping) and payout.get("amount") is not None:
                return money.amount(payout["amount"]), str(payout.get("currency") or "")
        if step.data_source == "payables" and data.get("total") is not None:
            return money.amount(data["total"]), str(data.get("currency") or "")
        return None, ""
    if step.kind == "create" and data.get("amount") is not None:
        return money.amount(data["amount"]), str(data.get("currency") or "")
    return None, ""


class Uncompared(str):
    """A payable the reconciliation could not compare: a payout's currency has no configured rate."""


def _reconcile(
    job: JobRow, items: Mapping[str, ItemRow], rows: list[LedgerRow], per_usd: Mapping[str, Decimal]
) -> Iterator[str]:
    """Per payable: the Paid payouts' amounts, each converted to the payable's currency when it is another
    (rounded once to its minor unit), against its Total; for the job: the payouts it paid against the plan's
    money per currency (when it completed)."""
    by_item: dict[str, list[LedgerRow]] = {}
    for row in rows:
        by_item.setdefault(row.item, []).append(row)
    for name, item_rows in by_item.items():
        payable = next((r for r in item_rows if r.record == "payables"), None)
        if payable is None or payable.amount is None or payable.outcome not in PAID_OUTCOMES:
            continue
        payouts = [r for r in item_rows if r.record == "payouts" and r.outcome in PAID_OUTCOMES]
        paid = money.total((r.currency, r.amount) for r in payouts)
        ids = ", ".join(r.page_id for r in item_rows if r.record == "payouts")
        foreign = sorted({r.currency for r in payouts if r.currency != payable.currency})
        as_payable = [
            money.converted(r.amount, r.currency, payable.currency, per_usd)
            for r in payouts
            if r.amount is not None
        ]
        if any(value is None for value in as_payable):
            missing = ", ".join(c for c in foreign if c not in per_usd and c != "USD")
            yield Uncompared(
                f"{job.job_id} {name}: payouts in {', '.join(foreign)}, payable Total in {payable.currency}, "
                f"and no exchange rate for {missing or payable.currency}: add [exchange] per_usd = "
                f'{{ {missing or payable.currency} = "…" }} to the configuration'
            )
            continue
        converted = sum((v for v in as_payable if v is not None), Decimal(0))
        if converted != payable.amount:
            shown = money.totals_text(paid)
            if foreign:
                rates = _rates_text(foreign, per_usd)
                shown += f" = {payable.currency} {money.text(converted, payable.currency)} ({rates})"
            yield (
                f"{job.job_id} {name}: payouts paid {shown}, payable Total "
                f"{payable.currency} {money.text(payable.amount, payable.currency)} (payouts {ids})"
            )
    if job.status == "completed":
        planned = money.decoded(json_object(job.totals))
        moved = money.total(
            (r.currency, r.amount)
            for r in rows
            if r.record == "payouts" and r.outcome == "succeeded" and r.before != "Paid"
        )
        if moved != planned:
            yield (
                f"{job.job_id}: paid {money.totals_text(moved)} in payouts, the plan's money is "
                f"{money.totals_text(planned)}"
            )


def _rates_text(currencies: Iterable[str], per_usd: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{money.text(per_usd[c], c)} {c} per USD" for c in currencies if c in per_usd)


def summary_lines(ledger: Ledger) -> list[str]:
    """The ledger's end: totals per currency and outcome, the reconciliation, the chain head."""
    lines = [
        f"total {currency} {outcome}: {money.text(value, currency)}"
        for (currency, outcome), value in sorted(ledger.totals.items())
    ]
    lines.extend(
        f"not reconciled: {job} was planned by an earlier paydesk that did not log its payouts' amounts"
        for job in ledger.unknown
    )
    lines.extend(f"not compared: {payable}" for payable in ledger.uncompared)
    if ledger.reconciles:
        converted = f", payouts in other currencies at {_rates_text(sorted(ledger.per_usd), ledger.per_usd)}"
        lines.append(
            "reconciles: every payable compared has Paid payouts adding up to its Total, and every job paid "
            f"its plan's money{converted if ledger.per_usd else ''}"
        )
    else:
        lines.extend(f"does not reconcile: {difference}" for difference in ledger.differences)
    lines.append(f"chain head {ledger.head.seq} {ledger.head.hash}")
    return lines


def _business_key(item: ItemRow | None, data: Mapping[str, Any]) -> str:
    for key in ("invoice_id", "order_title"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return item.label if item is not None else ""


def _shown(text: str) -> str:
    value = _loads_any(text)
    if value is None:
        return ""
    if isinstance(value, list):
        return f"{len(value)} linked"
    return str(value)


def _loads_any(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text

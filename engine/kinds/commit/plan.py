"""Planning the payout commit (DOMAIN.md flow 3): a pure function of the preloaded snapshot.

For each selected payable, leaf first: each payout item's invoice split → Paid (select) and refund
request → Paid (status), then the payout → Paid (status); last the payable → Payment Status Paid with
Payment Date = today. The payable's step depends on every step below it, so it is written only when all
of them are at target. Cancelled payout items are not paid and do not hold the payable back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.kinds.commit.params import CommitParams
from engine.run.plan import ChildLink, Item, Plan, Skip, Step, step_key
from engine.workspace import money, props, records
from engine.workspace.config import Config
from engine.workspace.rates import payday_on
from engine.workspace.schema import NEEDS

Page = Mapping[str, Any]
PAID = "Paid"
CANCELLED = "Cancelled"


@dataclass(frozen=True)
class CommitSnapshot:
    payables: Sequence[Page]  # the Pending payables preloaded for the selection
    payout_items: Mapping[str, Sequence[str]]  # payable id -> every payout id (relations completed)
    payouts: Mapping[str, Page]
    splits: Mapping[str, Page]
    refunds: Mapping[str, Page]
    rates: Sequence[Page]  # Active rates
    contractors: Mapping[str, Page]
    unreadable: Mapping[str, str] = field(default_factory=dict)  # page id -> why it could not be read
    reads: int = 0


def _status_step(
    config: Config,
    logical: str,
    page_id: str,
    page: Page | None,
    label: str,
    depends: Sequence[str] = (),
    children: Sequence[ChildLink] = (),
) -> Step:
    default = "Payment Status" if logical == "payables" else "Status"
    name = config.prop(logical, default)
    kind = NEEDS[logical][default].type
    before = props.option(page, name, kind) if page is not None else None
    return Step(
        key=step_key(logical, page_id, name, PAID),
        kind="update",
        logical=logical,
        target=page_id,
        property=name,
        before=before,
        after=PAID,
        write={name: props.write_option(kind, PAID)},
        label=label,
        depends_on=tuple(depends),
        expect={name: before} if page is not None else {},
        children=tuple(children),
    )


def _status_of(config: Config, logical: str, page: Page | None) -> str | None:
    name = config.prop(logical, "Status")
    return props.option(page, name, NEEDS[logical]["Status"].type) if page is not None else None


def _link(
    config: Config, relation: str, logical: str, accepted: tuple[str, ...], pages: Mapping[str, Page | None]
) -> ChildLink:
    """The children a parent stands on, as planned: each linked page's status (None: unreadable)."""
    return ChildLink(
        relation=relation,
        logical=logical,
        property=config.prop(logical, "Status"),
        kind=NEEDS[logical]["Status"].type,
        accepted=accepted,
        planned={page_id: _status_of(config, logical, page) for page_id, page in pages.items()},
    )


def _contractor_of(payable: Page, config: Config) -> str | None:
    return records.first_relation(payable, config, "payables", "Contractor")


def _select_reason(
    payable: Page, params: CommitParams, snapshot: CommitSnapshot, config: Config
) -> str | None:
    """Why this payable is not committed (None: it is)."""
    if params.invoice_ids:
        return None
    status = props.option(payable, config.prop("payables", "Payment Status"), "status")
    if status != "Pending":
        return f"payment status is {status or 'empty'}, not Pending"
    period = props.date_start(payable, config.prop("payables", "Period"))
    if period != params.period_start:
        return f"period starts {period or 'nowhere'}, not {params.period_start}"
    contractor = _contractor_of(payable, config)
    if contractor is None:
        return "no contractor"
    payday = payday_on(contractor, params.period_start, snapshot.rates, config)
    if payday is None:
        return "no active rate"
    if payday != params.payday:
        return f"payday mismatch: the active rate pays on the {payday}"
    return None


def plan_commit(snapshot: CommitSnapshot, params: CommitParams, config: Config) -> Plan:
    items: list[Item] = []
    skips: list[Skip] = []
    totals: money.Totals = {}
    wanted_invoices = {i.strip() for i in params.invoice_ids}
    seen_invoices: set[str] = set()
    for payable in snapshot.payables:
        pid = props.page_id(payable)
        invoice = props.text(payable, config.prop("payables", "Invoice ID"))
        title = props.title(payable, config.prop("payables", "Payable Title"))
        label = invoice or title or pid
        contractor_name = records.contractor_name(
            _contractor_of(payable, config), snapshot.contractors, config
        )
        if wanted_invoices:
            if invoice not in wanted_invoices:
                continue
            seen_invoices.add(invoice)
        if params.contractor and contractor_name.casefold() != params.contractor.casefold():
            continue
        reason = _select_reason(payable, params, snapshot, config)
        if reason is not None:
            skips.append(Skip(pid, label, "payable", reason))
            continue
        steps, item_totals, ignored, amounts = _cascade(pid, payable, snapshot, params, config)
        for currency, amount in item_totals.items():
            money.add(totals, currency, amount)
        data = {
            "invoice_id": invoice,
            "contractor": contractor_name,
            "total": props.number(payable, config.prop("payables", "Total")),
            "currency": props.option(payable, config.prop("payables", "Currency"), "select"),
            "payout_items": len(snapshot.payout_items.get(pid, ())),
            "cancelled_items_ignored": ignored,
            "payouts": amounts,
        }
        items.append(Item(key=pid, label=label, kind="payable", steps=tuple(steps), data=data))
    for missing in sorted(wanted_invoices - seen_invoices):
        skips.append(Skip(f"invoice:{missing}", missing, "payable", "invoice id not among Pending payables"))
    return Plan(items=tuple(items), skips=tuple(skips), totals=totals, reads=snapshot.reads)


def _cascade(
    pid: str, payable: Page, snapshot: CommitSnapshot, params: CommitParams, config: Config
) -> tuple[list[Step], money.Totals, int, dict[str, dict[str, Any]]]:
    steps: list[Step] = []
    totals: money.Totals = {}
    amounts: dict[str, dict[str, Any]] = {}  # payout id -> its amount and currency (the ledger's)
    ignored = 0
    below: list[str] = []
    for payout_id in snapshot.payout_items.get(pid, ()):
        payout = snapshot.payouts.get(payout_id)
        if payout is not None:
            status = props.option(payout, config.prop("payouts", "Status"), "status")
            if status == CANCELLED:
                ignored += 1
                continue
        children: list[str] = []
        links: list[ChildLink] = []
        if payout is not None:
            for logical, rel in (("splits", "02 Invoice Split"), ("refunds", "01 Refund")):
                ids, _ = props.relation(payout, config.prop("payouts", rel))
                for child_id in ids:
                    child = _child_step(config, logical, child_id, snapshot)
                    steps.append(child)
                    children.append(child.key)
                pages = snapshot.splits if logical == "splits" else snapshot.refunds
                links.append(
                    _link(
                        config, config.prop("payouts", rel), logical, (PAID,), {i: pages.get(i) for i in ids}
                    )
                )
        name = props.title(payout, config.prop("payouts", "Name")) if payout else payout_id
        step = _status_step(config, "payouts", payout_id, payout, f"payout {name}", children, links)
        steps.append(step)
        below.extend([*children, step.key])
        if payout is not None:
            amount = props.number(payout, config.prop("payouts", "Amount")) or Decimal(0)
            currency = props.option(payout, config.prop("payouts", "Currency"), "select") or "?"
            paid = money.rounded(amount, currency)
            amounts[payout_id] = {"amount": paid, "currency": currency}
            if step.before != PAID:
                money.add(totals, currency, paid)
    items = snapshot.payout_items.get(pid, ())
    link = _link(
        config,
        config.prop("payables", "Payout Items"),
        "payouts",
        (PAID, CANCELLED),
        {i: snapshot.payouts.get(i) for i in items},
    )
    final = _status_step(config, "payables", pid, payable, "payable", below, (link,))
    payment_date = config.prop("payables", "Payment Date")
    final = Step(
        key=final.key,
        kind=final.kind,
        logical=final.logical,
        target=final.target,
        property=final.property,
        before=final.before,
        after=final.after,
        write={**final.write, payment_date: props.write_date(params.today)},
        label=final.label,
        depends_on=final.depends_on,
        expect={**final.expect, payment_date: props.date_range(payable, payment_date)[0]},
        children=final.children,
    )
    steps.append(final)
    return steps, totals, ignored, amounts


def _child_step(config: Config, logical: str, child_id: str, snapshot: CommitSnapshot) -> Step:
    page = (snapshot.splits if logical == "splits" else snapshot.refunds).get(child_id)
    noun = "invoice split" if logical == "splits" else "refund"
    return _status_step(config, logical, child_id, page, noun)

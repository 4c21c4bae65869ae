"""Planning payout generation (DOMAIN.md flow 1): pure functions of the preloaded snapshot.

Each source record (an Approved Order, an Approved refund request, a Pending paying invoice split) becomes
one item whose first step creates its payout, guarded by a lookup for a non-cancelled payout linking the
source; a payroll item then sets the order's line items, and last the order, to Completed. A source that
already has a non-cancelled payout, no contractor, no valid rate or another payday is skipped with why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from engine.kinds.generate.describe import payout_description, payout_name
from engine.kinds.generate.params import GenerateParams
from engine.kinds.generate.proration import prorated
from engine.kinds.generate.rules import (
    CANCELLED,
    COMPLETED,
    LINKS,
    PAYING_SPLIT_TYPES,
    source_filter_of,
)
from engine.run.plan import CREATED, ChildLink, Input, Item, Plan, Skip, Source, Step, step_key
from engine.workspace import money, props
from engine.workspace.config import Config
from engine.workspace.payload import payload
from engine.workspace.rates import rate_on
from engine.workspace.records import contractor_name, first_relation, wanted

Page = Mapping[str, Any]


@dataclass(frozen=True)
class GenerateSnapshot:
    sources: Sequence[Page]  # Approved orders, Approved refund requests or Pending paying splits
    payouts: Sequence[Page]  # existing non-cancelled payouts that link a source of this type
    contractors: Mapping[str, Page]
    rates: Sequence[Page] = ()  # Active rates (payroll)
    line_items: Mapping[str, Sequence[str]] = field(default_factory=dict)  # order id -> every line item
    pages: Mapping[str, Page] = field(default_factory=dict)  # line items by id (payroll)
    deployments: Mapping[str, Page] = field(default_factory=dict)  # (payroll)
    unreadable: Mapping[str, str] = field(default_factory=dict)  # page id -> why it could not be read
    reads: int = 0


class _NotPaid(Exception):
    """A source that gets no payout; the message is the skip reason."""


# ---- payouts and their sources ---------------------------------------------------------------------------


def linked_payouts(payouts: Sequence[Page], config: Config, link: str) -> dict[str, str]:
    """source id -> the id of a non-cancelled payout that links it."""
    found: dict[str, str] = {}
    for payout in payouts:
        if props.option(payout, config.prop("payouts", "Status"), "status") == CANCELLED:
            continue
        for source in props.relation(payout, config.prop("payouts", link))[0]:
            found.setdefault(source, props.page_id(payout))
    return found


_TARGET_PREFIX = {"payroll": "order", "refund": "refund", "invoice_split": "split"}


def source_target(payout_type: str, source_id: str) -> str:
    """The target of the create of the payout for a source of `payout_type`: its id after a prefix."""
    return f"{_TARGET_PREFIX[payout_type]}:{source_id}"


def payout_lookup(config: Config, link: str, source_id: str) -> dict[str, Any]:
    """The filter that finds a non-cancelled payout linking `source_id` (the create's guard)."""
    return {
        "and": [
            {"property": config.prop("payouts", link), "relation": {"contains": source_id}},
            {"property": config.prop("payouts", "Status"), "status": {"does_not_equal": CANCELLED}},
        ]
    }


def _create_payout(
    config: Config,
    source_key: str,
    link: str,
    source: Source,
    values: Mapping[str, Any],
    label: str,
    inputs: Sequence[tuple[str, Page]],
) -> Step:
    """The payout for `source`, guarded by a lookup of a non-cancelled payout linking it; `inputs` are the
    (logical, page) pairs its values were computed from (the source first)."""
    source_id = source.page
    return Step(
        key=f"payouts:create:{source_key}",
        kind="create",
        logical="payouts",
        target=source_key,
        property="",
        before=None,
        after=CREATED,
        write=payload(config, "payouts", {**values, link: [source_id]}),
        label=label,
        lookup=payout_lookup(config, link, source_id),
        inputs=tuple(Input(props.page_id(page), logical, props.edited(page)) for logical, page in inputs),
        source=source,
    )


def _completed(
    config: Config,
    page_id: str,
    page: Page | None,
    label: str,
    depends: Sequence[str],
    children: Sequence[ChildLink] = (),
) -> Step:
    name = config.prop("orders", "Status")
    before = props.option(page, name, "select") if page is not None else None
    return Step(
        key=step_key("orders", page_id, name, COMPLETED),
        kind="update",
        logical="orders",
        target=page_id,
        property=name,
        before=before,
        after=COMPLETED,
        write=payload(config, "orders", {"Status": COMPLETED}),
        label=label,
        depends_on=tuple(depends),
        expect={name: before} if page is not None else {},
        children=tuple(children),
    )


def _add(totals: money.Totals, currency: str | None, amount: Decimal) -> None:
    money.add(totals, currency or "?", amount)


# ---- payroll -------------------------------------------------------------------------------------------


def _order_contractor(items: Sequence[Page], snapshot: GenerateSnapshot, config: Config) -> str | None:
    """The contractor of the first line item (in id order) whose deployment names one."""
    for item in sorted(items, key=props.page_id):
        deployment_id = first_relation(item, config, "orders", "Project Deployment")
        deployment = snapshot.deployments.get(deployment_id or "")
        if deployment is not None:
            contractor = first_relation(deployment, config, "deployments", "Contractor")
            if contractor is not None:
                return contractor
    return None


def payroll_amount(rate: Page, hours: Decimal, month: str, config: Config) -> Decimal:
    """Hourly: rate × hours, rounded once (half-up) to the currency's minor unit; Monthly Fixed and Mixed:
    the fixed fee prorated by weekdays and rounded up to 1,000 (see proration). Exact decimals throughout:
    5.35 × 0.5 h is 2.675, paid 2.68 USD."""
    billing = props.option(rate, config.prop("rates", "Billing Type"), "select")
    if billing in ("Monthly Fixed", "Mixed"):
        monthly = props.number(rate, config.prop("rates", "Monthly Fixed"))
        if monthly is None:
            raise _NotPaid(f"no valid rate: the {billing} rate has no Monthly Fixed")
        start = props.date_start(rate, config.prop("rates", "Start Date"))
        return Decimal(prorated(monthly, date.fromisoformat(start) if start else None, month))
    if billing == "Hourly Rate":
        hourly = props.number(rate, config.prop("rates", "Hourly Rate"))
        if hourly is None:
            raise _NotPaid("no valid rate: the hourly rate has no Hourly Rate")
        currency = props.option(rate, config.prop("rates", "Currency"), "select")
        return money.rounded(hourly * hours, currency)
    raise _NotPaid(f"no valid rate: unknown billing type {billing or '(empty)'}")


def _payroll_item(
    order: Page,
    snapshot: GenerateSnapshot,
    params: GenerateParams,
    config: Config,
    existing: Mapping[str, str],
) -> Item | Skip | None:
    oid = props.page_id(order)
    title = props.title(order, config.prop("orders", "Name")) or oid
    item_ids = list(snapshot.line_items.get(oid, ()))
    items = [snapshot.pages[i] for i in item_ids if i in snapshot.pages]
    contractor = _order_contractor(items, snapshot, config)
    name = contractor_name(contractor, snapshot.contractors, config)
    if params.contractor is not None and (contractor is None or not wanted(name, params.contractor)):
        return None
    label = f"{title} ({name})" if name else title
    unreadable = [i for i in item_ids if i not in snapshot.pages]
    day = props.date_start(order, config.prop("orders", "Date"))
    if contractor is None:
        return Skip(oid, label, "order", "no contractor: no line item's deployment names one")
    if unreadable:
        why = snapshot.unreadable.get(unreadable[0], "not found")
        return Skip(oid, label, "order", f"line item {unreadable[0]} cannot be read: {why}")
    rate = rate_on(contractor, day, snapshot.rates, config) if day else None
    if rate is None:
        return Skip(oid, label, "order", f"no valid rate on {day or 'the order (it has no Date)'}")
    payday = props.option(rate, config.prop("rates", "Payday"), "select")
    if params.payday is not None and payday != params.payday:
        return Skip(oid, label, "order", f"payday mismatch: the rate pays on the {payday or '(none)'}")
    if oid in existing:
        return Skip(oid, label, "order", f"payout exists ({existing[oid]})")
    hours = sum(
        (props.number(i, config.prop("orders", "Line Item Hours")) or Decimal(0) for i in items), Decimal(0)
    )
    try:
        amount = payroll_amount(rate, hours, params.month, config)
    except _NotPaid as reason:
        return Skip(oid, label, "order", str(reason))
    currency = props.option(rate, config.prop("rates", "Currency"), "select")
    contractor_page = snapshot.contractors.get(contractor)
    positions = (
        props.options(contractor_page, config.prop("contractors", "Position")) if contractor_page else []
    )
    values = {
        "Name": payout_name(params.month),
        "Amount": amount,
        "Currency": currency,
        "Status": "Pending",
        "Date": day,
        "Description": payout_description(positions, params.month),
        "Person": [contractor],
        "00 Service Rate": [props.page_id(rate)],
    }
    source = Source(oid, "orders", source_filter_of(params, config))
    used = [("orders", order), *(("orders", i) for i in items), ("rates", rate)]
    if contractor_page is not None:
        used.append(("contractors", contractor_page))
    create = _create_payout(
        config, source_target("payroll", oid), "00 Task Order", source, values, f"payout for {title}", used
    )
    children = [
        _completed(
            config,
            props.page_id(i),
            i,
            f"line item {props.title(i, config.prop('orders', 'Name'))}",
            [create.key],
        )
        for i in sorted(items, key=props.page_id)
    ]
    sub_items = ChildLink(
        relation=config.prop("orders", "Sub-item"),
        logical="orders",
        property=config.prop("orders", "Status"),
        kind="select",
        accepted=(COMPLETED,),
        planned={props.page_id(i): props.option(i, config.prop("orders", "Status"), "select") for i in items},
    )
    final = _completed(
        config, oid, order, f"order {title}", [create.key, *(c.key for c in children)], (sub_items,)
    )
    data = {
        "type": "payroll",
        "source_id": oid,
        "contractor": name,
        "contractor_id": contractor,
        "amount": amount,
        "currency": currency,
        "hours": hours,
        "billing": props.option(rate, config.prop("rates", "Billing Type"), "select"),
        "rate_id": props.page_id(rate),
        "date": day,
    }
    return Item(key=oid, label=label, kind="order", steps=(create, *children, final), data=data)


# ---- refunds and invoice splits ------------------------------------------------------------------------


def _refund_item(
    refund: Page,
    snapshot: GenerateSnapshot,
    params: GenerateParams,
    config: Config,
    existing: Mapping[str, str],
) -> Item | Skip | None:
    rid = props.page_id(refund)
    contractor = first_relation(refund, config, "refunds", "Contractor")
    name = contractor_name(contractor, snapshot.contractors, config)
    if params.contractor is not None and not wanted(name, params.contractor):
        return None
    reason = props.option(refund, config.prop("refunds", "Reason"), "select") or "Refund"
    details = props.text(refund, config.prop("refunds", "Details")).strip()
    title = f"{reason} - {details}" if details else reason
    label = f"{title} ({name})" if name else title
    status = props.option(refund, config.prop("refunds", "Status"), "status")
    amount = props.number(refund, config.prop("refunds", "Amount"))
    if status != "Approved":
        return Skip(rid, label, "refund", f"status is {status or 'empty'}, not Approved")
    if contractor is None:
        return Skip(rid, label, "refund", "no contractor")
    if rid in existing:
        return Skip(rid, label, "refund", f"payout exists ({existing[rid]})")
    if amount is None:
        return Skip(rid, label, "refund", "no amount")
    currency = props.option(refund, config.prop("refunds", "Currency"), "select")
    amount = money.rounded(amount, currency)
    day = props.date_start(refund, config.prop("refunds", "Date Requested"))
    values = {
        "Name": title,
        "Amount": amount,
        "Currency": currency,
        "Status": "Pending",
        "Person": [contractor],
    }
    values["Date"] = day
    source = Source(rid, "refunds", source_filter_of(params, config))
    create = _create_payout(
        config,
        source_target("refund", rid),
        "01 Refund",
        source,
        values,
        f"payout {title}",
        [("refunds", refund)],
    )
    data = {"type": "refund", "source_id": rid, "contractor": name, "amount": amount, "currency": currency}
    return Item(key=rid, label=label, kind="refund", steps=(create,), data=data)


def _split_item(
    split: Page,
    snapshot: GenerateSnapshot,
    params: GenerateParams,
    config: Config,
    existing: Mapping[str, str],
) -> Item | Skip | None:
    sid = props.page_id(split)
    contractor = first_relation(split, config, "splits", "Person")
    name = contractor_name(contractor, snapshot.contractors, config)
    if params.contractor is not None and not wanted(name, params.contractor):
        return None
    title = props.title(split, config.prop("splits", "Name")) or sid
    status = props.option(split, config.prop("splits", "Status"), "select")
    kind = props.option(split, config.prop("splits", "Type"), "select")
    amount = props.number(split, config.prop("splits", "Amount"))
    if status != "Pending":
        return Skip(sid, title, "split", f"status is {status or 'empty'}, not Pending")
    if kind not in PAYING_SPLIT_TYPES:
        return Skip(sid, title, "split", f"type {kind or '(empty)'} is not paid out")
    if contractor is None:
        return Skip(sid, title, "split", "no contractor")
    if sid in existing:
        return Skip(sid, title, "split", f"payout exists ({existing[sid]})")
    if amount is None:
        return Skip(sid, title, "split", "no amount")
    currency = props.option(split, config.prop("splits", "Currency"), "select")
    amount = money.rounded(amount, currency)
    values = {
        "Name": title,
        "Amount": amount,
        "Currency": currency,
        "Status": "New",
        "Person": [contractor],
        "Date": props.date_start(split, config.prop("splits", "Month")),
    }
    source = Source(sid, "splits", source_filter_of(params, config))
    create = _create_payout(
        config,
        source_target("invoice_split", sid),
        "02 Invoice Split",
        source,
        values,
        f"payout {title}",
        [("splits", split)],
    )
    data = {
        "type": "invoice_split",
        "source_id": sid,
        "contractor": name,
        "amount": amount,
        "currency": currency,
    }
    return Item(key=sid, label=title, kind="split", steps=(create,), data=data)


_PLANNERS = {"payroll": _payroll_item, "refund": _refund_item, "invoice_split": _split_item}


def plan_generate(snapshot: GenerateSnapshot, params: GenerateParams, config: Config) -> Plan:
    """The plan for one payout type: an item per source that gets a payout, a skip per one that does not."""
    existing = linked_payouts(snapshot.payouts, config, LINKS[params.type])
    plan_one = _PLANNERS[params.type]
    items: list[Item] = []
    skips: list[Skip] = []
    totals: money.Totals = {}
    for source in sorted(snapshot.sources, key=props.page_id):
        planned = plan_one(source, snapshot, params, config, existing)
        if isinstance(planned, Skip):
            skips.append(planned)
        elif planned is not None:
            items.append(planned)
            _add(totals, planned.data.get("currency"), money.amount(planned.data["amount"]))
    return Plan(items=tuple(items), skips=tuple(skips), totals=totals, reads=snapshot.reads)

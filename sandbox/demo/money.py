"""Invoice splits, refund requests, contractor payouts and the payables that group them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sandbox.demo import records as v
from sandbox.demo.corpus import REFUND_DETAILS
from sandbox.demo.draft import ContractorFacts, Draft, to_usd
from sandbox.demo.month import WorkMonth
from sandbox.demo.schemas import OTHER_SPLIT_TYPES, PAYING_SPLIT_TYPES, REFUND_REASONS, SPLIT_ROLES

# What a payout item links to, cycling with (payable index + item index).
LINKS = ("split+refund", "split", "refund", "none")
INVOICE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def description(positions: list[str], m: WorkMonth) -> str:
    span = f"({m.name} 1-{m.last.day}, {m.year})"
    lowered = [p.lower() for p in positions]
    if any("design" in p for p in lowered):
        return f"Design Consulting Services Rendered {span}"
    if any("operation executive" in p for p in lowered):
        return f"Operational Consulting Services Rendered {span}"
    return f"Software Development Services Rendered {span}"


def add_split(d: Draft, c: ContractorFacts, kind: str, state: str) -> tuple[str, str, int | float]:
    """A split for contractor `c`: (key, name, amount)."""
    vnd = c.currency == "VND"
    amount: int | float = d.rng.randint(1, 40) * 250_000 if vnd else d.rng.randint(4, 160) * 5
    scope = c.deployments[0].project.codename if c.deployments else "General"
    name = f"{kind} - {scope} - {d.month.short} - {c.discord}"
    key = d.add(
        "splits",
        {
            "Name": v.title(name),
            "Amount": v.number(amount),
            "Currency": v.select(c.currency),
            "Month": v.when(d.month.first),
            "Role": v.select(d.rng.choice(SPLIT_ROLES)),
            "Type": v.select(kind),
            "Status": v.select(state),
        },
        {"Person": [c.key]},
    )
    return key, name, amount


def add_refund(
    d: Draft, c: ContractorFacts, state: str, *, reason: bool = True
) -> tuple[str, str, int, date]:
    """A refund request for contractor `c`: (key, payout name, amount, date requested)."""
    vnd = c.currency == "VND"
    amount = d.rng.randint(2, 50) * 100_000 if vnd else d.rng.randint(10, 200)
    chosen = d.rng.choice(REFUND_REASONS) if reason else None
    details = d.rng.choice(REFUND_DETAILS)
    day = d.day_in_month()
    key = d.add(
        "refunds",
        {
            "Refund ID": v.title(f"RFD-{d.month.compact}-{d.count('refunds') + 1:04d}"),
            "Amount": v.number(amount),
            "Currency": v.select(c.currency),
            "Status": v.status(state),
            "Reason": v.select(chosen),
            "Details": v.text(details),
            "Date Requested": v.when(day),
        },
        {"Contractor": [c.key]},
    )
    return key, f"{chosen or 'Refund'} - {details}", amount, day


def add_payout(
    d: Draft,
    c: ContractorFacts,
    name: str,
    amount: float,
    state: str,
    day: date,
    links: dict[str, list[str]],
    text: str = "",
) -> str:
    return d.add(
        "payouts",
        {
            "Name": v.title(name),
            "Amount": v.number(amount),
            "Currency": v.select(c.currency),
            "Status": v.status(state),
            "Date": v.when(day),
            "Description": v.text(text),
        },
        {"Person": [c.key], **links},
    )


def _payout_item(d: Draft, c: ContractorFacts, link: str, paid: bool) -> tuple[str, Decimal]:
    """One payout item of a payable with what it links to; returns (key, amount in USD)."""
    state = "Paid" if paid else "Pending"
    links: dict[str, list[str]] = {}
    names: list[str] = []
    amount: float = 0
    day = d.day_in_month()
    if "split" in link:
        kind = PAYING_SPLIT_TYPES[d.count("splits") % len(PAYING_SPLIT_TYPES)]
        key, name, split_amount = add_split(d, c, kind, "Paid" if paid else "Pending")
        links["02 Invoice Split"] = [key]
        names.append(name)
        amount += split_amount
    if "refund" in link:
        key, name, refund_amount, day = add_refund(d, c, "Paid" if paid else "Approved")
        links["01 Refund"] = [key]
        names.append(name)
        amount += refund_amount
    text = ""
    if link == "none":
        previous = d.month.previous()
        assert c.rate is not None
        links["00 Service Rate"] = [c.rate.key]
        names.append(f"Development work on {previous.name}, {previous.year}")
        amount = c.rate.monthly or (c.rate.hourly or 0) * d.rng.randint(40, 120)
        text = description(c.positions, previous)
        day = previous.last
    key = add_payout(d, c, " + ".join(names), amount, state, day, links, text)
    return key, to_usd(amount, c.currency)


def invoice_id(d: Draft, c: ContractorFacts, period_start: date) -> str:
    """`INVC-YYYYMM-NAME-XXXX`: the period's month, the Discord handle in capitals, four random characters."""
    handle = "".join(ch for ch in c.discord.upper() if ch.isalnum())
    suffix = "".join(d.rng.choice(INVOICE_ALPHABET) for _ in range(4))
    return f"INVC-{period_start.strftime('%Y%m')}-{handle}-{suffix}"


def add_payables(d: Draft) -> None:
    """Pending payables for contractors 0 … payables-1, in the batch of their rate's payday.

    Payable 0 carries `big_payable_items`; every fourth payable (from 1) has its first item already Paid,
    and payable 2 has every item Paid (only the payable itself is left).
    """
    for k, c in enumerate(d.contractors[: d.shape.payables]):
        assert c.rate is not None, "payables go to contractors with a valid rate"
        count = d.shape.payout_items_per_payable
        if k == 0 and d.shape.big_payable_items:
            count = d.shape.big_payable_items
        items, total = [], Decimal(0)
        for j in range(count):
            paid = k == 2 or (k % 4 == 1 and j == 0) or (k == 0 and j % 7 == 6)
            key, usd = _payout_item(d, c, LINKS[(k + j) % len(LINKS)], paid)
            items.append(key)
            total += usd
        start = d.month.day(int(c.rate.payday))
        end = (start + timedelta(days=32)).replace(day=start.day) - timedelta(days=1)
        _payable(d, c, "Pending", start, end, items, total)
    if d.shape.awkward and d.shape.payables:
        _last_months_paid_payable(d, d.contractors[0])


def _payable(
    d: Draft, c: ContractorFacts, state: str, start: date, end: date, items: list[str], total: Decimal
) -> str:
    assert c.rate is not None
    properties = {
        "Payable Title": v.title(f"{c.full_name} :: {start.strftime('%Y%m')} :: batch {c.rate.payday}"),
        "Total": v.number(float(total)),  # the shortest float that prints as the exact total
        "Currency": v.select("USD"),
        "Payment Status": v.status(state),
        "Period": v.when(start, end),
        "Invoice Date": v.when(start),
        "Invoice ID": v.text(invoice_id(d, c, start)),
    }
    if state == "Paid":
        properties["Payment Date"] = v.when(start + timedelta(days=2))
    return d.add("payables", properties, {"Payout Items": items, "Contractor": [c.key]})


def _last_months_paid_payable(d: Draft, c: ContractorFacts) -> None:
    assert c.rate is not None
    previous = d.month.previous()
    start = previous.day(int(c.rate.payday))
    key, usd = _payout_item(d, c, "split", paid=True)
    _payable(d, c, "Paid", start, d.month.first - timedelta(days=1), [key], usd)


def add_loose_money(d: Draft) -> None:
    """Work for the generate flow: Pending splits and Approved refunds no payout links yet, and variety."""
    people = d.contractors
    for s in range(d.shape.free_splits):
        add_split(d, people[d.rng.randrange(len(people))], PAYING_SPLIT_TYPES[s % 4], "Pending")
    if d.shape.free_splits:
        for s in range(max(1, d.shape.free_splits // 5)):
            add_split(d, people[d.rng.randrange(len(people))], OTHER_SPLIT_TYPES[s % 2], "Pending")
    first_refund: tuple[ContractorFacts, str] | None = None
    for r in range(d.shape.free_refunds):
        reason = not (d.shape.awkward and r == 0)  # the awkward refund has an empty Reason
        person = people[d.rng.randrange(len(people))]
        key, *_ = add_refund(d, person, "Approved", reason=reason)
        first_refund = first_refund or (person, key)
    if not d.shape.awkward:
        return
    add_split(d, people[0], "Commission", "Cancelled")
    add_refund(d, people[-1], "Pending")
    add_refund(d, people[-1], "Rejected")
    _cancelled_payout(d, first_refund)


def _cancelled_payout(d: Draft, refund: tuple[ContractorFacts, str] | None) -> None:
    """A Cancelled payout for an Approved order (or a refund): it must not count as an existing payout."""
    c = next((c for c in d.contractors if c.order is not None and c.rate is not None), None)
    if c is not None and c.order is not None and c.rate is not None:
        links = {"00 Task Order": [c.order], "00 Service Rate": [c.rate.key]}
        name = f"Development work on {d.month.name}, {d.month.year}"
        amount = c.rate.monthly or (c.rate.hourly or 0) * 80
        add_payout(d, c, name, amount, "Cancelled", d.month.last, links, description(c.positions, d.month))
    elif refund is not None:
        person, key = refund
        add_payout(d, person, "Refund - cancelled", 100, "Cancelled", d.month.last, {"01 Refund": [key]})

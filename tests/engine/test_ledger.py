"""The ledger's reconciliation: a commit job's Paid payouts against each payable's Total and the plan's
money; a difference is named with its payouts."""

from __future__ import annotations

import json
from decimal import Decimal

from engine.run.ledger import LedgerRow, Uncompared, _reconcile
from engine.workspace import money
from eventlog import ItemRow, JobRow


def row(record: str, page: str, amount: str, currency: str = "USD", outcome: str = "succeeded") -> LedgerRow:
    return LedgerRow(
        job="commit-1",
        item="INV-1",
        contractor="Ada",
        record=record,
        page_id=page,
        prop="Status",
        before="Pending",
        after="Paid",
        amount=Decimal(amount),
        currency=currency,
        outcome=outcome,
        request_id="r",
        operator="o",
        at="t",
    )


def job(totals: dict[str, str]) -> JobRow:
    return JobRow(job_id="commit-1", kind="commit", status="completed", totals=json.dumps(totals))


ITEMS = {"INV-1": ItemRow(job_id="commit-1", item_key="p1", kind="payable")}


def test_payouts_that_add_up_to_the_total_and_the_plan_reconcile() -> None:
    rows = [row("payouts", "a", "0.10"), row("payouts", "b", "0.20"), row("payouts", "c", "25.00")]
    rows.append(row("payables", "p1", "25.30"))
    assert list(_reconcile(job({"USD": "25.30"}), ITEMS, rows, {})) == []


def test_a_payout_short_of_the_total_is_named_with_its_payouts() -> None:
    rows = [row("payouts", "a", "10.00"), row("payouts", "b", "5.00", outcome="failed")]
    rows.append(row("payables", "p1", "15.00"))
    (item, plan) = list(_reconcile(job({"USD": "15.00"}), ITEMS, rows, {}))
    assert "payouts paid USD 10.00, payable Total USD 15.00 (payouts a, b)" in item
    assert "paid USD 10.00 in payouts, the plan's money is USD 15.00" in plan


def test_currencies_are_never_mixed_without_an_exchange_rate() -> None:
    rows = [row("payouts", "a", "27200000", "VND"), row("payables", "p1", "1088.00")]
    (item,) = list(_reconcile(job({"VND": "27200000"}), ITEMS, rows, {}))  # the plan's money matches
    assert isinstance(item, Uncompared)
    assert "payouts in VND, payable Total in USD" in item and '[exchange] per_usd = { VND = "…" }' in item


def test_a_payout_in_another_currency_is_converted_at_the_configured_rate_rounded_once() -> None:
    rates = {"VND": Decimal("25000")}
    rows = [row("payouts", "a", "27200000", "VND"), row("payouts", "b", "10.00")]
    rows.append(row("payables", "p1", "1098.00"))
    assert list(_reconcile(job({"VND": "27200000", "USD": "10.00"}), ITEMS, rows, rates)) == []
    # each payout rounded half-up to the cent: 312,500 VND = 12.50 USD, 112 VND = 0.00448 -> 0.00
    rows = [row("payouts", "a", "312500", "VND"), row("payouts", "b", "112", "VND")]
    rows.append(row("payables", "p1", "12.51"))
    (item,) = list(_reconcile(job({"VND": "312612"}), ITEMS, rows, rates))
    assert not isinstance(item, Uncompared)
    assert "payouts paid VND 312,612 = USD 12.50 (25,000 VND per USD), payable Total USD 12.51" in item


def test_a_payout_converted_both_ways_through_usd() -> None:
    rates = {"EUR": Decimal("0.9"), "VND": Decimal("25000")}
    assert money.converted(Decimal("100"), "EUR", "VND", rates) == Decimal("2777778")
    assert money.converted(Decimal("1.005"), "USD", "USD", {}) == Decimal("1.005")  # nothing to convert
    assert money.converted(Decimal("1"), "JPY", "USD", {"VND": Decimal("25000")}) is None

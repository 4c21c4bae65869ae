"""Money is exact: amounts are decimals from the number Notion sent to the number written back, rounded once
(half-up) to the currency's minor unit, added per currency, logged with their own digits, and shown with
each currency's minor unit (USD 2, VND 0)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine.run.recorder import json_ready
from engine.workspace import money, props
from eventlog import EventLog, JobPlanned
from tests.engine.conftest import Demo
from tests.engine.test_freshness import dry_generate, hand_of


def test_a_number_from_notion_is_the_decimal_it_reads_as() -> None:
    page = {"id": "p", "properties": {"Rate": {"type": "number", "number": 5.35}}}
    assert props.number(page, "Rate") == Decimal("5.35")
    assert money.amount(0.1) + money.amount(0.2) == Decimal("0.3")
    assert props.same(Decimal("2.68"), 2.68) and not props.same(Decimal("2.68"), 2.675)


def test_rounded_once_half_up_to_the_currencys_minor_unit_from_the_cldr() -> None:
    assert money.places("USD") == 2 and money.places("VND") == 0 and money.places("KWD") == 3
    assert money.rounded(Decimal("5.35") * Decimal("0.5"), "USD") == Decimal("2.68")  # 2.675, half-up
    assert money.rounded(Decimal("1000.5"), "VND") == Decimal("1001")
    assert money.text(Decimal("18700000"), "VND") == "18,700,000"
    assert money.text(Decimal("5145"), "USD") == "5,145.00"
    assert money.totals_text({"VND": 18700000.0, "USD": "5145"}) == "USD 5,145.00 + VND 18,700,000"


def test_an_amount_in_minor_units_is_written_with_its_currencys_digits_and_never_rounded() -> None:
    assert str(money.in_minor_units(1150.0, "USD")) == "1150.00"
    assert str(money.in_minor_units(8500000, "VND")) == "8500000"
    assert str(money.in_minor_units("163.456", "USD")) == "163.456", "a value rounding would change stays"
    assert str(money.in_minor_units(1150.0, None)) == "1150.0"


def test_totals_add_exactly_per_currency_and_are_logged_with_their_own_digits(tmp_path: Path) -> None:
    totals = money.total(
        [("USD", Decimal(str(v))) for v in (0.10, 0.20, 19.99, 5.01)] + [("VND", Decimal("18700000"))]
    )
    assert totals == {"USD": Decimal("25.30"), "VND": Decimal("18700000")}
    event = json_ready(
        JobPlanned(job_id="j", operator="o", items=4, steps=4, totals=dict(totals), estimate={})
    )
    with EventLog(tmp_path / "log.sqlite") as log:
        log.append([event])
        (stored,) = [s.event for s in log.events_after(0, limit=10)]
    assert isinstance(stored, JobPlanned)
    assert stored.totals == {"USD": "25.30", "VND": "18700000"}  # decimal strings (JobPlanned v2)
    assert "25.299999" not in json.dumps(stored.totals)
    assert money.decoded(stored.totals) == totals
    with EventLog(tmp_path / "log.sqlite", read_only=True) as log:
        (job,) = log.jobs()
    assert json.loads(job.totals or "{}") == {"USD": 25.3, "VND": 18700000}  # the projection: numbers


@pytest.mark.trio
async def test_an_hourly_rate_of_5_35_for_half_an_hour_pays_2_68(demo: Demo, tmp_path: Path) -> None:
    plan = await dry_generate(demo, tmp_path / "first.sqlite", "payroll")
    item = plan.items[0]
    lines = [s for s in item.steps if s.label.startswith("line item")]
    async with hand_of(demo) as hand:
        rate = str(item.data["rate_id"])
        await hand.set_option(rate, "Billing Type", "select", "Hourly Rate")
        await hand.set_number(rate, "Hourly Rate", 5.35)
        await hand.set_option(rate, "Currency", "select", "USD")
        for number, line in enumerate(lines):
            await hand.set_number(line.target, "Line Item Hours", 0.5 if number == 0 else 0)
    again = await dry_generate(demo, tmp_path / "again.sqlite", "payroll")
    (paid,) = [i for i in again.items if i.key == item.key]
    assert paid.data["amount"] == Decimal("2.68") and paid.data["currency"] == "USD"
    create = paid.steps[0]
    assert create.write["Amount"] == {"number": 2.68}
    assert again.plan is not None and again.plan.totals["USD"] == sum(
        (money.amount(i.data["amount"]) for i in again.items if i.data.get("currency") == "USD"), Decimal(0)
    )

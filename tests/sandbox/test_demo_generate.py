"""The demo workspace generator: deterministic data that exercises the three flows of DOMAIN.md."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from sandbox.demo import SIZES, DemoData, DemoShape, Record, generate_demo, shape_for
from sandbox.demo.schemas import PAYING_SPLIT_TYPES

MONTH = "2026-02"  # February 2026 starts on a Sunday: the 1st is itself a weekend day
FIRST, LAST = date(2026, 2, 1), date(2026, 2, 28)


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate_demo(SIZES["small"], MONTH, random_seed=3)


@pytest.fixture(scope="module")
def medium() -> DemoData:
    return generate_demo(SIZES["medium"], MONTH, random_seed=3)


def day(record: Record, name: str) -> date | None:
    value = record.date_range(name)
    return None if value is None else date.fromisoformat(value[0])


def in_month(d: date | None) -> bool:
    return d is not None and FIRST <= d <= LAST


def approved_orders(data: DemoData) -> list[Record]:
    return [
        r
        for r in data.of("orders")
        if r.option("Type") == "Order" and r.option("Status") == "Approved" and in_month(day(r, "Date"))
    ]


def line_items(data: DemoData, order: Record) -> list[Record]:
    return [r for r in data.of("orders") if r.refs("Parent item") == (order.key,)]


def valid_rates(data: DemoData, contractor: str, on: date) -> list[Record]:
    found = []
    for rate in data.of("rates"):
        end = day(rate, "End Date")
        start = day(rate, "Start Date")
        mine = rate.refs("Contractor") == (contractor,) and rate.option("Status") == "Active"
        if mine and start is not None and start <= on and (end is None or end >= on):
            found.append(rate)
    return found


# ---------------------------------------------------------------- determinism and sizes


def test_the_same_inputs_give_byte_identical_records() -> None:
    one = generate_demo(SIZES["medium"], MONTH, random_seed=11)
    two = generate_demo(SIZES["medium"], MONTH, random_seed=11)
    assert one.canonical_json() == two.canonical_json()


def test_another_seed_or_month_gives_other_records() -> None:
    base = generate_demo(SIZES["small"], MONTH, random_seed=1).canonical_json()
    assert generate_demo(SIZES["small"], MONTH, random_seed=2).canonical_json() != base
    assert generate_demo(SIZES["small"], "2026-03", random_seed=1).canonical_json() != base


def test_sizes_name_shapes_of_8_50_and_500_contractors() -> None:
    assert [shape_for(size).contractors for size in ("small", "medium", "large")] == [8, 50, 500]
    with pytest.raises(ValueError, match="unknown demo size 'huge'"):
        shape_for("huge")


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_every_size_fills_all_ten_databases(size: str) -> None:
    counts = generate_demo(SIZES[size], MONTH).counts()
    assert len(counts) == 10
    assert all(count > 0 for count in counts.values())
    assert counts["contractors"] == SIZES[size].contractors


def test_every_relation_points_to_an_earlier_record_of_the_right_database(medium: DemoData) -> None:
    from sandbox.demo.schemas import RELATIONS

    targets = {(spec.source, spec.name): spec.target for spec in RELATIONS}
    seen: dict[str, str] = {}
    for record in medium:
        for name, keys in record.relations.items():
            assert all(seen.get(key) == targets[(record.database, name)] for key in keys), (record.key, name)
            assert len(keys) <= 100
        seen[record.key] = record.database


def test_a_malformed_month_is_refused() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate_demo(SIZES["small"], "2026-13")
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate_demo(SIZES["small"], "Feb 2026")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contractors": 0}, "contractors must be at least 1"),
        ({"projects_per_contractor": 7}, "projects_per_contractor"),
        ({"payables": 8}, "payables must be from 0 to 7"),
        ({"big_payable_items": 101}, "big_payable_items must be at most 100"),
        ({"approved_orders": -1}, "approved_orders"),
    ],
)
def test_an_impossible_shape_is_refused(changes: dict[str, int], message: str) -> None:
    base = {"contractors": 8, "projects": 6}
    with pytest.raises(ValueError, match=message):
        DemoShape(**{**base, **changes})  # type: ignore[arg-type]


# ---------------------------------------------------------------- the figures the benchmarks rely on


def test_medium_has_about_50_approved_orders_with_line_items(medium: DemoData) -> None:
    orders = approved_orders(medium)
    assert len(orders) == 50
    with_items = [o for o in orders if line_items(medium, o)]
    assert len(with_items) == 50
    for order in orders:
        assert re.fullmatch(r"ORD :: [a-z0-9.]+ :: 202602", order.text("Name")), order.text("Name")
        assert "Contractor" not in order.relations  # an Order's contractor comes via its line items


def test_medium_has_about_50_pending_payables_of_about_3_items(medium: DemoData) -> None:
    pending = [p for p in medium.of("payables") if p.option("Payment Status") == "Pending"]
    assert len(pending) == 49
    sizes = sorted(len(p.refs("Payout Items")) for p in pending)
    assert sizes[:-1] == [3] * 48
    assert sizes[-1] == 30


def test_a_parametric_shape_builds_the_sync_planning_workload() -> None:
    shape = DemoShape(
        contractors=20, projects=60, projects_per_contractor=3, updates_per_deployment=2, awkward=False
    )
    data = generate_demo(shape, MONTH)
    pairs = {(d.refs("Contractor"), d.refs("Project")) for d in data.of("deployments")}
    assert len(pairs) == 60
    assert len({project for _, project in pairs}) == 60
    reviewed = [
        u for u in data.of("updates") if u.option("Status") == "Reviewed" and in_month(day(u, "Date"))
    ]
    per_pair = Counter((u.refs("Contractor"), u.refs("Project")) for u in reviewed)
    assert set(per_pair) == pairs
    assert min(per_pair.values()) == 2
    assert data.of("orders") == []  # the sync creates every Order and line item


# ---------------------------------------------------------------- generate flow: orders and rates


def test_line_items_are_timesheets_with_hours_and_a_deployment(small: DemoData) -> None:
    for order in approved_orders(small):
        if order.text("Name").startswith("ORD :: unassigned"):
            continue
        items = line_items(small, order)
        assert items
        for item in items:
            assert item.option("Type") == "Timesheet"
            assert len(item.refs("Project Deployment")) == 1
            assert item.number("Line Item Hours") == pytest.approx(
                sum(
                    u.number("Appx. effort") or 0
                    for u in small.of("updates")
                    if u.key in item.refs("Timesheet")
                )
            )


def test_rates_cover_every_billing_type_in_both_currencies_and_both_paydays(small: DemoData) -> None:
    active = [r for r in small.of("rates") if r.option("Status") == "Active"]
    combos = {(r.option("Billing Type"), r.option("Currency")) for r in active}
    assert combos == {(b, c) for b in ("Hourly Rate", "Monthly Fixed", "Mixed") for c in ("VND", "USD")}
    assert {r.option("Payday") for r in active} == {"01", "15"}
    for rate in active:
        billing = rate.option("Billing Type")
        assert (rate.number("Hourly Rate") is not None) == (billing in ("Hourly Rate", "Mixed"))
        assert (rate.number("Monthly Fixed") is not None) == (billing in ("Monthly Fixed", "Mixed"))


def test_rates_start_mid_month_on_a_weekend_and_after_month_end(small: DemoData) -> None:
    starts = [day(r, "Start Date") for r in small.of("rates") if r.option("Status") == "Active"]
    inside = [d for d in starts if d is not None and FIRST < d <= LAST]
    assert any(d.weekday() < 5 and 8 <= d.day <= 20 for d in inside)
    assert any(d.weekday() >= 5 for d in inside)
    assert any(d is not None and d > LAST for d in starts)
    assert any(r.option("Status") == "Archived" and day(r, "End Date") for r in small.of("rates"))
    assert any(r.option("Status") == "Active" and day(r, "End Date") for r in small.of("rates"))


def test_every_approved_order_but_the_awkward_ones_has_a_rate_valid_on_its_date(small: DemoData) -> None:
    deployments = {d.key: d for d in small.of("deployments")}
    without_rate = []
    for order in approved_orders(small):
        items = line_items(small, order)
        contractors = {
            deployments[i.refs("Project Deployment")[0]].refs("Contractor")[0]
            for i in items
            if i.refs("Project Deployment")
        }
        if not contractors:
            continue
        (contractor,) = contractors
        order_day = day(order, "Date")
        assert order_day is not None
        if len(valid_rates(small, contractor, order_day)) != 1:
            without_rate.append(contractor)
    assert without_rate == ["contractors/00007"]


# ---------------------------------------------------------------- sync flow: project updates


def test_updates_are_mostly_reviewed_with_effort_and_deliverables(small: DemoData) -> None:
    updates = small.of("updates")
    statuses = [u.option("Status") for u in updates]
    assert statuses.count("Reviewed") > len(updates) / 2
    assert {"Draft", "Completed"} <= set(statuses)
    assert all(u.number("Appx. effort") for u in updates)
    assert sum(1 for u in updates if u.text("Key deliverables")) > len(updates) * 0.7


# ---------------------------------------------------------------- commit flow: payables


def test_pending_payables_start_on_the_payday_of_their_contractors_rate(medium: DemoData) -> None:
    for payable in medium.of("payables"):
        if payable.option("Payment Status") != "Pending":
            continue
        start = day(payable, "Period")
        assert start is not None and start in (FIRST, date(2026, 2, 15))
        (rate,) = valid_rates(medium, payable.refs("Contractor")[0], LAST)
        assert rate.option("Payday") == f"{start.day:02d}"
        assert payable.option("Currency") == "USD"
        assert re.fullmatch(r"INVC-202602-[A-Z0-9]+-[A-Z0-9]{4}", payable.text("Invoice ID"))
    batches = {day(p, "Period") for p in medium.of("payables") if p.option("Payment Status") == "Pending"}
    assert batches == {FIRST, date(2026, 2, 15)}


def test_payout_items_link_splits_and_refunds_in_every_combination(medium: DemoData) -> None:
    payouts = {p.key: p for p in medium.of("payouts")}
    kinds = set()
    for payable in medium.of("payables"):
        for key in payable.refs("Payout Items"):
            payout = payouts[key]
            kinds.add((bool(payout.refs("02 Invoice Split")), bool(payout.refs("01 Refund"))))
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}


def test_some_payout_items_are_already_paid_with_their_sources(medium: DemoData) -> None:
    records = medium.by_key()
    items = [
        records[k]
        for p in medium.of("payables")
        if p.option("Payment Status") == "Pending"
        for k in p.refs("Payout Items")
    ]
    paid = [i for i in items if i.option("Status") == "Paid"]
    assert 0 < len(paid) < len(items)
    assert {i.option("Status") for i in items} == {"Paid", "Pending"}
    for item in items:
        sources = [records[k] for k in item.refs("02 Invoice Split") + item.refs("01 Refund")]
        expected = {"Paid"} if item.option("Status") == "Paid" else {"Pending", "Approved"}
        assert {s.option("Status") for s in sources} <= expected


def test_a_payable_total_is_its_items_in_usd(small: DemoData) -> None:
    records = small.by_key()
    for payable in small.of("payables"):
        items = [records[k] for k in payable.refs("Payout Items")]
        usd = sum((i.number("Amount") or 0) / (25_000 if i.option("Currency") == "VND" else 1) for i in items)
        assert payable.number("Total") == pytest.approx(usd, abs=0.01 * len(items))


def test_exactly_one_payable_has_more_than_25_payout_items(small: DemoData) -> None:
    assert [
        len(p.refs("Payout Items")) for p in small.of("payables") if len(p.refs("Payout Items")) > 25
    ] == [30]


# ---------------------------------------------------------------- generate flow: splits and refunds


def test_pending_splits_of_every_paying_type_and_a_few_others(small: DemoData) -> None:
    pending = [s for s in small.of("splits") if s.option("Status") == "Pending"]
    types = [s.option("Type") for s in pending]
    assert set(PAYING_SPLIT_TYPES) <= set(types)
    assert 0 < sum(1 for t in types if t not in PAYING_SPLIT_TYPES) < len(types) / 4


def test_approved_refunds_without_a_payout_are_left_for_generate(small: DemoData) -> None:
    linked = {
        k for p in small.of("payouts") if p.option("Status") != "Cancelled" for k in p.refs("01 Refund")
    }
    free = [r for r in small.of("refunds") if r.option("Status") == "Approved" and r.key not in linked]
    assert len(free) == SIZES["small"].free_refunds


# ---------------------------------------------------------------- the awkward records


def test_an_approved_order_has_line_items_without_deployment(small: DemoData) -> None:
    orphans = [
        o
        for o in approved_orders(small)
        if all(not i.refs("Project Deployment") for i in line_items(small, o))
    ]
    assert [o.text("Name") for o in orphans] == ["ORD :: unassigned :: 202602"]
    assert len(line_items(small, orphans[0])) == 2


def test_one_contractor_has_no_rate_valid_in_the_month(small: DemoData) -> None:
    lacking = [c.key for c in small.of("contractors") if not valid_rates(small, c.key, LAST)]
    assert lacking == ["contractors/00007"]


def test_a_cancelled_payout_points_at_an_approved_order(small: DemoData) -> None:
    cancelled = [p for p in small.of("payouts") if p.option("Status") == "Cancelled"]
    assert len(cancelled) == 1
    assert cancelled[0].refs("00 Task Order")[0] in {o.key for o in approved_orders(small)}


def test_an_approved_refund_has_an_empty_reason(small: DemoData) -> None:
    empty = [r for r in small.of("refunds") if r.option("Reason") is None]
    assert [r.option("Status") for r in empty] == ["Approved"]
    assert empty[0].text("Details")


def test_without_awkward_records_every_contractor_has_a_rate() -> None:
    shape = DemoShape(contractors=8, projects=6, approved_orders=8, payables=8, awkward=False)
    data = generate_demo(shape, MONTH)
    assert all(valid_rates(data, c.key, LAST) for c in data.of("contractors"))
    assert not [p for p in data.of("payouts") if p.option("Status") == "Cancelled"]

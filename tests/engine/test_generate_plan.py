"""Planning payout generation: one guarded create per source, children completed before the order, and a
reason for every source left out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from engine.kinds.generate.params import GenerateParams
from engine.kinds.generate.plan import GenerateSnapshot, plan_generate
from engine.run.plan import Item, Plan
from engine.workspace.config import Config
from tests.engine.generate_pages import contractor, deployment, line_item, order, payout, rate
from tests.engine.pages import config, date, number, page, relation, rich, select, status, title

PAYROLL = GenerateParams(type="payroll", month="2026-01")


def payroll(
    *,
    orders: list[dict[str, Any]] | None = None,
    items: list[dict[str, Any]] | None = None,
    rates: list[dict[str, Any]] | None = None,
    payouts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    contractors: list[dict[str, Any]] | None = None,
) -> GenerateSnapshot:
    """Order o1 (Jan 28) of Ada (c1) with line items l1 (10 h) and l2 (5.5 h) on two deployments."""
    items = items if items is not None else [line_item("l1", 10, "d1"), line_item("l2", 5.5, "d2")]
    orders = orders if orders is not None else [order("o1", "ORD :: ada :: 202601", "2026-01-28", "l1", "l2")]
    people = contractors or [contractor("c1", "Ada Lovelace", "Backend Engineer"), contractor("c2", "Bo Li")]
    return GenerateSnapshot(
        sources=orders,
        payouts=list(payouts),
        contractors={p["id"]: p for p in people},
        rates=rates if rates is not None else [rate("r1", "c1")],
        line_items={o["id"]: [r["id"] for r in o["properties"]["Sub-item"]["relation"]] for o in orders},
        pages={i["id"]: i for i in items},
        deployments={d["id"]: d for d in (deployment("d1", "c1", "p1"), deployment("d2", "c1", "p2"))},
    )


def only_item(plan: Plan) -> Item:
    assert len(plan.items) == 1, plan.skips
    return plan.items[0]


def reasons(plan: Plan) -> dict[str, str]:
    return {skip.key: skip.reason for skip in plan.skips}


def test_an_hourly_order_creates_its_payout_then_completes_its_line_items_then_itself() -> None:
    plan = plan_generate(payroll(), PAYROLL, config())
    item = only_item(plan)
    create, l1, l2, final = item.steps
    assert create.kind == "create" and create.logical == "payouts" and create.target == "order:o1"
    assert create.key == "payouts:create:order:o1" and create.after == "created" and create.before is None
    assert create.write == {
        "Name": {"title": [{"type": "text", "text": {"content": "Development work on January, 2026"}}]},
        "Amount": {"number": 3_100_000.0},  # 200,000 × (10 + 5.5) h
        "Currency": {"select": {"name": "VND"}},
        "Status": {"status": {"name": "Pending"}},
        "Date": {"date": {"start": "2026-01-28"}},
        "Description": {
            "rich_text": [
                {
                    "type": "text",
                    "text": {"content": "Software Development Services Rendered (January 1-31, 2026)"},
                }
            ]
        },
        "Person": {"relation": [{"id": "c1"}]},
        "00 Service Rate": {"relation": [{"id": "r1"}]},
        "00 Task Order": {"relation": [{"id": "o1"}]},
    }
    assert create.lookup == {
        "and": [
            {"property": "00 Task Order", "relation": {"contains": "o1"}},
            {"property": "Status", "status": {"does_not_equal": "Cancelled"}},
        ]
    }
    assert [(s.target, s.write) for s in (l1, l2, final)] == [
        (t, {"Status": {"select": {"name": "Completed"}}}) for t in ("l1", "l2", "o1")
    ]
    assert l1.depends_on == l2.depends_on == (create.key,)
    assert set(final.depends_on) == {create.key, l1.key, l2.key}
    assert plan.totals == {"VND": 3_100_000.0}
    assert item.data["hours"] == 15.5 and item.data["contractor"] == "Ada Lovelace"


def test_a_monthly_fixed_rate_starting_mid_month_is_prorated_and_mixed_pays_only_its_fixed_part() -> None:
    fixed = rate("r1", "c1", "Monthly Fixed", hourly=None, monthly=30_000_000, start="2026-01-15")
    assert only_item(plan_generate(payroll(rates=[fixed]), PAYROLL, config())).data["amount"] == 16_364_000
    mixed = rate("r1", "c1", "Mixed", hourly=150_000, monthly=22_000_000, start="2024-05-01")
    assert only_item(plan_generate(payroll(rates=[mixed]), PAYROLL, config())).data["amount"] == 22_000_000


def test_the_rate_is_the_one_valid_on_the_orders_own_date() -> None:
    old = rate("r-old", "c1", hourly=100, start="2025-01-01", end="2026-01-14", currency="USD")
    new = rate("r-new", "c1", hourly=200, start="2026-01-15", currency="USD")
    late = payroll(rates=[old, new])
    assert only_item(plan_generate(late, PAYROLL, config())).data["rate_id"] == "r-new"
    early = payroll(rates=[old, new], orders=[order("o1", "ORD", "2026-01-10", "l1", "l2")])
    item = only_item(plan_generate(early, PAYROLL, config()))
    assert (item.data["rate_id"], item.data["amount"], item.data["currency"]) == ("r-old", 1550.0, "USD")


@pytest.mark.parametrize(
    ("positions", "start"),
    [(("Product Designer",), "Design"), (("Operation Executive",), "Operational"), (("QA",), "Software")],
)
def test_the_description_follows_the_contractors_position(positions: tuple[str, ...], start: str) -> None:
    people = [contractor("c1", "Ada Lovelace", *positions)]
    item = only_item(plan_generate(payroll(contractors=people), PAYROLL, config()))
    text = item.steps[0].write["Description"]["rich_text"][0]["text"]["content"]
    assert text.startswith(start) and text.endswith("(January 1-31, 2026)")


def test_every_order_left_out_has_its_reason() -> None:
    orders = [
        order("o-orphan", "orphan", "2026-01-31", "l-orphan"),
        order("o-norate", "no rate", "2026-01-31", "l-bo"),
        order("o-paid", "already paid", "2026-01-31", "l1"),
        order("o-cancelled", "cancelled payout only", "2026-01-31", "l2"),
    ]
    items = [
        line_item("l-orphan", 3, None),
        line_item("l-bo", 3, "d-bo"),
        line_item("l1", 3, "d1"),
        line_item("l2", 3, "d2"),
    ]
    payouts = [payout("p1", task_order="o-paid"), payout("p2", "Cancelled", task_order="o-cancelled")]
    snap = payroll(orders=orders, items=items, payouts=payouts)
    snap = replace(snap, deployments={**snap.deployments, "d-bo": deployment("d-bo", "c2", "p1")})
    plan = plan_generate(snap, PAYROLL, config())
    assert reasons(plan) == {
        "o-orphan": "no contractor: no line item's deployment names one",
        "o-norate": "no valid rate on 2026-01-31",
        "o-paid": "payout exists (p1)",
    }
    assert [i.key for i in plan.items] == ["o-cancelled"]  # a cancelled payout does not count


def test_the_batch_keeps_only_orders_whose_rate_pays_on_that_day() -> None:
    plan = plan_generate(payroll(rates=[rate("r1", "c1", payday="01")]), replace(PAYROLL, batch=15), config())
    assert reasons(plan) == {"o1": "payday mismatch: the rate pays on the 01"}
    assert only_item(plan_generate(payroll(), replace(PAYROLL, batch=15), config())).key == "o1"


def test_the_contractor_filter_leaves_other_contractors_out_silently() -> None:
    assert plan_generate(payroll(), replace(PAYROLL, contractor="bo li"), config()).items == ()
    assert only_item(plan_generate(payroll(), replace(PAYROLL, contractor="ada lovelace"), config()))


def test_a_line_item_that_could_not_be_read_holds_its_order_back() -> None:
    snap = replace(
        payroll(), pages={"l1": line_item("l1", 10, "d1")}, unreadable={"l2": "404 object_not_found"}
    )
    assert reasons(plan_generate(snap, PAYROLL, config())) == {
        "o1": "line item l2 cannot be read: 404 object_not_found"
    }


def test_renamed_properties_are_written_under_the_workspaces_names() -> None:
    renamed = Config(
        notion=config().notion,
        data_sources=config().data_sources,
        properties={"payouts": {"Status": "State", "00 Task Order": "Order"}, "orders": {"Status": "Stage"}},
    )
    snap = payroll()
    for page_ in snap.sources:
        page_["properties"]["Stage"] = page_["properties"].pop("Status")
    for page_ in snap.pages.values():
        page_["properties"]["Stage"] = page_["properties"].pop("Status")
    item = only_item(plan_generate(snap, PAYROLL, renamed))
    assert item.steps[0].write["State"] == {"status": {"name": "Pending"}}
    assert item.steps[0].lookup is not None
    assert item.steps[0].lookup["and"][0]["property"] == "Order"
    assert item.steps[-1].write == {"Stage": {"select": {"name": "Completed"}}}
    assert item.steps[-1].before == "Approved"


# ---- refunds and invoice splits ------------------------------------------------------------------------


def refund(
    rid: str, *, reason: str | None = "Travel", state: str = "Approved", who: str = "c1"
) -> dict[str, Any]:
    return page(
        rid,
        Refund_ID=title(rid),
        Amount=number(120),
        Currency=select("USD"),
        Status=status(state),
        Reason=select(reason),
        Details=rich("Taxi to the client"),
        Contractor=relation(*([who] if who else [])),
        Date_Requested=date("2026-01-09"),
    )


def split(sid: str, kind: str = "Bonus", state: str = "Pending") -> dict[str, Any]:
    return page(
        sid,
        Name=title(f"{kind} - Apollo - Jan 2026 - ada"),
        Amount=number(75),
        Currency=select("USD"),
        Month=date("2026-01-01"),
        Type=select(kind),
        Status=select(state),
        Person=relation("c1"),
    )


def sources(kind: str, pages_: list[dict[str, Any]], payouts: list[dict[str, Any]] = ()) -> Plan:  # type: ignore[assignment]
    snap = GenerateSnapshot(
        sources=pages_, payouts=list(payouts), contractors={"c1": contractor("c1", "Ada Lovelace")}
    )
    return plan_generate(snap, GenerateParams(type=kind, month="2026-01"), config())


def test_an_approved_refund_becomes_a_pending_payout_and_the_refund_is_not_touched() -> None:
    plan = sources("refund", [refund("f1"), refund("f2", reason=None)])
    first, second = plan.items
    assert [s.kind for s in first.steps] == ["create"]
    assert first.steps[0].write["Name"]["title"][0]["text"]["content"] == "Travel - Taxi to the client"
    assert second.steps[0].write["Name"]["title"][0]["text"]["content"] == "Refund - Taxi to the client"
    write = first.steps[0].write
    assert write["Status"] == {"status": {"name": "Pending"}}
    assert write["01 Refund"] == {"relation": [{"id": "f1"}]} and write["Person"] == {
        "relation": [{"id": "c1"}]
    }
    assert write["Date"] == {"date": {"start": "2026-01-09"}} and write["Amount"] == {"number": 120.0}
    assert first.steps[0].lookup == {
        "and": [
            {"property": "01 Refund", "relation": {"contains": "f1"}},
            {"property": "Status", "status": {"does_not_equal": "Cancelled"}},
        ]
    }
    assert plan.totals == {"USD": 240.0}


def test_refunds_left_out_have_their_reasons() -> None:
    plan = sources(
        "refund",
        [
            refund("f-paid"),
            refund("f-pending", state="Pending"),
            refund("f-nobody", who=""),
            refund("f-again"),
        ],
        [payout("p1", refund="f-paid"), payout("p2", "Cancelled", refund="f-again")],
    )
    assert reasons(plan) == {
        "f-paid": "payout exists (p1)",
        "f-pending": "status is Pending, not Approved",
        "f-nobody": "no contractor",
    }
    assert [i.key for i in plan.items] == ["f-again"]


def test_a_pending_paying_split_becomes_a_new_payout_dated_on_its_month() -> None:
    plan = sources("invoice_split", [split("s1"), split("s-lead", "Leading"), split("s-paid", state="Paid")])
    item = only_item(plan)
    write = item.steps[0].write
    assert write["Status"] == {"status": {"name": "New"}} and write["Date"] == {
        "date": {"start": "2026-01-01"}
    }
    assert write["Name"]["title"][0]["text"]["content"] == "Bonus - Apollo - Jan 2026 - ada"
    assert write["02 Invoice Split"] == {"relation": [{"id": "s1"}]}
    assert reasons(plan) == {
        "s-lead": "type Leading is not paid out",
        "s-paid": "status is Paid, not Pending",
    }


def test_a_split_with_a_live_payout_is_skipped_and_one_with_a_cancelled_payout_is_not() -> None:
    plan = sources(
        "invoice_split",
        [split("s1"), split("s2")],
        [payout("p1", split="s1"), payout("p2", "Cancelled", split="s2")],
    )
    assert reasons(plan) == {"s1": "payout exists (p1)"} and [i.key for i in plan.items] == ["s2"]


def test_an_unknown_payout_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown payout type"):
        GenerateParams(type="bonus", month="2026-01")

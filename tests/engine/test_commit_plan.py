"""The commit plan: leaf first, parents depend on every step below them, nothing selected by mistake."""

from __future__ import annotations

from typing import Any

from engine.kinds.commit.params import CommitParams
from engine.kinds.commit.plan import CommitSnapshot, plan_commit
from engine.run.plan import Plan
from tests.engine.pages import config, date, number, page, relation, rich, select, status, title

PARAMS = CommitParams(month="2026-01", batch=15, today="2026-01-20")


def rate(
    contractor: str, payday: str = "15", start: str = "2025-01-01", end: str | None = None
) -> dict[str, Any]:
    return page(
        f"rate-{contractor}-{payday}",
        Contractor=relation(contractor),
        Status=status("Active"),
        Payday=select(payday),
        **{"Start_Date": date(start), "End_Date": date(end)},
    )


def payable(
    pid: str, contractor: str = "c1", pay_status: str = "Pending", start: str = "2026-01-15"
) -> dict[str, Any]:
    return page(
        pid,
        **{
            "Payable_Title": title(f"Payable {pid}"),
            "Payment_Status": status(pay_status),
            "Period": date(start, "2026-01-31"),
            "Invoice_ID": rich(f"INVC-202601-{pid.upper()}-0001"),
            "Total": number(100.0),
            "Currency": select("USD"),
            "Contractor": relation(contractor),
        },
    )


def payout(
    oid: str, state: str = "Pending", split: str | None = None, refund: str | None = None
) -> dict[str, Any]:
    return page(
        oid,
        Name=title(f"Payout {oid}"),
        Status=status(state),
        Amount=number(50.0),
        Currency=select("VND"),
        **{
            "02_Invoice_Split": relation(*([split] if split else [])),
            "01_Refund": relation(*([refund] if refund else [])),
        },
    )


def snapshot(
    payables: list[dict[str, Any]],
    items: dict[str, list[str]],
    payouts: list[dict[str, Any]],
    splits: list[dict[str, Any]] = (),  # type: ignore[assignment]
    refunds: list[dict[str, Any]] = (),  # type: ignore[assignment]
    rates: list[dict[str, Any]] | None = None,
) -> CommitSnapshot:
    return CommitSnapshot(
        payables=payables,
        payout_items=items,
        payouts={p["id"]: p for p in payouts},
        splits={s["id"]: s for s in splits},
        refunds={r["id"]: r for r in refunds},
        rates=rates if rates is not None else [rate("c1")],
        contractors={"c1": page("c1", **{"Full_Name": title("Ada Lovelace")})},
    )


def keys(plan: Plan) -> list[str]:
    return [step.key for step in plan.steps]


def test_a_payable_with_a_split_and_a_refund_is_paid_leaf_first() -> None:
    snap = snapshot(
        [payable("p1")],
        {"p1": ["o1"]},
        [payout("o1", split="s1", refund="r1")],
        splits=[page("s1", Status=select("Pending"))],
        refunds=[page("r1", Status=status("Approved"))],
    )
    plan = plan_commit(snap, PARAMS, config())
    assert keys(plan) == [
        "splits:s1:Status=Paid",
        "refunds:r1:Status=Paid",
        "payouts:o1:Status=Paid",
        "payables:p1:Payment Status=Paid",
    ]
    split, refund, out, final = plan.steps
    assert split.write == {"Status": {"select": {"name": "Paid"}}}
    assert refund.write == {"Status": {"status": {"name": "Paid"}}}
    assert out.depends_on == (split.key, refund.key)
    assert set(final.depends_on) == {split.key, refund.key, out.key}
    assert final.write == {
        "Payment Status": {"status": {"name": "Paid"}},
        "Payment Date": {"date": {"start": "2026-01-20"}},
    }
    assert plan.totals == {"VND": 50.0}
    assert plan.writes_needed() == 4


def test_children_already_paid_are_planned_but_need_no_write() -> None:
    snap = snapshot([payable("p1")], {"p1": ["o1", "o2"]}, [payout("o1", state="Paid"), payout("o2")])
    plan = plan_commit(snap, PARAMS, config())
    assert [s.before for s in plan.steps] == ["Paid", "Pending", "Pending"]
    assert plan.writes_needed() == 2
    assert plan.totals == {"VND": 50.0}


def test_a_cancelled_payout_is_not_paid_and_does_not_hold_the_payable() -> None:
    snap = snapshot([payable("p1")], {"p1": ["o1", "o2"]}, [payout("o1", state="Cancelled"), payout("o2")])
    plan = plan_commit(snap, PARAMS, config())
    assert keys(plan) == ["payouts:o2:Status=Paid", "payables:p1:Payment Status=Paid"]
    assert plan.items[0].data["cancelled_items_ignored"] == 1


def test_an_unreadable_payout_is_still_planned_so_its_failure_blocks_the_payable() -> None:
    snap = snapshot([payable("p1")], {"p1": ["gone"]}, [])
    plan = plan_commit(snap, PARAMS, config())
    assert keys(plan) == ["payouts:gone:Status=Paid", "payables:p1:Payment Status=Paid"]
    assert plan.steps[0].before is None
    assert plan.steps[1].depends_on == ("payouts:gone:Status=Paid",)


def test_payables_outside_the_batch_are_skipped_with_their_reason() -> None:
    snap = snapshot(
        [payable("p1", start="2026-01-01"), payable("p2", contractor="c2"), payable("p3", pay_status="Paid")],
        {},
        [],
        rates=[rate("c1"), rate("c2", payday="01")],
    )
    plan = plan_commit(snap, PARAMS, config())
    assert plan.items == ()
    reasons = {s.key: s.reason for s in plan.skips}
    assert reasons == {
        "p1": "period starts 2026-01-01, not 2026-01-15",
        "p2": "payday mismatch: the active rate pays on the 01",
        "p3": "payment status is Paid, not Pending",
    }


def test_no_active_rate_and_no_contractor_are_reasons_too() -> None:
    bare = payable("p2")
    bare["properties"]["Contractor"] = relation()
    snap = snapshot([payable("p1"), bare], {}, [], rates=[])
    reasons = {s.key: s.reason for s in plan_commit(snap, PARAMS, config()).skips}
    assert reasons == {"p1": "no active rate", "p2": "no contractor"}


def test_the_contractor_filter_selects_by_name_without_listing_the_others() -> None:
    snap = snapshot([payable("p1")], {"p1": []}, [])
    assert len(plan_commit(snap, PARAMS, config()).items) == 1
    other = CommitParams(month="2026-01", batch=15, today="2026-01-20", contractor="Grace Hopper")
    plan = plan_commit(snap, other, config())
    assert plan.items == () and plan.skips == ()
    same = CommitParams(month="2026-01", batch=15, today="2026-01-20", contractor="ada lovelace")
    assert len(plan_commit(snap, same, config()).items) == 1


def test_invoice_ids_select_payables_and_name_the_ones_not_found() -> None:
    snap = snapshot([payable("p1"), payable("p2")], {}, [])
    params = CommitParams(
        month="2026-01", batch=15, today="2026-01-20", invoice_ids=("INVC-202601-P2-0001", "INVC-NOPE")
    )
    plan = plan_commit(snap, params, config())
    assert [i.key for i in plan.items] == ["p2"]
    assert [(s.key, s.reason) for s in plan.skips] == [
        ("invoice:INVC-NOPE", "invoice id not among Pending payables")
    ]


def test_renamed_properties_are_read_and_written_under_their_workspace_names() -> None:
    base = config()
    renamed = type(base)(
        notion=base.notion, data_sources=base.data_sources, properties={"payouts": {"Status": "State"}}
    )
    out = payout("o1")
    out["properties"]["State"] = out["properties"].pop("Status")
    plan = plan_commit(snapshot([payable("p1")], {"p1": ["o1"]}, [out]), PARAMS, renamed)
    assert plan.steps[0].write == {"State": {"status": {"name": "Paid"}}}
    assert plan.steps[0].before == "Pending"


def test_the_same_snapshot_gives_the_same_plan() -> None:
    snap = snapshot(
        [payable("p1")],
        {"p1": ["o1"]},
        [payout("o1", split="s1")],
        splits=[page("s1", Status=select("Pending"))],
    )
    assert plan_commit(snap, PARAMS, config()) == plan_commit(snap, PARAMS, config())

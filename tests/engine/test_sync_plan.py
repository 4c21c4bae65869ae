"""Planning the task order sync: Orders found by title among all of the month's, line items created,
updated only when their hours or their set of sources changed, and nothing written when nothing did."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.kinds.sync.params import SyncParams
from engine.kinds.sync.plan import plan_sync
from engine.kinds.sync.work import SyncSnapshot
from engine.run.plan import Item, Plan
from tests.engine.generate_pages import contractor, deployment, line_item, order, rate, update
from tests.engine.pages import config, page, rich, status, title

PARAMS = SyncParams(month="2026-01")
UPDATES = [
    update("u1", "c1", "p1", 3, "login; api"),
    update("u2", "c1", "p1", 2, "api"),
    update("u3", "c1", "p2", 4, "infra"),
    update("u4", "c2", "p1", 5, "docs"),
    update("u5", None, "p1", 8, "no contractor"),
    update("u6", "c1", None, 8, "no project"),
    update("u7", "c2", "p2", 1, "no deployment"),
]


def snapshot(
    orders: list[dict[str, Any]] = (),  # type: ignore[assignment]
    items: list[dict[str, Any]] = (),  # type: ignore[assignment]
    updates: list[dict[str, Any]] | None = None,
    **more: Any,
) -> SyncSnapshot:
    return SyncSnapshot(
        updates=UPDATES if updates is None else updates,
        contractors={
            "c1": contractor("c1", "Ada Lovelace", discord="ada"),
            "c2": contractor("c2", "Bo Li", discord="bo"),
        },
        projects={
            "p1": page("p1", Project=title("Apollo Billing"), Codename=rich("Apollo")),
            "p2": page("p2", Project=title("Zeus Search"), Codename=rich("Zeus")),
        },
        deployments=[
            deployment("d1", "c1", "p1"),
            deployment("d2", "c1", "p2"),
            deployment("d3", "c2", "p1"),
        ],
        orders=list(orders),
        line_items={o["id"]: [r["id"] for r in o["properties"]["Sub-item"]["relation"]] for o in orders},
        pages={i["id"]: i for i in items},
        **more,
    )


def ada_order(*item_ids: str, state: str = "Approved") -> dict[str, Any]:
    return order("o-ada", "ORD :: ada :: 202601", "2026-01-31", *item_ids, state=state)


def item_of(plan: Plan, key: str) -> Item:
    return next(i for i in plan.items if i.key == key)


def test_a_contractor_without_an_order_gets_one_and_each_project_a_line_item_pointing_at_it() -> None:
    plan = plan_sync(snapshot(), PARAMS, config())
    assert [i.key for i in plan.items] == ["c1", "c2"]  # by name; updates without contractor/project dropped
    ada = item_of(plan, "c1")
    create_order, apollo, zeus = ada.steps
    assert create_order.kind == "create" and create_order.target == "order:ORD :: ada :: 202601"
    assert create_order.write == {
        "Name": {"title": [{"type": "text", "text": {"content": "ORD :: ada :: 202601"}}]},
        "Type": {"select": {"name": "Order"}},
        "Status": {"select": {"name": "Draft"}},
        "Date": {"date": {"start": "2026-01-31"}},
    }
    assert create_order.lookup == {
        "and": [
            {"property": "Name", "title": {"equals": "ORD :: ada :: 202601"}},
            {"property": "Type", "select": {"equals": "Order"}},
        ]
    }
    reference = {"$step": create_order.key}
    assert apollo.depends_on == (create_order.key,)
    assert apollo.write["Parent item"] == {"relation": [reference]}
    assert apollo.write["Status"] == {"select": {"name": "Pending Feedback"}}
    assert apollo.write["Line Item Hours"] == {"number": 5.0}
    assert apollo.write["Timesheet"] == {"relation": [{"id": "u1"}, {"id": "u2"}]}
    assert apollo.write["Project Deployment"] == {"relation": [{"id": "d1"}]}
    assert apollo.write["Proof of Works"]["rich_text"][0]["text"]["content"] == "• Apollo: api, login"
    assert apollo.lookup == {
        "and": [
            {"property": "Type", "select": {"equals": "Timesheet"}},
            {"property": "Parent item", "relation": {"contains": reference}},
            {"property": "Project Deployment", "relation": {"contains": "d1"}},
        ]
    }
    assert zeus.write["Line Item Hours"] == {"number": 4.0}
    assert ada.data["total_hours"] == 9.0 and ada.data["order_id"] is None
    assert [(s.key, s.reason) for s in plan.skips] == [("c2:p2", "Bo Li has no deployment on Zeus")]


def test_an_unchanged_contractor_gets_no_step_at_all_but_keeps_its_details() -> None:
    items = [
        line_item("l1", 5, "d1", parent="o-ada", sources=("u2", "u1")),  # the same set, in another order
        line_item("l2", 4, "d2", parent="o-ada", sources=("u3",)),
    ]
    plan = plan_sync(snapshot([ada_order("l1", "l2")], items), PARAMS, config())
    ada = item_of(plan, "c1")
    assert ada.steps == ()
    assert ada.data["order_id"] == "o-ada"
    assert [(p["line_item_id"], p["action"], p["hours"], p["updates"]) for p in ada.data["projects"]] == [
        ("l1", "unchanged", 5.0, 2),
        ("l2", "unchanged", 4.0, 1),
    ]


def test_a_changed_set_of_sources_with_the_same_hours_is_written_and_the_order_needs_approval_again() -> None:
    items = [
        line_item("l1", 5, "d1", parent="o-ada", sources=("u1", "u-old")),
        line_item("l2", 4, "d2", parent="o-ada", sources=("u3",)),
    ]
    plan = plan_sync(snapshot([ada_order("l1", "l2")], items), PARAMS, config())
    step, approval = item_of(plan, "c1").steps
    assert (step.kind, step.target, step.property) == ("update", "l1", "Timesheet")
    assert step.before == ["u-old", "u1"] and step.after == ["u1", "u2"]
    assert not step.at_target(step.before)
    assert step.write["Timesheet"] == {"relation": [{"id": "u1"}, {"id": "u2"}]}
    assert step.write["Status"] == {"select": {"name": "Pending Approval"}}
    assert step.write["Line Item Hours"] == {"number": 5.0}
    assert "Proof of Works" in step.write
    assert (approval.target, approval.before, approval.after) == ("o-ada", "Approved", "Pending Approval")
    assert approval.write == {"Status": {"select": {"name": "Pending Approval"}}}
    assert approval.depends_on == (step.key,)


def test_changed_hours_are_compared_on_the_hours_even_when_the_status_is_already_pending_approval() -> None:
    items = [
        line_item("l1", 4, "d1", parent="o-ada", sources=("u1", "u2"), state="Pending Approval"),
        line_item("l2", 4, "d2", parent="o-ada", sources=("u3",)),
    ]
    plan = plan_sync(snapshot([ada_order("l1", "l2")], items), PARAMS, config())
    step = item_of(plan, "c1").steps[0]
    assert (step.property, step.before, step.after) == ("Line Item Hours", 4.0, 5.0)
    assert step.key == "orders:l1:Line Item Hours=5"  # the exact sum of the updates' efforts (2 + 3)


def test_hours_only_leaves_the_proof_of_works_alone() -> None:
    items = [line_item("l1", 1, "d1", parent="o-ada", sources=("u1", "u2"))]
    plan = plan_sync(snapshot([ada_order("l1")], items), replace(PARAMS, hours_only=True), config())
    update_step = item_of(plan, "c1").steps[0]
    assert update_step.target == "l1" and "Proof of Works" not in update_step.write
    assert update_step.write["Line Item Hours"] == {"number": 5.0}


def test_the_order_is_found_among_more_than_a_hundred_line_items_and_no_second_one_is_made() -> None:
    others = [line_item(f"x{n:03d}", 1, "d-other", parent="o-ada") for n in range(150)]
    mine = line_item("l1", 5, "d1", parent="o-ada", sources=("u1", "u2"))
    busy = ada_order(*[i["id"] for i in others], "l1")
    stray = order("o-bo-old", "ORD :: bo :: 202512", "2025-12-31")
    plan = plan_sync(snapshot([stray, busy], [*others, mine]), PARAMS, config())
    ada = item_of(plan, "c1")
    assert all(not s.key.startswith("orders:create:order") for s in ada.steps)
    assert [s.target for s in ada.steps] == ["line:d2:202601"]  # Apollo unchanged, Zeus's line item created
    assert ada.steps[0].write["Parent item"] == {"relation": [{"id": "o-ada"}]}
    assert ada.steps[0].lookup == {
        "and": [
            {"property": "Type", "select": {"equals": "Timesheet"}},
            {"property": "Parent item", "relation": {"contains": "o-ada"}},
            {"property": "Project Deployment", "relation": {"contains": "d2"}},
        ]
    }
    assert item_of(plan, "c2").steps[0].kind == "create"  # last month's Order is not this month's


def test_only_reviewed_updates_of_the_month_count_unless_forced() -> None:
    draft = update("u-draft", "c2", "p1", 7, "draft work")
    draft["properties"]["Status"] = status("Draft")
    late = update("u-feb", "c2", "p1", 9, "next month", day="2026-02-01")
    updates = [update("u4", "c2", "p1", 5, "docs"), draft, late]
    normal = plan_sync(snapshot(updates=updates), PARAMS, config())
    assert item_of(normal, "c2").steps[1].write["Line Item Hours"] == {"number": 5.0}
    forced = plan_sync(snapshot(updates=updates), replace(PARAMS, force=True), config())
    assert item_of(forced, "c2").steps[1].write["Line Item Hours"] == {"number": 12.0}


def test_the_batch_keeps_contractors_whose_active_rate_pays_that_day() -> None:
    rates = [rate("r1", "c1", payday="01"), rate("r2", "c2", payday="15", end="2025-06-30")]
    one = plan_sync(snapshot(rates=rates), replace(PARAMS, batch=1), config())
    assert [i.key for i in one.items] == ["c1"]
    fifteen = plan_sync(snapshot(rates=rates), replace(PARAMS, batch=15), config())
    assert [i.key for i in fifteen.items] == ["c2"]  # an ended active rate still names the batch
    none = plan_sync(snapshot(rates=rates[:1]), replace(PARAMS, batch=15), config())
    assert [(s.key, s.reason) for s in none.skips] == [("c2", "no active rate, so no payday batch")]


def test_a_paid_out_line_item_is_never_reopened() -> None:
    items = [line_item("l1", 1, "d1", parent="o-ada", sources=("u1",), state="Completed")]
    plan = plan_sync(snapshot([ada_order("l1")], items), replace(PARAMS, contractor="Ada Lovelace"), config())
    assert [s.reason for s in plan.skips] == ["its line item is Completed (paid out), so it is not changed"]
    assert [s.target for s in item_of(plan, "c1").steps] == ["line:d2:202601"]


def test_given_summaries_are_written_and_missing_ones_fall_back_to_the_builtin() -> None:
    plan = plan_sync(
        snapshot(), replace(PARAMS, contractor="ada lovelace"), config(), {"c1:p1": "• Apollo: LLM"}
    )
    _, apollo, zeus = item_of(plan, "c1").steps
    assert apollo.write["Proof of Works"]["rich_text"][0]["text"]["content"] == "• Apollo: LLM"
    assert zeus.write["Proof of Works"]["rich_text"][0]["text"]["content"] == "• Zeus: infra"


def test_a_contractor_without_a_discord_handle_is_skipped_with_the_reason() -> None:
    snap = snapshot()
    nameless = contractor("c2", "Bo Li", discord="x")
    nameless["properties"]["Discord"] = rich("")
    snap = replace(snap, contractors={**snap.contractors, "c2": nameless})
    plan = plan_sync(snap, PARAMS, config())
    assert ("c2", "no Discord handle, which the Order title needs") in [(s.key, s.reason) for s in plan.skips]

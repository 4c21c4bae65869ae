"""Page builders for the generate and sync planner tests (on top of tests/engine/pages.py)."""

from __future__ import annotations

from typing import Any

from tests.engine.pages import date, number, page, relation, rich, select, status, title


def multi_select(*names: str) -> dict[str, Any]:
    return {"type": "multi_select", "multi_select": [{"name": n, "color": "default"} for n in names]}


def contractor(cid: str, name: str, *positions: str, discord: str = "") -> dict[str, Any]:
    return page(
        cid,
        Full_Name=title(name),
        Position=multi_select(*(positions or ("Backend Engineer",))),
        Discord=rich(discord or name.split()[0].lower()),
    )


def deployment(did: str, contractor_id: str, project: str, state: str = "Active") -> dict[str, Any]:
    return page(
        did,
        Name=title(did),
        Contractor=relation(contractor_id),
        Project=relation(project),
        Deployment_Status=status(state),
    )


def rate(
    rid: str,
    contractor_id: str,
    billing: str = "Hourly Rate",
    *,
    hourly: float | None = 200_000,
    monthly: float | None = None,
    start: str = "2025-01-01",
    end: str | None = None,
    payday: str = "15",
    currency: str = "VND",
) -> dict[str, Any]:
    return page(
        rid,
        Name=title(rid),
        Contractor=relation(contractor_id),
        Status=status("Active"),
        Payday=select(payday),
        Billing_Type=select(billing),
        Hourly_Rate=number(hourly),
        Monthly_Fixed=number(monthly),
        Currency=select(currency),
        **{"Start_Date": date(start), "End_Date": date(end)},
    )


def line_item(
    lid: str,
    hours: float,
    deployment_id: str | None,
    *,
    parent: str = "",
    state: str = "Approved",
    sources: tuple[str, ...] = (),
    day: str = "2026-01-31",
) -> dict[str, Any]:
    return page(
        lid,
        Name=title(f"line {lid}"),
        Type=select("Timesheet"),
        Status=select(state),
        Date=date(day),
        Line_Item_Hours=number(hours),
        Project_Deployment=relation(*([deployment_id] if deployment_id else [])),
        Timesheet=relation(*sources),
        Parent_item=relation(*([parent] if parent else [])),
    )


def order(oid: str, name: str, day: str, *items: str, state: str = "Approved") -> dict[str, Any]:
    return page(
        oid,
        Name=title(name),
        Type=select("Order"),
        Status=select(state),
        Date=date(day),
        **{"Sub-item": relation(*items)},
    )


def payout(pid: str, state: str = "Pending", **links: str) -> dict[str, Any]:
    """links: task_order=…, refund=…, split=… (the payout's 00/01/02 relations)."""
    return page(
        pid,
        Name=title(pid),
        Status=status(state),
        **{
            "00_Task_Order": relation(*([links["task_order"]] if "task_order" in links else [])),
            "01_Refund": relation(*([links["refund"]] if "refund" in links else [])),
            "02_Invoice_Split": relation(*([links["split"]] if "split" in links else [])),
        },
    )


def update(
    uid: str, contractor_id: str | None, project: str | None, hours: float, text: str, day: str = "2026-01-12"
) -> dict[str, Any]:
    return page(
        uid,
        Entry=title(uid),
        Contractor=relation(*([contractor_id] if contractor_id else [])),
        Project=relation(*([project] if project else [])),
        Date=date(day),
        **{"Appx._effort": number(hours), "Key_deliverables": rich(text)},
        Status=status("Reviewed"),
    )

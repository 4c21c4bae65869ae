"""The Task Order Log: Approved Orders of the month with their Timesheet line items."""

from __future__ import annotations

from datetime import date, timedelta

from sandbox.demo import records as v
from sandbox.demo.draft import ContractorFacts, DeploymentFacts, Draft, UpdateFacts

ORPHAN_DISCORD = "unassigned"


def order_title(discord: str, compact_month: str) -> str:
    return f"ORD :: {discord} :: {compact_month}"


def summarize(scope: str, updates: list[UpdateFacts]) -> str:
    """Proof of works: deliverables weighted by hours, at most two lines of three items each."""
    weights: dict[str, float] = {}
    for update in updates:
        for item in update.deliverables.split("; "):
            if item:
                weights[item] = weights.get(item, 0.0) + update.hours
    ranked = sorted(weights, key=lambda item: (-weights[item], item))[:6]
    lines = [f"• {scope}: {', '.join(ranked[i : i + 3])}" for i in range(0, len(ranked), 3)]
    return "\n".join(lines)


def add_orders(d: Draft) -> None:
    """Approved Orders for contractors 0 … approved_orders-1, the no-rate contractor and an orphan Order.

    One line item per deployment (Timesheet, Approved, Parent item = the Order). Every fourth contractor's
    line items leave out the latest Reviewed update, so a sync finds something to change.
    """
    approved = list(d.contractors[: d.shape.approved_orders])
    no_rate = d.shape.no_rate_contractor
    if no_rate is not None and d.contractors[no_rate] not in approved:
        approved.append(d.contractors[no_rate])
    for c in approved:
        _approved_order(d, c)
    if d.shape.awkward:
        _orphan_order(d)
        if d.contractors and d.contractors[0].deployments:
            _last_month_order(d, d.contractors[0])


def _order_date(d: Draft, c: ContractorFacts) -> date:
    late = d.month.day(28)
    if c.index % 4 == 1 and (c.rate is None or c.rate.start <= late):
        return late
    return d.month.last


def _approved_order(d: Draft, c: ContractorFacts) -> None:
    day = _order_date(d, c)
    order = d.add("orders", _order_properties(order_title(c.discord, d.month.compact), "Approved", day))
    c.order = order
    for deployment in c.deployments:
        timesheet = sorted(deployment.reviewed, key=lambda u: (u.date, u.key))
        if c.index % 4 == 3 and len(timesheet) > 1:
            timesheet = timesheet[:-1]
        _line_item(d, order, c, deployment, "Approved", day, timesheet)


def _order_properties(name: str, state: str, day: date) -> v.Properties:
    return {
        "Name": v.title(name),
        "Type": v.select("Order"),
        "Status": v.select(state),
        "Date": v.when(day),
    }


def _line_item(
    d: Draft,
    order: str,
    c: ContractorFacts,
    deployment: DeploymentFacts,
    state: str,
    day: date,
    timesheet: list[UpdateFacts],
) -> str:
    hours = sum(u.hours for u in timesheet)
    return d.add(
        "orders",
        {
            "Name": v.title(f"{deployment.project.codename} :: {c.discord} :: {day.strftime('%Y%m')}"),
            "Type": v.select("Timesheet"),
            "Status": v.select(state),
            "Date": v.when(day),
            "Line Item Hours": v.number(hours),
            "Proof of Works": v.text(summarize(deployment.project.codename, timesheet)),
        },
        {
            "Parent item": [order],
            "Project Deployment": [deployment.key],
            "Timesheet": [u.key for u in timesheet],
        },
    )


def _orphan_order(d: Draft) -> None:
    """An Approved Order whose line items have no deployment, hence no contractor."""
    day = d.month.last
    order = d.add("orders", _order_properties(order_title(ORPHAN_DISCORD, d.month.compact), "Approved", day))
    for n, hours in enumerate((5.0, 3.5)):
        d.add(
            "orders",
            {
                "Name": v.title(f"Unassigned work {n + 1} :: {d.month.compact}"),
                "Type": v.select("Timesheet"),
                "Status": v.select("Approved"),
                "Date": v.when(day),
                "Line Item Hours": v.number(hours),
                "Proof of Works": v.text("• Unassigned: support rotation"),
            },
            {"Parent item": [order]},
        )


def _last_month_order(d: Draft, c: ContractorFacts) -> None:
    """Last month's Completed Order: outside the work month, so no flow should pick it up."""
    day = d.month.first - timedelta(days=1)
    order = d.add("orders", _order_properties(order_title(c.discord, day.strftime("%Y%m")), "Completed", day))
    _line_item(d, order, c, c.deployments[0], "Completed", day, [])

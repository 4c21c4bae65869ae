"""The ten data sources of the payout workspace (DOMAIN.md): titles, property schemas and relations.

Schemas are in Notion's response shape keyed by property name, without ids, as the store takes them.
Relations are added once every data source exists, and the computed properties after the relations they
read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Schema = dict[str, dict[str, Any]]

LOGICAL_NAMES: tuple[str, ...] = (
    "contractors",
    "rates",
    "deployments",
    "projects",
    "updates",
    "orders",
    "splits",
    "refunds",
    "payouts",
    "payables",
)

TITLES: dict[str, str] = {
    "contractors": "Contractors",
    "rates": "Contractor Rates",
    "deployments": "Deployment Tracker",
    "projects": "Projects",
    "updates": "Project Updates",
    "orders": "Task Order Log",
    "splits": "Invoice Splits",
    "refunds": "Refund Requests",
    "payouts": "Contractor Payouts",
    "payables": "Contractor Payables",
}

COLORS = ("gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")

BILLING_TYPES = ("Hourly Rate", "Monthly Fixed", "Mixed")
CURRENCIES = ("VND", "USD")
PAYDAYS = ("01", "15")
PAYING_SPLIT_TYPES = ("Commission", "Bonus", "Fee", "Service Fee")
OTHER_SPLIT_TYPES = ("Leading", "Referral")
SPLIT_ROLES = ("Account Manager", "Delivery Lead", "Hiring Referrer", "Sales")
REFUND_REASONS = ("Equipment", "Internet", "Software License", "Training", "Travel")
POSITIONS = (
    "Backend Engineer",
    "Frontend Engineer",
    "Product Designer",
    "QA Engineer",
    "Operation Executive",
    "Mobile Engineer",
    "DevOps Engineer",
)

# Status options per data source, each with the colour of its group in Notion (to-do, doing, done).
PAYMENT_STATUSES = ("New", "Pending", "Paid", "Cancelled")
RATE_STATUSES = ("Active", "Archived")
DEPLOYMENT_STATUSES = ("Not started", "Active", "Done")
UPDATE_STATUSES = ("Draft", "Pending Feedback", "Reviewed", "Completed")
REFUND_STATUSES = ("Pending", "Approved", "Paid", "Rejected", "Cancelled")
ORDER_STATUSES = ("Draft", "Pending Feedback", "Pending Approval", "Approved", "Completed")
ORDER_TYPES = ("Order", "Timesheet")
SPLIT_STATUSES = ("Pending", "Paid", "Cancelled")
CONTRACTOR_STATUSES = ("Active", "Inactive")

_STATUS_COLORS = {
    "New": "gray",
    "Draft": "gray",
    "Not started": "gray",
    "Pending": "yellow",
    "Pending Feedback": "yellow",
    "Approved": "blue",
    "Active": "green",
    "Reviewed": "blue",
    "Paid": "green",
    "Done": "green",
    "Completed": "green",
    "Archived": "gray",
    "Rejected": "red",
    "Cancelled": "red",
}

_STATUS_GROUPS = {
    "New": "To-do",
    "Draft": "To-do",
    "Not started": "To-do",
    "Pending": "To-do",
    "Pending Feedback": "In progress",
    "Approved": "In progress",
    "Active": "In progress",
    "Reviewed": "In progress",
    "Paid": "Complete",
    "Done": "Complete",
    "Completed": "Complete",
    "Archived": "Complete",
    "Rejected": "Complete",
    "Cancelled": "Complete",
}


def _options(names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"name": name, "color": COLORS[i % len(COLORS)]} for i, name in enumerate(names)]


def title() -> dict[str, Any]:
    return {"type": "title", "title": {}}


def rich_text() -> dict[str, Any]:
    return {"type": "rich_text", "rich_text": {}}


def number(fmt: str = "number") -> dict[str, Any]:
    return {"type": "number", "number": {"format": fmt}}


def date() -> dict[str, Any]:
    return {"type": "date", "date": {}}


def email() -> dict[str, Any]:
    return {"type": "email", "email": {}}


def select(names: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "select", "select": {"options": _options(names)}}


def multi_select(names: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "multi_select", "multi_select": {"options": _options(names)}}


def status(names: tuple[str, ...]) -> dict[str, Any]:
    """A status property whose options fall into Notion's three groups by what they mean."""
    options = [{"name": name, "color": _STATUS_COLORS.get(name, "default")} for name in names]
    groups = [
        {"name": group, "color": color, "option_names": [n for n in names if _STATUS_GROUPS[n] == group]}
        for group, color in (("To-do", "gray"), ("In progress", "blue"), ("Complete", "green"))
    ]
    return {"type": "status", "status": {"options": options, "groups": groups}}


def rollup(relation: str, target: str, function: str) -> dict[str, Any]:
    return {
        "type": "rollup",
        "rollup": {"relation_property_name": relation, "rollup_property_name": target, "function": function},
    }


def formula(expression: str) -> dict[str, Any]:
    return {"type": "formula", "formula": {"expression": expression}}


def base_schemas() -> dict[str, Schema]:
    """Every data source's own properties (no relations, nothing computed), by logical name."""
    return {
        "contractors": {
            "Full Name": title(),
            "Discord": rich_text(),
            "Team Email": email(),
            "Position": multi_select(POSITIONS),
            "Status": select(CONTRACTOR_STATUSES),
        },
        "rates": {
            "Name": title(),
            "Status": status(RATE_STATUSES),
            "Start Date": date(),
            "End Date": date(),
            "Payday": select(PAYDAYS),
            "Billing Type": select(BILLING_TYPES),
            "Hourly Rate": number(),
            "Monthly Fixed": number(),
            "Currency": select(CURRENCIES),
        },
        "deployments": {
            "Name": title(),
            "Deployment Status": status(DEPLOYMENT_STATUSES),
        },
        "projects": {
            "Project": title(),
            "Codename": rich_text(),
        },
        "updates": {
            "Entry": title(),
            "Date": date(),
            "Appx. effort": number(),
            "Key deliverables": rich_text(),
            "Status": status(UPDATE_STATUSES),
        },
        "orders": {
            "Name": title(),
            "Type": select(ORDER_TYPES),
            "Status": select(ORDER_STATUSES),
            "Date": date(),
            "Line Item Hours": number(),
            "Proof of Works": rich_text(),
        },
        "splits": {
            "Name": title(),
            "Amount": number(),
            "Currency": select(CURRENCIES),
            "Month": date(),
            "Role": select(SPLIT_ROLES),
            "Type": select(PAYING_SPLIT_TYPES + OTHER_SPLIT_TYPES),
            "Status": select(SPLIT_STATUSES),
        },
        "refunds": {
            "Refund ID": title(),
            "Amount": number(),
            "Currency": select(CURRENCIES),
            "Status": status(REFUND_STATUSES),
            "Reason": select(REFUND_REASONS),
            "Details": rich_text(),
            "Date Requested": date(),
        },
        "payouts": {
            "Name": title(),
            "Amount": number(),
            "Currency": select(CURRENCIES),
            "Status": status(PAYMENT_STATUSES),
            "Date": date(),
            "Description": rich_text(),
        },
        "payables": {
            "Payable Title": title(),
            "Total": number("dollar"),
            "Currency": select(CURRENCIES),
            "Payment Status": status(PAYMENT_STATUSES),
            "Period": date(),
            "Invoice Date": date(),
            "Payment Date": date(),
            "Invoice ID": rich_text(),
        },
    }


@dataclass(frozen=True)
class RelationSpec:
    """A relation property; two-way when `synced` names the property it mirrors on the target."""

    source: str
    name: str
    target: str
    synced: str | None = None


RELATIONS: tuple[RelationSpec, ...] = (
    RelationSpec("rates", "Contractor", "contractors", synced="Rates"),
    RelationSpec("deployments", "Contractor", "contractors", synced="Deployments"),
    RelationSpec("deployments", "Project", "projects", synced="Deployments"),
    RelationSpec("updates", "Contractor", "contractors"),
    RelationSpec("updates", "Project", "projects"),
    RelationSpec("orders", "Project Deployment", "deployments"),
    RelationSpec("orders", "Timesheet", "updates"),
    RelationSpec("orders", "Parent item", "orders", synced="Sub-item"),
    RelationSpec("splits", "Person", "contractors"),
    RelationSpec("refunds", "Contractor", "contractors"),
    RelationSpec("payouts", "Person", "contractors"),
    RelationSpec("payouts", "00 Task Order", "orders"),
    RelationSpec("payouts", "00 Service Rate", "rates"),
    RelationSpec("payouts", "01 Refund", "refunds"),
    RelationSpec("payouts", "02 Invoice Split", "splits"),
    RelationSpec("payables", "Payout Items", "payouts", synced="Payable"),
    RelationSpec("payables", "Contractor", "contractors"),
)


def computed_properties() -> dict[str, Schema]:
    """Rollups and formulas to show what the sandbox computes; added after the relations they read."""
    return {
        "payables": {
            "Payout Amount Sum": rollup("Payout Items", "Amount", "sum"),
            "Payout Count": rollup("Payout Items", "Name", "count"),
            "Label": formula('prop("Payable Title") + " " + prop("Currency")'),
        },
        "contractors": {
            "Deployment Count": rollup("Deployments", "Name", "count"),
        },
    }

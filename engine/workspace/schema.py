"""What paydesk needs of each data source: property (default name) → type and the options it writes.

`check_schema` compares a data source's retrieved schema with these needs and returns one readable
problem per mismatch, naming the database, the property and what was expected. A job refuses to start,
and `paydesk doctor` fails, while any problem remains. A status option must exist (the API cannot add
one); a missing select option is fine (Notion creates it on write).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.workspace.config import Config


@dataclass(frozen=True)
class Need:
    type: str
    options: tuple[str, ...] = ()


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

NOUNS: dict[str, str] = {
    "contractors": "contractor",
    "rates": "rate",
    "deployments": "deployment",
    "projects": "project",
    "updates": "project update",
    "orders": "task order",
    "splits": "invoice split",
    "refunds": "refund request",
    "payouts": "payout",
    "payables": "payable",
}
"""What one record of each database is called in messages."""

NEEDS: dict[str, dict[str, Need]] = {
    "contractors": {
        "Full Name": Need("title"),
        "Discord": Need("rich_text"),
        "Position": Need("multi_select"),
    },
    "rates": {
        "Contractor": Need("relation"),
        "Status": Need("status", ("Active",)),
        "Start Date": Need("date"),
        "End Date": Need("date"),
        "Payday": Need("select"),
        "Billing Type": Need("select"),
        "Hourly Rate": Need("number"),
        "Monthly Fixed": Need("number"),
        "Currency": Need("select"),
    },
    "deployments": {"Contractor": Need("relation"), "Project": Need("relation")},
    "projects": {"Project": Need("title")},
    "updates": {
        "Contractor": Need("relation"),
        "Project": Need("relation"),
        "Date": Need("date"),
        "Appx. effort": Need("number"),
        "Key deliverables": Need("rich_text"),
        "Status": Need("status", ("Reviewed",)),
    },
    "orders": {
        "Name": Need("title"),
        "Type": Need("select"),
        "Status": Need("select"),
        "Date": Need("date"),
        "Line Item Hours": Need("number"),
        "Proof of Works": Need("rich_text"),
        "Project Deployment": Need("relation"),
        "Timesheet": Need("relation"),
        "Sub-item": Need("relation"),
        "Parent item": Need("relation"),
    },
    "splits": {
        "Name": Need("title"),
        "Amount": Need("number"),
        "Currency": Need("select"),
        "Month": Need("date"),
        "Type": Need("select"),
        "Status": Need("select"),
        "Person": Need("relation"),
    },
    "refunds": {
        "Amount": Need("number"),
        "Currency": Need("select"),
        "Status": Need("status", ("Approved", "Paid")),
        "Reason": Need("select"),
        "Details": Need("rich_text"),
        "Contractor": Need("relation"),
        "Date Requested": Need("date"),
    },
    "payouts": {
        "Name": Need("title"),
        "Amount": Need("number"),
        "Currency": Need("select"),
        "Status": Need("status", ("New", "Pending", "Paid", "Cancelled")),
        "Date": Need("date"),
        "Description": Need("rich_text"),
        "Person": Need("relation"),
        "00 Task Order": Need("relation"),
        "00 Service Rate": Need("relation"),
        "01 Refund": Need("relation"),
        "02 Invoice Split": Need("relation"),
    },
    "payables": {
        "Total": Need("number"),
        "Currency": Need("select"),
        "Payment Status": Need("status", ("Pending", "Paid")),
        "Period": Need("date"),
        "Payment Date": Need("date"),
        "Invoice ID": Need("rich_text"),
        "Payout Items": Need("relation"),
        "Contractor": Need("relation"),
    },
}


def check_renames(config: Config) -> list[str]:
    """Renames in [properties.<db>] whose key is not a property paydesk uses there (a typo would
    otherwise be ignored silently)."""
    problems: list[str] = []
    for logical, renames in sorted(config.properties.items()):
        known = NEEDS.get(logical, {})
        for default_name in sorted(renames):
            if default_name not in known:
                problems.append(
                    f'{config.source} [properties.{logical}]: "{default_name}" is not a property '
                    f"paydesk uses in {TITLES[logical]}; known: {', '.join(sorted(known))}"
                )
    return problems


def check_schema(logical: str, schema: Mapping[str, Any], config: Config) -> list[str]:
    """Problems with one data source's `properties` (as retrieved), for the needs of `logical`."""
    problems: list[str] = []
    title = TITLES[logical]
    for default_name, need in NEEDS[logical].items():
        name = config.prop(logical, default_name)
        prop = schema.get(name)
        if not isinstance(prop, Mapping):
            problems.append(f'{title}: property "{name}" is missing (expected {need.type})')
            continue
        actual = prop.get("type")
        if actual != need.type:
            problems.append(f'{title}: property "{name}" is {actual}, expected {need.type}')
            continue
        if need.options:
            config_block = prop.get(need.type)
            options = config_block.get("options", []) if isinstance(config_block, Mapping) else []
            names = {o.get("name") for o in options if isinstance(o, Mapping)}
            missing = [o for o in need.options if o not in names]
            if missing:
                problems.append(
                    f'{title}: status property "{name}" has no option {", ".join(map(repr, missing))}; '
                    "add it in Notion (the API cannot create status options)"
                )
    return problems

"""What a generate job selects (DOMAIN.md flow 1): the Notion filters
of the records that may get a payout and of the payouts that already link one. Pure; shared by the
preload (which queries them) and the planner (which stores the source filter with each create, so that a
stored plan can check that its source still qualifies)."""

from __future__ import annotations

from typing import Any

from engine.kinds.generate.params import GenerateParams
from engine.workspace.config import Config
from engine.workspace.months import in_month

PAYING_SPLIT_TYPES = ("Commission", "Bonus", "Fee", "Service Fee")
CANCELLED = "Cancelled"
COMPLETED = "Completed"
LINKS = {"payroll": "00 Task Order", "refund": "01 Refund", "invoice_split": "02 Invoice Split"}


def _select(config: Config, logical: str, name: str, value: str) -> dict[str, Any]:
    return {"property": config.prop(logical, name), "select": {"equals": value}}


def _status(config: Config, logical: str, name: str, value: str) -> dict[str, Any]:
    return {"property": config.prop(logical, name), "status": {"equals": value}}


def source_filter(params: GenerateParams, config: Config) -> tuple[str, dict[str, Any]]:
    """(data source, filter) of the records that may get a payout."""
    if params.type == "payroll":
        order = [_select(config, "orders", "Type", "Order"), _select(config, "orders", "Status", "Approved")]
        return "orders", {"and": [*order, *in_month(config, "orders", "Date", params.month)]}
    if params.type == "refund":
        return "refunds", _status(config, "refunds", "Status", "Approved")
    kinds = [_select(config, "splits", "Type", kind) for kind in PAYING_SPLIT_TYPES]
    return "splits", {"and": [_select(config, "splits", "Status", "Pending"), {"or": kinds}]}


def payouts_filter(params: GenerateParams, config: Config) -> dict[str, Any]:
    """The non-cancelled payouts that link a source of this type."""
    link = config.prop("payouts", LINKS[params.type])
    return {
        "and": [
            {"property": link, "relation": {"is_not_empty": True}},
            {"property": config.prop("payouts", "Status"), "status": {"does_not_equal": CANCELLED}},
        ]
    }


def source_filter_of(params: GenerateParams, config: Config) -> dict[str, Any]:
    """The filter alone of `source_filter`."""
    return source_filter(params, config)[1]

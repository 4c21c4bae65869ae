"""The commit job's preload: the selected payables, their payout items and those items' splits and
refunds, the active rates and the contractors — in paginated queries, joined in memory."""

from __future__ import annotations

from typing import Any

import trio

from engine.kinds.commit.params import CommitParams
from engine.kinds.commit.plan import CommitSnapshot
from engine.run.preload import Page, Preloader
from engine.workspace import props


def payables_filter(params: CommitParams, config: Any) -> dict[str, Any]:
    status = {"property": config.prop("payables", "Payment Status"), "status": {"equals": "Pending"}}
    if params.invoice_ids:
        ids = [
            {"property": config.prop("payables", "Invoice ID"), "rich_text": {"equals": i}}
            for i in params.invoice_ids[:100]
        ]
        return {"and": [status, {"or": ids}]}
    period = {"property": config.prop("payables", "Period"), "date": {"equals": params.period_start}}
    return {"and": [status, period]}


def _not_paid(config: Any, logical: str, kind: str) -> dict[str, Any]:
    return {"property": config.prop(logical, "Status"), kind: {"does_not_equal": "Paid"}}


async def preload_commit(loader: Preloader, params: CommitParams) -> CommitSnapshot:
    config = loader.config
    found: dict[str, list[Page]] = {}

    async def run(name: str, logical: str, flt: dict[str, Any] | None) -> None:
        found[name] = await loader.query(logical, flt)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run, "payables", "payables", payables_filter(params, config))
        nursery.start_soon(run, "payouts", "payouts", _not_paid(config, "payouts", "status"))
        nursery.start_soon(run, "splits", "splits", _not_paid(config, "splits", "select"))
        nursery.start_soon(run, "refunds", "refunds", _not_paid(config, "refunds", "status"))
        nursery.start_soon(
            run,
            "rates",
            "rates",
            {"property": config.prop("rates", "Status"), "status": {"equals": "Active"}},
        )
        nursery.start_soon(run, "contractors", "contractors", None)

    items_prop = config.prop("payables", "Payout Items")
    payout_items: dict[str, list[str]] = {}

    async def complete(payable: Page) -> None:
        payout_items[props.page_id(payable)] = await loader.complete_relation(payable, items_prop)

    async with trio.open_nursery() as nursery:
        for payable in found["payables"]:
            nursery.start_soon(complete, payable)

    unreadable: dict[str, str] = {}
    payouts = {props.page_id(p): p for p in found["payouts"]}
    referenced = [i for ids in payout_items.values() for i in ids]
    payouts.update(await loader.retrieve_missing(referenced, payouts, unreadable, "payouts"))

    splits = {props.page_id(p): p for p in found["splits"]}
    refunds = {props.page_id(p): p for p in found["refunds"]}
    split_ids: list[str] = []
    refund_ids: list[str] = []
    for payout in payouts.values():
        split_ids += props.relation(payout, config.prop("payouts", "02 Invoice Split"))[0]
        refund_ids += props.relation(payout, config.prop("payouts", "01 Refund"))[0]
    splits.update(await loader.retrieve_missing(split_ids, splits, unreadable, "splits"))
    refunds.update(await loader.retrieve_missing(refund_ids, refunds, unreadable, "refunds"))

    return CommitSnapshot(
        payables=sorted(found["payables"], key=props.page_id),
        payout_items=payout_items,
        payouts=payouts,
        splits=splits,
        refunds=refunds,
        rates=found["rates"],
        contractors={props.page_id(c): c for c in found["contractors"]},
        unreadable=unreadable,
        reads=loader.requests,
    )

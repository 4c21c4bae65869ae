"""The generate job's preload: the sources of one payout type and what planning them needs, each data source
in ⌈n/100⌉ paginated queries, joined in memory (never a query per item).

- payroll: the month's Approved Orders; the month's Timesheet line items (an order's line items beyond
  those, or beyond the 25 a page lists, are completed and retrieved); all Active rates; the non-cancelled
  payouts linking an Order; every contractor and deployment.
- refund: Approved refund requests, the non-cancelled payouts linking a refund, the contractors.
- invoice_split: Pending splits of a paying type, the non-cancelled payouts linking a split, the contractors.

Payouts a job of this log made for these sources moments ago are missing from the payouts query (Notion's
lag): they are read by id and planned as existing (`Preloader.made_lately`).
"""

from __future__ import annotations

from typing import Any

import trio

from engine.kinds.generate.params import GenerateParams
from engine.kinds.generate.plan import GenerateSnapshot, linked_payouts, source_target
from engine.kinds.generate.rules import LINKS, _select, _status, payouts_filter, source_filter
from engine.run.preload import Page, Preloader
from engine.workspace import props
from engine.workspace.months import in_month


async def preload_generate(loader: Preloader, params: GenerateParams) -> GenerateSnapshot:
    config = loader.config
    found: dict[str, list[Page]] = {}

    async def run(name: str, logical: str, flt: dict[str, Any] | None) -> None:
        found[name] = await loader.query(logical, flt)

    source_logical, source_flt = source_filter(params, config)
    payroll = params.type == "payroll"
    async with trio.open_nursery() as nursery:
        nursery.start_soon(run, "sources", source_logical, source_flt)
        nursery.start_soon(run, "payouts", "payouts", payouts_filter(params, config))
        nursery.start_soon(run, "contractors", "contractors", None)
        if payroll:
            items = {
                "and": [
                    _select(config, "orders", "Type", "Timesheet"),
                    *in_month(config, "orders", "Date", params.month),
                ]
            }
            nursery.start_soon(run, "items", "orders", items)
            nursery.start_soon(run, "rates", "rates", _status(config, "rates", "Status", "Active"))
            nursery.start_soon(run, "deployments", "deployments", None)

    paid = linked_payouts(found["payouts"], config, LINKS[params.type])  # (a payout the query shows)
    unpaid = [props.page_id(source) for source in found["sources"] if props.page_id(source) not in paid]
    targets = [source_target(params.type, source_id) for source_id in unpaid]
    flt = payouts_filter(params, config)
    found["payouts"] += await loader.made_lately("payouts", targets, found["payouts"], flt)
    contractors = {props.page_id(c): c for c in found["contractors"]}
    if not payroll:
        return GenerateSnapshot(
            sources=found["sources"],
            payouts=found["payouts"],
            contractors=contractors,
            reads=loader.requests,
        )

    sub_item = config.prop("orders", "Sub-item")
    line_items: dict[str, list[str]] = {}

    async def complete(order: Page) -> None:
        line_items[props.page_id(order)] = await loader.complete_relation(order, sub_item)

    async with trio.open_nursery() as nursery:
        for order in found["sources"]:
            nursery.start_soon(complete, order)
    pages = {props.page_id(p): p for p in found["items"]}
    unreadable: dict[str, str] = {}
    wanted = [i for ids in line_items.values() for i in ids]
    pages.update(await loader.retrieve_missing(wanted, pages, unreadable, "orders"))
    return GenerateSnapshot(
        sources=found["sources"],
        payouts=found["payouts"],
        contractors=contractors,
        rates=found["rates"],
        line_items=line_items,
        pages=pages,
        deployments={props.page_id(d): d for d in found["deployments"]},
        unreadable=unreadable,
        reads=loader.requests,
    )

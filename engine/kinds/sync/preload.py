"""The sync job's preload: the month's project updates and everything grouping them needs, each data source
in ⌈n/100⌉ paginated queries, joined in memory.

The month's Orders are read in full (by Date in the month or by a title ending in `:: YYYYMM`), so an Order
is found however many line items the month has; their line items come from one query of the month's
Timesheet line items (not made when the month has no Order yet), completed beyond the 25 references a page
lists and retrieved when dated elsewhere.
"""

from __future__ import annotations

from typing import Any

import trio

from engine.kinds.sync.params import SyncParams
from engine.kinds.sync.work import SyncSnapshot, order_target, order_targets
from engine.run.preload import Page, Preloader
from engine.workspace import props
from engine.workspace.months import in_month


def updates_filter(params: SyncParams, config: Any) -> dict[str, Any]:
    dates = in_month(config, "updates", "Date", params.month)
    if params.force:
        return {"and": dates}
    reviewed = {"property": config.prop("updates", "Status"), "status": {"equals": "Reviewed"}}
    return {"and": [*dates, reviewed]}


def orders_filter(params: SyncParams, config: Any) -> dict[str, Any]:
    """Every Order of the month: dated in it, or titled for it."""
    order = {"property": config.prop("orders", "Type"), "select": {"equals": "Order"}}
    titled = {"property": config.prop("orders", "Name"), "title": {"ends_with": f":: {params.compact}"}}
    return {
        "or": [{"and": [order, *in_month(config, "orders", "Date", params.month)]}, {"and": [order, titled]}]
    }


async def preload_sync(loader: Preloader, params: SyncParams) -> SyncSnapshot:
    config = loader.config
    found: dict[str, list[Page]] = {}

    async def run(name: str, logical: str, flt: dict[str, Any] | None) -> None:
        found[name] = await loader.query(logical, flt)

    async def run_orders() -> None:
        """The month's Orders, then (only when there are some) the month's Timesheet line items."""
        await run("orders", "orders", orders_filter(params, config))
        found["items"] = await loader.query("orders", items) if found["orders"] else []

    items = {
        "and": [
            {"property": config.prop("orders", "Type"), "select": {"equals": "Timesheet"}},
            *in_month(config, "orders", "Date", params.month),
        ]
    }
    async with trio.open_nursery() as nursery:
        nursery.start_soon(run, "updates", "updates", updates_filter(params, config))
        nursery.start_soon(run, "contractors", "contractors", None)
        nursery.start_soon(run, "projects", "projects", None)
        nursery.start_soon(run, "deployments", "deployments", None)
        nursery.start_soon(run_orders)
        if params.batch is not None:
            active = {"property": config.prop("rates", "Status"), "status": {"equals": "Active"}}
            nursery.start_soon(run, "rates", "rates", active)

    # Orders a sync of this log made moments ago that the query does not list yet (Notion's lag): read by
    # id, with their line items (through their relation), so they are planned as there
    # (only for Orders the query does not show: one trashed by hand is not read again once remade)
    shown = {order_target(props.title(order, config.prop("orders", "Name"))) for order in found["orders"]}
    targets = [t for t in order_targets(found["contractors"], params, config) if t not in shown]
    found["orders"] += await loader.made_lately(
        "orders", targets, found["orders"], orders_filter(params, config)
    )
    sub_item = config.prop("orders", "Sub-item")
    line_items: dict[str, list[str]] = {}

    async def complete_order(order: Page) -> None:
        line_items[props.page_id(order)] = await loader.complete_relation(order, sub_item)

    async with trio.open_nursery() as nursery:
        for order in found["orders"]:
            nursery.start_soon(complete_order, order)
    pages = {props.page_id(p): p for p in found["items"]}
    unreadable: dict[str, str] = {}
    wanted = [i for ids in line_items.values() for i in ids]
    pages.update(await loader.retrieve_missing(wanted, pages, unreadable, "orders"))

    timesheet = config.prop("orders", "Timesheet")
    timesheets: dict[str, list[str]] = {}

    async def complete_item(item: Page) -> None:
        timesheets[props.page_id(item)] = await loader.complete_relation(item, timesheet)

    async with trio.open_nursery() as nursery:
        for item_id in sorted({i for ids in line_items.values() for i in ids} & set(pages)):
            nursery.start_soon(complete_item, pages[item_id])
    return SyncSnapshot(
        updates=found["updates"],
        contractors={props.page_id(c): c for c in found["contractors"]},
        projects={props.page_id(p): p for p in found["projects"]},
        deployments=found["deployments"],
        orders=found["orders"],
        line_items=line_items,
        pages=pages,
        timesheets=timesheets,
        rates=found.get("rates", []),
        unreadable=unreadable,
        reads=loader.requests,
    )

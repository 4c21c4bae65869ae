"""The commit job's preload: the selected payables, their payout items and those items' splits and
refunds, the active rates and the contractors — in paginated queries, joined in memory.

The children are found by what links them, whatever their status, so that those already Paid come with the
rest instead of one retrieve each:

- payout items: by the relation that mirrors Payout Items on the payouts (when it is two-way, as the schema
  check read it: exactly the batch's items, those beyond the 25 a payable lists included); else the payouts
  of the batch's contractors that are not Paid or were edited since the batch's payables were made;
- splits and refunds: those of the payout items' people that are not Paid or were edited since then.

A linked page that none of these queries showed (paid long before, another person's) is still retrieved on
its own, and a payable's relation completed through the property endpoint when nothing else lists it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import trio

from engine.kinds.commit.params import CommitParams
from engine.kinds.commit.plan import CommitSnapshot
from engine.run.freshness import since_filter
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


def _contains(name: str, ids: Iterable[str]) -> list[dict[str, Any]]:
    return [{"property": name, "relation": {"contains": i}} for i in sorted(set(ids))]


def _open_or_recent(config: Any, logical: str, kind: str, payables: Sequence[Page]) -> dict[str, Any]:
    """Not Paid, or edited since the earliest of `payables` was made (less Notion's minute rounding and
    the clock skew margin): a child paid after its payable existed is among them."""
    made = [p.get("created_time") for p in payables]
    moments = [datetime.fromisoformat(m.replace("Z", "+00:00")) for m in made if isinstance(m, str)]
    if not moments:
        return _not_paid(config, logical, kind)
    return {"or": [_not_paid(config, logical, kind), since_filter(min(moments))]}


async def preload_commit(loader: Preloader, params: CommitParams) -> CommitSnapshot:
    config = loader.config
    found: dict[str, list[Page]] = {}

    async def run(name: str, logical: str, flt: dict[str, Any] | None) -> None:
        found[name] = await loader.query(logical, flt)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run, "payables", "payables", payables_filter(params, config))
        nursery.start_soon(
            run,
            "rates",
            "rates",
            {"property": config.prop("rates", "Status"), "status": {"equals": "Active"}},
        )
        nursery.start_soon(run, "contractors", "contractors", None)
    payables = found["payables"]

    unreadable: dict[str, str] = {}
    payouts, payout_items = await _payout_items(loader, payables)
    referenced = [i for ids in payout_items.values() for i in ids]
    payouts.update(await loader.retrieve_missing(referenced, payouts, unreadable, "payouts"))

    children: dict[str, dict[str, Page]] = {}
    linked: dict[str, list[str]] = {"splits": [], "refunds": []}
    people: dict[str, set[str]] = {"splits": set(), "refunds": set()}
    person = config.prop("payouts", "Person")
    for payout_id in dict.fromkeys(referenced):
        payout = payouts.get(payout_id)
        if payout is None:
            continue
        for logical, rel in (("splits", "02 Invoice Split"), ("refunds", "01 Refund")):
            ids = props.relation(payout, config.prop("payouts", rel))[0]
            if ids:
                linked[logical] += ids
                people[logical].update(props.relation(payout, person)[0])

    async def read_children(logical: str, kind: str, owner: str) -> None:
        pages = await loader.query_any(
            logical,
            _contains(config.prop(logical, owner), people[logical]),
            _open_or_recent(config, logical, kind, payables),
        )
        known = {props.page_id(p): p for p in pages}
        known.update(await loader.retrieve_missing(linked[logical], known, unreadable, logical))
        children[logical] = known

    async with trio.open_nursery() as nursery:
        nursery.start_soon(read_children, "splits", "select", "Person")
        nursery.start_soon(read_children, "refunds", "status", "Contractor")

    return CommitSnapshot(
        payables=sorted(payables, key=props.page_id),
        payout_items=payout_items,
        payouts=payouts,
        splits=children["splits"],
        refunds=children["refunds"],
        rates=found["rates"],
        contractors={props.page_id(c): c for c in found["contractors"]},
        unreadable=unreadable,
        reads=loader.requests,
    )


async def _payout_items(
    loader: Preloader, payables: Sequence[Page]
) -> tuple[dict[str, Page], dict[str, list[str]]]:
    """(payouts read by id, payable id -> every payout item id)."""
    config = loader.config
    items_prop = config.prop("payables", "Payout Items")
    synced = loader.synced_property("payables", items_prop)
    if synced is not None:
        pages = await loader.query_any("payouts", _contains(synced, map(props.page_id, payables)))
    else:
        contractors = [
            i for p in payables for i in props.relation(p, config.prop("payables", "Contractor"))[0]
        ]
        pages = await loader.query_any(
            "payouts",
            _contains(config.prop("payouts", "Person"), contractors),
            _open_or_recent(config, "payouts", "status", payables),
        )
    payouts = {props.page_id(p): p for p in pages}
    listed = _listed_by(pages, synced) if synced is not None else None
    payout_items: dict[str, list[str]] = {}

    async def complete(payable: Page) -> None:
        pid = props.page_id(payable)
        ids, has_more = props.relation(payable, items_prop)
        if not has_more:
            payout_items[pid] = ids
        elif listed is not None and pid in listed:  # the payouts' own side lists every one of them
            payout_items[pid] = [*ids, *(i for i in listed[pid] if i not in set(ids))]
        else:
            payout_items[pid] = await loader.complete_relation(payable, items_prop)

    async with trio.open_nursery() as nursery:
        for payable in payables:
            nursery.start_soon(complete, payable)
    return payouts, payout_items


def _listed_by(payouts: Sequence[Page], synced: str) -> Mapping[str, list[str]] | None:
    """payable id -> the payouts whose mirrored relation names it, when every payout lists its payables in
    full (None otherwise: a payout linked to more than 25 payables)."""
    listed: dict[str, list[str]] = {}
    for payout in payouts:
        ids, has_more = props.relation(payout, synced)
        if has_more:
            return None
        for payable_id in ids:
            listed.setdefault(payable_id, []).append(props.page_id(payout))
    return listed

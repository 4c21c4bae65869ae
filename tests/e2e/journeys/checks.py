"""What must hold after every step of a journey, read from the SUT (and the shadow, for the model)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from engine.workspace import props
from eventlog import EventLog
from tests.e2e.journeys.world import Side

LINKS = ("00 Task Order", "01 Refund", "02 Invoice Split")
COMPARED = ("status", "select", "number", "date", "title", "rich_text", "relation", "checkbox")
WATCHED = ("payables", "payouts", "refunds", "splits", "orders")


def live(page: Mapping[str, Any]) -> bool:
    return not props.trashed(page)


def paid_twice(sut: Side, payouts_ds: str) -> set[tuple[str, str]]:
    """(link, source) pairs with more than one non-cancelled payout."""
    counts: Counter[tuple[str, str]] = Counter()
    for payout in sut.pages(payouts_ds):
        if not live(payout) or props.plain(payout, "Status") == "Cancelled":
            continue
        for link in LINKS:
            for source in props.relation(payout, link)[0]:
                counts[(link, source)] += 1
    return {key for key, n in counts.items() if n > 1}


def orders_twice(sut: Side, orders_ds: str) -> set[str]:
    """Order titles (contractor and month) held by more than one live Order."""
    titles = Counter(
        props.plain(page, "Name")
        for page in sut.pages(orders_ds)
        if live(page) and props.plain(page, "Type") == "Order"
    )
    return {title for title, n in titles.items() if n > 1}


def paid_over_unpaid(sut: Side, payables_ds: str) -> dict[str, str]:
    """Payables marked Paid whose cascade holds a record that is not: payable -> why."""
    found: dict[str, str] = {}
    for payable in sut.pages(payables_ds):
        if not live(payable) or props.plain(payable, "Payment Status") != "Paid":
            continue
        for payout_id in props.relation(payable, "Payout Items")[0]:
            payout = sut.page(payout_id)
            if payout is None or not live(payout):
                continue
            status = props.plain(payout, "Status")
            if status not in ("Paid", "Cancelled"):
                found[payable["id"]] = f"payout {payout_id} is {status}"
                continue
            if status == "Cancelled":
                continue
            for link in ("01 Refund", "02 Invoice Split"):
                for child_id in props.relation(payout, link)[0]:
                    child = sut.page(child_id)
                    if child is not None and live(child) and props.plain(child, "Status") != "Paid":
                        found[payable["id"]] = f"{link} {child_id} under paid payout {payout_id}"
    return found


def differences(
    sut: Side, shadow: Side, data_sources: Mapping[str, str], to_shadow: Callable[[str], str]
) -> list[str]:
    """Where the SUT's workspace differs from the model's (the shadow), record by record."""
    problems: list[str] = []
    for logical in WATCHED:
        ds_sut, ds_shadow = data_sources[logical], data_sources[logical]
        seen: set[str] = set()
        for page in sut.pages(ds_sut):
            theirs = shadow.page(to_shadow(page["id"]))
            if theirs is None:
                problems.append(f"{logical} {page['id']} exists in the workspace, not in the model")
                continue
            seen.add(theirs["id"])
            for name, prop in page["properties"].items():
                kind = prop.get("type")
                if kind not in COMPARED:
                    continue
                mine = props.plain(page, name)
                if kind == "relation":
                    mine = sorted(to_shadow(i) for i in mine)
                model = props.plain(theirs, name)
                if not props.same(mine, model):
                    problems.append(f"{logical} {page['id']} {name}: workspace {mine!r}, model {model!r}")
            if props.trashed(page) != props.trashed(theirs):
                problems.append(f"{logical} {page['id']} in the trash: workspace {props.trashed(page)}")
        for page in shadow.pages(ds_shadow):
            if page["id"] not in seen:
                problems.append(
                    f"{logical}: the model made {props.plain(page, 'Name')!r}; the workspace did not"
                )
    return problems


def log_problems(db: Any) -> list[str]:
    if not db.exists():
        return []
    with EventLog(db, read_only=True) as log:
        report = log.verify()
        replay = log.replay_check()
    problems = [] if report.ok else [f"verify: {report.problem}"]
    return problems + ([] if replay.ok else [f"replay: {d}" for d in replay.as_dict()["differences"]])

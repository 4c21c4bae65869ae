"""The reconcile job's preload: what the log last recorded (read from the log), then every data source
those records live in, in ⌈n/100⌉ paginated queries each — never a read per record; a record the queries
do not return (trashed, archived, gone) is retrieved once to say why."""

from __future__ import annotations

from dataclasses import dataclass, field

import trio

from engine.kinds.reconcile.known import AMOUNT, KnownState, known_state
from engine.kinds.reconcile.params import ReconcileParams
from engine.run.preload import Page, Preloader
from engine.workspace import props


@dataclass
class ReconcileSnapshot:
    state: KnownState
    now: dict[str, Page] = field(default_factory=dict)  # page id (with dashes) -> page as it is now
    gone: dict[str, str] = field(default_factory=dict)  # page id -> why it cannot be read


def _norm(page_id: str) -> str:
    return page_id.replace("-", "")


async def preload_reconcile(loader: Preloader, params: ReconcileParams) -> ReconcileSnapshot:
    amount = loader.config.prop("payouts", AMOUNT)
    state = await loader.read_log(lambda log: known_state(log, params, amount))
    snapshot = ReconcileSnapshot(state)
    wanted = state.by_source()
    by_norm: dict[str, Page] = {}

    async def read(logical: str) -> None:
        for page in await loader.query(logical):
            by_norm[_norm(props.page_id(page))] = page

    async with trio.open_nursery() as nursery:
        for logical in sorted(wanted):
            nursery.start_soon(read, logical)
    missing: dict[str, list[str]] = {}
    for logical, ids in wanted.items():
        for page_id in ids:
            page = by_norm.get(_norm(page_id))
            if page is not None:
                snapshot.now[page_id] = page
            else:
                missing.setdefault(logical, []).append(page_id)
    for logical, pages in sorted(missing.items()):
        found = await loader.retrieve_missing(pages, {}, snapshot.gone, logical)
        for page_id, page in found.items():  # readable, yet not among the data source's pages
            snapshot.now[page_id] = page
    return snapshot

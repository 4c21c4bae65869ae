"""Where the demo workspace lives in a store: its data sources and databases by logical name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.demo.schemas import LOGICAL_NAMES, TITLES
from sandbox.rich_text import plain_text

if TYPE_CHECKING:
    from sandbox.store import SandboxStore


@dataclass(frozen=True)
class DemoWorkspace:
    """The seeded workspace: ids by logical name (contractors, rates, … payables) and page counts."""

    data_sources: dict[str, str]
    databases: dict[str, str]
    counts: dict[str, int]


def find_demo_workspace(store: SandboxStore) -> DemoWorkspace | None:
    """The demo workspace already in `store` (e.g. after a restart), found by the ten default titles.

    None unless all ten data sources are there. When a title occurs twice, the first created wins. `counts`
    are the pages each data source holds now (not in trash), which includes pages created since seeding.
    """
    found: dict[str, str] = {}
    wanted = {title: name for name, title in TITLES.items()}
    for source in store.sources.values():
        name = wanted.get(plain_text(source.title))
        if name is not None and name not in found and not source.in_trash:
            found[name] = source.id
    if len(found) != len(LOGICAL_NAMES):
        return None
    data_sources = {name: found[name] for name in LOGICAL_NAMES}
    databases = {name: store.sources[ds].database_id for name, ds in data_sources.items()}
    counts = {
        name: sum(1 for page_id in store.pages_by_source.get(ds, ()) if not store.pages[page_id].in_trash)
        for name, ds in data_sources.items()
    }
    return DemoWorkspace(data_sources, databases, counts)

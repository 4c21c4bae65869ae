"""Seeding: schemas laid down in the store directly, pages created through the public API like any client.

Status options cannot be created through Notion's API, which is why the schemas go straight into the store.
Pages go through `pages.create`, level by level (a page is created after every page it links to), many at
once within a level. Pages that link to the same page through a two-way relation are created one after the
other in generation order, so the mirrored lists (an Order's Sub-item, a contractor's Rates) come out in the
same order on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import trio

from sandbox.demo.generate import generate_demo
from sandbox.demo.records import DemoData, Record, resolve
from sandbox.demo.schemas import LOGICAL_NAMES, RELATIONS, TITLES, base_schemas, computed_properties
from sandbox.demo.shape import MAX_RELATION_PER_REQUEST, DemoShape, shape_for
from sandbox.demo.workspace import DemoWorkspace, find_demo_workspace

if TYPE_CHECKING:
    from notion_client import AsyncClient

    from sandbox.store import SandboxStore

CONCURRENCY = 16
TWO_WAY = frozenset((spec.source, spec.name) for spec in RELATIONS if spec.synced is not None)


async def seed_demo(
    client: AsyncClient,
    store: SandboxStore,
    *,
    size: str = "small",
    month: str,
    random_seed: int = 0,
    shape: DemoShape | None = None,
) -> DemoWorkspace:
    """Lay down the ten data sources in `store` and create the demo pages through `client`.

    `client` is a notion-client AsyncClient pointed at the sandbox app serving `store`, best the bare app
    in-process (httpx.ASGITransport): seeding sends one request per page, up to 16 at once, and does not
    retry, so a rate limit or injected faults would make it fail. `shape`, when given, overrides `size`.
    A store that already holds the demo workspace is refused (ValueError): use `find_demo_workspace`.
    Cancelling leaves the pages created so far in place.
    """
    if find_demo_workspace(store) is not None:
        raise ValueError("this store already holds the demo workspace; use find_demo_workspace()")
    data = generate_demo(shape or shape_for(size), month, random_seed)
    databases, data_sources = lay_down_schemas(store)
    await create_pages(client, data, data_sources)
    return DemoWorkspace(data_sources, databases, data.counts())


def lay_down_schemas(store: SandboxStore) -> tuple[dict[str, str], dict[str, str]]:
    """Create the ten databases with one data source each, then relations, then computed properties.

    Returns (database ids, data source ids) by logical name.
    """
    databases: dict[str, str] = {}
    data_sources: dict[str, str] = {}
    schemas = base_schemas()
    for name in LOGICAL_NAMES:
        databases[name] = store.create_database(TITLES[name])
        data_sources[name] = store.create_data_source(databases[name], TITLES[name], schemas[name])
    for spec in RELATIONS:
        store.add_relation(
            data_sources[spec.source],
            spec.name,
            data_sources[spec.target],
            synced_property_name=spec.synced,
        )
    for name, properties in computed_properties().items():
        source = store.source(data_sources[name])
        with store.writing():
            for property_name, property_spec in properties.items():
                store.add_property(source, property_name, property_spec)
    return databases, data_sources


def creation_levels(records: Sequence[Record]) -> list[list[Record]]:
    """Records grouped so that each one's related records are all in earlier groups."""
    level: dict[str, int] = {}
    levels: list[list[Record]] = []
    for record in records:
        refs = [key for keys in record.relations.values() for key in keys]
        missing = [key for key in refs if key not in level]
        if missing:
            raise ValueError(f"{record.key} links to {missing[0]}, which is not generated before it")
        depth = 1 + max((level[key] for key in refs), default=-1)
        level[record.key] = depth
        while len(levels) <= depth:
            levels.append([])
        levels[depth].append(record)
    return levels


def chains(records: Sequence[Record]) -> list[list[Record]]:
    """Split one level into sequences that may run side by side: records that link to a common page
    through a two-way relation stay in one sequence, in their original order."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for record in records:
        for name, keys in record.relations.items():
            if (record.database, name) in TWO_WAY:
                for key in keys:
                    parent[root(key)] = root(record.key)
    grouped: dict[str, list[Record]] = {}
    for record in records:
        grouped.setdefault(root(record.key), []).append(record)
    return list(grouped.values())


async def create_pages(client: AsyncClient, data: DemoData, data_sources: dict[str, str]) -> dict[str, str]:
    """Create every record as a page; the page id per record key."""
    for record in data:
        for name, keys in record.relations.items():
            if len(keys) > MAX_RELATION_PER_REQUEST:
                raise ValueError(
                    f"{record.key}: {name} links {len(keys)} pages; one request takes at most 100"
                )
    ids: dict[str, str] = {}
    limiter = trio.CapacityLimiter(CONCURRENCY)

    async def create_chain(chain: list[Record]) -> None:
        for record in chain:
            async with limiter:
                page = await client.pages.create(
                    parent={"type": "data_source_id", "data_source_id": data_sources[record.database]},
                    properties=resolve(record, ids),
                )
            ids[record.key] = page["id"]

    for level in creation_levels(data.records):
        async with trio.open_nursery() as nursery:
            for chain in chains(level):
                nursery.start_soon(create_chain, chain)
    return ids

"""Relation properties: one-way and two-way schemas, rollup resolution, and keeping both sides of a two-way
relation in step when one side is written."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sandbox.errors import validation
from sandbox.ids import maybe_id, new_property_id
from sandbox.records import DataSource, Page, Workspace

MAX_RELATION_WRITE = 100


def source_name(source: DataSource) -> str:
    return "".join(str(t.get("plain_text", "")) for t in source.title) or "Untitled"


def target_of(store: Workspace, config: dict[str, Any], path: str) -> DataSource:
    target_id = maybe_id(config.get("data_source_id"))
    if target_id is None and (database_id := maybe_id(config.get("database_id"))) is not None:
        database = store.databases.get(database_id)
        target_id = database.data_source_ids[0] if database and database.data_source_ids else None
    if target_id is None or target_id not in store.sources:
        raise validation(f"body failed validation: {path}.relation.data_source_id should be a data source.")
    return store.sources[target_id]


def _relation_config(target: DataSource, synced: tuple[str, str] | None) -> dict[str, Any]:
    config: dict[str, Any] = {"database_id": target.database_id, "data_source_id": target.id}
    if synced is None:
        config.update(type="single_property", single_property={})
    else:
        config.update(
            type="dual_property",
            dual_property={"synced_property_name": synced[0], "synced_property_id": synced[1]},
        )
    return config


def add_relation(
    store: Workspace, source: DataSource, name: str, target: DataSource, synced_name: str | None
) -> None:
    if name in source.properties:
        raise validation(f"A property named {name} already exists.")
    if synced_name is not None and (
        synced_name in target.properties or (target is source and synced_name == name)
    ):
        raise validation(f"A property named {synced_name} already exists.")
    prop_id = new_property_id({p["id"] for p in source.properties.values()})
    prop: dict[str, Any] = {"id": prop_id, "name": name, "description": None, "type": "relation"}
    if synced_name is None:
        prop["relation"] = _relation_config(target, None)
        source.properties[name] = prop
    else:
        taken = {p["id"] for p in target.properties.values()} | {prop_id}
        synced_id = new_property_id(taken)
        prop["relation"] = _relation_config(target, (synced_name, synced_id))
        source.properties[name] = prop
        target.properties[synced_name] = {
            "id": synced_id,
            "name": synced_name,
            "description": None,
            "type": "relation",
            "relation": _relation_config(source, (name, prop_id)),
        }
        target.reindex()
        store.mark("data_source", target)
    source.reindex()
    store.mark("data_source", source)


def resolve_rollup(store: Workspace, source: DataSource, prop: dict[str, Any]) -> None:
    """Fill in both names and ids of a rollup's relation and target property (ids decoded, as Notion)."""
    config = prop["rollup"]
    relation = source.find(str(config.get("relation_property_name") or config.get("relation_property_id")))
    if relation is None or relation["type"] != "relation":
        raise validation(f"Rollup {prop['name']} needs a relation property of this data source.")
    target = store.sources.get(relation["relation"]["data_source_id"])
    rolled = (
        target.find(str(config.get("rollup_property_name") or config.get("rollup_property_id")))
        if target
        else None
    )
    if rolled is None:
        raise validation(f"Rollup {prop['name']} needs a property of the related data source.")
    prop["rollup"] = {
        "rollup_property_name": rolled["name"],
        "relation_property_name": relation["name"],
        "rollup_property_id": unquote(rolled["id"]),
        "relation_property_id": unquote(relation["id"]),
        "function": config["function"],
    }


def check_targets(store: Workspace, prop: dict[str, Any], ids: list[str], path: str) -> None:
    """Every id must be a page of the relation's data source."""
    if len(ids) > MAX_RELATION_WRITE:
        raise validation(
            f"body failed validation: {path}.length should be ≤ `100`, instead was `{len(ids)}`."
        )
    target_id = prop["relation"]["data_source_id"]
    for page_id in ids:
        page = store.pages.get(page_id)
        if page is None or page.data_source_id != target_id:
            raise validation(
                f"Could not find page with ID: {page_id} in the data source of relation {prop['name']}. "
                "Make sure the relevant pages and databases are shared with your integration."
            )


def set_relation(
    store: Workspace, page: Page, source: DataSource, prop: dict[str, Any], ids: list[str], now: str
) -> None:
    """Point ``prop`` of ``page`` at ``ids``; a two-way relation adds/removes ``page`` on the other side."""
    old: list[str] = page.values.get(prop["id"], [])
    page.values[prop["id"]] = list(ids)
    config = prop["relation"]
    if config.get("type") != "dual_property":
        return
    target = store.sources.get(config["data_source_id"])
    if target is None:
        return
    synced = target.find(config["dual_property"]["synced_property_id"])
    if synced is None:
        return
    synced_id = synced["id"]
    kept = set(ids)
    for other_id in old:
        if other_id not in kept and (other := store.pages.get(other_id)) is not None:
            refs = other.values.get(synced_id, [])
            if page.id in refs:
                other.values[synced_id] = [r for r in refs if r != page.id]
                _touch(store, other, now)
    previous = set(old)
    for other_id in ids:
        if other_id in previous or (other := store.pages.get(other_id)) is None:
            continue
        refs = other.values.get(synced_id, [])
        if page.id not in refs:
            other.values[synced_id] = [*refs, page.id]
            _touch(store, other, now)


def _touch(store: Workspace, page: Page, now: str) -> None:
    page.last_edited_time = now
    store.mark("page", page)

"""Changing a data source's schema (``PATCH /v1/data_sources/{id}`` ``properties``): add, rename, describe,
reconfigure, retype and delete properties.

A property keeps its id through renames and changes. New relations are added before the rollups that read
them, whatever order the request gives. Status options can be added or updated (new ones join the To-do
group), not removed; changing a property to another type keeps its id and drops the values it had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox import relations
from sandbox.errors import body_invalid, validation
from sandbox.ids import new_id
from sandbox.records import DataSource
from sandbox.schema import build_property, property_type

if TYPE_CHECKING:
    from sandbox.store import SandboxStore


def apply_changes(store: SandboxStore, source: DataSource, changes: dict[str, Any]) -> None:
    def last_if_rollup(item: tuple[str, Any]) -> bool:
        change = item[1]
        return isinstance(change, dict) and ("rollup" in change or change.get("type") == "rollup")

    for key, change in sorted(changes.items(), key=last_if_rollup):
        _change(store, source, key, change)
    source.reindex()


def _change(store: SandboxStore, source: DataSource, key: str, change: Any) -> None:
    path = f"body.properties.{key}"
    prop = source.find(key)
    if prop is None:
        if change is None or (isinstance(change, dict) and set(change) <= {"name", "description"}):
            raise validation(f"{key} is not a property that exists.")
        store.add_property(source, key, change)
        return
    if change is None:
        if prop["type"] == "title":
            raise validation("Cannot delete the title property.")
        del source.properties[prop["name"]]
        source.reindex()
        return
    if not isinstance(change, dict):
        raise body_invalid(path, "an object or `null`", change)
    new_name = change.get("name")
    if new_name is not None and (not isinstance(new_name, str) or not new_name.strip()):
        raise body_invalid(f"{path}.name", "a non-empty string", new_name)
    if "description" in change:
        description = change["description"]
        if description is not None and not isinstance(description, str):
            raise body_invalid(f"{path}.description", "a string or `null`", description)
        prop["description"] = description
    if any(k not in ("name", "type", "description") for k in change):
        kind = property_type(change, path)
        if kind != prop["type"]:
            _retype(store, source, prop, change, kind, path)
        else:
            _reconfigure(store, source, prop, change, kind, path)
    if isinstance(new_name, str) and new_name != prop["name"]:
        _rename(source, prop, new_name)
    source.reindex()


def _rename(source: DataSource, prop: dict[str, Any], new_name: str) -> None:
    if new_name in source.properties:
        raise validation(f"A property named {new_name} already exists.")
    renamed = {new_name if name == prop["name"] else name: value for name, value in source.properties.items()}
    prop["name"] = new_name
    source.properties.clear()
    source.properties.update(renamed)


def _retype(
    store: SandboxStore,
    source: DataSource,
    prop: dict[str, Any],
    change: dict[str, Any],
    kind: str,
    path: str,
) -> None:
    if prop["type"] == "title" or kind == "title":
        raise validation("The title property cannot change type.")
    name, prop_id = prop["name"], prop["id"]
    if kind in ("relation", "rollup"):
        del source.properties[name]
        source.reindex()
        store.add_property(source, name, change)
        return
    rebuilt = build_property(name, change, set(), path)
    rebuilt["id"] = prop_id
    rebuilt["description"] = prop.get("description")
    prop.clear()
    prop.update(rebuilt)
    for page_id in store.pages_by_source.get(source.id, ()):
        page = store.pages[page_id]
        if page.values.pop(prop_id, None) is not None:
            store.mark("page", page)


def _reconfigure(
    store: SandboxStore,
    source: DataSource,
    prop: dict[str, Any],
    change: dict[str, Any],
    kind: str,
    path: str,
) -> None:
    if kind == "status":
        _status_options(prop, change.get("status"), f"{path}.status")
        return
    if kind == "relation":
        return
    rebuilt = build_property(prop["name"], change, set(), path)
    if kind in ("select", "multi_select"):
        old = {o["name"]: o for o in prop[kind]["options"]}
        rebuilt[kind]["options"] = [
            {**o, "id": old[o["name"]]["id"]} if o["name"] in old else o for o in rebuilt[kind]["options"]
        ]
    if kind == "rollup":
        relations.resolve_rollup(store, source, rebuilt)
    prop[kind] = rebuilt[kind]


def _status_options(prop: dict[str, Any], config: Any, path: str) -> None:
    """Add or update status options (by id or name); new ones join the first (To-do) group."""
    if not isinstance(config, dict):
        raise body_invalid(path, "an object", config)
    given = config.get("options") or []
    if not isinstance(given, list):
        raise body_invalid(f"{path}.options", "an array", given)
    status = prop["status"]
    for i, option in enumerate(given):
        if not isinstance(option, dict) or not (option.get("name") or option.get("id")):
            raise body_invalid(f"{path}.options[{i}].name", "a non-empty string", option)
        known = next(
            (o for o in status["options"] if o["id"] == option.get("id") or o["name"] == option.get("name")),
            None,
        )
        if known is None:
            known = {"id": new_id(), "name": option["name"], "color": "default", "description": None}
            status["options"].append(known)
            if status.get("groups"):
                status["groups"][0]["option_ids"].append(known["id"])
        for key in ("name", "color", "description"):
            if key in option:
                known[key] = option[key]

"""A page's property values as the API returns them, formulas and rollups computed.

`property_value` renders one property of one page (``{"id", "type", <type>: value}``); formulas read the
values of the page's other properties through `formula_input_of`, rollups the values of the related pages.
Computed properties nest (a formula over a rollup over a formula); MAX_DEPTH ends a cycle with an empty
value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.formula_eval import Context, formula_value, result_type
from sandbox.formula_values import Person, date_of
from sandbox.records import DataSource, Page
from sandbox.rich_text import plain_text
from sandbox.rollups import rollup_type, rollup_value
from sandbox.values import empty_value

if TYPE_CHECKING:
    from sandbox.store import SandboxStore

MAX_DEPTH = 4
# The property types whose value is not simply the stored one (or its type's empty value).
COMPUTED = frozenset({
    "relation", "formula", "rollup", "created_time", "last_edited_time", "created_by", "last_edited_by",
    "unique_id", "button", "verification",
})  # fmt: skip
UNVERIFIED = {"state": "unverified", "date": None, "verified_by": None}
# The formula type of each property type, as a formula reads it.
FORMULA_TYPES = {
    "title": "string", "rich_text": "string", "url": "string", "email": "string", "phone_number": "string",
    "select": "string", "status": "string", "number": "number", "checkbox": "boolean", "date": "date",
    "created_time": "date", "last_edited_time": "date", "multi_select": "list", "people": "list",
    "relation": "list", "files": "list", "created_by": "person", "last_edited_by": "person",
}  # fmt: skip


def property_value(
    store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any], depth: int
) -> dict[str, Any]:
    """One property in page-object shape: ``{"id", "type", <type>: value}``."""
    kind = prop["type"]
    out: dict[str, Any] = {"id": prop["id"], "type": kind}
    if kind not in COMPUTED:
        out[kind] = page.values.get(prop["id"], empty_value(kind))
    elif kind == "relation":
        refs = [{"id": pid} for pid in page.values.get(prop["id"], ()) if _alive(store, pid)]
        out["relation"] = refs
        out["has_more"] = False
    elif kind == "formula":
        out["formula"] = _formula(store, page, source, prop, depth)
    elif kind == "rollup":
        out["rollup"] = _rollup(store, page, source, prop, depth)
    elif kind == "created_time":
        out[kind] = page.created_time
    elif kind == "last_edited_time":
        out[kind] = page.last_edited_time
    elif kind in ("created_by", "last_edited_by"):
        out[kind] = store.user(getattr(page, kind) or store.bot_id)
    elif kind == "unique_id":
        out[kind] = page.values.get(prop["id"]) or {"prefix": prop["unique_id"].get("prefix"), "number": None}
    elif kind == "button":
        out[kind] = {}
    else:  # verification
        out[kind] = _verification(store, page.values.get(prop["id"]))
    return out


def _verification(store: SandboxStore, value: Any) -> dict[str, Any]:
    """A verification value, its verifier as a full user."""
    if not isinstance(value, dict):
        return dict(UNVERIFIED)
    verifier = value.get("verified_by")
    if isinstance(verifier, dict) and isinstance(verifier.get("id"), str):
        return {**value, "verified_by": store.user(verifier["id"])}
    return value


def _alive(store: SandboxStore, page_id: str) -> bool:
    other = store.pages.get(page_id)
    return other is not None and not other.in_trash


def formula_type(store: SandboxStore, source: DataSource, key: str, depth: int = 0) -> str:
    """The formula type of the property `key` (name or id) of `source`, as a formula reads it."""
    prop = source.find(key)
    if prop is None:
        return "unknown"
    kind = prop["type"]
    if kind == "formula":
        tree = source.formulas.get(prop["name"])
        if tree is None or depth > MAX_DEPTH:
            return "string"
        found = result_type(tree, lambda name: formula_type(store, source, name, depth + 1))
        return found if found in ("number", "string", "boolean", "date") else "string"
    if kind == "rollup":
        shown = rollup_type(str(prop["rollup"].get("function", "count")))
        return {"number": "number", "date": "date"}.get(shown, "list")
    if kind == "unique_id":
        return "string" if prop["unique_id"].get("prefix") else "number"
    return FORMULA_TYPES.get(kind, "unknown")


def _formula(store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any], depth: int) -> Any:
    tree = source.formulas.get(prop["name"])
    if depth > MAX_DEPTH:
        tree = None

    def lookup(name: str) -> Any:
        target = source.find(name)
        if target is None:
            raise KeyError(name)
        return formula_input_of(property_value(store, page, source, target, depth + 1))

    context = Context(lookup, page.id)
    return formula_value(tree, context, lambda name: formula_type(store, source, name, depth + 1))


def formula_input_of(value: dict[str, Any]) -> Any:
    """A property value (page-object shape) as a formula sees it."""
    kind = value["type"]
    inner = value[kind]
    if kind == "formula":
        shown = inner.get(inner.get("type", ""))
        return date_of(shown) if inner.get("type") == "date" else shown
    if kind == "rollup":
        shown = inner.get(inner.get("type", ""))
        if inner.get("type") == "array":
            return [formula_input_of({"id": "", **item}) for item in shown or []]
        return date_of(shown) if inner.get("type") == "date" else shown
    if kind == "relation":
        return [ref["id"] for ref in inner]
    if kind == "unique_id":
        return f"{inner['prefix']}-{inner['number']}" if inner.get("prefix") else inner.get("number")
    if kind in ("title", "rich_text"):
        return plain_text(inner)
    if kind in ("select", "status"):
        return inner["name"] if inner else ""
    if kind == "multi_select":
        return [option["name"] for option in inner]
    if kind in ("date", "created_time", "last_edited_time"):
        return date_of(inner)
    if kind in ("people", "created_by", "last_edited_by"):
        users = inner if isinstance(inner, list) else [inner]
        people = [_person(user) for user in users if isinstance(user, dict)]
        return people if kind == "people" else (people[0] if people else None)
    if kind == "files":
        return [item.get("name", "") for item in inner]
    if kind in ("url", "email", "phone_number"):
        return inner or ""
    if kind in ("button", "verification", "place"):
        return None
    return inner


def _person(user: dict[str, Any]) -> Person:
    email = (user.get("person") or {}).get("email", "") if isinstance(user.get("person"), dict) else ""
    return Person(str(user.get("id", "")), str(user.get("name") or ""), str(email or ""))


def rollup_items(
    store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any], depth: int = 0
) -> list[dict[str, Any]]:
    """The values a rollup rolls up: the rolled property of each related page, in property-item shape
    (``{"id", "type", <type>: value}``)."""
    config = prop["rollup"]
    relation = source.find(config.get("relation_property_id", "")) or source.find(
        config.get("relation_property_name", "")
    )
    if relation is None or relation["type"] != "relation" or depth > MAX_DEPTH:
        return []
    target = store.sources.get(relation["relation"]["data_source_id"])
    rolled = None
    if target is not None:
        rolled = target.find(config.get("rollup_property_id", "")) or target.find(
            config.get("rollup_property_name", "")
        )
    if target is None or rolled is None:
        return []
    items: list[dict[str, Any]] = []
    for other_id in page.values.get(relation["id"], ()):
        other = store.pages.get(other_id)
        if other is not None and not other.in_trash:
            items.append(property_value(store, other, target, rolled, depth + 1))
    return items


def _rollup(store: SandboxStore, page: Page, source: DataSource, prop: dict[str, Any], depth: int) -> Any:
    items = rollup_items(store, page, source, prop, depth)
    function = str(prop["rollup"].get("function", "count"))
    return rollup_value(
        function, [{"type": item["type"], item["type"]: item[item["type"]]} for item in items]
    )

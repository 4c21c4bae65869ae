"""What a recorded session shows of the workspace it ran in: the objects in its answers, the ones it created,
and the ids its requests refer to (with the kind of object each one is).

Ids are compared in their compact form (32 lower-case hex digits, `compact`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.sandbox.replay.recordings import Interaction

OBJECTS = ("page", "database", "data_source", "block", "comment", "user")
UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
UUID_IN_TEXT = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
# Keys whose value is the id of an object of a known kind.
ID_KEYS = {
    "page_id": "page",
    "database_id": "database",
    "data_source_id": "data_source",
    "block_id": "block",
    "discussion_id": "discussion",
    "after": "block",
    "user_id": "user",
}
COLLECTIONS = {
    "pages": "page",
    "databases": "database",
    "data_sources": "data_source",
    "blocks": "block",
    "users": "user",
    "comments": "comment",
}
CREATING = (
    ("POST", re.compile(r"^/v1/(pages|databases|data_sources|comments)/?$")),
    ("PATCH", re.compile(r"^/v1/blocks/[^/]+/children$")),
)


def compact(value: str) -> str:
    return value.replace("-", "").lower()


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID.match(value) is not None


def objects_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every API object (page, database, data source, block, comment, user) inside an answer."""
    if isinstance(value, dict):
        if value.get("object") in OBJECTS and is_uuid(value.get("id")):
            yield value
        for inner in value.values():
            yield from objects_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from objects_in(inner)


def _richness(obj: dict[str, Any]) -> int:
    return len(json.dumps(obj))


PRIMARY = ("page", "database", "data_source", "comment", "user", "block")


@dataclass
class Catalog:
    """Every object a source's recordings show, by compact id and kind (a page also shows as a `child_page`
    block, a database as a `child_database` block): the fullest version seen first."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def add(self, interaction: Interaction) -> None:
        shown = page_of_property_item(interaction)
        if shown is not None and compact(shown["id"]) not in self.objects:
            self.objects[compact(shown["id"])] = {"page": shown}
        for obj in objects_in(interaction.response):
            kinds = self.objects.setdefault(compact(obj["id"]), {})
            known = kinds.get(obj["object"])
            if known is None or _richness(obj) > _richness(known):
                kinds[obj["object"]] = obj

    def get(self, object_id: str, kind: str = "") -> dict[str, Any] | None:
        """The object with this id: of `kind` if given, else the primary one (a page before its block)."""
        kinds = self.objects.get(compact(object_id), {})
        if kind:
            return kinds.get(kind)
        return next((kinds[k] for k in PRIMARY if k in kinds and len(kinds[k]) > 2), None)


PROPERTY_ITEM = re.compile(r"^/v1/pages/([^/]+)/properties/([^/]+)$")


def page_of_property_item(interaction: Interaction) -> dict[str, Any] | None:
    """What a ``GET /v1/pages/{id}/properties/{property}`` answer shows of the page: a page object with that
    one property (named after its id) in a data source of its own."""
    match = PROPERTY_ITEM.match(interaction.path)
    answer = interaction.response
    if match is None or interaction.status != 200 or not isinstance(answer, dict) or not is_uuid(match[1]):
        return None
    if answer.get("object") == "list":
        described = answer.get("property_item") or {}
        kind = str(described.get("type", ""))
        items = [item.get(kind) for item in answer.get("results", [])]
        value = described.get(kind) if kind == "rollup" else items
        prop_id = described.get("id")
    else:
        kind = str(answer.get("type", ""))
        value, prop_id = answer.get(kind), answer.get("id")
    if not kind or not isinstance(prop_id, str):
        return None
    source = str(uuid.uuid5(uuid.NAMESPACE_URL, match[1]))
    database = str(uuid.uuid5(uuid.NAMESPACE_URL, source))
    return {
        "object": "page",
        "id": match[1],
        "parent": {"type": "data_source_id", "data_source_id": source, "database_id": database},
        "properties": {prop_id: {"id": prop_id, "type": kind, kind: value}},
        "synthesized": True,
    }


def created_in(session: list[Interaction]) -> set[str]:
    """The compact ids of the objects the session's own requests created (and the objects below them)."""
    made: set[str] = set()
    parents: dict[str, str] = {}
    for interaction in session:
        if interaction.status >= 400:
            continue
        for obj in objects_in(interaction.response):
            parent = obj.get("parent") if isinstance(obj.get("parent"), dict) else {}
            for key in ("page_id", "block_id", "database_id", "data_source_id"):
                if is_uuid(parent.get(key)):
                    parents.setdefault(compact(obj["id"]), compact(parent[key]))
        if any(interaction.method == m and p.match(interaction.path) for m, p in CREATING):
            answer = interaction.response
            if isinstance(answer, dict) and answer.get("object") == "list":
                made.update(compact(r["id"]) for r in answer.get("results", []) if is_uuid(r.get("id")))
            elif isinstance(answer, dict) and is_uuid(answer.get("id")):
                made.add(compact(answer["id"]))
                made.update(compact(d["id"]) for d in answer.get("data_sources", []) if is_uuid(d.get("id")))
                if (
                    is_uuid(answer.get("discussion_id"))
                    and interaction.body
                    and "discussion_id"
                    not in (interaction.body if isinstance(interaction.body, dict) else {})
                ):
                    made.add(compact(answer["discussion_id"]))
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in made and child not in made:
                made.add(child)
                changed = True
    return made


def references(interaction: Interaction) -> Iterator[tuple[str, str]]:
    """(compact id, kind) for every id the request refers to; kind is "" when the context does not say."""
    segments = interaction.path.strip("/").split("/")
    for at, segment in enumerate(segments):
        if is_uuid(segment):
            collection = segments[at - 1] if at else ""
            kind = COLLECTIONS.get(collection, "")
            if kind == "block" and segments[at + 1 : at + 2] == ["children"]:
                kind = _container_kind(interaction.response) or kind
            yield compact(segment), kind
    for match in UUID_IN_TEXT.finditer(interaction.query):
        yield compact(match.group(0)), "block" if "block_id=" in interaction.query else ""
    yield from _body_references(interaction.body, "")


def _container_kind(answer: Any) -> str:
    """Whether the children listed or appended in `answer` sit under a page or under a block."""
    results = answer.get("results") if isinstance(answer, dict) else None
    parent = results[0].get("parent") if isinstance(results, list) and results else None
    if isinstance(parent, dict):
        return {"page_id": "page", "block_id": "block"}.get(str(parent.get("type")), "")
    return ""


# The kind of an `{"id": …}` object by the key it sits under.
_ID_OWNERS = {
    "relation": "page",
    "page": "page",
    "database": "database",
    "people": "user",
    "user": "user",
    "file_upload": "file_upload",
    "template": "template",
}


def _body_references(value: Any, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            if is_uuid(inner):
                kind = _ID_OWNERS.get(key, "") if inner_key == "id" else ID_KEYS.get(inner_key, "")
                yield compact(inner), kind
            else:
                yield from _body_references(inner, inner_key)
    elif isinstance(value, list):
        for inner in value:
            yield from _body_references(inner, key)

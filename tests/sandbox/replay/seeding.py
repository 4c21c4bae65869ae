"""Laying down, in a sandbox store, the workspace a recorded session ran in, before replaying it.

Every object the session refers to or is shown, unless the session creates it itself, is put into the store
under its recorded id, as the recordings show it (`Catalog`); an object the recordings never show is stood in
for by a minimal one of the kind its context tells (a page under the workspace, a data source with a title
property...). Data sources known only from a page are rebuilt from the page's properties.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sandbox.records import Block, Comment, Database, DataSource, Page
from sandbox.rich_text import text_item
from sandbox.store import SandboxStore
from tests.sandbox.replay.catalog import Catalog, compact, is_uuid

STAMP = "2026-01-01T00:00:00.000Z"
# A formula whose value has the type a recorded value shows, when the expression itself is unknown.
STAND_IN_FORMULAS = {"number": "0", "string": '""', "boolean": "false", "date": "now()"}
WRITABLE_INNER = frozenset(
    {
        "title",
        "rich_text",
        "number",
        "select",
        "status",
        "multi_select",
        "date",
        "checkbox",
        "url",
        "email",
        "phone_number",
        "files",
        "people",
        "place",
        "verification",
        "unique_id",
    }
)


def dashed(object_id: str) -> str:
    return str(uuid.UUID(compact(object_id)))


class Seeder:
    """Puts objects into `store` by recorded id; skips the ids the session creates itself."""

    def __init__(self, store: SandboxStore, catalog: Catalog, created: set[str], local: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self.local = local
        self.created = created
        self.seen: set[str] = set()
        self.order: list[tuple[str, str]] = []

    def ensure(self, object_id: str, kind: str = "") -> None:
        key = compact(object_id)
        if key in self.created or key in self.seen:
            return
        obj = self.local.get(key)
        if obj is None or obj.get("synthesized"):
            obj = self.catalog.get(key) or obj
        kind = str(obj["object"]) if obj is not None else kind
        if kind not in ("page", "database", "data_source", "block", "comment", "user", "discussion"):
            return
        self.seen.add(key)
        getattr(self, f"_{kind}")(dashed(key), obj)

    def finish(self) -> None:
        """Put seeded pages and blocks into their parents' children, in the order they were seeded."""
        for kind, object_id in self.order:
            record = self.store.pages.get(object_id) if kind == "page" else self.store.blocks.get(object_id)
            parent = record.parent if record is not None else {}
            parent_id = parent.get("page_id") or parent.get("block_id")
            if not isinstance(parent_id, str):
                continue
            holder = self.store.pages.get(dashed(parent_id)) or self.store.blocks.get(dashed(parent_id))
            if holder is not None and object_id not in holder.children:
                holder.children.append(object_id)

    # ---------------------------------------------------------------- kinds

    def _user(self, object_id: str, obj: dict[str, Any] | None) -> None:
        if object_id not in self.store.users:
            self.store.users[object_id] = (
                copy.deepcopy(obj)
                if obj
                else {
                    "object": "user",
                    "id": object_id,
                    "name": "Someone",
                    "avatar_url": None,
                    "type": "person",
                    "person": {"email": "someone@example.com"},
                }
            )

    def _database(self, object_id: str, obj: dict[str, Any] | None) -> None:
        data = obj or {
            "title": [text_item("Stand-in")],
            "parent": {"type": "workspace", "workspace": True},
            "data_sources": [{"id": str(uuid.uuid4()), "name": "Stand-in"}],
        }
        database = Database(
            id=object_id,
            title=copy.deepcopy(data.get("title") or []),
            parent=copy.deepcopy(data.get("parent") or {"type": "workspace", "workspace": True}),
            created_time=data.get("created_time", STAMP),
            last_edited_time=data.get("last_edited_time", STAMP),
            data_source_ids=[],
            description=copy.deepcopy(data.get("description") or []),
            icon=copy.deepcopy(data.get("icon")),
            cover=copy.deepcopy(data.get("cover")),
            is_inline=bool(data.get("is_inline", False)),
        )
        self.store.databases[object_id] = database
        self.order.append(("database", object_id))
        for ref in data.get("data_sources") or []:
            self.ensure(ref["id"], "data_source")
            source = self.store.sources.get(dashed(ref["id"]))
            if source is not None and source.id not in database.data_source_ids:
                source.database_id = object_id
                database.data_source_ids.append(source.id)

    def _data_source(
        self, object_id: str, obj: dict[str, Any] | None, page: dict[str, Any] | None = None
    ) -> None:
        data = obj or {}
        parent = data.get("parent") or (page or {}).get("parent") or {}
        database_id = parent.get("database_id") if is_uuid(parent.get("database_id")) else None
        properties = copy.deepcopy(data.get("properties")) if obj else self._schema_of(page)
        source = DataSource(
            id=object_id,
            database_id=dashed(database_id) if database_id else str(uuid.uuid4()),
            title=copy.deepcopy(data.get("title") or [text_item("Stand-in")]),
            properties=properties,
            created_time=data.get("created_time", STAMP),
            last_edited_time=data.get("last_edited_time", STAMP),
            icon=copy.deepcopy(data.get("icon")),
            description=copy.deepcopy(data.get("description") or []),
        )
        source.reindex()
        self.store.sources[object_id] = source
        self.store.pages_by_source.setdefault(object_id, [])
        known = self.local.get(database_id) or self.catalog.get(database_id) if database_id else None
        if database_id and known is not None and known["object"] == "database":
            self.ensure(database_id, "database")
        if database_id:
            self.seen.add(compact(database_id))
        if source.database_id not in self.store.databases:
            parent = data.get("database_parent") or {"type": "workspace", "workspace": True}
            self._database(source.database_id, {"title": source.title, "parent": parent, "data_sources": []})
        holder = self.store.databases[source.database_id]
        if object_id not in holder.data_source_ids:
            holder.data_source_ids.append(object_id)
        for prop in source.properties.values():
            if prop["type"] == "relation" and is_uuid(prop["relation"].get("data_source_id")):
                self.ensure(prop["relation"]["data_source_id"], "data_source")

    def _schema_of(self, page: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
        if page is None:
            return {
                "Name": {"id": "title", "name": "Name", "description": None, "type": "title", "title": {}}
            }
        schema: dict[str, dict[str, Any]] = {}
        for name, value in (page.get("properties") or {}).items():
            kind = value["type"]
            prop: dict[str, Any] = {
                "id": value["id"],
                "name": name,
                "description": None,
                "type": kind,
                kind: {},
            }
            inner = value.get(kind)
            if kind in ("select", "status", "multi_select"):
                chosen = inner if isinstance(inner, list) else [inner] if isinstance(inner, dict) else []
                prop[kind] = {"options": [{**o, "description": None} for o in chosen]}
                if kind == "status":
                    prop[kind]["groups"] = []
            elif kind == "number":
                prop[kind] = {"format": "number"}
            elif kind == "formula":
                shown = inner.get("type", "string") if isinstance(inner, dict) else "string"
                prop[kind] = {"expression": STAND_IN_FORMULAS.get(shown, '""')}
            elif kind == "relation":
                prop[kind] = {
                    "database_id": str(uuid.uuid4()),
                    "data_source_id": str(uuid.uuid4()),
                    "type": "single_property",
                    "single_property": {},
                }
            elif kind == "rollup":
                function = inner.get("function", "count") if isinstance(inner, dict) else "count"
                prop[kind] = {
                    "function": function,
                    "relation_property_name": "",
                    "rollup_property_name": "",
                    "relation_property_id": "",
                    "rollup_property_id": "",
                }
            elif kind == "unique_id":
                prop[kind] = {"prefix": (inner or {}).get("prefix")}
            schema[name] = prop
        return schema

    def _page(self, object_id: str, obj: dict[str, Any] | None) -> None:
        data = obj or {
            "parent": {"type": "workspace", "workspace": True},
            "properties": {"title": {"id": "title", "type": "title", "title": [text_item("Stand-in")]}},
        }
        parent = copy.deepcopy(data.get("parent") or {"type": "workspace", "workspace": True})
        source: DataSource | None = None
        if is_uuid(parent.get("database_id")) and not is_uuid(parent.get("data_source_id")):
            # a page of a wiki database: its data source is only known from the page
            holder = self.local.get(parent["database_id"]) or self.catalog.get(parent["database_id"])
            sources = holder.get("data_sources") if holder else None
            first = sources[0]["id"] if sources else str(uuid.uuid5(uuid.NAMESPACE_URL, object_id))
            parent = {**parent, "data_source_id": first}
        if is_uuid(parent.get("data_source_id")):
            source_id = dashed(parent["data_source_id"])
            if compact(source_id) not in self.seen and self.catalog.get(source_id) is None:
                self.seen.add(compact(source_id))
                self._data_source(source_id, None, page=data)
            else:
                self.ensure(source_id, "data_source")
            source = self.store.sources.get(source_id)
        page = Page(
            id=object_id,
            seq=self.store.next_seq(),
            parent=copy.deepcopy(data.get("parent") or parent),
            data_source_id=source.id if source else None,
            created_time=data.get("created_time", STAMP),
            last_edited_time=data.get("last_edited_time", STAMP),
            values={},
            icon=copy.deepcopy(data.get("icon")),
            cover=copy.deepcopy(data.get("cover")),
            is_locked=bool(data.get("is_locked", False)),
        )
        self.store.pages[object_id] = page
        self.order.append(("page", object_id))
        if source is not None:
            self.store.pages_by_source.setdefault(source.id, []).append(object_id)
        if source is not None:
            self._widen(source, data)
        for name, value in (data.get("properties") or {}).items():
            self._value(page, source, name, value)
        for key in ("created_by", "last_edited_by"):
            user = data.get(key)
            if isinstance(user, dict) and is_uuid(user.get("id")):
                self.ensure(user["id"], "user")
                setattr(page, key, dashed(user["id"]))

    def _widen(self, source: DataSource, page: dict[str, Any]) -> None:
        """Give `source` the properties `page` shows that its recorded schema lacks (added later)."""
        missing = {
            name: value
            for name, value in (page.get("properties") or {}).items()
            if source.find(str(value.get("id", ""))) is None and name not in source.properties
        }
        if missing:
            source.properties.update(self._schema_of({"properties": missing}))
            source.reindex()

    def _value(self, page: Page, source: DataSource | None, name: str, value: dict[str, Any]) -> None:
        kind = value.get("type", "")
        inner = copy.deepcopy(value.get(kind))
        if source is None:
            if kind == "title":
                page.values["title"] = inner or []
            return
        prop = source.find(str(value.get("id", ""))) or source.find(name)
        if prop is None:
            return
        if kind == "relation":
            target = prop["relation"].get("data_source_id")
            ids = [dashed(ref["id"]) for ref in inner or [] if is_uuid(ref.get("id"))]
            for ref in ids:
                self._related_page(ref, target)
            page.values[prop["id"]] = ids
        elif kind in WRITABLE_INNER:
            page.values[prop["id"]] = inner
            for user in inner if kind == "people" and isinstance(inner, list) else []:
                if is_uuid(user.get("id")):
                    self.ensure(user["id"], "user")

    def _related_page(self, page_id: str, target: Any) -> None:
        key = compact(page_id)
        if key in self.created or key in self.seen:
            return
        if (
            self.catalog.get(key) is not None
            or not is_uuid(target)
            or dashed(target) not in self.store.sources
        ):
            self.ensure(key, "page")
            return
        self.seen.add(key)
        self.store.pages[page_id] = Page(
            page_id,
            self.store.next_seq(),
            {
                "type": "data_source_id",
                "data_source_id": dashed(target),
                "database_id": self.store.sources[dashed(target)].database_id,
            },
            dashed(target),
            STAMP,
            STAMP,
            {},
        )
        self.store.pages_by_source.setdefault(dashed(target), []).append(page_id)

    def _block(self, object_id: str, obj: dict[str, Any] | None) -> None:
        data = obj or {
            "type": "paragraph",
            "paragraph": {"rich_text": [], "color": "default", "icon": None},
            "parent": {"type": "workspace", "workspace": True},
        }
        kind = data["type"]
        if kind in ("child_page", "child_database"):
            title = [text_item(str(data[kind].get("title", "")))]
            if kind == "child_page":
                properties = {"title": {"id": "title", "type": "title", "title": title}}
                self._page(object_id, {"parent": data["parent"], "properties": properties})
            else:
                self._database(object_id, {"parent": data["parent"], "title": title, "data_sources": []})
            return
        block = Block(
            object_id,
            copy.deepcopy(data["parent"]),
            kind,
            copy.deepcopy(data.get(kind) or {}),
            data.get("created_time", STAMP),
            data.get("last_edited_time", STAMP),
        )
        self.store.blocks[object_id] = block
        self.order.append(("block", object_id))
        synced = block.content.get("synced_from") if kind == "synced_block" else None
        if isinstance(synced, dict) and is_uuid(synced.get("block_id")):
            self.ensure(synced["block_id"], "block")

    def _comment(self, object_id: str, obj: dict[str, Any] | None) -> None:
        if obj is None:
            return
        parent = copy.deepcopy(obj["parent"])
        target = parent.get("page_id") or parent.get("block_id")
        if is_uuid(target):
            self.ensure(target, "page" if "page_id" in parent else "block")
        self.store.comments[object_id] = Comment(
            object_id,
            parent,
            dashed(obj["discussion_id"]),
            obj.get("created_time", STAMP),
            obj.get("last_edited_time", STAMP),
            obj.get("created_by", {}).get("id", self.store.bot_id),
            copy.deepcopy(obj.get("rich_text") or []),
            copy.deepcopy(obj.get("display_name") or {}),
        )
        self.seen.add(compact(obj["discussion_id"]))

    def _discussion(self, object_id: str, obj: dict[str, Any] | None) -> None:
        page_id = str(uuid.uuid4())
        self._page(page_id, None)
        comment_id = str(uuid.uuid4())
        self.store.comments[comment_id] = Comment(
            comment_id,
            {"type": "page_id", "page_id": page_id},
            object_id,
            STAMP,
            STAMP,
            self.store.bot_id,
            [text_item("Stand-in")],
            {"type": "integration", "resolved_name": "Sandbox"},
        )

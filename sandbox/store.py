"""The sandbox workspace: databases, data sources, pages, blocks and comments (`sandbox.records`) kept in
memory and written through to SQLite, so a restart keeps the data.

All methods are synchronous and never yield: under trio, each call runs to completion between two requests,
which is what makes a request atomic. Writes are committed before the method returns (WAL,
``synchronous=NORMAL``), unless ``deferred_flush`` is set: then they are group-committed by whoever calls
:meth:`SandboxStore.flush` (the server does, every few milliseconds, and at shutdown). Either way a store
opened later in the same process on the same file sees every write made before: :meth:`SandboxStore.open`
flushes the open stores on that file first. SQLite checkpoints its log in the commit that makes it long,
unless :meth:`SandboxStore.checkpoint_in_background` hands that to a thread of its own (the server's store).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from sandbox import relations
from sandbox.checkpoint import INTERVAL, Checkpointer
from sandbox.errors import NotionError, not_found, validation
from sandbox.ids import Clock, iso_ms, new_id
from sandbox.records import Block, Comment, Database, DataSource, Page
from sandbox.rich_text import text_item
from sandbox.schema import build_property, property_type

DB_FILE = "sandbox.sqlite"
JOURNAL_LIMIT = 200_000
# Property types whose value reads other pages (or the clock): a page of a data source that has one is
# rendered again after any write; any other page only after a write to itself or to its data source.
READS_OTHERS = frozenset({"relation", "rollup", "formula"})
PEOPLE = (("Ada Operator", "ada@example.com"), ("Bo Approver", "bo@example.com"))
# SQLite file (resolved) -> the stores open on it in this process, so that a new opener can flush them first.
_OPEN: dict[str, weakref.WeakSet[SandboxStore]] = {}
_OPEN_LOCK = threading.Lock()


def _database_file(path: Path) -> Path:
    return path if path.suffix in (".sqlite", ".db", ".sqlite3") else path / DB_FILE


def flush_open_stores(path: Path) -> None:
    """Commit what the stores open in this process on the workspace at ``path`` have pending.

    Call it from the thread that uses those stores (under trio: the trio thread)."""
    with _OPEN_LOCK:
        stores = list(_OPEN.get(str(_database_file(path).resolve()), ()))
    for store in stores:
        store.flush()


class SandboxStore:
    """The workspace. Open it with :meth:`open`; close it with :meth:`close`."""

    def __init__(self, conn: sqlite3.Connection, file: str = "") -> None:
        self._conn = conn
        self._file = file
        self._db = sqlite_utils.Database(conn)
        self.clock = Clock()
        self.databases: dict[str, Database] = {}
        self.sources: dict[str, DataSource] = {}
        self.pages: dict[str, Page] = {}
        self.blocks: dict[str, Block] = {}
        self.comments: dict[str, Comment] = {}
        self.pages_by_source: dict[str, list[str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.bot_id = ""
        self.workspace_id = ""
        self.seq = 0
        self.query_lag_ms = 0
        self.generation = 0
        # page id -> (the render stamp it was rendered at, the full page object or None, its JSON text as a
        # response carries it or None; not both None): kept by `sandbox.render`, current while
        # `render_stamp` gives the same stamp.
        self.page_cache: dict[str, tuple[tuple[int, int, int], dict[str, Any] | None, str | None]] = {}
        # page or data source id -> a number that changes with each write to it (`mark`), and again when
        # the write ends (so that what was rendered in the middle of it is not kept).
        self.stamps: dict[str, int] = {}
        self._stamp = 0
        self._writing = 0
        self._written: set[str] = set()
        self._reads_others: dict[str, tuple[int, bool]] = {}
        # The ids of the pages marked changed, in order, from absolute position `journal_start` on: what
        # query indexes (`sandbox.query_upkeep`) catch up from. Cut when long; an index behind the cut
        # rebuilds.
        self.journal: list[str] = []
        self.journal_start = 0
        self._dirty: dict[str, tuple[str, Any]] = {}
        # When True, writes are committed by whoever calls flush() (the server does, every few ms:
        # group commit); when False (direct use), every operation commits before it returns.
        self.deferred_flush = False
        self._deleted: set[str] = set()
        self._closed = False
        self._saved_seq = 0
        self._checkpointer: Checkpointer | None = None

    # ---------------------------------------------------------------- lifecycle and persistence

    @classmethod
    def open(cls, path: Path, *, flush_open: bool = True) -> SandboxStore:
        """Open (creating if absent) the workspace in directory ``path`` (or the SQLite file ``path``).

        With ``flush_open`` (the default) the stores already open on it in this process commit what they
        have pending first, so this one sees it; pass False when opening from another thread than theirs
        (and call :func:`flush_open_stores` from their thread before)."""
        file = _database_file(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        if flush_open:
            flush_open_stores(path)
        conn = sqlite3.connect(str(file), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        key = str(file.resolve())
        store = cls(conn, key)
        store._load()
        with _OPEN_LOCK:
            _OPEN.setdefault(key, weakref.WeakSet()).add(store)
        return store

    @classmethod
    def open_memory(cls) -> SandboxStore:
        """A workspace kept in memory only (nothing survives `close`): for tools and tests."""
        store = cls(sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None))
        store._load()
        return store

    def close(self) -> None:
        """Commit what is pending and close the database (idempotent)."""
        with _OPEN_LOCK:
            peers = _OPEN.get(self._file)
            if peers is not None:
                peers.discard(self)
                if not peers:
                    del _OPEN[self._file]
        if self._closed:
            return
        self.flush()
        self._closed = True
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._conn.close()

    def _load(self) -> None:
        if "objects" not in self._db.table_names():
            self._db.table("objects").create({"id": str, "kind": str, "data": str}, pk="id")
            self._db.table("meta").create({"key": str, "value": str}, pk="key")
        meta = {row["key"]: row["value"] for row in self._db.table("meta").rows}
        self.bot_id = meta.get("bot_id") or new_id()
        self.workspace_id = meta.get("workspace_id") or new_id()
        self.seq = int(meta.get("seq", "0"))
        self._saved_seq = self.seq
        people = json.loads(meta["people"]) if "people" in meta else [[new_id(), n, e] for n, e in PEOPLE]
        if "bot_id" not in meta:
            self._save_meta(bot_id=self.bot_id, people=json.dumps(people), seq="0")
        if "workspace_id" not in meta:
            self._save_meta(workspace_id=self.workspace_id)
        self.users[self.bot_id] = {
            "object": "user",
            "id": self.bot_id,
            "name": "Sandbox Integration",
            "avatar_url": None,
            "type": "bot",
            "bot": {
                "owner": {"type": "workspace", "workspace": True},
                "workspace_name": "Sandbox",
                "workspace_id": self.workspace_id,
                "workspace_limits": {"max_file_upload_size_in_bytes": 5368709120},
            },
        }
        for user_id, name, email in people:
            self.users[user_id] = {
                "object": "user",
                "id": user_id,
                "name": name,
                "avatar_url": None,
                "type": "person",
                "person": {"email": email, "email_verified": True},
            }
        for row in self._conn.execute("SELECT kind, data FROM objects ORDER BY rowid"):
            kind, data = row[0], json.loads(row[1])
            if kind == "database":
                self.databases[data["id"]] = Database.from_json(data)
            elif kind == "data_source":
                self.sources[data["id"]] = DataSource.from_json(data)
            elif kind == "page":
                page = Page.from_json(data)
                self.pages[page.id] = page
                self.clock.observe(page.last_edited_time)
            elif kind == "block":
                block = Block.from_json(data)
                self.blocks[block.id] = block
            elif kind == "comment":
                comment = Comment.from_json(data)
                self.comments[comment.id] = comment
        for page in sorted(self.pages.values(), key=lambda p: p.seq):
            if page.data_source_id is not None:
                self.pages_by_source.setdefault(page.data_source_id, []).append(page.id)

    def _save_meta(self, **values: str) -> None:
        self._conn.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [(k, v) for k, v in values.items()]
        )

    def mark(self, kind: str, record: Any) -> None:
        """Remember ``record`` as changed; it is written at the next :meth:`flush` (and a page is journalled
        for the query indexes). Every change to a record goes through here."""
        self._dirty[record.id] = (kind, record)
        if kind in ("page", "data_source"):
            self._stamp += 1
            self.stamps[record.id] = self._stamp
            if self._writing:
                self._written.add(record.id)
        if kind == "page":
            if len(self.journal) >= JOURNAL_LIMIT:
                self.journal_start += len(self.journal)
                self.journal = []
            self.journal.append(record.id)

    @property
    def journal_end(self) -> int:
        """The absolute position after the last journalled page."""
        return self.journal_start + len(self.journal)

    @property
    def pending(self) -> int:
        """How many changed records wait for the next :meth:`flush`."""
        return len(self._dirty)

    def flush(self) -> None:
        """Commit every record changed since the last flush, in one transaction."""
        if not self._dirty or self._closed:
            return
        rows = [(rid, kind, json.dumps(rec.to_json())) for rid, (kind, rec) in self._dirty.items()]
        self._conn.execute("BEGIN")
        try:
            self._conn.executemany("INSERT OR REPLACE INTO objects(id, kind, data) VALUES (?, ?, ?)", rows)
            if self.seq != self._saved_seq:
                self._conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('seq', ?)", (str(self.seq),)
                )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise  # what was pending stays pending
        self._dirty.clear()
        self._saved_seq = self.seq
        if self._checkpointer is not None:
            self._checkpointer.committed()

    @property
    def checkpointer(self) -> Checkpointer | None:
        """The thread that checkpoints the SQLite log, once `checkpoint_in_background` started it."""
        return self._checkpointer

    def checkpoint_in_background(self, interval: float = INTERVAL) -> Checkpointer:
        """From now on, commits never checkpoint the SQLite log: a thread of its own does, every `interval`
        seconds in which something was committed (`sandbox.checkpoint`), until the store closes. For a
        store on a file (the server's), once."""
        if not self._file or self._closed or self._checkpointer is not None:
            raise ValueError("checkpoint_in_background: a store on a file, open, once")
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = Checkpointer(self._file, interval)
        return self._checkpointer

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Group the changes of one operation: they invalidate rendered pages and are committed together."""
        self.generation += 1
        self._writing += 1
        try:
            yield
        finally:
            self.generation += 1
            self._writing -= 1
            if self._written:
                self._stamp += 1
                for record_id in self._written:
                    self.stamps[record_id] = self._stamp
                if not self._writing:
                    self._written.clear()
            if not self.deferred_flush:
                self.flush()

    # ---------------------------------------------------------------- rendered pages

    def render_stamp(self, page: Page) -> tuple[int, int, int]:
        """What a rendered page object of ``page`` depends on: its own writes, its data source's, and (for
        a data source with a property that reads other pages or the clock) every write (`generation`)."""
        source_id = page.data_source_id
        source = self.sources.get(source_id) if source_id else None
        if source is None:
            return self.stamps.get(page.id, 0), 0, -1
        schema = self.stamps.get(source.id, 0)
        known = self._reads_others.get(source.id)
        if known is None or known[0] != schema:
            known = schema, any(prop["type"] in READS_OTHERS for prop in source.properties.values())
            self._reads_others[source.id] = known
        return self.stamps.get(page.id, 0), schema, self.generation if known[1] else -1

    def cached_page(self, page: Page) -> dict[str, Any] | None:
        """The full page object rendered for ``page`` (`sandbox.render.full_page`), if nothing it depends on
        was written since; else None (also when only its JSON text was kept: `sandbox.render.page_texts`)."""
        cached = self.page_cache.get(page.id)
        if cached is None or cached[1] is None or cached[0] != self.render_stamp(page):
            return None
        return cached[1]

    def now(self) -> str:
        return iso_ms(self.clock.now_ms())

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def user(self, user_id: str) -> dict[str, Any]:
        return self.users.get(user_id) or {"object": "user", "id": user_id}

    def bot_ref(self) -> dict[str, Any]:
        return {"object": "user", "id": self.bot_id}

    # ---------------------------------------------------------------- databases and data sources

    def create_database(
        self,
        title: str | list[dict[str, Any]],
        *,
        parent: dict[str, Any] | None = None,
        icon: Any = None,
        cover: Any = None,
        description: list[dict[str, Any]] | None = None,
        is_inline: bool = False,
    ) -> str:
        """A new database (without data sources) under ``parent`` (default: the workspace); its id."""
        rich = [text_item(title)] if isinstance(title, str) else title
        now = self.now()
        database = Database(
            id=new_id(),
            title=rich,
            parent=parent or {"type": "workspace", "workspace": True},
            created_time=now,
            last_edited_time=now,
            data_source_ids=[],
            description=description or [],
            icon=icon,
            cover=cover,
            is_inline=is_inline,
        )
        with self.writing():
            self.databases[database.id] = database
            self.mark("database", database)
        return database.id

    def database(self, database_id: str) -> Database:
        database = self.databases.get(database_id)
        if database is None:
            raise not_found("database", database_id)
        return database

    def source(self, data_source_id: str) -> DataSource:
        source = self.sources.get(data_source_id)
        if source is None:
            raise not_found("data_source", data_source_id)
        return source

    def create_data_source(
        self,
        database_id: str,
        title: str | list[dict[str, Any]],
        properties: dict[str, dict[str, Any]],
        *,
        icon: Any = None,
    ) -> str:
        """A new data source in ``database_id`` with ``properties`` (response shape without ids, or the
        request shape); exactly one title property is required. Its id."""
        database = self.database(database_id)
        if not isinstance(properties, dict):
            raise validation("body failed validation: body.properties should be an object.")
        kinds = {name: property_type(spec, f"body.properties.{name}") for name, spec in properties.items()}
        if list(kinds.values()).count("title") != 1:
            raise validation("Data source must have exactly one title property.")
        now = self.now()
        source = DataSource(
            id=new_id(),
            database_id=database.id,
            title=[text_item(title)] if isinstance(title, str) else title,
            properties={},
            created_time=now,
            last_edited_time=now,
            icon=icon,
        )
        deferred: dict[str, dict[str, Any]] = {}
        for name, spec in properties.items():
            if kinds[name] in ("relation", "rollup"):
                deferred[name] = spec
                continue
            taken = {p["id"] for p in source.properties.values()}
            source.properties[name] = build_property(name, spec, taken, f"body.properties.{name}")
        source.reindex()
        with self.writing():
            self.sources[source.id] = source
            self.pages_by_source[source.id] = []
            database.data_source_ids.append(source.id)
            # relations before the rollups that read them, whatever order the request gives
            for name, spec in sorted(deferred.items(), key=lambda item: kinds[item[0]] == "rollup"):
                self.add_property(source, name, spec)
            self.mark("database", database)
            self.mark("data_source", source)
        return source.id

    def add_property(self, source: DataSource, name: str, spec: dict[str, Any]) -> None:
        """Add one property of any type (relation and rollup included) to ``source``."""
        path = f"body.properties.{name}"
        kind = property_type(spec, path)
        if name in source.properties:
            raise validation(f"A property named {name} already exists.")
        if kind == "relation":
            config = spec.get("relation")
            if not isinstance(config, dict):
                raise validation(f"body failed validation: {path}.relation should be an object.")
            target = relations.target_of(self, config, path)
            synced: str | None = None
            if config.get("type") == "dual_property" or "dual_property" in config:
                dual = config.get("dual_property") or {}
                synced = dual.get("synced_property_name") if isinstance(dual, dict) else None
                if not isinstance(synced, str) or not synced:
                    synced = f"Related to {relations.source_name(source)} ({name})"
            relations.add_relation(self, source, name, target, synced)
            return
        taken = {p["id"] for p in source.properties.values()}
        prop = build_property(name, spec, taken, path)
        if kind == "rollup":
            relations.resolve_rollup(self, source, prop)
        source.properties[name] = prop
        source.reindex()
        self.mark("data_source", source)

    def add_relation(
        self,
        data_source_id: str,
        property_name: str,
        target_data_source_id: str,
        *,
        synced_property_name: str | None = None,
    ) -> None:
        """A relation property; two-way (with the synced property created on the target) when
        ``synced_property_name`` is given. Self-relations are allowed."""
        with self.writing():
            relations.add_relation(
                self,
                self.source(data_source_id),
                property_name,
                self.source(target_data_source_id),
                synced_property_name,
            )

    def counts(self) -> dict[str, int]:
        """Pages (not in trash) per data source title."""
        out: dict[str, int] = {}
        for source_id, page_ids in self.pages_by_source.items():
            source = self.sources[source_id]
            name = "".join(t.get("plain_text", "") for t in source.title)
            out[name] = out.get(name, 0) + sum(1 for pid in page_ids if not self.pages[pid].in_trash)
        return out

    def visible_rows(self, source: DataSource) -> list[Page]:
        """The pages a query may see: not in trash, and created at least ``query_lag_ms`` ago."""
        horizon = int(time.time() * 1000) - self.query_lag_ms if self.query_lag_ms > 0 else None
        pages = (self.pages[pid] for pid in self.pages_by_source.get(source.id, ()))
        if horizon is None:
            return [p for p in pages if not p.in_trash]
        return [p for p in pages if not p.in_trash and p.created_ms <= horizon]


__all__ = ["NotionError", "SandboxStore"]

"""The records the sandbox keeps: databases, data sources, pages, blocks and comments, as stored (JSON-able).

They sit below the store and the routes: the store holds them, the operations in `pages`, `blocks`,
`relations` and `comments` change them, `render` turns them into API objects. `Workspace` is what an
operation needs of the store (the records by id, and `mark` to have a changed record written), so that the
modules below the store never import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

from sandbox.errors import NotionError
from sandbox.formula_syntax import Node, parse_formula
from sandbox.ids import parse_ms


@dataclass
class Database:
    id: str
    title: list[dict[str, Any]]
    parent: dict[str, Any]
    created_time: str
    last_edited_time: str
    data_source_ids: list[str]
    description: list[dict[str, Any]] = field(default_factory=list)
    icon: Any = None
    cover: Any = None
    is_inline: bool = False
    in_trash: bool = False
    is_locked: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Database:
        return cls(**data)


@dataclass
class DataSource:
    """A data source; `properties` are kept in response shape, keyed by name."""

    id: str
    database_id: str
    title: list[dict[str, Any]]
    properties: dict[str, dict[str, Any]]
    created_time: str
    last_edited_time: str
    icon: Any = None
    in_trash: bool = False
    counters: dict[str, int] = field(default_factory=dict)
    description: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, str] = field(default_factory=dict, repr=False)
    formulas: dict[str, Node] = field(default_factory=dict, repr=False)

    def reindex(self) -> None:
        """Rebuild the id → name map (encoded and decoded ids) and the parsed formulas (a formula that does
        not parse, e.g. one stored by an older sandbox, is left out and reads as empty)."""
        self.by_id = {}
        self.formulas = {}
        for name, prop in self.properties.items():
            self.by_id[prop["id"]] = name
            self.by_id[unquote(prop["id"])] = name
            if prop["type"] == "formula":
                try:
                    self.formulas[name] = parse_formula(str(prop["formula"].get("expression", "")))
                except NotionError:
                    continue

    def find(self, key: str) -> dict[str, Any] | None:
        """A property by name or id (URL-encoded or not)."""
        prop = self.properties.get(key)
        if prop is None and key in self.by_id:
            prop = self.properties[self.by_id[key]]
        return prop

    def title_property(self) -> str:
        return next(name for name, prop in self.properties.items() if prop["type"] == "title")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "database_id": self.database_id,
            "title": self.title,
            "properties": self.properties,
            "created_time": self.created_time,
            "last_edited_time": self.last_edited_time,
            "icon": self.icon,
            "in_trash": self.in_trash,
            "counters": self.counters,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataSource:
        source = cls(**data)
        source.reindex()
        return source


@dataclass
class Page:
    id: str
    seq: int
    parent: dict[str, Any]
    data_source_id: str | None
    created_time: str
    last_edited_time: str
    values: dict[str, Any]
    icon: Any = None
    cover: Any = None
    in_trash: bool = False
    is_locked: bool = False
    children: list[str] = field(default_factory=list)
    # who created and last edited the page ("": the integration's bot)
    created_by: str = ""
    last_edited_by: str = ""

    @property
    def created_ms(self) -> int:
        return parse_ms(self.created_time)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Page:
        return cls(**data)


@dataclass
class Block:
    id: str
    parent: dict[str, Any]
    type: str
    content: dict[str, Any]
    created_time: str
    last_edited_time: str
    in_trash: bool = False
    children: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(**data)


@dataclass
class Comment:
    """A comment on a page or a block, in a discussion thread."""

    id: str
    parent: dict[str, Any]
    discussion_id: str
    created_time: str
    last_edited_time: str
    created_by: str
    rich_text: list[dict[str, Any]]
    display_name: dict[str, Any] = field(default_factory=dict)
    in_trash: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Comment:
        return cls(**data)


Record = Database | DataSource | Page | Block | Comment


class Workspace(Protocol):
    """What the operations on records need of the store."""

    databases: dict[str, Database]
    sources: dict[str, DataSource]
    pages: dict[str, Page]
    blocks: dict[str, Block]

    def mark(self, kind: str, record: Any) -> None:
        """Have `record` (of `kind`: database, data_source, page, block, comment) written."""

"""Generated records before they become pages: Notion request values plus relations by local key."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sandbox.demo.schemas import LOGICAL_NAMES

Properties = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Record:
    """One page to create: `properties` in Notion's request shape, `relations` by local record key."""

    key: str
    database: str
    properties: Properties
    relations: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """The plain text of a title or rich_text property ('' when empty or absent)."""
        value = self.properties.get(name, {})
        parts: list[dict[str, Any]] = value.get("title") or value.get("rich_text") or []
        return "".join(part["text"]["content"] for part in parts)

    def option(self, name: str) -> str | None:
        """The option name of a select or status property (None when empty or absent)."""
        value = self.properties.get(name, {})
        chosen = value.get("select", value.get("status"))
        return None if chosen is None else str(chosen["name"])

    def number(self, name: str) -> float | None:
        value = self.properties.get(name, {}).get("number")
        return None if value is None else float(value)

    def date_range(self, name: str) -> tuple[str, str | None] | None:
        value = self.properties.get(name, {}).get("date")
        return None if value is None else (str(value["start"]), value.get("end"))

    def refs(self, name: str) -> tuple[str, ...]:
        return self.relations.get(name, ())


@dataclass(frozen=True)
class DemoData:
    """The whole generated workspace for one month: records in creation-safe order per database."""

    month: str
    records: tuple[Record, ...]

    def of(self, database: str) -> list[Record]:
        return [record for record in self.records if record.database == database]

    def by_key(self) -> dict[str, Record]:
        return {record.key: record for record in self.records}

    def counts(self) -> dict[str, int]:
        counted = Counter(record.database for record in self.records)
        return {name: counted.get(name, 0) for name in LOGICAL_NAMES}

    def canonical_json(self) -> str:
        """A stable text of every record, for comparing two generations byte for byte."""
        rows = [
            {"key": r.key, "database": r.database, "properties": r.properties, "relations": r.relations}
            for r in self.records
        ]
        return json.dumps({"month": self.month, "records": rows}, sort_keys=True, ensure_ascii=False)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)


def title(text: str) -> dict[str, Any]:
    return {"title": _rich(text)}


def text(content: str) -> dict[str, Any]:
    return {"rich_text": _rich(content)}


def select(name: str | None) -> dict[str, Any]:
    return {"select": None if name is None else {"name": name}}


def status(name: str) -> dict[str, Any]:
    return {"status": {"name": name}}


def multi_select(names: list[str]) -> dict[str, Any]:
    return {"multi_select": [{"name": name} for name in names]}


def number(value: float | None) -> dict[str, Any]:
    return {"number": value}


def email(address: str) -> dict[str, Any]:
    return {"email": address}


def when(start: date, end: date | None = None) -> dict[str, Any]:
    return {"date": {"start": start.isoformat(), "end": None if end is None else end.isoformat()}}


def relation_value(ids: list[str]) -> dict[str, Any]:
    return {"relation": [{"id": page_id} for page_id in ids]}


def _rich(content: str) -> list[dict[str, Any]]:
    if not content:
        return []
    chunks = [content[i : i + 2000] for i in range(0, len(content), 2000)]
    return [{"type": "text", "text": {"content": chunk}} for chunk in chunks]


def resolve(record: Record, ids: Mapping[str, str]) -> Properties:
    """The request properties of `record` with its relations turned into page ids."""
    properties = dict(record.properties)
    for name, keys in record.relations.items():
        properties[name] = relation_value([ids[key] for key in keys])
    return properties

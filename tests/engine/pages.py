"""Notion-shaped page objects for pure planner tests (the shapes of notion-reference/property-values.json)."""

from __future__ import annotations

from typing import Any

from engine.workspace.config import LOGICAL_DATABASES, Config, NotionSettings


def config() -> Config:
    return Config(notion=NotionSettings(), data_sources={n: f"ds-{n}" for n in LOGICAL_DATABASES})


def title(text: str) -> dict[str, Any]:
    return {"type": "title", "title": [{"type": "text", "plain_text": text, "text": {"content": text}}]}


def rich(text: str) -> dict[str, Any]:
    return {
        "type": "rich_text",
        "rich_text": [{"type": "text", "plain_text": text, "text": {"content": text}}],
    }


def status(name: str | None) -> dict[str, Any]:
    return {"type": "status", "status": {"name": name, "color": "default"} if name else None}


def select(name: str | None) -> dict[str, Any]:
    return {"type": "select", "select": {"name": name, "color": "default"} if name else None}


def number(value: float | None) -> dict[str, Any]:
    return {"type": "number", "number": value}


def date(start: str | None, end: str | None = None) -> dict[str, Any]:
    return {"type": "date", "date": {"start": start, "end": end, "time_zone": None} if start else None}


def relation(*ids: str, has_more: bool = False) -> dict[str, Any]:
    return {"type": "relation", "relation": [{"id": i} for i in ids], "has_more": has_more}


def page(page_id: str, **properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "page",
        "id": page_id,
        "properties": {k.replace("_", " "): v for k, v in properties.items()},
    }

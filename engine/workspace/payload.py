"""Notion properties payloads from plain values, shaped as the workspace's schema says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.workspace import props
from engine.workspace.config import Config
from engine.workspace.schema import NEEDS


def payload(config: Config, logical: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A Notion properties payload from {default property name: plain value}, shaped by the property's
    type (schema.NEEDS) and named as the workspace names it. None values are left out; a relation
    takes page ids or `{"$step": KEY}` references."""
    written: dict[str, Any] = {}
    for default, value in values.items():
        if value is None:
            continue
        kind = NEEDS[logical][default].type
        if kind in ("title", "rich_text"):
            encoded = props.write_text(str(value), kind)
        elif kind in ("select", "status"):
            encoded = props.write_option(kind, str(value))
        elif kind == "number":
            encoded = props.write_number(value)
        elif kind == "date":
            encoded = props.write_date(str(value))
        elif kind == "relation":
            encoded = {"relation": [{"id": v} if isinstance(v, str) else dict(v) for v in value]}
        else:  # pragma: no cover - NEEDS holds no other type that paydesk writes
            raise ValueError(f"cannot write a {kind} property")
        written[config.prop(logical, default)] = encoded
    return written

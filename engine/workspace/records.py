"""Reading records the way every job kind reads them: the first page a relation links, a contractor's
name, and whether a name is the one a `--contractor` asked for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.workspace import props
from engine.workspace.config import Config

Page = Mapping[str, Any]


def first_relation(page: Page, config: Config, logical: str, name: str) -> str | None:
    """The first page id relation `name` (a default property name of `logical`) links, or None."""
    ids, _ = props.relation(page, config.prop(logical, name))
    return ids[0] if ids else None


def contractor_name(contractor_id: str | None, contractors: Mapping[str, Page], config: Config) -> str:
    """The contractor's Full Name ("" when the contractor is unknown)."""
    page = contractors.get(contractor_id or "")
    return props.title(page, config.prop("contractors", "Full Name")) if page else ""


def wanted(name: str, contractor: str | None) -> bool:
    """Whether a contractor called `name` is selected by `contractor` (None: every contractor)."""
    return contractor is None or name.casefold() == contractor.strip().casefold()

"""Plans: what a job will write, decided before anything is written.

A plan is a pure value: items, each a small tree of steps (children first), plus the items skipped with
their reasons. Execution runs exactly the stored plan. A step is one record write with a deterministic
key; it is set-to-value, so writing it twice is harmless, and it is skipped when the record already
holds the target value.

A plan is only as fresh as the workspace it was read from, so a step also carries what it assumed: the
values its target held (`expect`), the pages its write was computed from (`inputs`, with the time each was
last edited), the record that made it necessary (`source`, with the query that must still find it) and,
for a parent, the children its write stands on (`children`). `engine.run.freshness` checks all of it against
the workspace as it is now before the write is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CREATED = "created"


@dataclass(frozen=True)
class Input:
    """A page a step's write was computed from, as the planner saw it."""

    page: str
    logical: str
    edited: str  # its last_edited_time when planned ("" when unknown)


@dataclass(frozen=True)
class Source:
    """The record a create exists for; it must still be among the pages `filter` finds in `logical`."""

    page: str
    logical: str
    filter: Mapping[str, Any]


@dataclass(frozen=True)
class ChildLink:
    """The children a parent's write stands on: the pages its `relation` links, each of which must hold
    one of `accepted` in `property` (a `kind` property: status or select) before the parent is written.
    `planned` is what each linked page held when planned."""

    relation: str
    logical: str
    property: str
    kind: str
    accepted: tuple[str, ...]
    planned: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One record write.

    An update sets `property` of page `target` (and whatever else `write` holds) to `after`.
    A create makes a page in data source `logical` from `write`; its `target` is the source key it is
    guarded by (unique in the job), `before` is None and `after` is "created". Before a create is sent
    again after an uncertain outcome (a timeout, a dropped connection, a crash), `lookup` — a Notion
    filter on that data source — is queried for a page the earlier attempt may have made.
    In `write`, a relation reference `{"$step": KEY}` stands for the page that create step KEY made
    (KEY must be in `depends_on`).
    """

    key: str  # deterministic: "<logical>:<page>:<property>=<value>", or "<logical>:create:<source key>"
    kind: str  # "update" or "create"
    logical: str  # which data source (contractors, payables, …)
    target: str  # the page id (for a create: the source key it is guarded by)
    property: str  # the property compared to decide "already at target" ("" for a create)
    before: Any  # its value when planned (None for a create)
    after: Any  # the target value ("created" for a create)
    write: Mapping[str, Any]  # the properties payload sent to Notion
    label: str
    depends_on: tuple[str, ...] = ()
    lookup: Mapping[str, Any] | None = None  # for a create: the filter that finds its page
    expect: Mapping[str, Any] = field(default_factory=dict)  # written property -> its value when planned
    inputs: tuple[Input, ...] = ()
    source: Source | None = None
    children: tuple[ChildLink, ...] = ()

    def at_target(self, current: Any) -> bool:
        return bool(current == self.after)


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    kind: str
    steps: tuple[Step, ...]
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skip:
    key: str
    label: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Plan:
    items: tuple[Item, ...]
    skips: tuple[Skip, ...]
    totals: Mapping[str, Decimal]  # currency -> amount moved by the plan (exact, see workspace.money)
    reads: int  # requests the preload took

    @property
    def steps(self) -> list[Step]:
        return [step for item in self.items for step in item.steps]

    def writes_needed(self) -> int:
        return sum(1 for step in self.steps if not step.at_target(step.before))

    def estimate(self, rate: float) -> dict[str, float]:
        """Requests still to send and the seconds they take at `rate` requests per second."""
        writes = self.writes_needed()
        return {"requests": writes, "seconds": round(writes / rate, 1) if rate > 0 else 0.0}


def step_key(logical: str, page: str, prop: str, value: Any) -> str:
    return f"{logical}:{page}:{prop}={value}"

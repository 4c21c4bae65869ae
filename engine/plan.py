"""Plans: what a job will write, decided before anything is written.

A plan is a pure value: items, each a small tree of steps (children first), plus the items skipped with
their reasons. Execution runs exactly the stored plan. A step is one record write with a deterministic
key; it is set-to-value, so writing it twice is harmless, and it is skipped when the record already
holds the target value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CREATED = "created"


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
    totals: Mapping[str, float]  # currency -> amount moved by the plan
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

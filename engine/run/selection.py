"""What a job selects, and when two selections overlap.

A selection names a job's kind (and payout type), and optionally a month, a payday batch, a contractor and
a set of invoice ids; a missing one means "any". Two selections overlap unless some dimension tells them
apart (another month, the other batch, another contractor, disjoint invoice ids): a whole batch and one
contractor of it overlap. It is stored as the job's `selection_key` (canonical JSON); keys written before
selections were structured compare by equality.

Overlapping jobs never run at once (`lock_names`: shared and exclusive locks from the kind down to the
batch, so a month-wide job excludes each of its batches), and a dry run's plan is refused once an
overlapping job has run after it was made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Selection:
    kind: str  # "commit", "generate:refund", "sync", …
    month: str | None = None
    batch: int | None = None
    contractor: str | None = None  # compared ignoring case
    invoices: frozenset[str] | None = None

    @property
    def key(self) -> str:
        data: dict[str, Any] = {
            "kind": self.kind,
            "month": self.month,
            "batch": self.batch,
            "contractor": self.contractor or None,
            "invoices": sorted(self.invoices) if self.invoices is not None else None,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def overlaps(self, other: Selection) -> bool:
        if self.kind != other.kind:
            return False
        if self.month and other.month and self.month != other.month:
            return False
        if self.batch and other.batch and self.batch != other.batch:
            return False
        mine, theirs = self.contractor, other.contractor
        if mine and theirs and mine.casefold() != theirs.casefold():
            return False
        return not (
            self.invoices is not None and other.invoices is not None and not self.invoices & other.invoices
        )

    def describe(self) -> str:
        parts = [self.kind.replace(":", " ")]
        if self.month:
            parts.append(self.month)
        if self.batch:
            parts.append(f"batch {self.batch}")
        if self.contractor:
            parts.append(f"contractor {self.contractor}")
        if self.invoices is not None:
            parts.append(f"invoices {', '.join(sorted(self.invoices))}")
        return " ".join(parts)


def parse_selection(key: str) -> Selection | None:
    """The selection stored as `key`, or None for a key written before selections were structured."""
    try:
        data = json.loads(key)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return None
    invoices = data.get("invoices")
    batch = data.get("batch")
    return Selection(
        kind=data["kind"],
        month=data.get("month") if isinstance(data.get("month"), str) else None,
        batch=batch if isinstance(batch, int) else None,
        contractor=data.get("contractor") if isinstance(data.get("contractor"), str) else None,
        invoices=frozenset(str(i) for i in invoices) if isinstance(invoices, list) else None,
    )


def keys_overlap(a: str, b: str) -> bool:
    """Whether two stored selection keys overlap (equality for keys of the older form)."""
    first, second = parse_selection(a), parse_selection(b)
    if first is None or second is None:
        return a == b
    return first.overlaps(second)


def lock_names(key: str) -> list[tuple[str, bool]]:
    """(lock name, exclusive) pairs a job on selection `key` holds while it runs, in a fixed order. A
    narrower selection holds the wider levels shared and its own level exclusive, so that any two
    overlapping selections meet on one lock that at least one of them holds exclusively (contractors and
    invoice ids are not told apart: such jobs wait for each other)."""
    selection = parse_selection(key)
    if selection is None:
        return [(f"selection:{key}", True)]
    levels = [selection.kind]
    if selection.month:
        levels.append(f"{selection.kind}:{selection.month}")
        if selection.batch:
            levels.append(f"{selection.kind}:{selection.month}:{selection.batch}")
    return [(name, index == len(levels) - 1) for index, name in enumerate(levels)]

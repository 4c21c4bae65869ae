"""`replay --check`: rebuild the projections into a scratch copy and compare them with the live ones.

The live log is only read. The copy is an in-memory database with the same schema; the events are folded
into it by the same code live appends use, then both sides are compared table by table in key order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from eventlog import queries, tables
from eventlog.codec import GENESIS_HASH, ChainHead
from eventlog.dialect import Connection
from eventlog.projection import Projector
from eventlog.rebuild import fold_into, scratch_database
from eventlog.registry import EventRegistry


@dataclass(frozen=True)
class Difference:
    """One disagreement: a row only one side has (`column` None), or a column whose values differ."""

    table: str
    key: tuple[Any, ...]
    column: str | None
    live: Any
    rebuilt: Any

    def describe(self) -> str:
        key = "/".join(str(part) for part in self.key)
        if self.column is None:
            return f"{self.table} {key}: live has {self.live}, rebuilt has {self.rebuilt}"
        return f"{self.table} {key}: {self.column} is {self.live!r} live but {self.rebuilt!r} rebuilt"


@dataclass(frozen=True)
class ReplayReport:
    events: int
    head: ChainHead
    position: int
    differences: tuple[Difference, ...] = field(default_factory=tuple)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": {"seq": self.head.seq, "hash": self.head.hash},
            "position": self.position,
            "differences": [d.describe() for d in self.differences],
            "truncated": self.truncated,
        }


def replay_check(conn: Connection, registry: EventRegistry, *, limit: int = 100) -> ReplayReport:
    """Rebuild from `conn`'s events into a scratch copy and report up to `limit` differences."""
    copy = scratch_database()
    try:
        conn.execute("BEGIN")
        try:
            row = conn.execute(queries.HEAD).fetchone()
            head = ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row[0], row[1])
            position = tables.position(conn)
            copy.execute("BEGIN")
            events = fold_into(conn, copy, Projector(complete=True), registry, after=0)
            copy.execute("COMMIT")
            differences: list[Difference] = []
            for table in tables.PROJECTION_TABLES:
                for difference in _diff_table(table, conn, copy):
                    differences.append(difference)
                    if len(differences) > limit:
                        return ReplayReport(events, head, position, tuple(differences[:limit]), True)
            return ReplayReport(events, head, position, tuple(differences))
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
    finally:
        copy.close()


def _diff_table(table: str, live: Connection, rebuilt: Connection) -> Iterator[Difference]:
    columns, key = tables.PROJECTION_TABLES[table]
    width = len(key)
    live_rows = tables.rows_in_order(live, table)
    rebuilt_rows = tables.rows_in_order(rebuilt, table)
    a = live_rows.fetchone()
    b = rebuilt_rows.fetchone()
    while a is not None or b is not None:
        if b is None or (a is not None and a[:width] < b[:width]):
            yield Difference(table, tuple(a[:width]), None, "the row", "no such row")
            a = live_rows.fetchone()
        elif a is None or b[:width] < a[:width]:
            yield Difference(table, tuple(b[:width]), None, "no such row", "the row")
            b = rebuilt_rows.fetchone()
        else:
            for name, left, right in zip(columns, a, b, strict=True):
                if left != right:
                    yield Difference(table, tuple(a[:width]), name, left, right)
            a = live_rows.fetchone()
            b = rebuilt_rows.fetchone()

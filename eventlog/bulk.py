"""Writing many rows with few statements: multi-row `INSERT … VALUES (…), (…), …`.

Why not `executemany` with one row at a time:
- binding `None` costs CPython's sqlite3 an adapter lookup per value (many times the cost of binding an
  int), and projection rows are full of NULLs. So a nullable column is bound as `NULL_STAND_IN`, a float
  that no TEXT or INTEGER column ever holds, and the statement turns it back into NULL
  (`nullif(?, -0.5)`). This stays inside these statements: no adapter is registered, nothing changes for
  other users of sqlite3.
- it steps SQLite once per row and takes Python's GIL back after every row; while another thread runs
  Python (the engine submitting events), each hand-over can wait a whole switch interval (5 ms). A chunk
  of rows is one step: SQLite works through it without the GIL.

Rows are passed flat: one list of every row's values, row after row (`flat_values` builds it). A chunk
holds at most `CHUNK_VALUES` values (a power of two of rows); a remainder is split into powers of two, so
a table needs a handful of distinct statements, each prepared once and then kept in the connection's
statement cache.

On PostgreSQL (`eventlog.postgres`) none of that applies: the same rows are bound with plain placeholders,
a stand-in turned back into `None` first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from typing import Any

from eventlog.dialect import Connection

CHUNK_VALUES = 8192
NULL_STAND_IN = -0.5
"""Bound instead of `None` in nullable columns; a REAL, so it never equals a TEXT or INTEGER value."""


def flat_values(rows: Iterable[Sequence[Any]]) -> list[Any]:
    """The values of `rows`, row after row, with `None` bound as `NULL_STAND_IN`."""
    return [NULL_STAND_IN if value is None else value for row in rows for value in row]


def _powers_of_two(n: int) -> list[int]:
    """`n` as a sum of distinct powers of two, largest first (13 → [8, 4, 1])."""
    return [1 << bit for bit in range(n.bit_length() - 1, -1, -1) if n >> bit & 1]


class BulkInsert:
    """`INSERT INTO table (columns) VALUES …`, with an optional `ON CONFLICT …` clause after it."""

    def __init__(
        self, table: str, columns: Sequence[str], *, nullable: Collection[str] = (), on_conflict: str = ""
    ) -> None:
        self.width = len(columns)
        self.chunk_rows = 1
        while self.chunk_rows * 2 * self.width <= CHUNK_VALUES:
            self.chunk_rows *= 2
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        marks = (f"nullif(?, {NULL_STAND_IN})" if column in nullable else "?" for column in columns)
        row = f"({', '.join(marks)})"
        tail = f" {on_conflict}" if on_conflict else ""
        self._statement = cache(lambda rows: f"{head}{', '.join([row] * rows)}{tail}")
        plain_row = f"({', '.join(['?'] * len(columns))})"
        self._plain_statement = cache(lambda rows: f"{head}{', '.join([plain_row] * rows)}{tail}")
        self._nullable = bool(nullable)

    def run(self, conn: Connection, values: Sequence[Any]) -> None:
        """Write the rows whose values `values` holds flat (in the caller's transaction)."""
        if isinstance(conn, sqlite3.Connection):
            self._run(conn, values, self._statement)
            return
        if self._nullable:
            stand_in = NULL_STAND_IN
            values = [None if value is stand_in else value for value in values]
        self._run(conn, values, self._plain_statement)

    def _run(self, conn: Connection, values: Sequence[Any], statement: Any) -> None:
        width = self.width
        n_rows, extra = divmod(len(values), width)
        if extra:
            raise ValueError(f"{len(values)} values do not make rows of {width}")
        full, rest = divmod(n_rows, self.chunk_rows)
        step = self.chunk_rows * width
        start = full * step
        if full:
            chunks = (values[i : i + step] for i in range(0, start, step))
            conn.executemany(statement(self.chunk_rows), chunks)
        for size in _powers_of_two(rest):
            end = start + size * width
            conn.execute(statement(size), values[start:end])
            start = end

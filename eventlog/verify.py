"""Verifying the hash chain: recompute every hash from the stored columns and name the first broken event.

The chain detects a changed byte (that event's hash no longer matches) and a removed event (its sequence
number is missing). A removed tail leaves a consistent, shorter chain, so it needs an earlier export:
`against` checks that every event of the export — and its chain head — is still in the log, unchanged, and
that each exported event holds what its hash was computed from (an export edited after it was written is
named as such).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eventlog import queries
from eventlog.codec import GENESIS_HASH, ChainHead, EventRecord, canonical_text, chain_hash
from eventlog.dialect import Connection, is_sqlite
from eventlog.export import ExportHead, read_export


@dataclass(frozen=True)
class VerifyReport:
    """`ok`, or the first broken sequence number and what is wrong with it."""

    ok: bool
    checked: int
    head: ChainHead
    first_broken: int | None = None
    problem: str | None = None
    export_changed: bool = False  # the log is intact; the export `against` names was edited

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["head"] = {"seq": self.head.seq, "hash": self.head.hash}
        return data


def verify_chain(records: Iterable[EventRecord]) -> VerifyReport:
    """Check records that should form a whole chain from sequence 1, in order."""
    expected = 1
    previous = GENESIS_HASH
    checked = 0
    for record in records:
        if record.seq != expected:
            problem = (
                f"event {expected} is missing (the next stored event is {record.seq})"
                if record.seq > expected
                else f"event {record.seq} is out of order (expected {expected})"
            )
            return VerifyReport(False, checked, ChainHead(expected - 1, previous), expected, problem)
        digest = chain_hash(previous, record.canonical())
        if digest != record.hash:
            problem = f"event {record.seq} does not match its hash: it was changed after it was written"
            return VerifyReport(False, checked, ChainHead(expected - 1, previous), record.seq, problem)
        previous = digest
        expected += 1
        checked += 1
    return VerifyReport(True, checked, ChainHead(expected - 1, previous))


def verify_log(conn: Connection, against: Path | None = None) -> VerifyReport:
    """Verify the chain of the log on `conn` and, given an earlier export, that none of it was removed."""
    conn.execute("BEGIN")
    try:
        integrity = conn.execute("PRAGMA quick_check").fetchone()[0] if is_sqlite(conn) else "ok"
        if integrity != "ok":
            return VerifyReport(
                False, 0, ChainHead(0, GENESIS_HASH), None, f"SQLite integrity check: {integrity}"
            )
        cursor = conn.execute(f"SELECT {queries.RECORD_COLUMNS} FROM events ORDER BY seq")
        report = verify_chain(EventRecord(*row) for row in cursor)
        if report.ok and against is not None:
            report = _compare_with_export(conn, report, against)
        return report
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _hash_before(conn: Connection, seq: int) -> str:
    if seq == 1:
        return GENESIS_HASH
    row = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()
    return GENESIS_HASH if row is None else str(row[0])


def _compare_with_export(conn: Connection, report: VerifyReport, export: Path) -> VerifyReport:
    """Every event of the export is in the log with the same hash, and holds what that hash was computed
    from (chained on the log's previous hash, so an export of one job or a range is checked too)."""
    log_end = report.head.seq
    saw_head = False
    previous: tuple[int, str] = (0, GENESIS_HASH)  # the last event checked: (seq, hash)
    for record in read_export(export):
        if isinstance(record, ExportHead):
            seq, digest = record.head
            saw_head = True
        else:
            seq, digest = record.seq, record.hash
        if seq == 0:
            continue
        if seq > log_end:
            problem = (
                f"the log ends at event {log_end} but the export {export.name} holds events up to {seq}: "
                "events were removed from its end"
            )
            return VerifyReport(False, report.checked, report.head, log_end + 1, problem)
        row = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
        if row is None or row[0] != digest:
            problem = f"event {seq} differs from the export {export.name}: the log was rewritten"
            return VerifyReport(False, report.checked, report.head, seq, problem)
        if isinstance(record, EventRecord):
            before = previous[1] if previous[0] == seq - 1 else _hash_before(conn, seq)
            if chain_hash(before, canonical_text(*record[:9])) != digest:
                problem = (
                    f"event {seq} of the export {export.name} does not hold what its hash was computed from: "
                    "the export was changed after it was written (the log is intact)"
                )
                return VerifyReport(False, report.checked, report.head, seq, problem, export_changed=True)
            previous = (seq, digest)
    if not saw_head:
        return VerifyReport(
            False, report.checked, report.head, None, f"{export.name} has no chain-head record"
        )
    return report

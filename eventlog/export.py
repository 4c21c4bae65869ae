"""Exports of the log as JSON Lines or CSV, streamed in constant memory, ending with a chain-head record.

An export holds the selected events (the whole log, one job, a sequence range, a time range) in sequence
order, each with its hash, followed by one chain-head record: the log's last sequence number and hash at
the time of the export. Events and head come from one read snapshot. `read_export` streams an export
back as `EventRecord`s and an `ExportHead`, so `verify --against` can later prove nothing was removed.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, NamedTuple, TextIO

from eventlog import queries
from eventlog.codec import GENESIS_HASH, ChainHead, EventRecord, canonical_json, format_time
from eventlog.dialect import Connection
from eventlog.errors import ExportError
from eventlog.text import cell_safe, cell_text, json_safe

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
CSV_COLUMNS = (
    "seq",
    "recorded_at",
    "job_id",
    "item_key",
    "step_key",
    "type",
    "version",
    "operator",
    "payload",
    "hash",
)
CHAIN_HEAD_TYPE = "chain_head"
_FETCH = 1000


class ExportHead(NamedTuple):
    """The chain-head record ending an export: the log's head when exported, and how many events it holds."""

    head: ChainHead
    exported: int


@dataclass(frozen=True)
class Selection:
    """Which events to export; every bound is optional and they combine. `since` is inclusive, `until`
    exclusive, both compared with the events' recorded UTC time."""

    job_id: str | None = None
    from_seq: int | None = None
    to_seq: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def sql(self) -> tuple[str, tuple[object, ...]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.job_id is not None:
            clauses.append("job_id = ?")
            params.append(self.job_id)
        if self.from_seq is not None:
            clauses.append("seq >= ?")
            params.append(self.from_seq)
        if self.to_seq is not None:
            clauses.append("seq <= ?")
            params.append(self.to_seq)
        if self.since is not None:
            clauses.append("recorded_at >= ?")
            params.append(format_time(self.since))
        if self.until is not None:
            clauses.append("recorded_at < ?")
            params.append(format_time(self.until))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return f"SELECT {queries.RECORD_COLUMNS} FROM events{where} ORDER BY seq", tuple(params)


def iter_records(conn: Connection, selection: Selection = Selection()) -> Iterator[EventRecord | ExportHead]:
    """The selected records, then the `ExportHead`, read lazily from one snapshot of `conn`."""
    conn.execute("BEGIN")
    try:
        row = conn.execute(queries.HEAD).fetchone()
        head = ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row[0], row[1])
        sql, params = selection.sql()
        cursor = conn.execute(sql, params)
        exported = 0
        while rows := cursor.fetchmany(_FETCH):
            for fields in rows:
                yield EventRecord(*fields)
            exported += len(rows)
        yield ExportHead(head, exported)
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def jsonl_lines(records: Iterator[EventRecord | ExportHead]) -> Iterator[str]:
    """One JSON object per line (with its newline); the payload is embedded as stored, with any raw
    bidirectional or control character written as its JSON escape (`eventlog.text.json_safe`)."""
    for record in records:
        if isinstance(record, ExportHead):
            head = {
                "chain_head": {"seq": record.head.seq, "hash": record.head.hash},
                "exported": record.exported,
            }
            yield canonical_json(head) + "\n"
        else:
            envelope = json.dumps(
                {
                    "seq": record.seq,
                    "recorded_at": record.recorded_at,
                    "job_id": record.job_id,
                    "item_key": record.item_key,
                    "step_key": record.step_key,
                    "type": record.type,
                    "version": record.version,
                    "operator": record.operator,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            line = f'{envelope[:-1]},"payload":{record.payload},"hash":"{record.hash}"}}\n'
            yield json_safe(line[:-1]) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection rule)."""


def neutral(cell: object) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula (or with the quote this adds)
    gets a leading `'`, which `restored` takes away again when paydesk reads its export back."""
    text = "" if cell is None else cell if isinstance(cell, str) else str(cell)  # a damaged log: anything
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text


def restored(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def csv_rows(records: Iterator[EventRecord | ExportHead]) -> Iterator[list[str]]:
    """A header row, one row per event (None as an empty cell), then a `chain_head` row; every cell safe
    to open in a spreadsheet (`neutral`)."""
    for row in _csv_cells(records):
        yield [neutral(cell) for cell in row]


def _csv_cells(records: Iterator[EventRecord | ExportHead]) -> Iterator[list[str]]:
    yield list(CSV_COLUMNS)
    for record in records:
        if isinstance(record, ExportHead):
            payload = canonical_json({"exported": record.exported})
            yield [str(record.head.seq), "", "", "", "", CHAIN_HEAD_TYPE, "", "", payload, record.head.hash]
        else:
            yield [
                str(record.seq),
                record.recorded_at,
                cell_safe(record.job_id),
                cell_safe(record.item_key or ""),
                cell_safe(record.step_key or ""),
                record.type,
                str(record.version),
                cell_safe(record.operator),
                json_safe(record.payload),
                record.hash,
            ]


def open_export_file(path: Path, *, replace: bool = False) -> TextIO:
    """A new export file only its owner can read (0600, like the log: it holds names and amounts); an
    existing one is refused (`FileExistsError`) unless `replace`."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a file replaced keeps its old mode otherwise
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


def write_export(
    conn: Connection, out: TextIO, fmt: Format, selection: Selection = Selection()
) -> ExportHead:
    """Stream an export of `conn` to `out`; return its chain-head record. `out` should be opened with
    `newline=""` for CSV files."""
    head: list[ExportHead] = []

    def watched() -> Iterator[EventRecord | ExportHead]:
        for record in iter_records(conn, selection):
            if isinstance(record, ExportHead):
                head.append(record)
            yield record

    if fmt == "jsonl":
        out.writelines(jsonl_lines(watched()))
    elif fmt == "csv":
        csv.writer(out, lineterminator="\n").writerows(csv_rows(watched()))
    else:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return head[0]


def write_empty_export(out: TextIO, fmt: Format) -> ExportHead:
    """The export of a log that does not exist yet: only its chain head, at the genesis hash."""
    head = ExportHead(ChainHead(0, GENESIS_HASH), 0)
    if fmt == "csv":
        csv.writer(out, lineterminator="\n").writerows(csv_rows(iter([head])))
    else:
        out.writelines(jsonl_lines(iter([head])))
    return head


def read_export(path: Path) -> Iterator[EventRecord | ExportHead]:
    """Stream an export back (either format, told apart by its first character)."""
    with path.open(encoding="utf-8", newline="") as file:
        first = file.read(1)
        file.seek(0)
        if first == "{":
            yield from _read_jsonl(path, file)
        elif first:
            yield from _read_csv(path, file)
        else:
            raise ExportError(f"{path} is empty, not a paydesk export")


def _read_jsonl(path: Path, file: TextIO) -> Iterator[EventRecord | ExportHead]:
    for number, line in enumerate(file, start=1):
        try:
            obj = json.loads(line)
            if "chain_head" in obj:
                head = obj["chain_head"]
                yield ExportHead(ChainHead(int(head["seq"]), str(head["hash"])), int(obj["exported"]))
                continue
            yield EventRecord(
                int(obj["seq"]),
                obj["recorded_at"],
                obj["job_id"],
                obj["item_key"],
                obj["step_key"],
                obj["type"],
                int(obj["version"]),
                obj["operator"],
                canonical_json(obj["payload"]),
                obj["hash"],
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ExportError(f"{path} line {number} is not a paydesk export record ({err})") from None


def _read_csv(path: Path, file: TextIO) -> Iterator[EventRecord | ExportHead]:
    reader = csv.reader(file)
    if next(reader, None) != list(CSV_COLUMNS):
        raise ExportError(f"{path} does not start with the paydesk export header")
    for number, cells in enumerate(reader, start=2):
        row = [restored(cell) for cell in cells]
        try:
            seq, at, job_id, item_key, step_key, type_name, version, operator, payload, digest = row
            job_id, item_key, step_key, operator = map(cell_text, (job_id, item_key, step_key, operator))
            if type_name == CHAIN_HEAD_TYPE:
                yield ExportHead(ChainHead(int(seq), digest), int(json.loads(payload)["exported"]))
                continue
            yield EventRecord(
                int(seq),
                at,
                job_id,
                item_key or None,
                step_key or None,
                type_name,
                int(version),
                operator,
                canonical_json(json.loads(payload)),
                digest,
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ExportError(f"{path} row {number} is not a paydesk export record ({err})") from None


def export_head(path: Path) -> ExportHead:
    """The chain-head record of an export (read to the end, in constant memory)."""
    last: ExportHead | None = None
    for record in read_export(path):
        if isinstance(record, ExportHead):
            last = record
    if last is None:
        raise ExportError(f"{path} has no chain-head record: the export was cut short")
    return last

"""Exports: JSONL and CSV round trips, selections, the chain-head record, constant-memory streaming."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventlog import EventLog, ExportError, ExportHead, Selection, read_export, verify_chain
from eventlog.export import iter_records, jsonl_lines
from tests.eventlog.eventlog_histories import planned_job, small_history


def _write(log: EventLog, tmp_path: Path, fmt: str, selection: Selection | None = None) -> Path:
    path = tmp_path / f"export.{fmt}"
    with path.open("w", encoding="utf-8", newline="") as file:
        log.export(file, fmt, selection)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_reads_back_as_the_stored_records_and_ends_with_the_chain_head(
    log: EventLog, tmp_path: Path, fmt: str
) -> None:
    log.append(small_history())
    log.append(planned_job("job-2", {"x": ["x1"]}))
    records = list(read_export(_write(log, tmp_path, fmt)))
    *events, head = records
    assert events == log.records_after(0)
    assert head == ExportHead(log.head(), len(events))
    assert verify_chain(events).ok  # an export of the whole log carries a verifiable chain


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_of_one_job_or_a_range_holds_only_those_events(
    log: EventLog, tmp_path: Path, fmt: str
) -> None:
    log.append(small_history("job-1"))
    log.append(planned_job("job-2", {"x": ["x1"]}))
    *job2, head = read_export(_write(log, tmp_path, fmt, Selection(job_id="job-2")))
    assert {r.job_id for r in job2} == {"job-2"} and len(job2) == 5  # type: ignore[union-attr]
    assert head == ExportHead(log.head(), 5)
    *middle, _ = read_export(_write(log, tmp_path, fmt, Selection(from_seq=3, to_seq=6)))
    assert [r.seq for r in middle] == [3, 4, 5, 6]  # type: ignore[union-attr]


def test_an_export_can_select_a_time_range(log: EventLog, tmp_path: Path) -> None:
    for event in small_history()[:4]:  # the test clock ticks one second per transaction
        log.append([event])
    since, until = datetime(2025, 1, 31, 12, 0, 1, tzinfo=UTC), datetime(2025, 1, 31, 12, 0, 3, tzinfo=UTC)
    *events, _ = read_export(_write(log, tmp_path, "jsonl", Selection(since=since, until=until)))
    assert [r.seq for r in events] == [2, 3]  # type: ignore[union-attr]


def test_an_export_of_an_empty_log_is_just_the_genesis_head(log: EventLog, tmp_path: Path) -> None:
    assert list(read_export(_write(log, tmp_path, "csv"))) == [ExportHead(log.head(), 0)]


def test_an_export_is_streamed_lazily_from_the_database(log: EventLog) -> None:
    log.append(small_history())
    lines = jsonl_lines(iter_records(log.connection))
    assert '"seq":1,' in next(lines)
    assert log.connection.in_transaction  # the snapshot stays open while the export is consumed
    rest = list(lines)
    assert '"chain_head"' in rest[-1] and len(rest) == len(small_history())
    assert not log.connection.in_transaction


def _export_peak(log: EventLog) -> tuple[int, int]:
    """(bytes exported, peak Python memory while exporting)."""
    total = 0
    tracemalloc.start()
    try:
        for line in jsonl_lines(iter_records(log.connection)):
            total += len(line)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return total, peak


def _add_jobs(log: EventLog, first: int, count: int) -> None:
    for n in range(first, first + count):
        log.append(
            planned_job(f"job-{n}", {f"item-{i}": [f"s{i}-{k}" for k in range(4)] for i in range(100)})
        )


def test_exporting_takes_the_same_memory_for_a_log_five_times_larger(log: EventLog) -> None:
    _add_jobs(log, 0, 4)
    small_total, small_peak = _export_peak(log)
    _add_jobs(log, 4, 16)
    large_total, large_peak = _export_peak(log)
    assert large_total > 4.5 * small_total
    assert large_peak < 1.3 * small_peak


def test_an_export_without_its_chain_head_is_reported(tmp_path: Path, log: EventLog) -> None:
    log.append(small_history())
    path = _write(log, tmp_path, "jsonl")
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    from eventlog import export_head

    with pytest.raises(ExportError, match="no chain-head record"):
        export_head(path)


def test_a_file_that_is_not_an_export_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ExportError, match="header"):
        list(read_export(path))


def test_writing_to_a_text_stream_works_for_both_formats(log: EventLog) -> None:
    log.append(small_history()[:2])
    for fmt in ("jsonl", "csv"):
        out = io.StringIO()
        head = log.export(out, fmt)  # type: ignore[arg-type]
        assert head.exported == 2 and out.getvalue().count("\n") == (3 if fmt == "jsonl" else 4)


HOSTILE = (
    '=HYPERLINK("http://evil","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tcmd",
    "\rcmd",
    "'=quoted",
    "back\\slash \\x41",
    "\x1b]0;title\x07",
    "\u202eevil",
)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_csv_export_is_safe_in_a_spreadsheet_and_still_reads_back_exactly(
    log: EventLog, tmp_path: Path, hostile: str
) -> None:
    """OWASP's CSV injection rule: no cell starts with =, +, -, @, tab or carriage return; the export still
    reads back as the stored records and verifies."""
    import csv

    from eventlog import ItemPlanned, JobCreated

    log.append(
        [
            JobCreated(job_id=f"{hostile}job", operator=hostile, kind="commit", params={}, selection_key="s"),
            ItemPlanned(
                job_id=f"{hostile}job",
                operator=hostile,
                item_key=f"{hostile}item",
                label=f"payout for {hostile}",
                kind="payable",
                data={"contractor": hostile},
            ),
        ]
    )
    path = _write(log, tmp_path, "csv")
    with path.open(encoding="utf-8", newline="") as file:
        cells = [cell for row in csv.reader(file) for cell in row]
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    *events, head = read_export(path)  # control characters are written escaped, and read back exactly
    assert events == log.records_after(0)
    assert head == ExportHead(log.head(), len(events)) and verify_chain(events).ok

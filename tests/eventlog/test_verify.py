"""Tampering is detected: a changed byte, a removed event, a removed tail (given an earlier export), and a
projection that no longer matches its events."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eventlog import EventLog, Selection, is_url
from eventlog.export import Format
from tests.eventlog.backends import raw_execute, tamper
from tests.eventlog.eventlog_histories import planned_job, small_history


def _copy_of_log(tmp_path: Path, location: str | Path) -> tuple[str | Path, Path]:
    """A log with two jobs and an export of it; for a file, a copy of it (a database is new per test)."""
    with EventLog(location) as log:
        log.append(small_history())
        log.append(planned_job("job-2", {"x": ["x1", "x2"]}))
        export = tmp_path / "before.jsonl"
        with export.open("w", encoding="utf-8") as file:
            log.export(file)
    if is_url(location):
        return location, export
    copy = tmp_path / "copy.sqlite"
    shutil.copy(location, copy)
    return copy, export


def test_an_untouched_log_verifies(tmp_path: Path, log_location: str | Path) -> None:
    copy, export = _copy_of_log(tmp_path, log_location)
    with EventLog(copy) as log:
        assert log.verify().ok and log.verify(against=export).ok
        assert log.verify().checked == len(small_history()) + 6


def test_one_changed_byte_in_a_payload_names_that_event(tmp_path: Path, log_location: str | Path) -> None:
    copy, _ = _copy_of_log(tmp_path, log_location)
    tamper(copy, "UPDATE events SET payload = replace(payload, 'Paid', 'Pain') WHERE seq = 12")
    with EventLog(copy) as log:
        report = log.verify()
    assert (report.ok, report.first_broken) == (False, 12)
    assert "changed" in (report.problem or "")


def test_a_changed_envelope_field_is_detected_too(tmp_path: Path, log_location: str | Path) -> None:
    copy, _ = _copy_of_log(tmp_path, log_location)
    tamper(copy, "UPDATE events SET operator = 'mallory' WHERE seq = 3")
    with EventLog(copy) as log:
        assert log.verify().first_broken == 3


def test_a_removed_event_names_the_missing_sequence(tmp_path: Path, log_location: str | Path) -> None:
    copy, _ = _copy_of_log(tmp_path, log_location)
    tamper(copy, "DELETE FROM events WHERE seq = 7")
    with EventLog(copy) as log:
        report = log.verify()
    assert (report.ok, report.first_broken, report.problem) == (
        False,
        7,
        "event 7 is missing (the next stored event is 8)",
    )


def test_a_removed_tail_is_found_only_against_an_earlier_export(
    tmp_path: Path, log_location: str | Path
) -> None:
    copy, export = _copy_of_log(tmp_path, log_location)
    tamper(copy, "DELETE FROM events WHERE seq > 20")
    with EventLog(copy) as log:
        assert log.verify().ok  # a shorter chain is still a chain …
        report = log.verify(against=export)
    assert (report.ok, report.first_broken) == (False, 21)  # … but the export remembers its end
    assert "removed from its end" in (report.problem or "")


def test_a_rewritten_event_is_found_against_an_earlier_export(
    tmp_path: Path, log_location: str | Path
) -> None:
    copy, export = _copy_of_log(tmp_path, log_location)
    tamper(copy, "DELETE FROM events WHERE seq >= 20")
    with EventLog(copy) as log:  # the attacker re-appends a different, validly chained event 20
        log.append(planned_job("job-3", {})[:1])
        assert log.verify().ok
        report = log.verify(against=export)
    assert (report.ok, report.first_broken) == (False, 20)


def test_replay_check_reports_a_projection_edited_behind_the_logs_back(
    tmp_path: Path, log_location: str | Path
) -> None:
    copy, _ = _copy_of_log(tmp_path, log_location)
    raw_execute(
        copy,
        "UPDATE jobs SET items_failed = 0 WHERE job_id = 'job-1'",
        "DELETE FROM steps WHERE step_key = 'x2'",
    )
    with EventLog(copy) as log:
        report = log.replay_check()
    assert not report.ok
    assert [d.describe() for d in report.differences] == [
        "jobs job-1: items_failed is 0 live but 1 rebuilt",
        "steps job-2/x/x2: live has no such row, rebuilt has the row",
    ]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_changed_after_it_was_written_is_named_not_passed(
    tmp_path: Path, log_location: str | Path, fmt: Format
) -> None:
    """Found walking the demo: an exported step.planned event with its payload edited still verified
    'ok' against the log, because only the hashes were compared. An auditor holding the export as the
    record needs to know it says what the log says: each exported event must hash to its hash."""
    with EventLog(log_location) as log:
        log.append(small_history())
        log.append(planned_job("job-2", {"x": ["x1", "x2"]}))
        whole, one_job = tmp_path / f"whole.{fmt}", tmp_path / f"job-2.{fmt}"
        with whole.open("w", encoding="utf-8", newline="") as file:
            log.export(file, fmt)
        with one_job.open("w", encoding="utf-8", newline="") as file:
            log.export(file, fmt, Selection(job_id="job-2"))
        assert log.verify(against=whole).ok and log.verify(against=one_job).ok  # untouched: both pass

        for export in (whole, one_job):
            text = export.read_text(encoding="utf-8")
            assert "x1" in text  # a step key, in its column or in a payload
            changed = export.with_name(f"changed-{export.name}")
            changed.write_text(text.replace("x1", "x9", 1), encoding="utf-8")
            report = log.verify(against=changed)
            assert not report.ok and report.export_changed
            assert "the export was changed after it was written (the log is intact)" in (report.problem or "")

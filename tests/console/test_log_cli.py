"""`paydesk jobs | export | verify | replay --check` on real log files: output, exit codes, errors."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from eventlog import (
    EventLog,
    EventRecord,
    ExportHead,
    JobCreated,
    JobFinished,
    JobPlanned,
    JobStarted,
    read_export,
)

ROOT = Path(__file__).resolve().parents[2]


def _history() -> list[object]:
    kw = {"job_id": "job-1", "operator": "ops"}
    return [
        JobCreated(**kw, kind="commit", params={"month": "2025-01"}, selection_key="s"),
        JobPlanned(**kw, items=0, steps=0, totals={}, estimate={}),
        JobStarted(**kw, workers=5),
        JobFinished(**kw, status="completed"),
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "paydesk.sqlite"
    with EventLog(path) as log:
        log.append(_history())  # type: ignore[arg-type]
    return path


def _seq(record: EventRecord | ExportHead) -> int:
    return record.head.seq if isinstance(record, ExportHead) else record.seq


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_jobs_lists_each_job_with_its_status(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", str(db), "jobs")
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:3] == ["JOB", "KIND", "STATUS"] and row.split()[:3] == [
        "job-1",
        "commit",
        "completed",
    ]
    code, out, _ = run(capsys, "--db", str(db), "jobs", "--json")
    (job,) = json.loads(out)
    assert (code, job["job_id"], job["params"], job["items_total"]) == (0, "job-1", {"month": "2025-01"}, 0)


def test_read_commands_on_a_missing_log_say_so_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.sqlite"
    assert run(capsys, "--db", str(missing), "jobs", "--json")[:2] == (0, "[]\n")
    code, out, err = run(capsys, "--db", str(missing), "verify")
    assert (code, out.startswith("ok: 0 events"), "no event log" in err) == (0, True, True)
    assert run(capsys, "--db", str(missing), "replay", "--check")[0] == 0
    code, out, _ = run(capsys, "--db", str(missing), "export")
    assert (code, json.loads(out)["chain_head"]["seq"]) == (0, 0)
    assert list(tmp_path.iterdir()) == []


def test_export_writes_a_file_and_never_overwrites_without_force(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "export.csv"
    code, _, err = run(capsys, "--db", str(db), "export", "--format", "csv", "-o", str(out_file))
    assert code == 0 and "exported 4 events" in err
    assert [_seq(r) for r in read_export(out_file)] == [1, 2, 3, 4, 4]
    code, _, err = run(capsys, "--db", str(db), "export", "--format", "csv", "-o", str(out_file))
    assert code == 1 and "already exists; pass --force" in err
    code, _, _ = run(capsys, "--db", str(db), "export", "--from-seq", "3", "-o", str(out_file), "--force")
    assert code == 0 and [_seq(r) for r in read_export(out_file)] == [3, 4, 4]


def test_export_rejects_a_time_that_is_not_iso(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", str(db), "export", "--since", "yesterday")
    assert code == 1 and err.startswith("paydesk: error: --since 'yesterday' is not an ISO date")


def test_verify_against_an_export_finds_a_removed_tail(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "before.jsonl"
    assert run(capsys, "--db", str(db), "export", "-o", str(export))[0] == 0
    assert run(capsys, "--db", str(db), "verify", "--against", str(export))[0] == 0
    copy = tmp_path / "copy.sqlite"
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    conn.execute("DROP TRIGGER events_reject_delete")
    conn.execute("DELETE FROM events WHERE seq = 4")
    conn.commit()
    conn.close()
    assert run(capsys, "--db", str(copy), "verify")[0] == 0
    code, out, _ = run(capsys, "--db", str(copy), "verify", "--against", str(export), "--json")
    report = json.loads(out)
    assert (code, report["ok"], report["first_broken"]) == (2, False, 4)


def test_replay_check_reports_differences_with_exit_code_2(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--db", str(db), "replay", "--check")[:2] == (
        0,
        "ok: the projections match a rebuild from 4 events\n",
    )
    conn = sqlite3.connect(db)
    conn.execute("UPDATE jobs SET status = 'failed'")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "--db", str(db), "replay", "--check")
    assert code == 2 and "jobs job-1: status is 'failed' live but 'completed' rebuilt" in out
    assert run(capsys, "--db", str(db), "replay")[0] == 1


def test_a_file_that_is_not_a_log_is_one_line_of_error_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\n" * 50)
    for command in (["jobs"], ["export"], ["verify"], ["replay", "--check"]):
        code, out, err = run(capsys, "--db", str(junk), *command)
        assert (code, out) == (1, "")
        reason = "not a SQLite database"
        assert (
            err
            == f"paydesk: error: {junk} is not a paydesk event log ({reason}); point --db at the right file\n"
        )
    assert junk.read_text() == "hello\n" * 50


def test_the_installed_command_runs_in_a_real_process(db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PAYDESK_DB": str(db), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "verify", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["checked"] == 4
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\0" * 4096)
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "--db", str(junk), "jobs"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr

"""`paydesk log copy`, run as the operator runs it: a log file copied to the team's PostgreSQL database and
back to a file, where `paydesk verify --against` an export taken before the copy passes and `paydesk jobs`
lists what the original lists; a refused copy is one line and exit code 1; on a terminal the copy shows
its progress on standard error."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from eventlog import EventLog
from tests.eventlog.backends import raw_rows
from tests.eventlog.conftest import TickingClock
from tests.eventlog.eventlog_histories import planned_job, small_history

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-pw"  # the test server trusts local connections: any password is accepted


def paydesk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def a_log(path: Path, *jobs: str) -> Path:
    with EventLog(path, clock=TickingClock()) as log:
        log.append(small_history(jobs[0]))
        for job in jobs[1:]:
            log.append(planned_job(job, {"x": ["x1", "x2"]}))
    return path


def test_a_log_copied_to_postgresql_and_back_verifies_against_an_export_taken_before(
    tmp_path: Path, postgres_url: str
) -> None:
    source = a_log(tmp_path / "paydesk.sqlite", "job-1", "job-2", "job-3")
    exported = paydesk("--db", str(source), "export", "-o", str(tmp_path / "before.jsonl"))
    assert exported.returncode == 0, exported.stderr
    database = postgres_url.replace("paydesk@", f"paydesk:{SECRET}@")

    there = paydesk("log", "copy", "--from", str(source), "--to", database, "--json")
    assert there.returncode == 0, there.stderr
    report = json.loads(there.stdout)
    events = len(small_history()) + 2 * len(planned_job("job", {"x": ["x1", "x2"]}))
    assert (report["events"], report["copied"], report["already_there"], report["jobs"]) == (
        events,
        events,
        0,
        3,
    )
    assert report["verified"] == events and report["head"]["seq"] == events
    assert report["target"] == postgres_url.replace("paydesk@", "paydesk:***@")
    assert SECRET not in there.stdout + there.stderr
    assert raw_rows(postgres_url, "SELECT count(*) FROM events") == [(events,)]

    back = paydesk("log", "copy", "--from", database, "--to", str(tmp_path / "back.sqlite"))
    assert back.returncode == 0, back.stderr
    assert back.stdout.startswith(f"copied {events} events from ") and "the copy verifies" in back.stdout
    assert SECRET not in back.stdout + back.stderr

    verified = paydesk(
        "--db", str(tmp_path / "back.sqlite"), "verify", "--against", str(tmp_path / "before.jsonl")
    )
    assert verified.returncode == 0 and verified.stdout.startswith(f"ok: {events} events"), verified.stdout
    jobs = [paydesk("--db", str(log), "jobs", "--json") for log in (source, tmp_path / "back.sqlite")]
    assert jobs[0].returncode == 0 and json.loads(jobs[0].stdout) == json.loads(jobs[1].stdout)


def test_copying_again_copies_only_what_is_new_and_the_default_source_is_the_log_paydesk_uses(
    tmp_path: Path,
) -> None:
    source = a_log(tmp_path / "paydesk.sqlite", "job-1")
    target = tmp_path / "copy.sqlite"
    env = {"PAYDESK_DB": str(source)}
    assert paydesk("log", "copy", "--to", str(target), env=env).returncode == 0
    with EventLog(source, clock=TickingClock()) as log:
        log.append(planned_job("job-2", {"x": ["x1"]}))
    again = paydesk("log", "copy", "--to", str(target), "--json", env=env)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert (report["already_there"], report["copied"]) == (
        len(small_history()),
        len(planned_job("j", {"x": ["x1"]})),
    )
    done = paydesk("log", "copy", "--to", str(target), env=env)
    assert done.stdout.startswith("nothing to copy:"), done.stdout


def test_a_refused_copy_is_one_line_exit_code_1_and_leaves_the_target_unchanged(tmp_path: Path) -> None:
    source = a_log(tmp_path / "paydesk.sqlite", "job-1")
    target = a_log(tmp_path / "other.sqlite", "other-1", "other-2")
    before = target.read_bytes()
    for args in (
        ("--from", str(source), "--to", str(target)),
        ("--from", str(source), "--to", str(source)),
        ("--from", str(tmp_path / "missing.sqlite"), "--to", str(tmp_path / "new.sqlite")),
        ("--from", str(source), "--to", str(tmp_path / "no-such-folder" / "copy.sqlite")),
    ):
        refused = paydesk("log", "copy", *args)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.startswith("paydesk: error: ") and refused.stderr.count("\n") == 1, (
            refused.stderr
        )
    assert target.read_bytes() == before
    assert not (tmp_path / "new.sqlite").exists() and not (tmp_path / "no-such-folder").exists()


def test_on_a_terminal_the_copy_shows_its_progress_on_standard_error(tmp_path: Path) -> None:
    source = a_log(tmp_path / "paydesk.sqlite", "job-1", "job-2")
    events = len(small_history()) + len(planned_job("job", {"x": ["x1", "x2"]}))
    controller, terminal = pty.openpty()
    try:
        with subprocess.Popen(
            [sys.executable, "-m", "console.cli", "log", "copy", "--to", str(tmp_path / "copy.sqlite")],
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PAYDESK_DB": str(source)},
        ) as child:
            os.close(terminal)
            shown = b""
            while True:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the child is gone and closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            assert child.wait() == 0
    finally:
        os.close(controller)
    text = shown.decode()
    assert f"copying {events}/{events} events" in text and f"verifying the copy: {events}/{events}" in text

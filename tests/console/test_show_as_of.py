"""`paydesk show JOB --as-of SEQ|TIME`: the job as the log knew it then, rebuilt from the events alone and
printed as `show` prints a log that ends there — on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main
from eventlog import Event, EventLog
from tests.cli_output import one_error
from tests.eventlog.conftest import TickingClock
from tests.eventlog.eventlog_histories import planned_job, small_history

PLANNED = 9  # small_history: JobCreated … JobPlanned is event 9; a1 succeeds at 12; it ends at 19


@pytest.fixture(params=("sqlite", "postgresql"))
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A log on each backend: job-1's small history, one event a second from 12:00:00, then job-2."""
    location: str | Path = tmp_path / "paydesk.sqlite"
    if request.param == "postgresql":
        location = request.getfixturevalue("postgres_url")
    with EventLog(location, clock=TickingClock()) as log:
        for event in small_history("job-1"):
            log.append([event])
        log.append(planned_job("job-2", {"x": ["x1"]}))
    return str(location)


def truncated(tmp_path: Path, n: int) -> str:
    """A log holding only the first `n` events of `db`'s, recorded at the same times."""
    path = tmp_path / f"first-{n}.sqlite"
    history: list[Event] = small_history("job-1")[:n]
    with EventLog(path, clock=TickingClock()) as log:
        for event in history:
            log.append([event])
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_as_of_an_event_prints_what_show_printed_then(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", db, "show", "job-1", "--as-of", str(PLANNED))
    assert code == 0
    header, rest = out.split("\n", 1)
    assert header == "as of event 9 (recorded at 2025-01-31T12:00:08.000000Z)"
    assert run(capsys, "--db", truncated(tmp_path, PLANNED), "show", "job-1")[1] == rest
    assert "job-1  planned  commit" in rest and "pending    A" in rest


def test_show_as_of_in_json_is_the_rows_of_a_log_ending_there(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in (1, 12, 15, 19):
        code, out, _ = run(capsys, "--db", db, "show", "job-1", "--as-of", str(n), "--json")
        assert code == 0
        shown = json.loads(out)
        assert shown.pop("as_of") == {"seq": n, "recorded_at": f"2025-01-31T12:00:{n - 1:02d}.000000Z"}
        expected = json.loads(run(capsys, "--db", truncated(tmp_path, n), "show", "job-1", "--json")[1])
        assert shown == expected, n
    assert shown["job"]["status"] == "completed_with_failures"


def test_show_as_of_a_time_is_as_of_the_jobs_last_event_then(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for when in ("2025-01-31T12:00:11.5", "2025-01-31T13:00:11.5+01:00", "2025-01-31T12:00:11.500000Z"):
        code, out, _ = run(capsys, "--db", db, "show", "job-1", "--as-of", when)
        assert code == 0
        assert out.startswith("as of event 12 (recorded at 2025-01-31T12:00:11.000000Z)\n"), when
        assert "succeeded  a1" in out and "planned    a2" in out and "running    A" in out
    _, out, _ = run(capsys, "--db", db, "show", "job-1", "--as-of", "2030-01-01")
    assert out.startswith("as of event 19 ")  # job-1's last event: job-2's later ones change nothing of it


def test_show_as_of_before_the_job_existed_is_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", db, "show", "job-2", "--as-of", "5")
    assert code == 1
    assert one_error(err) == (
        "paydesk: error: job job-2 did not exist yet as of event 5: it was created at event 20 "
        "(2025-01-31T12:00:19.000000Z)\n"
    )
    code, _, err = run(capsys, "--db", db, "show", "job-1", "--as-of", "2025-01-31T11:59")
    assert code == 1
    assert "job job-1 did not exist yet as of 2025-01-31T11:59:00+00:00" in one_error(err)


def test_show_as_of_an_event_not_yet_in_the_log_or_not_a_time_is_one_line(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", db, "show", "job-1", "--as-of", "999")
    assert (code, one_error(err)) == (
        1,
        "paydesk: error: the log has no event 999 yet: its last is event 24\n",
    )
    code, _, err = run(capsys, "--db", db, "show", "job-1", "--as-of", "yesterday")
    assert code == 1 and "--as-of takes an event number or an ISO time" in one_error(err)

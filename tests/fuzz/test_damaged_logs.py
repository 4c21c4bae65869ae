"""Fuzz: damaged event-log files under `paydesk jobs | verify | export | replay --check`, in-process.

Truncated logs, random bytes, bytes flipped inside a real log, a SQLite file of another schema and a
foreign SQLite database: each command reports the problem in one line on stderr (exit 1) — or, for
`verify` and `replay --check`, names what is broken (exit 2) — never a traceback or an `internal error`,
and the file's bytes are left exactly as they were.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.cli import main
from eventlog import EventLog, JobCreated, JobFinished, JobPlanned, JobStarted

FUZZ = settings(
    derandomize=True,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COMMANDS = (
    ["jobs"],
    ["jobs", "--json"],
    ["verify"],
    ["export", "--format", "jsonl"],
    ["export", "--format", "csv"],
    ["export", "--format", "jsonl", "-o", "OUT"],
)


def history(jobs: int) -> list[object]:
    events: list[object] = []
    for n in range(jobs):
        kw = {"job_id": f"commit-{n:04d}", "operator": "ops"}
        params = {"month": "2026-01", "batch": 15, "note": "x" * 200}
        events += [
            JobCreated(**kw, kind="commit", params=params, selection_key=f"commit:{n}"),
            JobPlanned(**kw, items=0, steps=0, totals={}, estimate={}),
            JobStarted(**kw, workers=5),
            JobFinished(**kw, status="completed"),
        ]
    return events


class Pristine(bytes):
    """The pristine log's bytes, with a short repr for hypothesis's reports."""

    def __repr__(self) -> str:
        return f"<pristine log, {len(self)} bytes>"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real log of 40 jobs (160 events, several SQLite pages), checkpointed into one file."""
    path = tmp_path_factory.mktemp("pristine") / "log.sqlite"
    with EventLog(
        path, clock=lambda: datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    ) as log:  # the same bytes each run
        log.append(history(40))  # type: ignore[arg-type]
    assert (
        not path.with_name("log.sqlite-wal").exists() or path.with_name("log.sqlite-wal").stat().st_size == 0
    )
    return Pristine(path.read_bytes())


def check(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str], *, name: str = "log.sqlite"
) -> set[int]:
    """Run every read command on a file holding `content`; return the exit codes seen."""
    folder = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    path = folder / name
    path.write_bytes(content)
    codes: set[int] = set()
    out_file = folder / "export.jsonl"
    for command in COMMANDS:
        command = [str(out_file) if part == "OUT" else part for part in command]
        out_file.unlink(missing_ok=True)
        code = main(["--db", str(path), *command])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, (command, err)
        assert path.read_bytes() == content, f"{command} changed the file"
        if code == 1:
            # An export to stdout streams: rows sent before the damage was met stay sent (exit 1 says so).
            assert out == "" or command[0] == "export", (command, out)
            assert err.count("\n") == 1 and err.startswith("paydesk: error: "), (command, err)
        elif code == 2:
            assert command[0] == "verify" and out, (command, out, err)
        else:
            assert code == 0, (command, code, err)
        codes.add(code)
    return codes


def test_the_pristine_log_reads_cleanly(
    tmp_path: Path, pristine: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(tmp_path, pristine, capsys) == {0}


@settings(FUZZ)
@given(fraction=st.floats(min_value=0.001, max_value=0.999))
def test_a_truncated_log_is_refused_in_one_line(
    tmp_path: Path, pristine: bytes, capsys: pytest.CaptureFixture[str], fraction: float
) -> None:
    kept = pristine[: max(1, int(len(pristine) * fraction))]
    codes = check(tmp_path, kept, capsys)
    assert 0 not in codes, "a truncated log was read as if it were whole"


@settings(FUZZ)
@given(content=st.binary(min_size=1, max_size=8192))
def test_random_bytes_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    assert check(tmp_path, content, capsys) == {1}


@settings(FUZZ, max_examples=20)
@given(
    flips=st.lists(st.tuples(st.floats(0.0, 0.9999), st.integers(1, 255)), min_size=1, max_size=6),
)
def test_bytes_flipped_inside_a_log_never_crash_a_read_command(
    tmp_path: Path, pristine: bytes, capsys: pytest.CaptureFixture[str], flips: list[tuple[float, int]]
) -> None:
    damaged = bytearray(pristine)
    for where, mask in flips:
        damaged[int(where * len(damaged))] ^= mask
    check(tmp_path, bytes(damaged), capsys)  # exit 0, 1 or (verify) 2; one line; the bytes unchanged


def test_a_schema_damaged_into_text_that_is_not_utf8_is_refused_in_one_line(
    tmp_path: Path, pristine: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the flips above: SQLite's message about a malformed schema quotes the damaged SQL, bytes
    that are not UTF-8 included, and Python's sqlite3 then fails to decode the message itself
    (`UnicodeDecodeError`, not an SQLite error): `paydesk jobs` said "internal error"."""
    path = tmp_path / "made.sqlite"
    path.write_bytes(pristine)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    damaged = b"CREATE TABLE preloads (seq INTEGER PRIMARY KEY, job_id \xdfEXT) STRICT"  # its "T" damaged
    conn.execute("UPDATE sqlite_master SET sql = CAST(? AS TEXT) WHERE name = 'preloads'", (damaged,))
    conn.close()
    assert check(tmp_path, path.read_bytes(), capsys) == {1}


def sqlite_file(tmp_path: Path, statements: list[str]) -> bytes:
    path = tmp_path / "made.sqlite"
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "statements",
    [
        [
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO customers VALUES (1, 'x')",
        ],
        ["CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO events VALUES (1, '{}')"],
        ["CREATE TABLE events (x)", "CREATE TABLE jobs (y)", "PRAGMA user_version = 1"],
        ["PRAGMA user_version = 999", "CREATE TABLE t (a)"],
    ],
    ids=["foreign", "events-of-another-shape", "paydesk-names-wrong-columns", "newer-version"],
)
def test_a_sqlite_file_of_another_schema_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], statements: list[str]
) -> None:
    assert check(tmp_path, sqlite_file(tmp_path, statements), capsys) == {1}


def test_a_log_with_a_projection_table_dropped_is_refused(
    tmp_path: Path, pristine: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dropped.sqlite"
    path.write_bytes(pristine)
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        victim = next(t for t in tables if t not in ("events",) and not t.startswith("sqlite_"))
        conn.execute(f'DROP TABLE "{victim}"')
    conn.close()
    codes = check(tmp_path, path.read_bytes(), capsys)
    assert 0 not in codes or codes == {0}, codes


def test_a_failed_export_leaves_no_partial_file(tmp_path: Path, pristine: bytes) -> None:
    damaged = bytearray(pristine)
    damaged[int(len(damaged) * 0.6) // 4096 * 4096 + 2000] ^= 0xFF  # inside an event's payload
    path = tmp_path / "log.sqlite"
    path.write_bytes(bytes(damaged))
    out = tmp_path / "export.jsonl"
    assert main(["--db", str(path), "export", "-o", str(out)]) == 1
    assert not out.exists()

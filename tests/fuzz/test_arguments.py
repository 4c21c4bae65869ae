"""Fuzz: command-line arguments and configuration through `console.cli.main([...])`, in-process.

Anything wrong is exit code 1 and exactly one line on stderr (`paydesk: error: …`), never a traceback and
never the last-resort `internal error`; workers outside 1-20 are clamped with one warning line. Runs that
get past the configuration talk to a sandbox served from a thread (a dry run or `doctor`: nothing written).
"""

from __future__ import annotations

import argparse
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.cli import main
from console.commands.run_cmds import load_settings
from engine.workspace.config import LOGICAL_DATABASES
from sandbox.demo import DemoWorkspace, render_config
from sandbox.options import SandboxOptions
from sandbox.server import open_sandbox
from tests.cli_output import without_progress
from tests.engine.conftest import MONTH, seed_into

TOKEN = "secret_fuzz_arguments_token"
FUZZ = settings(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Served:
    base_url: str
    workspace: DemoWorkspace


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The small demo workspace served by a sandbox in its own thread (its own trio run)."""
    data = tmp_path_factory.mktemp("args-sandbox")
    ready: queue.Queue[tuple[Served, trio.lowlevel.TrioToken, trio.Event] | BaseException] = queue.Queue()

    async def serve() -> None:
        try:
            async with open_sandbox(data, SandboxOptions(token=TOKEN)) as sandbox:
                workspace = await seed_into(sandbox)
                stop = trio.Event()
                ready.put((Served(sandbox.base_url, workspace), trio.lowlevel.current_trio_token(), stop))
                await stop.wait()
        except BaseException as err:  # pragma: no cover - reported to the test
            ready.put(err)
            raise

    thread = threading.Thread(target=trio.run, args=(serve,), daemon=True)
    thread.start()
    got = ready.get(timeout=60)
    if isinstance(got, BaseException):
        raise got
    served_, token, stop = got
    try:
        yield served_
    finally:
        trio.from_thread.run_sync(stop.set, trio_token=token)
        thread.join(timeout=30)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    monkeypatch.setenv("PAYDESK_HOME", str(tmp_path / "home"))
    for name in ("PAYDESK_CONFIG", "PAYDESK_DB", "PAYDESK_WORKERS", "NOTION_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def sources(ids: dict[str, str] | None = None, *, without: str = "") -> str:
    ids = ids or {name: f"ds-{name}" for name in LOGICAL_DATABASES}
    return "[data_sources]\n" + "".join(f'{k} = "{v}"\n' for k, v in ids.items() if k != without)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *, mentions: str = "") -> None:
    assert code == 1, err
    err = without_progress(err)
    assert err.count("\n") == 1 and err.startswith("paydesk: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    assert TOKEN not in err
    assert mentions.casefold() in err.casefold(), err


# ---- arguments ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["2025-13", "2025-00", "25-01", "2025-1", "", "2025-01-01", "janvier"])
def test_a_bad_month_is_one_line_and_exit_1(
    env: Path, capsys: pytest.CaptureFixture[str], month: str
) -> None:
    code, out, err = run(capsys, "run", "commit", "--month", month, "--batch", "15")
    assert_one_line_error(code, err, mentions="--month")
    assert out == ""


@settings(FUZZ, max_examples=60)
@given(month=st.text(max_size=12), kind=st.sampled_from(["commit", "generate", "sync"]))
def test_any_month_is_either_accepted_or_refused_in_one_line(
    env: Path, capsys: pytest.CaptureFixture[str], month: str, kind: str
) -> None:
    extra = ["--type", "payroll"] if kind == "generate" else []
    missing = str(env / "no-such-config.toml")
    try:
        code, _, err = run(
            capsys, "--config", missing, "run", kind, *extra, "--month", month, "--batch", "15"
        )
    except SystemExit as exit_:  # argparse's own exits (e.g. --help-like input) must not happen
        raise AssertionError(f"main() exited with {exit_.code}") from None
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("paydesk: error: ") and "internal error" not in err


def test_a_month_in_full_width_digits_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "run", "commit", "--month", "２０２５-０１", "--batch", "15")
    assert_one_line_error(code, err, mentions="--month")


@pytest.mark.parametrize("batch", ["7", "0", "-1", "abc", "15.0", ""])
def test_a_batch_other_than_1_or_15_is_one_line(
    env: Path, capsys: pytest.CaptureFixture[str], batch: str
) -> None:
    code, out, err = run(capsys, "run", "commit", "--month", "2026-01", "--batch", batch)
    assert_one_line_error(code, err, mentions="batch")
    assert out == ""


@pytest.mark.parametrize("workers", ["abc", "", "1.5", "5 workers", "0x10"])
def test_workers_that_are_not_a_number_are_one_line(
    env: Path, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    config = env / "c.toml"
    config.write_text(sources())
    code, _, err = run(
        capsys,
        "--config",
        str(config),
        "run",
        "commit",
        "--month",
        "2026-01",
        "--batch",
        "15",
        "--workers",
        workers,
    )
    assert_one_line_error(code, err, mentions="--workers")


@pytest.mark.parametrize(("given_", "used"), [("0", 1), ("25", 20), ("-5", 1)])
def test_workers_outside_1_to_20_are_clamped_with_one_warning(
    env: Path, capsys: pytest.CaptureFixture[str], served: Served, given_: str, used: int
) -> None:
    config = env / "c.toml"
    config.write_text(render_config(served.base_url, served.workspace).replace("rate = 3.0", "rate = 500.0"))
    db = str(env / "log.sqlite")
    code, out, err = run(
        capsys,
        *("--config", str(config), "--db", db, "run", "commit", "--month", MONTH, "--batch", "15"),
        *("--workers", given_, "--dry-run", "--json"),
    )
    assert code == 0, err
    assert without_progress(err) == f"paydesk: warning: workers {given_} is outside 1-20; using {used}\n"
    assert '"status": "planned"' in out
    args = argparse.Namespace(config=str(config), db=db, workers=given_)
    settings_, _ = load_settings(args)
    capsys.readouterr()
    assert settings_.workers == used


# ---- configuration -----------------------------------------------------------------------------------

BAD_CONFIGS = [
    (sources(without="payouts"), "missing payouts"),
    (sources() + 'rates_v2 = "x"\n', "unknown name"),
    ("[data_sources]\npayables = 3\n", "missing"),
    ("data_sources = 7\n", "must be a table"),
    ("[notion]\nrate = 'fast'\n" + sources(), "rate"),
    ("[notion]\nrate = 0\n" + sources(), "rate"),
    ("[notion]\nburst = 1.5\n" + sources(), "burst"),
    ("[notion]\nbase_url = 'ftp://x'\n" + sources(), "base_url"),
    ("[engine]\nworkers = 'many'\n" + sources(), "workers"),
    ("[engine]\nworkers = true\n" + sources(), "workers"),
    ("[properties.nope]\na = 'b'\n" + sources(), "unknown database"),
    ("[properties.payables]\n'Payment Status' = 3\n" + sources(), "properties.payables"),
    ("[data_sources\n", "not valid TOML"),
    ("", "no [data_sources]"),
]


@pytest.mark.parametrize(("text", "mentions"), BAD_CONFIGS)
def test_a_bad_configuration_is_one_line_and_exit_1(
    env: Path, capsys: pytest.CaptureFixture[str], text: str, mentions: str
) -> None:
    config = env / "c.toml"
    config.write_text(text)
    before = config.read_bytes()
    code, out, err = run(
        capsys, "--config", str(config), "run", "commit", "--month", "2026-01", "--batch", "15"
    )
    assert_one_line_error(code, err, mentions=mentions)
    assert out == "" and config.read_bytes() == before


def test_an_unreadable_configuration_is_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = env / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00[data_sources]\x80")
    directory = env / "a-directory.toml"
    directory.mkdir()
    for path, mentions in (
        (binary, "cannot read"),
        (directory, "cannot read"),
        (env / "absent.toml", "no configuration"),
    ):
        code, _, err = run(capsys, "--config", str(path), "doctor")
        assert_one_line_error(code, err, mentions=mentions)


def test_no_token_is_one_line_that_says_where_to_put_it(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTION_TOKEN")
    config = env / "c.toml"
    config.write_text(sources())
    code, _, err = run(
        capsys, "--config", str(config), "run", "commit", "--month", "2026-01", "--batch", "15"
    )
    assert_one_line_error(code, err, mentions="NOTION_TOKEN")


def test_a_renamed_property_missing_from_the_workspace_refuses_the_job_in_one_line(
    env: Path, capsys: pytest.CaptureFixture[str], served: Served
) -> None:
    config = env / "c.toml"
    text = render_config(served.base_url, served.workspace).replace("rate = 3.0", "rate = 500.0")
    config.write_text(text + '\n[properties.payables]\n"Payment Status" = "Paid State"\n')
    code, _, err = run(
        capsys,
        "--config",
        str(config),
        "--db",
        str(env / "l.sqlite"),
        "run",
        "commit",
        "--month",
        MONTH,
        "--batch",
        "15",
        "--dry-run",
    )
    assert_one_line_error(code, err, mentions="Paid State")


def test_a_rename_of_an_unknown_property_name_is_refused(
    env: Path, capsys: pytest.CaptureFixture[str], served: Served
) -> None:
    config = env / "c.toml"
    text = render_config(served.base_url, served.workspace).replace("rate = 3.0", "rate = 500.0")
    config.write_text(text + '\n[properties.payables]\n"Paymnt Status" = "Payment Status"\n')
    code, _, err = run(
        capsys,
        "--config",
        str(config),
        "--db",
        str(env / "l.sqlite"),
        "run",
        "commit",
        "--month",
        MONTH,
        "--batch",
        "15",
        "--dry-run",
    )
    assert_one_line_error(code, err, mentions="Paymnt Status")


# ---- random configurations through `doctor` ----------------------------------------------------------

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-30, 30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=2),
)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if value != value
            else ("inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value))
        )
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    return str(value)


@settings(FUZZ, max_examples=40)
@given(
    engine=st.dictionaries(st.sampled_from(["workers", "unknown"]), values, max_size=2),
    notion=st.dictionaries(st.sampled_from(["burst", "notion_version", "token_file"]), values, max_size=2),
    drop=st.sets(st.sampled_from(LOGICAL_DATABASES), max_size=2),
    junk_id=st.sampled_from((*LOGICAL_DATABASES, "")),
)
def test_any_configuration_is_used_or_refused_in_one_line(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    served: Served,
    engine: dict[str, object],
    notion: dict[str, object],
    drop: set[str],
    junk_id: str,
) -> None:
    ids = {k: v for k, v in served.workspace.data_sources.items() if k not in drop}
    if junk_id in ids:
        ids[junk_id] = "not-a-data-source"
    lines = ["[notion]", f'base_url = "{served.base_url}"', "rate = 500.0", "timeout_s = 5.0"]
    lines += [f"{k} = {toml_value(v)}" for k, v in notion.items() if v is not None]
    lines += ["[engine]", *(f"{k} = {toml_value(v)}" for k, v in engine.items() if v is not None)]
    config = env / "fuzz.toml"
    config.write_text("\n".join(lines) + "\n" + sources(ids))
    code, out, err = run(capsys, "--config", str(config), "doctor", "--json")
    assert "Traceback" not in err and "internal error" not in err, err
    assert TOKEN not in out + err
    warnings = [line for line in err.splitlines() if line.startswith("paydesk: warning: ")]
    errors = [line for line in err.splitlines() if not line.startswith("paydesk: warning: ")]
    if code == 1 and not out:
        assert len(errors) == 1 and errors[0].startswith("paydesk: error: "), err
    else:
        assert code in (0, 1) and not errors, err
        assert '"ok"' in out
    assert len(warnings) <= 1

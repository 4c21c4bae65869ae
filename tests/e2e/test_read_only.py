"""Read-only access sends no write request, counted at the sandbox.

The log holds three jobs that would write if anyone let them: a commit's dry run (resume executes its
plan), a refund generation with a failed payout (retry creates it) and a sync killed with SIGKILL while a
create hung (resume finishes it). Then:

- `paydesk … --read-only` on `run`, `resume` and `retry` is refused in one line (only the console has a
  read-only mode), and reaches the sandbox with no request at all;
- the console opened read-only (as `paydesk console --read-only` opens it, with the configuration
  present) is driven with Pilot through every writing key on every job, on the Jobs screen, the Job
  screen and the Item screen, and through `n` (new job). Each attempt is refused with the read-only
  notice and no confirmation dialog opens; the sandbox counts 0 requests (and so 0 POST/PATCH/DELETE
  other than queries), and the log's head is unchanged;
- the control: the same console opened writable, the same ctrl+e on the dry run and ctrl+y, makes the
  sandbox count the plan's writes. So the keys pressed above do reach the writing actions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable

from console.app import ConsoleSettings, PaydeskApp
from console.cli import main
from console.screens.actions import ACTIONS
from console.screens.dialogs import ConfirmScreen, RetryScreen
from console.screens.item import ItemScreen
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from console.screens.new_job import NewJobScreen
from console.widgets.key_bar import KeyBar
from eventlog import EventLog
from sandbox.options import DEFAULT_TOKEN
from tests.console.conftest import SIZE, ServedDemo, serve_demo_in_thread, showing, wait_until
from tests.engine.conftest import MONTH

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
WRITING_KEYS = ("ctrl+e", "ctrl+r", "ctrl+k")
READ_ONLY_NOTICES = (
    "this console is read-only: it never writes",
    "this console is read-only: it cannot start jobs",
)


class RecordingApp(PaydeskApp):
    """The console, keeping every notification it shows and every modal screen it opens."""

    def __init__(self, settings: ConsoleSettings) -> None:
        super().__init__(settings)
        self.notes: list[str] = []
        self.dialogs: list[str] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.notes.append(message)
        super().notify(message, *args, **kwargs)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(screen, ConfirmScreen | RetryScreen | NewJobScreen):
            self.dialogs.append(type(screen).__name__)
        return super().push_screen(screen, *args, **kwargs)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedDemo]:
    yield from serve_demo_in_thread(tmp_path / "sandbox", rate=1000.0)


def environment(demo: ServedDemo, tmp_path: Path) -> dict[str, str]:
    lines = ["[notion]", f'base_url = "{demo.config.notion.base_url}"', "rate = 1000.0", "burst = 1000"]
    lines += ["timeout_s = 30.0", "", "[data_sources]"]
    lines += [f'{name} = "{source}"' for name, source in demo.config.data_sources.items()]
    config = tmp_path / "paydesk.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if "LLM" not in k and k != "OPENROUTER_API_KEY"}
    return env | {
        "PAYDESK_CONFIG": str(config),
        "PAYDESK_DB": str(demo.db_path),
        "PAYDESK_HOME": str(tmp_path / "home"),
        "NOTION_TOKEN": DEFAULT_TOKEN,
    }


def paydesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def sandbox(demo: ServedDemo, method: str, path: str, body: Any = None) -> Any:
    with httpx.Client(base_url=demo.base_url) as http:
        answer = http.request(method, f"/_sandbox/{path}", json=body)
        answer.raise_for_status()
        return answer.json()


def writes_counted(stats: dict[str, Any]) -> int:
    """POST/PATCH/DELETE requests other than queries and searches (which only read)."""
    return sum(
        row["count"]
        for route, row in stats["by_route"].items()
        if route.split(" ")[0] in ("POST", "PATCH", "DELETE") and not route.endswith(("/query", "/search"))
    )


def make_three_writable_jobs(demo: ServedDemo, env: dict[str, str]) -> dict[str, str]:
    """job kind -> job id: a dry run, a generation with a failed item, and a sync killed mid-run."""
    planned = paydesk(env, "run", "commit", "--month", MONTH, "--batch", "15", "--dry-run", "--json")
    assert planned.returncode == 0, planned.stderr

    payouts, orders = demo.config.data_sources["payouts"], demo.config.data_sources["orders"]
    sandbox(demo, "POST", "faults", {"targeted": [{"create_in": payouts, "status": 400, "count": 1}]})
    failed = paydesk(env, "run", "generate", "--type", "refund", "--month", MONTH, "--json")
    assert failed.returncode == 2, failed.stdout + failed.stderr

    # The sync's Order create hangs (never answered); the process is killed while it waits.
    sandbox(demo, "POST", "faults", {"targeted": [{"create_in": orders, "status": "timeout", "count": 1}]})
    process = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "run", "sync", "--month", MONTH, "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(3000):  # polling another process's server: there is no event to wait on
            if sandbox(demo, "GET", "stats")["by_status"].get("timeout"):
                break
            try:
                process.wait(timeout=0.02)
                break  # it ended: the assertion below says so
            except subprocess.TimeoutExpired:
                pass
        assert process.poll() is None, "the sync ended before its create hung"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    with EventLog(demo.db_path, read_only=True) as log:
        jobs = {job.kind: job.job_id for job in log.jobs()}
    assert set(jobs) == {"commit", "generate", "sync"}
    return jobs


def log_state(db: Path) -> tuple[Any, ...]:
    with EventLog(db, read_only=True) as log:
        return (log.head(), [(job.job_id, job.status, job.steps_succeeded) for job in log.jobs()])


async def test_read_only_sends_no_write_request_counted_at_the_sandbox(
    served: ServedDemo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = environment(served, tmp_path)
    jobs = make_three_writable_jobs(served, env)
    before = log_state(served.db_path)
    sandbox(served, "POST", "stats/reset")

    # The command line has no read-only mode outside the console: asking for one is refused before any
    # configuration is read (in-process: `paydesk` is `console.cli.main`).
    for args in (
        ("run", "commit", "--month", MONTH, "--batch", "15", "--read-only"),
        ("run", "sync", "--month", MONTH, "--read-only"),
        ("resume", jobs["sync"], "--read-only"),
        ("retry", jobs["generate"], "--read-only"),
    ):
        assert main(list(args)) == 1
        refused = capsys.readouterr()
        assert refused.err.count("\n") == 1 and "--read-only" in refused.err and refused.out == "", refused

    settings = ConsoleSettings(
        db_path=served.db_path, config=served.config, read_only=True, default_month=MONTH
    )
    app = RecordingApp(settings)
    attempts = 0
    async with app.run_test(size=SIZE) as pilot:
        assert app.host is None
        jobs_screen = app.screen
        assert isinstance(jobs_screen, JobsScreen)
        table = jobs_screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        await pilot.press("n")
        attempts += 1
        for row in range(3):
            table.move_cursor(row=row)
            await pilot.pause()
            for key in WRITING_KEYS:
                await pilot.press(key, "ctrl+y")
                attempts += 1
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, JobScreen))
            job_screen = app.screen
            assert isinstance(job_screen, JobScreen)
            items = job_screen.query_one("#items", DataTable)
            await wait_until(pilot, lambda: items.row_count > 0)  # noqa: B023 (awaited here, in this round)
            await pilot.press("space")
            for key in WRITING_KEYS:
                await pilot.press(key, "ctrl+y")
                attempts += 1
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, ItemScreen))
            await pilot.press("ctrl+r", "ctrl+y")
            attempts += 1
            await pilot.press("escape", "escape")
            await wait_until(pilot, lambda: app.screen is jobs_screen)
        bar = str(app.screen.query_one(KeyBar).render())
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for spec in ACTIONS:
            if spec.writes:
                assert f" {spec.short or spec.title} " not in bar, bar
                assert not any(title.startswith(f"{spec.title} (") for title in titles), titles
        assert not app.send(lambda engine: engine.resume(jobs["commit"]), f"resume {jobs['commit']}")
        attempts += 1
        await pilot.pause()
    # Every writing key was pressed (attempts), and none is even offered: the key bar and the palette hide
    # them and a press does nothing; only the send made straight to the app is refused, with its notice.
    assert attempts == 1 + 3 * 7 + 1
    refusals = [note for note in app.notes if note in READ_ONLY_NOTICES]
    assert len(refusals) == 1, app.notes
    assert app.dialogs == []
    assert not any(line.startswith("sent ") for line in app.journal)

    stats = sandbox(served, "GET", "stats")
    assert writes_counted(stats) == 0 and stats["totals"]["writes"] == 0
    assert stats["totals"]["total"] == 0, stats["by_route"]  # a read-only console opens no engine at all
    assert log_state(served.db_path) == before

    # The control: writable, the same keys on the dry run execute it, and the sandbox counts its writes.
    writable = RecordingApp(
        ConsoleSettings(db_path=served.db_path, config=served.config, default_month=MONTH, offer_resume=False)
    )
    async with writable.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in writable.journal)
        table = writable.screen.query_one("#jobs", DataTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        commit_row = next(i for i, key in enumerate(table.rows) if key.value == jobs["commit"])
        table.move_cursor(row=commit_row)
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(writable.screen, ConfirmScreen))
        await pilot.press("ctrl+y")

        def completed() -> bool:
            with EventLog(served.db_path, read_only=True) as log:
                job = log.job(jobs["commit"])
                return job is not None and job.status == "completed"

        await wait_until(pilot, completed, limit_s=90)
    stats = sandbox(served, "GET", "stats")
    assert writes_counted(stats) == stats["totals"]["writes"] > 0

"""Operator actions from the console: resume, retry (naming the count), cancel, export, verify, replay,
the Log screen's filters, and every action reachable from `?` and the command palette."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, RichLog, Static

from console.app import PaydeskApp
from console.screens.actions import ACTIONS
from console.screens.dialogs import ConfirmScreen, ExportScreen, ReportScreen, RetryScreen
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from console.screens.log import LogScreen
from eventlog import EventLog
from tests.console.conftest import SIZE, ServedDemo, journal_has, showing, wait_until

pytestmark = pytest.mark.asyncio
PARAMS = {"month": "2026-01", "batch": 15, "today": "2026-01-16"}


def notes(app: PaydeskApp) -> list[str]:
    return [note.message for note in app._notifications]


def job_status(db: Path, job_id: str) -> str | None:
    with EventLog(db, read_only=True) as log:
        row = log.job(job_id)
        return None if row is None else row.status


async def test_resume_executes_a_dry_run_and_retry_all_finishes_a_failed_payout(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings())
    ids: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        app.send(lambda e: e.start("commit", PARAMS, dry_run=True), "plan", lambda a: ids.append(a.value))
        await wait_until(pilot, lambda: bool(ids) and job_status(demo.db_path, ids[0]) == "planned")
        job_id = ids[0]
        with EventLog(demo.db_path, read_only=True) as log:
            payout = next(s for s in log.steps(job_id) if s.data_source == "payouts" and s.before != s.after)
        await demo.faults(targeted=[{"page_id": payout.target, "status": 400, "count": 1}])

        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: any(r.job_id == job_id for r in jobs.rows))
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        await pilot.press("ctrl+y")  # the dialog's confirm key: a click can land before it is laid out
        await wait_until(pilot, lambda: job_status(demo.db_path, job_id) == "completed_with_failures")
        assert journal_has(app, f"sent resume {job_id}")

        await wait_until(pilot, lambda: any(r.status == "completed_with_failures" for r in jobs.rows))
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen))  # pushed once its rows are read
        job_screen = app.screen
        assert isinstance(job_screen, JobScreen)
        await wait_until(pilot, lambda: job_screen.job is not None)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: showing(app, RetryScreen))
        retry = app.screen
        assert isinstance(retry, RetryScreen)
        assert "Retry all 1 failed or blocked items" in str(retry.query_one("#all").render())
        await pilot.click("#all")
        await wait_until(pilot, lambda: job_status(demo.db_path, job_id) == "completed")
        assert journal_has(app, f"sent retry {job_id} 1 item(s) all")
    with EventLog(demo.db_path, read_only=True) as log:
        row = log.job(job_id)
        assert row is not None and row.retry_requests == 1 and row.items_failed == 0


async def test_cancel_asks_the_running_job_to_stop_after_a_confirmation(slower_demo: ServedDemo) -> None:
    app = PaydeskApp(slower_demo.settings())
    ids: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        app.send(lambda e: e.start("commit", PARAMS), "run", lambda a: ids.append(a.value))
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: any(r.status == "running" for r in jobs.rows), limit_s=40)
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        await pilot.press("escape")  # no: nothing is sent
        assert not journal_has(app, "sent cancel")
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        await pilot.press("ctrl+y")  # the dialog's confirm key: a click can land before it is laid out
        await wait_until(pilot, lambda: job_status(slower_demo.db_path, ids[0]) == "cancelled")
        assert journal_has(app, f"sent cancel {ids[0]}")


async def test_export_verify_replay_and_the_log_tail(demo: ServedDemo, tmp_path: Path) -> None:
    app = PaydeskApp(demo.settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        ids: list[str] = []
        app.send(lambda e: e.start("commit", PARAMS), "run", lambda a: ids.append(a.value))
        await wait_until(pilot, lambda: bool(ids) and job_status(demo.db_path, ids[0]) == "completed")

        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        target = tmp_path / "audit.jsonl"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.click("#export")
        await wait_until(pilot, lambda: journal_has(app, "exported"))
        lines = target.read_text().splitlines()
        assert "chain_head" in json.loads(lines[-1])
        assert target.stat().st_mode & 0o777 == 0o600  # names and amounts: its owner's only, like the log

        # the same file again: refused in one line, the first export kept
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.click("#export")
        await wait_until(pilot, lambda: any("already exists" in m for m in notes(app)))
        assert target.read_text().splitlines() == lines

        await pilot.press("v")
        await wait_until(pilot, lambda: showing(app, ReportScreen))
        assert journal_has(app, "verify: The chain of ")
        await pilot.press("escape", "R")
        await wait_until(pilot, lambda: journal_has(app, "replay: Replaying the "))
        await wait_until(pilot, lambda: showing(app, ReportScreen))
        await pilot.press("escape", "l")
        log = app.screen
        assert isinstance(log, LogScreen)
        await wait_until(pilot, lambda: len(log.shown) > 10)
        log.query_one("#type", Input).value = "step.succeeded"
        await pilot.pause()
        assert {record.type for record in log.shown} == {"step.succeeded"}
        lines = [strip.text for strip in log.query_one("#events", RichLog).lines]
        assert len(lines) == len(log.shown) and all(" step.succeeded " in line for line in lines)


async def test_help_and_palette_list_every_action_and_read_only_hides_the_writing_ones(
    demo: ServedDemo,
) -> None:
    writing_on_plain_keys = [a for a in ACTIONS if a.writes and not a.key.startswith("ctrl+")]
    # new_job opens a form and plan (f5) makes a dry run: neither writes to Notion; executing needs a confirm
    assert [a.action for a in writing_on_plain_keys] == ["new_job", "plan"]
    EventLog(demo.db_path).close()
    for read_only in (False, True):
        app = PaydeskApp(demo.settings(read_only=read_only, offer_resume=False))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, ReportScreen)
            shown = str(app.screen.query_one("#body", Static).render())
            assert "ctrl+e" in shown and "Export" in shown
            await pilot.press("escape")
            titles = [command.title for command in app.get_system_commands(app.screen)]
            assert "Export (e)" in titles and "Verify the chain (v)" in titles
            assert ("Resume job (ctrl+e)" in titles) is not read_only


async def test_every_key_of_the_app_its_screens_and_lists_is_defined_once_in_actions() -> None:
    from console.screens.item import ItemScreen
    from console.screens.list_table import ListTable
    from console.screens.new_job import NewJobScreen

    specs = {(a.where, a.binding.key, a.action) for a in ACTIONS}
    owners = {
        "app": PaydeskApp,
        "JobsScreen": JobsScreen,
        "JobScreen": JobScreen,
        "ItemScreen": ItemScreen,
        "NewJobScreen": NewJobScreen,
        "LogScreen": LogScreen,
        "list": ListTable,
    }
    for where, owner in owners.items():
        for binding in owner.BINDINGS:
            assert not isinstance(binding, tuple), f"{where}: a key defined outside ACTIONS"
            key = getattr(binding, "key", None)
            action = getattr(binding, "action", None)
            place = "screen" if where == "LogScreen" else where
            assert (place, key, action) in specs or ("screen", key, action) in specs, (where, key)
    # the ? help of each screen lists every key it answers to
    from console.screens.actions import help_text

    for where in owners:
        if where in ("app", "list"):
            continue
        shown = help_text(where, read_only=False)
        for spec in ACTIONS:
            if spec.where in (where, "app", "list", "screen") and spec.key not in ("escape",):
                assert f"{spec.key:>8}" in shown or spec.where == "screen", (where, spec.key)
    assert len({(a.where, a.key) for a in ACTIONS}) == len(ACTIONS), "a key bound twice in one place"


async def test_j_and_k_move_in_lists_and_g_goes_back_to_the_jobs(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        ids: list[str] = []
        for batch in (15, 1):
            params = {**PARAMS, "batch": batch}
            app.send(
                lambda e, p=params: e.start("commit", p, dry_run=True), "plan", lambda a: ids.append(a.value)
            )
        await wait_until(pilot, lambda: len(ids) == 2 and all(job_status(demo.db_path, i) for i in ids))
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        table = jobs.query_one("#jobs")
        await wait_until(pilot, lambda: getattr(table, "row_count", 0) == 2)
        table.focus()
        assert getattr(table, "cursor_row", None) == 0
        await pilot.press("j")
        assert getattr(table, "cursor_row", None) == 1
        await pilot.press("k")
        assert getattr(table, "cursor_row", None) == 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        await pilot.press("g")
        await wait_until(pilot, lambda: app.screen is jobs)


async def test_export_offers_the_data_directory_beside_the_log(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(export_dir=None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: showing(app, ExportScreen))
        shown = app.screen.query_one("#path", Input).value
        assert Path(shown).parent == demo.db_path.parent, shown


async def test_p_writes_the_job_shown_as_a_report_beside_the_log(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(export_dir=None, offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        ids: list[str] = []
        app.send(lambda e: e.start("commit", PARAMS), "run", lambda a: ids.append(a.value))
        await wait_until(pilot, lambda: bool(ids) and job_status(demo.db_path, ids[0]) == "completed")
        await pilot.press("p")  # on the Jobs screen: no job shown
        await wait_until(pilot, lambda: any("open a job first" in m for m in notes(app)))
        app.open_job(ids[0])
        await wait_until(pilot, lambda: showing(app, JobScreen))
        await pilot.press("p")
        page = demo.db_path.parent / f"{ids[0]}.html"
        await wait_until(pilot, lambda: journal_has(app, f"report {ids[0]} written"))
        assert page.stat().st_mode & 0o777 == 0o600 and "<svg id=chart" in page.read_text()
        await pilot.press("p")
        await wait_until(pilot, lambda: any("already exists" in m for m in notes(app)))

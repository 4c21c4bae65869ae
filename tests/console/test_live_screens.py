"""The operator's journey for every kind: a plan is made in New job and executed from the command palette;
the Job screen it lands on, while the job is still planned, follows it to its end with the counts the log
holds, never re-opened; a write Notion refuses shows as Notion's code and message on the Item screen, and
retrying it from there is watched to success on that same screen; each end of a run is announced once by a
toast."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Static

from console.app import PaydeskApp, end_toast
from console.screens.data import (
    LiveProgress,
    cascade,
    duration_text,
    failure_text,
    item_name,
    item_status,
    job_progress,
    job_summary,
    job_words,
    replay_text,
    verify_text,
)
from console.screens.dialogs import ConfirmScreen, ReportScreen, RetryScreen
from console.screens.item import ItemScreen
from console.screens.job import JobScreen
from console.widgets.tables import row_text
from eventlog import ChainHead, EventLog, ItemRow, JobRow, ReplayReport, StepRow, VerifyReport
from tests.console.conftest import FIXED_NOW, MONTH, SIZE, ServedDemo, showing, wait_until
from tests.console.test_new_job_kinds import (
    choose_kind,
    open_new_job,
    plan,
    run_palette_command,
    table_rows,
)

TODAY = "2026-01-16"
JOURNEYS = {
    "commit": {"month": MONTH, "batch": 15, "today": TODAY},
    "generate": {"type": "payroll", "month": MONTH},
    "sync": {"month": MONTH},
}
OPTION_OF = {"commit": "commit", "generate": "payroll", "sync": "sync"}  # New job's option for the kind
FINAL = ("completed", "completed_with_failures", "failed", "cancelled", "interrupted")
NOTION_ERROR = re.compile(r"^[a-z_]+: ")


def job_row(db: Path, job_id: str) -> JobRow | None:
    with EventLog(db, read_only=True) as log:
        return log.job(job_id)


def status_of(db: Path, job_id: str) -> str | None:
    row = job_row(db, job_id)
    return None if row is None else row.status


def first_write(db: Path, job_id: str) -> StepRow:
    """The first step of the plan that writes (its target is not already at the value)."""
    with EventLog(db, read_only=True) as log:
        return next(step for step in log.steps(job_id) if step.before != step.after)


def fault_on(step: StepRow, demo: ServedDemo) -> dict[str, Any]:
    """A permanent refusal (400 validation_error) of the next write `step` makes: an update of its page,
    or a creation in its data source."""
    if step.kind == "create":
        return {"create_in": demo.config.data_sources[step.data_source], "status": 400, "count": 1}
    return {"page_id": step.target, "status": 400, "count": 1}


def summary_lines(screen: JobScreen | ItemScreen) -> list[str]:
    return str(screen.query_one("#summary", Static).render()).splitlines()


def toasts(app: PaydeskApp, job_id: str) -> list[str]:
    return [line for line in app.journal if line.startswith(f"toast {job_id}:")]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", sorted(JOURNEYS))
async def test_the_job_and_item_screens_follow_a_job_through_a_failure_and_its_retry(
    slow_demo: ServedDemo, kind: str
) -> None:
    demo = slow_demo
    db = demo.db_path
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        # Plan it in New job as an operator does, read the plan, then execute it from the palette.
        new_job = await open_new_job(pilot, app)
        await choose_kind(pilot, new_job, OPTION_OF[kind])
        job_id = await plan(pilot, new_job)
        assert job_row(db, job_id) is not None and status_of(db, job_id) == "planned"
        assert table_rows(new_job), "the plan lists its items"
        await demo.faults(targeted=[fault_on(first_write(db, job_id), demo)])
        await run_palette_command(pilot, app, "Execute this plan")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        job_screen = app.screen
        assert isinstance(job_screen, JobScreen)
        seen: list[str] = []

        def job_status_shown() -> str:
            lines = summary_lines(job_screen)
            status = lines[0].split("status ", 1)[1].split()[0] if lines and "status " in lines[0] else ""
            if status and (not seen or seen[-1] != status):
                seen.append(status)
            return status

        await wait_until(pilot, lambda: job_status_shown() in FINAL, limit_s=120)
        assert app.screen is job_screen  # never left, never re-opened
        assert seen[0] in ("planned", "running") and seen[-1] == "completed_with_failures"

        row = job_row(db, job_id)
        assert row is not None and row.status == "completed_with_failures" and row.items_failed == 1
        await wait_until(pilot, lambda: f"{row.items_succeeded} succeeded" in summary_lines(job_screen)[1])
        items_line = summary_lines(job_screen)[1]
        assert items_line.startswith(f"items {row.items_total}: ")
        assert f"{row.items_failed} failed, {row.items_blocked} blocked" in items_line
        done, total = job_progress(row)
        assert f"steps {done} of {total} settled" in summary_lines(job_screen)[2]

        # The failed item, by its business key, with Notion's code and message (no step key).
        table = job_screen.query_one("#items", DataTable)
        await wait_until(
            pilot, lambda: any(row_text(table, i)[2] == "failed" for i in range(table.row_count))
        )
        index = next(i for i in range(table.row_count) if row_text(table, i)[2] == "failed")
        with EventLog(db, read_only=True) as log:
            failed = next(item for item in log.items(job_id) if item.status == "failed")
            failed_step = next(s for s in log.steps(job_id, failed.item_key) if s.status == "failed")
        cells = row_text(table, index)
        assert cells[1] == item_name(failed) and failed.item_key not in cells[1]
        assert cells[5].startswith(f"{failed_step.error_code}: ") and failed_step.step_key not in cells[5]
        await wait_until(pilot, lambda: toasts(app, job_id) != [])
        assert "1 failed" in toasts(app, job_id)[0]

        table.move_cursor(row=index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, ItemScreen))
        item_screen = app.screen
        assert isinstance(item_screen, ItemScreen)
        await wait_until(pilot, lambda: "status failed" in " ".join(summary_lines(item_screen)))
        title = str(item_screen.query_one("#title", Static).render())
        assert item_name(failed) in title and failed.item_key not in title
        header = " ".join(summary_lines(item_screen))
        assert f"last error: {failed_step.error_code}: {failed_step.last_error}" in header
        assert failed_step.step_key not in header

        # The timeline names the step by its label; the event in full (with the step key) is one key away.
        timeline = item_screen.query_one("#timeline", DataTable)
        await wait_until(pilot, lambda: timeline.row_count > 0)
        rows = [row_text(timeline, i) for i in range(timeline.row_count)]
        failure = next(i for i, cells in enumerate(rows) if cells[2] == "step.failed")
        assert f"{failed_step.error_code}: " in rows[failure][3]
        assert failed_step.step_key not in rows[failure][3]
        timeline.move_cursor(row=failure)
        await pilot.press("enter")
        await wait_until(pilot, lambda: showing(app, ReportScreen))
        full = str(app.screen.query_one("#body", Static).render())
        assert f"step key: {failed_step.step_key}" in full and f"code: {failed_step.error_code}" in full
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is item_screen)

        # Retry it from the Item screen and watch it succeed there.
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: showing(app, RetryScreen))
        one = app.screen.query_one("#one", Button)
        assert item_name(failed)[:40] in str(one.label) and failed.item_key not in str(one.label)
        await pilot.click("#one")
        await wait_until(pilot, lambda: app.screen is item_screen)
        await wait_until(
            pilot, lambda: "status succeeded" in " ".join(summary_lines(item_screen)), limit_s=90
        )
        assert "last error" not in " ".join(summary_lines(item_screen))
        await wait_until(pilot, lambda: timeline.row_count > len(rows))
        events = [row_text(timeline, i)[2] for i in range(timeline.row_count)]
        assert events.count("step.succeeded") > [r[2] for r in rows].count("step.succeeded")

        await wait_until(pilot, lambda: len(toasts(app, job_id)) == 2, limit_s=60)
        assert ": completed: " in toasts(app, job_id)[1]
        # the job's counts are the whole job's; the retry's own share is said under them
        assert "\nthis run: 1 of the job's " in toasts(app, job_id)[1]
        await pilot.press("escape")
        assert app.screen is job_screen
        await wait_until(pilot, lambda: job_status_shown() == "completed")
        row = job_row(db, job_id)
        assert row is not None and row.status == "completed" and row.items_failed == 0
        await wait_until(pilot, lambda: f"{row.items_succeeded} succeeded" in summary_lines(job_screen)[1])
        assert len(toasts(app, job_id)) == 2  # once per run: the execution, then the retry


@pytest.mark.asyncio
async def test_a_job_run_straight_from_the_app_is_followed_to_completed(slow_demo: ServedDemo) -> None:
    app = PaydeskApp(slow_demo.settings(offer_resume=False))
    ids: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        app.send(lambda e: e.start("commit", JOURNEYS["commit"]), "run commit", lambda a: ids.append(a.value))
        await wait_until(pilot, lambda: bool(ids))
        app.open_job(ids[0])
        await wait_until(pilot, lambda: showing(app, JobScreen))
        screen = app.screen
        assert isinstance(screen, JobScreen)
        await wait_until(pilot, lambda: "status completed" in summary_lines(screen)[0], limit_s=120)
        row = job_row(slow_demo.db_path, ids[0])
        assert row is not None
        await wait_until(pilot, lambda: f"{row.items_succeeded} succeeded" in summary_lines(screen)[1])
        assert app.screen is screen
        await wait_until(pilot, lambda: toasts(app, ids[0]) != [])
        assert toasts(app, ids[0]) == [
            f"toast {ids[0]}: Commit of January 2026, batch 15: completed: {row.items_succeeded} succeeded"
            + (f", {row.items_skipped} skipped" if row.items_skipped else "")
        ]


@pytest.mark.asyncio
async def test_verify_and_replay_answer_in_sentences(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "engine started" in app.journal)
        ids: list[str] = []
        app.send(lambda e: e.start("commit", JOURNEYS["commit"]), "run", lambda a: ids.append(a.value))
        await wait_until(pilot, lambda: bool(ids) and status_of(demo.db_path, ids[0]) == "completed")
        await pilot.press("v")
        await wait_until(pilot, lambda: showing(app, ReportScreen))
        body = str(app.screen.query_one("#body", Static).render())
        assert re.match(r"The chain of [\d,]+ events is intact: ", body)
        assert "{" not in body and "ok:" not in body
        await pilot.press("escape", "R")
        await wait_until(pilot, lambda: showing(app, ReportScreen))
        body = str(app.screen.query_one("#body", Static).render())
        assert re.match(r"Replaying the [\d,]+ events rebuilds exactly the tables the log holds", body)


# ---- the words, from rows ---------------------------------------------------------------------------------


def test_items_are_named_by_their_business_keys() -> None:
    payable = ItemRow("j", "2b3c-page", "INV-7", "payable", '{"invoice_id": "INV-7", "contractor": "Ada"}')
    order = ItemRow("j", "9f-page", "Order 12 (Ada)", "order", '{"source_id": "9f", "contractor": "Ada"}')
    sync = ItemRow("j", "c-page", "Ada: 2026-01 @ada", "contractor", '{"contractor": "Ada"}')
    bare = ItemRow("j", "k-page")
    assert [item_name(r) for r in (payable, order, sync, bare)] == [
        "INV-7 (Ada)",
        "Order 12 (Ada)",
        "Ada: 2026-01 @ada",
        "k-page",
    ]


def test_a_failure_is_notions_code_and_message_without_the_step_key() -> None:
    assert failure_text("payouts:p2:Status=Paid: validation_error: a: b") == "validation_error: a: b"
    assert (
        failure_text("orders:create:x: blocked: a step it needs failed") == "blocked: a step it needs failed"
    )
    assert failure_text("payables:p1:Payment Status=Paid: blocked: x: y") == "blocked: x: y"
    assert failure_text("free text, not from a step") == "free text, not from a step"
    assert failure_text(None) == ""


def test_a_contractor_with_nothing_to_do_is_skipped_not_pending() -> None:
    idle = ItemRow("j", "c", "Ada", "contractor", status="pending")
    waiting = ItemRow("j", "d", "Bo", "contractor", status="pending", n_planned=2)
    assert (item_status(idle), item_status(waiting)) == ("skipped", "pending")


def test_progress_after_a_resume_counts_what_earlier_runs_settled() -> None:
    row = JobRow("j", steps_succeeded=6, steps_failed=1, steps_blocked=1, steps_planned=4)
    assert job_progress(row) == (8, 12)
    assert job_progress(row, LiveProgress(done=2, total=4)) == (10, 12)  # this run has only the 4 left
    assert job_progress(JobRow("j"), LiveProgress(done=1, total=5)) == (1, 5)  # no plan in the log yet
    finished = JobRow("j", steps_succeeded=6, steps_failed=1, steps_blocked=2)  # the log is ahead of the
    assert job_progress(finished, LiveProgress(done=8, total=9)) == (9, 9)  # engine's last report of it
    assert duration_text(None, None, FIXED_NOW) == "—"  # a plan nobody executed took no time


def test_a_running_jobs_requests_are_said_to_be_those_of_the_runs_ended_so_far() -> None:
    # found walking the demo: "requests 12 reads, 0 writes" beside "48 succeeded" while the job ran (a
    # run's requests are recorded when it ends)
    running = JobRow("j", status="running", reads=12, steps_succeeded=48)
    line = next(ln for ln in job_summary(running, FIXED_NOW).plain.splitlines() if ln.startswith("requests"))
    assert line.startswith("requests (of the runs ended so far) 12 reads, 0 writes")
    ended = JobRow("j", status="completed", reads=21, writes=130)
    line = next(ln for ln in job_summary(ended, FIXED_NOW).plain.splitlines() if ln.startswith("requests"))
    assert line.startswith("requests 21 reads, 130 writes")


def test_a_job_is_named_in_words_and_its_end_toast_counts_its_items() -> None:
    assert job_words("commit", '{"month": "2026-01", "batch": 15}') == "commit of January 2026, batch 15"
    assert (
        job_words("generate", '{"type": "payroll", "month": "2026-02"}')
        == "generate payroll for February 2026"
    )
    assert job_words("sync", '{"month": "2026-01", "contractor": "Ada"}') == "sync of January 2026, for Ada"
    row = JobRow("j", "commit", '{"month": "2026-01", "batch": 1}', status="completed_with_failures")
    row.items_succeeded, row.items_failed, row.items_blocked = 3, 1, 2
    assert end_toast(row) == (
        "Commit of January 2026, batch 1",
        "completed_with_failures, 1 failed and 2 blocked: 3 succeeded, 1 failed, 2 blocked",
        "warning",
    )


def test_verify_and_replay_reports_read_as_sentences() -> None:
    head = ChainHead(1234, "ab" * 32)
    assert verify_text(VerifyReport(True, 1234, head)).startswith("The chain of 1,234 events is intact: ")
    broken = verify_text(VerifyReport(False, 40, head, first_broken=41, problem="its hash does not match"))
    assert broken.startswith("The chain is broken at event 41: its hash does not match.")
    assert replay_text(ReplayReport(1234, head, 1234)).startswith(
        "Replaying the 1,234 events rebuilds exactly"
    )


def test_a_step_written_by_a_retry_no_longer_shows_why_it_was_blocked() -> None:
    # found walking the demo: after a refund set back to Approved and a retry, the cascade read
    # "refund [refunds] succeeded — refund changed in Notion since the plan was made: …"
    reason = "refund changed in Notion since the plan was made: Status was Approved, is Rejected now"
    refund = StepRow("j", "i", "refunds:r", label="refund", data_source="refunds", reason=reason)
    payout = StepRow("j", "i", "payouts:p", label="payout", data_source="payouts", depends_on='["refunds:r"]')
    payout.reason = "not written because refund is blocked"
    refund.status = payout.status = "blocked"
    (node,) = cascade([payout, refund])
    assert node.text == "payout [payouts] blocked — not written because refund is blocked"
    assert node.children[0].text == f"refund [refunds] blocked — {reason}"
    refund.status = payout.status = "succeeded"  # the retry wrote them; the rows keep the old reasons
    (node,) = cascade([payout, refund])
    assert (node.text, node.children[0].text) == ("payout [payouts] succeeded", "refund [refunds] succeeded")
    skipped = StepRow("j", "i", "splits:s", label="invoice split", data_source="splits", status="skipped")
    skipped.reason = "already Paid"
    assert cascade([skipped])[0].text == "invoice split [splits] skipped — already Paid"

"""The line under a job's errors follows their reasons: retry what a retry can fix, plan again what the
engine blocked until a new plan (a retry checks the same plan and blocks it again)."""

from __future__ import annotations

from engine.run.preload import PreloadFact
from engine.run.report import what_next, why_nothing

JOB = "generate-20261207-054540-8a3f"
FAILED = {"item": "ORD :: an.do10 :: 202612 (An Do)", "error": "failed to create payout: 502 bad gateway"}
BLOCKED = {
    "item": "ORD :: bao.bui36 :: 202612 (Bao Bui)",
    "error": "payout blocked: its source was edited in Notion at 2026-12-07T05:51:14.088Z, after the plan "
    "was made; plan again",
}


def test_failures_a_retry_can_fix_are_retried() -> None:
    assert what_next(JOB, [FAILED]) == f"fix the cause, then `paydesk retry {JOB}`"


def test_blocks_until_a_new_plan_say_to_run_the_job_again_not_to_retry() -> None:
    line = what_next(JOB, [BLOCKED, BLOCKED])
    assert "paydesk retry" not in line
    assert line == (
        "these need a new plan, which a retry does not make: run the job again (what is done already is "
        "skipped)"
    )


def test_both_kinds_say_both() -> None:
    line = what_next(JOB, [FAILED, BLOCKED])
    assert line.startswith(f"fix the cause, then `paydesk retry {JOB}`; ")
    assert "those that say 'plan again' need a new plan: run the job again" in line


def test_plain_text_errors_count_too() -> None:
    assert "paydesk retry" not in what_next(JOB, ["order changed in Notion; plan again"])


def test_an_empty_plan_names_the_queries_that_found_nothing_in_words() -> None:
    """Found walking: a data source read whole (no filter) that was empty read "Contractors has no record
    with every record"."""
    facts = [
        PreloadFact("contractors", None, pages=0, requests=1, ms=3),
        PreloadFact("refunds", {"property": "Status", "status": {"equals": "Approved"}}, 0, 1, 3),
        PreloadFact("rates", None, pages=4, requests=1, ms=3),
    ]
    assert why_nothing(JOB, facts, skipped=0) == (
        "Contractors has no records; Refund Requests has no record with Status = Approved"
    )


def test_a_plan_whose_records_were_all_skipped_counts_them_in_words() -> None:
    assert why_nothing(JOB, [], skipped=1).startswith("the one record found was skipped (reasons above")
    assert why_nothing(JOB, [], skipped=3).startswith("all 3 records found were skipped (reasons above")

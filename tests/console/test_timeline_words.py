"""An item's timeline says its values as the command line does: nothing is "empty", a relation is counted;
a retry is counted in items, its keys (page ids) left to the event's full text.

Found walking the demo: a failed refund's Item screen read "payout Travel - Headset replacement: None →
created", Python's word for nothing, where `paydesk run … --dry-run` says "page: empty → created"."""

from __future__ import annotations

from pathlib import Path

from console.screens.data import item_timeline, params_text
from eventlog import (
    EventLog,
    ItemPlanned,
    JobCreated,
    RetryRequested,
    StepPlanned,
    StepSkipped,
    StepSucceeded,
)

OP, JOB, ITEM = "ops@example.com", "generate-x", "refund-1"


def test_empty_values_and_relations_are_said_in_words(tmp_path: Path) -> None:
    create, link = f"payouts:create:{ITEM}", f"refunds:{ITEM}:Payouts"
    with EventLog(tmp_path / "log.sqlite") as log:
        log.append(
            [
                JobCreated(job_id=JOB, operator=OP, kind="generate", params={}, selection_key="s"),
                ItemPlanned(job_id=JOB, operator=OP, item_key=ITEM, label="Refund 1", kind="refund", data={}),
                StepPlanned(
                    job_id=JOB,
                    operator=OP,
                    item_key=ITEM,
                    step_key=create,
                    kind="create",
                    target=f"refund:{ITEM}",
                    property="",
                    before=None,
                    after="created",
                    label="payout Refund 1",
                ),
                StepPlanned(
                    job_id=JOB,
                    operator=OP,
                    item_key=ITEM,
                    step_key=link,
                    kind="set",
                    target=ITEM,
                    property="Payouts",
                    before=["p1", "p2"],
                    after=["p1", "p2", "p3"],
                    label="refund Refund 1",
                ),
                StepSucceeded(job_id=JOB, operator=OP, item_key=ITEM, step_key=create, value=None),
                StepSkipped(
                    job_id=JOB,
                    operator=OP,
                    item_key=ITEM,
                    step_key=link,
                    reason="already at target",
                    current=None,
                ),
                RetryRequested(job_id=JOB, operator=OP, items=[ITEM], reason="console: 1 item(s)"),
            ]
        )
        details = [line.detail for line in item_timeline(log, JOB, ITEM)]
    assert "payout Refund 1: empty → created" in details
    assert "refund Refund 1: 2 linked → 3 linked" in details
    assert any(detail.startswith("payout Refund 1: → empty (request") for detail in details)
    assert "retry 1 item (console: 1 item(s))" in details  # its key, a page id, is in the full text
    assert not any("None" in detail or ITEM in detail for detail in details), details


def test_a_jobs_parameters_show_only_what_was_given() -> None:
    """Found walking the Jobs screen: every sync read "force=False hours_only=False month=2026-12"."""
    stored = '{"month": "2026-12", "force": false, "hours_only": false, "contractor": null, "batch": 15}'
    assert params_text(stored) == "month=2026-12 batch=15"
    given = '{"month": "2026-12", "force": true, "limit": 0}'
    assert params_text(given) == "month=2026-12 force=True limit=0"

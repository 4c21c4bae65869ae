"""Whole jobs against a real webhook receiver on localhost: a job with failures posts exactly one message (a
clean one nothing), whose delivery is an event of the log; a delivery that fails is recorded and changes
nothing of the job; the webhook's URL is a secret kept out of the log and its export."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest

from engine.kinds import KINDS
from engine.run.jobs import JobRefused
from engine.run.recovery import resume_job, retry_job
from engine.run.runtime import open_runtime
from engine.workspace.config import Config, NotifySettings
from eventlog import EventLog, SecretRejected, WarningRecorded
from tests.engine.conftest import MONTH, Demo
from tests.engine.hand import open_hand
from tests.engine.helpers import PATIENT, open_admin, run_commit
from tests.engine.receiver import SECRET_PATH, Answer, refusing_url, serve_receiver

pytestmark = pytest.mark.trio


def notified(config: Config, url: str, **settings: Any) -> Config:
    quick = {"base_delay_s": 0.01, "max_delay_s": 0.02, "timeout_s": 5.0, "limit_s": 20.0, **settings}
    return dataclasses.replace(config, notify=NotifySettings(webhook_url=url, **quick))


def notification_events(db: Path, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    with EventLog(db, read_only=True) as log:
        return [
            (r.type, json.loads(r.payload))
            for r in log.records_of_job(job_id)
            if r.type.startswith("notification.")
        ]


def assert_url_kept_out(db: Path, url: str) -> None:
    """Neither the log's file (any table, the WAL folded in) nor its export holds the URL or its path."""
    with EventLog(db) as log:
        log.checkpoint()
        export = io.StringIO()
        log.export(export)
    for where in (db.read_bytes().decode("latin-1"), export.getvalue()):
        assert url not in where and SECRET_PATH not in where


async def fail_one_write(demo: Demo, config: Config, db: Path) -> str:
    """A commit planned (dry run), then executed with its first update refused by Notion (400): its id."""
    preview = await run_commit(config, db, batch=15, dry_run=True)
    step = next(s for s in preview.plan.steps if s.kind != "create" and s.before != s.after)  # type: ignore[union-attr]
    async with open_admin(demo.sandbox.base_url) as admin:
        await admin.faults(targeted=[{"page_id": step.target, "status": 400, "count": 1}])
    return preview.job_id


async def test_a_job_with_failures_posts_exactly_one_message_and_its_delivery_is_an_event(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    with serve_receiver(Answer(500, "try later"), Answer(500), Answer(200, "ok")) as receiver:
        config = notified(demo.config, receiver.url)
        job_id = await fail_one_write(demo, config, db)
        assert receiver.messages == [], "a dry run needs nobody"
        async with open_runtime(config, db, operator="alice", policy=PATIENT) as rt:
            report = await resume_job(rt, job_id)
        # leaving the runtime waited for the delivery
    assert report.status == "completed_with_failures"
    (message,) = {json.dumps(m, sort_keys=True) for m in receiver.messages}
    body = json.loads(message)
    assert len(receiver.messages) == 3, "one message, delivered at its third attempt"
    with EventLog(db, read_only=True) as log:
        row = log.job(job_id)
        head = log.head()
    assert row is not None
    assert body["job_id"] == job_id and body["kind"] == "commit" and body["operator"] == "alice"
    assert body["status"] == "completed_with_failures"
    assert (
        body["counts"]["failed"] == row.items_failed == 1 and body["counts"]["blocked"] == row.items_blocked
    )
    assert body["counts"]["succeeded"] == row.items_succeeded > 0
    assert body["totals"] and all(isinstance(v, str) for v in body["totals"].values())
    assert body["chain_head"]["seq"] == head.seq - 1, (
        "the head when the job ended, before the delivery's event"
    )
    assert f"`paydesk retry {job_id}`" in body["text"]
    events = notification_events(db, job_id)
    assert events == [
        (
            "notification.delivered",
            {"about": "completed_with_failures", "attempts": 3, "http_status": 200, "answer": "ok"},
        )
    ]
    assert_url_kept_out(db, receiver.url)

    # The retry, with the fault gone, ends completed: nobody is told again.
    async with open_runtime(config, db, operator="alice", policy=PATIENT) as rt:
        retried = await retry_job(rt, job_id)
    assert retried.status == "completed"
    assert len(receiver.messages) == 3 and len(notification_events(db, job_id)) == 1


async def test_a_clean_job_posts_nothing(demo: Demo, tmp_path: Path) -> None:
    with serve_receiver() as receiver:
        report = await run_commit(notified(demo.config, receiver.url), tmp_path / "log.sqlite", batch=15)
    assert report.status == "completed"
    assert receiver.messages == []
    assert notification_events(tmp_path / "log.sqlite", report.job_id) == []


async def test_a_delivery_that_fails_is_recorded_and_leaves_the_job_as_it_ended(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    url = refusing_url()
    config = notified(demo.config, url, attempts=3)
    job_id = await fail_one_write(demo, config, db)
    async with open_runtime(config, db, operator="alice", policy=PATIENT) as rt:
        report = await resume_job(rt, job_id)
    assert report.status == "completed_with_failures"
    ((kind, payload),) = notification_events(db, job_id)
    assert kind == "notification.failed"
    assert payload["attempts"] == 3 and payload["http_status"] is None and payload["about"] == report.status
    assert payload["reason"].startswith("cannot reach the webhook (ConnectError")
    assert payload["reason"].endswith("; gave up after 3 attempts")
    with EventLog(db, read_only=True) as log:
        row = log.job(job_id)
    assert row is not None and row.status == "completed_with_failures"
    assert_url_kept_out(db, url)


async def test_a_receiver_that_holds_the_request_times_out_and_is_recorded(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    with serve_receiver(Answer(hold=True), Answer(hold=True)) as receiver:
        config = notified(demo.config, receiver.url, attempts=2, timeout_s=0.2)
        job_id = await fail_one_write(demo, config, db)
        async with open_runtime(config, db, operator="alice", policy=PATIENT) as rt:
            await resume_job(rt, job_id)
    ((kind, payload),) = notification_events(db, job_id)
    assert kind == "notification.failed" and payload["attempts"] == 2
    assert payload["reason"] == "no answer within 0.2 s; gave up after 2 attempts"


async def test_a_job_refused_before_its_plan_is_told_too(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    swapped = dict(demo.config.data_sources, splits=demo.config.data_sources["refunds"])
    with serve_receiver() as receiver:
        config = notified(dataclasses.replace(demo.config, data_sources=swapped), receiver.url)
        with pytest.raises(JobRefused):  # the runtime's block raises it as it is, not in a group
            await run_commit(config, db, batch=15)
    (message,) = receiver.messages
    assert message["status"] == "failed" and "Invoice Splits" in message["text"]


async def test_the_log_refuses_an_event_holding_the_webhook_url(demo: Demo, tmp_path: Path) -> None:
    with serve_receiver() as receiver:
        config = notified(demo.config, receiver.url)
        async with open_runtime(config, tmp_path / "log.sqlite", operator="alice") as rt:
            leaky = WarningRecorded(job_id="j", operator="alice", code="x", message=f"see {receiver.url}")
            with pytest.raises(SecretRejected) as refused:
                await rt.recorder.record(leaky)
    assert receiver.url not in str(refused.value)


async def test_a_reconcile_that_finds_drift_posts_one_message_a_clean_one_none(
    demo: Demo, tmp_path: Path
) -> None:
    db = tmp_path / "log.sqlite"
    kind = KINDS["reconcile"]
    with serve_receiver() as receiver:
        config = notified(demo.config, receiver.url)
        paid = await run_commit(config, db, batch=15)
        async with open_runtime(config, db, operator="alice") as rt:
            clean = await kind.run(rt, kind.parse({"month": MONTH}), None)
        assert receiver.messages == [] and clean.plan is not None and not clean.plan.items
        target = next(s.target for s in paid.plan.steps if s.logical == "payouts" and s.before != s.after)  # type: ignore[union-attr]
        async with open_hand(demo.sandbox.base_url, demo.sandbox.token, demo.workspace.data_sources) as hand:
            await hand.set_option(target, "Status", "status", "Pending")
        async with open_runtime(config, db, operator="alice") as rt:
            drift = await kind.run(rt, kind.parse({"month": MONTH}), None)
    (message,) = receiver.messages
    assert message["kind"] == "reconcile" and message["job_id"] == drift.job_id
    assert message["counts"]["drift"] == 2  # the payout set back, and its payable's cascade
    assert "drift between the log and Notion" in message["text"] and "--restore" in message["text"]
    assert [t for t, _ in notification_events(db, drift.job_id)] == ["notification.delivered"]

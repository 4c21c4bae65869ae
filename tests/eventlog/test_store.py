"""Contract of `EventLog`: what an append stores, what the reads give back, what the file looks like."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventlog import (
    GENESIS_HASH,
    Event,
    EventLog,
    InvalidEvent,
    ItemPlanned,
    JobCreated,
    ReadOnlyLog,
    StepFailed,
    StepPlanned,
    StepSkipped,
    StepStarted,
    StepSucceeded,
    canonical_json,
    schema,
)
from eventlog.codec import chain_hash
from eventlog.queries import CONSOLE_QUERIES
from eventlog.schema import APPLICATION_ID
from tests.eventlog.backends import DATABASE_ERRORS, REFUSED_CHANGES, raw_execute
from tests.eventlog.conftest import TickingClock
from tests.eventlog.eventlog_histories import OP, planned_job, small_history


def test_appended_events_get_consecutive_sequence_numbers_and_chained_hashes(log: EventLog) -> None:
    stored = log.append(small_history()[:3]) + log.append(small_history()[3:5])
    assert [s.seq for s in stored] == [1, 2, 3, 4, 5]
    previous = GENESIS_HASH
    for record in log.records_after(0):
        assert record.hash == chain_hash(previous, record.canonical())
        previous = record.hash
    assert log.head() == (5, previous)


def test_an_empty_log_has_the_genesis_head(log: EventLog) -> None:
    assert log.head() == (0, GENESIS_HASH)
    assert log.jobs() == []


def test_events_come_back_equal_with_utc_time_from_the_clock(log: EventLog, clock: TickingClock) -> None:
    history = small_history()
    log.append(history)
    stored = log.events_after(0)
    assert [s.event for s in stored] == history
    assert {s.recorded_at for s in stored} == {"2025-01-31T12:00:00.000000Z"}


def test_the_stored_row_holds_the_envelope_type_version_and_canonical_payload(log: EventLog) -> None:
    event = JobCreated(job_id="j", operator=OP, kind="commit", params={"b": 1, "a": "é"}, selection_key="s")
    log.append([event])
    row = log.connection.execute(
        "SELECT job_id, item_key, step_key, type, version, operator, payload FROM events"
    ).fetchone()
    assert row == (
        "j",
        None,
        None,
        "job.created",
        1,
        OP,
        '{"kind":"commit","params":{"a":"é","b":1},"selection_key":"s"}',
    )


def test_an_append_is_all_or_nothing(log: EventLog) -> None:
    good = small_history()[:2]
    bad = JobCreated(job_id="j", operator=OP, kind="x", params={"when": datetime.now(UTC)}, selection_key="s")
    with pytest.raises(InvalidEvent, match="not plain JSON"):
        log.append([*good, bad])
    assert log.head().seq == 0


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ItemPlanned(job_id="j", operator=OP, label="l", kind="k", data={}), "needs an item_key"),
        (StepStarted(job_id="j", operator=OP, item_key="i", attempt=1), "needs a step_key"),
        (JobCreated(job_id="", operator=OP, kind="k", params={}, selection_key="s"), "non-empty"),
        (
            JobCreated(job_id="j", operator=OP, item_key="", kind="k", params={}, selection_key="s"),
            "non-empty",
        ),
    ],
)
def test_an_event_without_the_keys_its_scope_needs_is_refused(
    log: EventLog, event: object, message: str
) -> None:
    with pytest.raises(InvalidEvent, match=message):
        log.append([event])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "statement", ["UPDATE events SET payload = '{}' WHERE seq = 1", "DELETE FROM events WHERE seq = 1"]
)
def test_the_database_itself_rejects_changing_or_deleting_events(
    log: EventLog, log_location: str | Path, statement: str
) -> None:
    log.append(small_history()[:2])
    with pytest.raises(REFUSED_CHANGES, match="append-only"):
        raw_execute(log_location, statement)
    assert len(log.records_after(0)) == 2


def test_the_file_is_private_durable_and_marked_as_a_paydesk_log(sqlite_log: EventLog) -> None:
    log = sqlite_log
    log.append(small_history()[:1])
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert isinstance(log.path, Path)
    wal = Path(f"{log.path}-wal")
    assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    conn = log.connection
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("SELECT version FROM paydesk_schema").fetchall() == [
        (m.version,) for m in schema.MIGRATIONS
    ]


def test_reopening_a_log_keeps_its_events_and_continues_the_chain(log_location: str | Path) -> None:
    with EventLog(log_location) as first:
        first.append(small_history()[:3])
        head = first.head()
    with EventLog(log_location) as second:
        assert second.head() == head
        (stored,) = second.append([small_history()[3]])
        assert stored.seq == 4
        assert second.verify().ok


def test_projections_show_job_item_and_step_progress(log: EventLog) -> None:
    log.append(small_history())
    (job,) = log.jobs()
    assert (job.status, job.items_succeeded, job.items_failed, job.steps_succeeded, job.steps_failed) == (
        "completed_with_failures",
        1,
        1,
        3,
        1,
    )
    assert (job.plan_items, job.plan_steps, job.preload_pages, json.loads(job.totals or "")) == (
        2,
        4,
        2,
        {"EUR": 10.0},  # the event holds the decimal string "10.00"; the projection shows numbers
    )
    assert [item.item_key for item in log.items("job-1", status="failed")] == ["b"]
    (failed,) = [step for step in log.steps("job-1", "b") if step.status == "failed"]
    assert (failed.step_key, failed.http_status, failed.error_code, failed.request_id) == (
        "b2",
        400,
        "validation_error",
        "r2",
    )
    assert log.items("job-1", status="failed")[0].last_error == "b2: validation_error: bad"
    assert [s.step_key for s in log.steps("job-1")] == ["a1", "a2", "b1", "b2"]
    assert [p.data_source for p in log.preloads("job-1")] == ["payables"]


def test_the_events_of_an_item_come_in_order_and_the_tail_after_a_sequence(log: EventLog) -> None:
    log.append(small_history())
    types = [s.event.TYPE for s in log.events_of_item("job-1", "b")]
    assert types == [
        "item.planned",
        "step.planned",
        "step.planned",
        "step.started",
        "step.succeeded",
        "step.started",
        "step.failed",
    ]
    tail = log.events_after(17)
    assert [s.seq for s in tail] == [18, 19]
    assert log.events_after(10, limit=2)[-1].seq == 12


def test_each_transaction_records_its_own_time(log: EventLog) -> None:
    first = log.append(small_history()[:1])
    second = log.append(small_history()[1:2])
    assert (first[0].recorded_at, second[0].recorded_at) == (
        "2025-01-31T12:00:00.000000Z",
        "2025-01-31T12:00:01.000000Z",
    )


@pytest.mark.parametrize("name", sorted(CONSOLE_QUERIES))
def test_every_console_query_is_served_by_an_index(sqlite_log: EventLog, name: str) -> None:
    sql, params = CONSOLE_QUERIES[name]
    plan = [row[3] for row in sqlite_log.connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    full_scans = [step for step in plan if step.startswith("SCAN") and "USING" not in step]
    assert full_scans == [], plan


def test_a_lagging_projection_catches_up_before_the_next_append(log: EventLog) -> None:
    history = small_history()
    log.append(history)
    expected = log.jobs()
    log.rebuild(to_seq=5)
    assert log.projection_position() == 5
    more = planned_job("job-2", {"x": ["x1"]})
    log.append(more)
    assert log.projection_position() == len(history) + len(more)
    assert log.jobs()[0] == expected[0]


def test_the_canonical_payload_is_compact_sorted_utf8_json() -> None:
    assert canonical_json({"b": [1, 2.5, None], "a": "é"}) == '{"a":"é","b":[1,2.5,null]}'


def test_a_read_only_log_refuses_writes(log_location: str | Path) -> None:
    EventLog(log_location).close()
    with EventLog(log_location, read_only=True) as reader:
        with pytest.raises(ReadOnlyLog, match="read-only"):
            reader.append(small_history()[:1])
        with pytest.raises(DATABASE_ERRORS):  # the connection itself cannot write either
            reader.connection.execute("INSERT INTO projection_position (name, seq) VALUES ('x', 1)")
        assert reader.head().seq == 0 and reader.jobs() == []


def test_step_retries_count_attempts(log: EventLog) -> None:
    log.append(small_history())
    kw = {"job_id": "job-1", "operator": OP, "item_key": "b", "step_key": "b2"}
    log.append([StepStarted(**kw, attempt=2), StepSucceeded(**kw, value="Paid")])
    (step,) = [s for s in log.steps("job-1", "b") if s.step_key == "b2"]
    assert (step.status, step.attempts, log.items("job-1", "succeeded")[-1].item_key) == ("succeeded", 2, "b")
    assert log.items("job-1", "succeeded")[-1].attempts == 2


def test_indexed_projection_columns_follow_events_appended_one_by_one(log: EventLog) -> None:
    # Rows already written are updated without their indexed columns unless those moved (eventlog.tables):
    # statuses and creation order read through the indexes stay those of a rebuild.
    log.append([StepStarted(job_id="early", operator=OP, item_key="x", step_key="x1", attempt=1)])
    log.append(planned_job("early", {"x": ["x1"]})[:1])  # created after its first event: created_seq moves
    for event in planned_job("j", {"a": ["a1", "a2"], "b": ["b1"]}):
        log.append([event])
    for key in ("a1", "b1", "a2"):
        log.append([StepStarted(job_id="j", operator=OP, item_key=key[0], step_key=key, attempt=1)])
        log.append([StepSucceeded(job_id="j", operator=OP, item_key=key[0], step_key=key, value="Paid")])
        assert log.replay_check().ok
    assert [item.item_key for item in log.items("j", status="succeeded")] == ["a", "b"]
    assert log.items("j", status="running") == []
    assert [job.job_id for job in log.jobs()] == ["early", "j"]
    assert log.replay_check().ok


def test_the_jobs_that_made_a_page_are_found_on_every_backend(log: EventLog) -> None:
    """`makers_of`: the jobs whose create recorded making a page (not an update that wrote it, nor a create
    that failed), other than the one asking; on SQLite and PostgreSQL alike."""
    op = "ops@example.com"

    def job(job_id: str, kind: str, outcome: Event) -> list[Event]:
        step = {"job_id": job_id, "operator": op, "item_key": "i", "step_key": "s"}
        return [
            JobCreated(job_id=job_id, operator=op, kind="generate", params={}, selection_key=job_id),
            ItemPlanned(job_id=job_id, operator=op, item_key="i", label="I", kind="order", data={}),
            StepPlanned(**step, kind=kind, target="t", property=None, before=None, after="created"),
            StepStarted(**step, attempt=1),
            dataclasses.replace(outcome, job_id=job_id),  # type: ignore[type-var]
        ]

    made = StepSucceeded(job_id="", operator=op, item_key="i", step_key="s", value="created", page_id="p-1")
    failed = StepFailed(job_id="", operator=op, item_key="i", step_key="s", status=400, code="x", message="x")
    log.append(job("a", "create", made))
    log.append(job("b", "create", made))
    log.append(job("c", "update", made))  # wrote the page, did not make it
    log.append(job("d", "create", failed))
    assert log.makers_of("p-1", other_than="a") == ["b"]
    assert log.makers_of("p-1", other_than="z") == ["a", "b"]
    assert log.makers_of("p-2", other_than="a") == []


def test_the_creates_other_jobs_made_or_may_have_made_for_targets_are_found_on_every_backend(
    log: EventLog,
) -> None:
    """`creates_for`: the creates of other jobs for the targets asked about that made a page (succeeded)
    or may have (started, failed), not those planned or skipped, nor updates; on SQLite and PostgreSQL."""
    op = "ops@example.com"

    def job(job_id: str, target: str, kind: str = "create", *outcome: Event) -> list[Event]:
        step = {"job_id": job_id, "operator": op, "item_key": "i", "step_key": "s"}
        started = [StepStarted(**step, attempt=1)] if outcome or job_id.startswith("doubt") else []
        return [
            JobCreated(job_id=job_id, operator=op, kind="generate", params={}, selection_key=job_id),
            ItemPlanned(job_id=job_id, operator=op, item_key="i", label="I", kind="order", data={}),
            StepPlanned(**step, kind=kind, target=target, property=None, before=None, after="created"),
            *started,
            *(dataclasses.replace(event, job_id=job_id) for event in outcome),  # type: ignore[type-var]
        ]

    step = {"job_id": "", "operator": op, "item_key": "i", "step_key": "s"}
    made = StepSucceeded(**step, value="created", page_id="p-1")
    failed = StepFailed(**step, status=504, code="x", message="x")
    log.append(job("asking", "t-1", "create", made))
    log.append(job("made", "t-1", "create", made))
    log.append(job("doubt", "t-2"))
    log.append(job("failed", "t-3", "create", failed))
    log.append(job("planned", "t-1"))
    log.append(job("skipped", "t-1", "create", StepSkipped(**step, reason="x", current="created")))
    log.append(job("update", "t-1", "update", made))
    log.append(job("elsewhere", "t-9", "create", made))
    many = [f"t-{n}" for n in range(10, 1200)]  # more than one query's worth of targets
    found = log.creates_for(["t-1", "t-2", "t-3", *many], other_than="asking")
    assert [(p.job_id, p.target, p.status, p.http_status, p.page_id) for p in found] == [
        ("doubt", "t-2", "started", None, None),
        ("failed", "t-3", "failed", 504, None),
        ("made", "t-1", "succeeded", None, "p-1"),
    ]
    assert [p.job_id for p in log.creates_for(["t-1"], other_than="made")] == ["asking"]
    assert log.creates_for([], other_than="asking") == []

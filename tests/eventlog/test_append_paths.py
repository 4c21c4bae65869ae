"""The fast paths of appending give exactly what the plain ones do: the same bytes, hashes and rows."""

from __future__ import annotations

from pathlib import Path

from eventlog import (
    EVENTS,
    Event,
    EventLog,
    InvalidEvent,
    ItemPlanned,
    SecretRejected,
    StepPlanned,
    StepStarted,
    StepSucceeded,
    WarningRecorded,
    canonical_json,
)
from eventlog.codec import Encoder, canonical_text, json_value
from eventlog.tables import snapshot
from tests.eventlog.conftest import TickingClock
from tests.eventlog.eventlog_histories import OP, planned_job, small_history


def test_the_prepared_tail_completes_the_canonical_text() -> None:
    encoder = Encoder(EVENTS)
    for event in small_history():
        prepared = encoder.prepare(event)
        expected = canonical_text(
            7,
            "2025-01-31T12:00:00.000000Z",
            prepared.job_id,
            prepared.item_key,
            prepared.step_key,
            prepared.type,
            prepared.version,
            prepared.operator,
            prepared.payload_json,
        )
        assert f'[7,"2025-01-31T12:00:00.000000Z"{prepared.tail}' == expected


def test_json_value_is_canonical_json() -> None:
    values: list[object] = [
        "Paid",
        'é\n"',
        "",
        None,
        True,
        False,
        0,
        -12,
        2**70,
        1.5,
        [],
        {},
        ["a", {"b": 1, "a": 2}],
    ]
    for value in values:
        assert json_value(value) == canonical_json(value)


def test_append_groups_leaves_out_only_the_groups_that_cannot_be_prepared(tmp_path: Path) -> None:
    good = [WarningRecorded(job_id="j", operator=OP, code="c", message="1")]
    bad = [
        WarningRecorded(job_id="j", operator=OP, code="c", message="2"),
        WarningRecorded(job_id="", operator=OP, code="c", message="3"),
    ]
    secret = [ItemPlanned(job_id="j", operator=OP, item_key="i", label="l", kind="k", data={"api_key": "x"})]
    with EventLog(tmp_path / "log.sqlite") as log:
        outcomes = log.append_groups([good, bad, secret, [], good])
        assert isinstance(outcomes[1], InvalidEvent) and isinstance(outcomes[2], SecretRejected)
        written = [outcomes[0], outcomes[3], outcomes[4]]
        assert [[s.seq for s in o] for o in written if isinstance(o, list)] == [[1], [], [2]]
        assert log.head().seq == 2 and log.verify().ok and log.replay_check().ok
        (refused,) = log.append_groups([bad])  # all refused: nothing is written
        assert isinstance(refused, InvalidEvent) and log.head().seq == 2


def _replan(job: str, item: str, step: str, target: str) -> StepPlanned:
    return StepPlanned(
        job_id=job,
        operator=OP,
        item_key=item,
        step_key=step,
        kind="set",
        target=target,
        property="Status",
        before="Open",
        after="Paid",
    )


def test_rows_written_in_earlier_transactions_get_their_state_and_re_plans_in_full(tmp_path: Path) -> None:
    """Live appends write an existing row's state columns only, unless a re-plan changed its plan; rebuild
    (one pass, every row new) must give the same rows either way — also after the cache was dropped."""
    history: list[list[Event]] = [
        [*planned_job("j", {"a": ["a1", "a2"]})],
        [StepStarted(job_id="j", operator=OP, item_key="a", step_key="a1", attempt=1)],
        [
            _replan("j", "a", "a2", "page-new"),
            ItemPlanned(job_id="j", operator=OP, item_key="a", label="A2", kind="payable", data={"x": 1}),
        ],
        [StepSucceeded(job_id="j", operator=OP, item_key="a", step_key="a1", value="Paid", request_id="r")],
        [StepStarted(job_id="j", operator=OP, item_key="b", step_key="b1", attempt=1)],  # unplanned: new rows
        [StepSucceeded(job_id="j", operator=OP, item_key="b", step_key="b1", value={"z": 1, "a": [None]})],
    ]
    for cache_rows in (200_000, 0):  # 0: the projector forgets after every append and loads rows back
        path = tmp_path / f"log-{cache_rows}.sqlite"
        with EventLog(path, clock=TickingClock(), cache_rows=cache_rows) as log:
            for batch in history:
                log.append(batch)
            live = snapshot(log.connection)
            log.rebuild()
            assert snapshot(log.connection) == live
            steps = {(s.item_key, s.step_key): s for s in log.steps("j")}
            assert steps["a", "a2"].target == "page-new" and steps["a", "a1"].status == "succeeded"
            assert steps["b", "b1"].value == '{"a":[null],"z":1}'
            assert log.items("j")[0].label == "A2"

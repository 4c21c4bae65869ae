"""Rebuilding the projections from the events gives exactly the rows live appends wrote — from the first
event or from any tracking position — for random valid histories split into random transactions."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventlog import Event, EventLog
from eventlog.tables import snapshot
from tests.eventlog.eventlog_histories import histories


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), data=st.data())
def test_rebuild_from_any_point_gives_the_live_rows(history: list[Event], data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(history) - 1)), max_size=4), label="cuts"))
    batches = [history[a:b] for a, b in zip([0, *cuts], [*cuts, len(history)], strict=True)]
    with tempfile.TemporaryDirectory() as tmp, EventLog(Path(tmp) / "log.sqlite") as log:
        for batch in batches:
            log.append(batch)
        live = snapshot(log.connection)
        assert log.projection_position() == len(history)

        log.rebuild()
        assert snapshot(log.connection) == live

        point = data.draw(st.integers(0, len(history)), label="point")
        log.rebuild(to_seq=point)
        assert log.projection_position() == point
        log.catch_up()
        assert snapshot(log.connection) == live
        assert log.replay_check().ok

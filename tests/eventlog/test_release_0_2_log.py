"""A log written by the release before amounts became decimal strings (tests/eventlog/fixtures/
log-0.2.0.sqlite: a dry-run commit, a commit, a payroll generate and a dry-run sync, with JobPlanned v1,
ItemPlanned v1 and StepPlanned v2 events whose amounts are JSON numbers) still opens, verifies, replays and
exports, and its events read as today's: amounts as decimal strings."""

from __future__ import annotations

import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

from eventlog import EventLog, ItemPlanned, JobPlanned, StepPlanned

FIXTURE = Path(__file__).parent / "fixtures" / "log-0.2.0.sqlite"


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "old.sqlite"
    shutil.copyfile(FIXTURE, path)
    path.chmod(0o600)
    return path


def test_it_verifies_replays_and_exports(tmp_path: Path) -> None:
    with EventLog(_copy(tmp_path), read_only=True) as log:
        report = log.verify()
        assert report.ok and report.checked == 408, report
        assert log.replay_check().ok
        assert sorted(job.status for job in log.jobs()) == ["completed", "completed", "planned", "planned"]
        out = io.StringIO()
        assert log.export(out, "jsonl").exported == 408
        assert len(log.store_id()) == 32, "opening it made its store's identity (engine.run.binding)"


def test_its_amounts_read_as_decimal_strings(tmp_path: Path) -> None:
    with EventLog(_copy(tmp_path), read_only=True) as log:
        events = [stored.event for stored in log.events_after(0, limit=1000)]
        projected = {job.job_id: json.loads(job.totals or "{}") for job in log.jobs()}
    planned = [e for e in events if isinstance(e, JobPlanned)]
    assert planned and all(isinstance(v, str) for e in planned for v in e.totals.values())
    for event in planned:  # the projection shows the same amounts, as numbers
        assert {k: Decimal(str(v)) for k, v in projected[event.job_id].items()} == {
            k: Decimal(str(v)) for k, v in event.totals.items()
        }
    items = [e for e in events if isinstance(e, ItemPlanned) and "amount" in e.data]
    assert items and all(isinstance(e.data["amount"], str) for e in items)
    hours = [e for e in events if isinstance(e, StepPlanned) and e.property == "Line Item Hours"]
    assert hours and all(isinstance(e.after, str) for e in hours)
    assert all(isinstance(e.write["Line Item Hours"]["number"], int | float) for e in hours)  # the body sent

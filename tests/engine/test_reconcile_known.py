"""Found walking the demo: a dry run's plan that was never executed (it went stale when another job paid the
same batch) recorded the records as Pending when it planned. Reconcile must take the later paid writes as
what the log knows, not report drift from the old plan's view."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.kinds import KINDS
from engine.run.runtime import open_runtime
from tests.engine.conftest import MONTH, Demo
from tests.engine.helpers import run_commit

pytestmark = pytest.mark.trio


async def test_a_stale_plan_seen_before_a_later_payment_is_not_drift(demo: Demo, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    stale = await run_commit(demo.config, db, batch=15, dry_run=True)
    assert stale.plan is not None and stale.plan.writes_needed() > 0
    paid = await run_commit(demo.config, db, batch=15)
    assert paid.status == "completed"
    kind = KINDS["reconcile"]
    async with open_runtime(demo.config, db, operator="walker") as rt:
        report = await kind.run(rt, kind.parse({"month": MONTH}), None)
    assert report.plan is not None
    assert not report.plan.items and not report.plan.skips, [i.data for i in report.plan.items]

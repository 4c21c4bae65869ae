"""Found walking the demo: a dry run's plan that was never executed (it went stale when another job paid the
same batch) recorded the records as Pending when it planned. Reconcile must take the later paid writes as
what the log knows, not report drift from the old plan's view."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from engine.kinds import KINDS
from engine.run.runtime import open_runtime
from tests.engine.conftest import MONTH, Demo
from tests.engine.hand import open_hand
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


async def test_a_workspace_that_renamed_amount_reconciles_clean_and_names_a_changed_amount_in_money(
    demo: Demo, tmp_path: Path
) -> None:
    """Found walking: with payouts' Amount renamed (`[properties.payouts]`), reconcile read "Amount" and
    reported every payout the commit paid as changed to (empty); and a real change read "1150.0 → 1250"."""
    renamed = "Amount (USD)"
    async with open_hand(demo.sandbox.base_url, demo.sandbox.token, demo.config.data_sources) as hand:
        answer = await hand.http.patch(
            f"/v1/data_sources/{demo.config.data_sources['payouts']}",
            json={"properties": {"Amount": {"name": renamed}}},
        )
        assert answer.status_code == 200, answer.text
    config = dataclasses.replace(demo.config, properties={"payouts": {"Amount": renamed}})
    db = tmp_path / "log.sqlite"
    paid = await run_commit(config, db, batch=15)
    assert paid.status == "completed"
    kind = KINDS["reconcile"]
    async with open_runtime(config, db, operator="walker") as rt:
        clean = await kind.run(rt, kind.parse({"month": MONTH}), None)
    assert clean.plan is not None
    assert not clean.plan.items and not clean.plan.skips, [s.reason for s in clean.plan.skips]

    assert paid.plan is not None
    usd = next(
        step
        for item in paid.plan.items
        for step in item.steps
        if step.logical == "payouts" and item.data["payouts"][step.target]["currency"] == "USD"
    )
    async with open_hand(demo.sandbox.base_url, demo.sandbox.token, demo.config.data_sources) as hand:
        logged = Decimal(str((await hand.page(usd.target))["properties"][renamed]["number"]))
        await hand.set_number(usd.target, renamed, float(logged + 100))
    async with open_runtime(config, db, operator="walker") as rt:
        found = await kind.run(rt, kind.parse({"month": MONTH}), None)
    assert found.plan is not None
    words = [item.data["words"] for item in found.plan.items] + [skip.reason for skip in found.plan.skips]
    (amount,) = [w for w in words if "Amount changed after it was paid" in w]
    assert f"{renamed} USD {logged:,.2f} → USD {logged + 100:,.2f}" in amount, amount
    (restore,) = [step for item in found.plan.items for step in item.steps if step.property == renamed]
    assert str(restore.after) == f"{logged:.2f}", restore  # what history shows: the plan's money, in cents

"""The ledger reconciles on every demo size: both paydays of the demo month committed through the sandbox,
then every payable's Paid payouts, converted at the demo configuration's exchange rate, add up to its Total,
and each job paid exactly its plan's money. And a reconcile of the month right after finds no drift, reading
each data source in ⌈n/100⌉ pages and no record one by one."""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

import pytest

from engine.kinds import KINDS
from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.kinds.commit.params import CommitParams
from engine.run.jobs import run_job
from engine.run.ledger import build_ledger, summary_lines
from engine.run.runtime import open_runtime
from engine.workspace.config import config_from_mapping
from eventlog import EventLog
from sandbox.demo.config import render_config
from sandbox.options import SandboxOptions
from sandbox.server import open_sandbox
from tests.engine.conftest import MONTH, config_for, seed_into

pytestmark = pytest.mark.trio


# The large demo (500 payables, about 25 s) runs in `make chaos` (PAYDESK_LONG=1); the suite runs the others.
SIZES = ["small", "medium", *(["large"] if os.environ.get("PAYDESK_LONG") else [])]


@pytest.mark.parametrize("size", SIZES)
async def test_the_ledger_of_both_paydays_reconciles_on_every_demo_size(tmp_path: Path, size: str) -> None:
    async with open_sandbox(tmp_path / "sandbox", SandboxOptions()) as sandbox:
        workspace = await seed_into(sandbox, size=size)
        demo_config = tomllib.loads(render_config(sandbox.base_url, workspace))
        per_usd = config_from_mapping(demo_config, {}, require_token=False).per_usd
        assert per_usd, "the demo's configuration names its exchange rate"
        db = tmp_path / "paydesk.db"
        for batch in (1, 15):
            params = CommitParams(month=MONTH, batch=batch, today=f"{MONTH}-20")
            async with open_runtime(config_for(sandbox, workspace), db, operator="test") as rt:
                report = await run_job(rt, commit_spec(params), commit_planner(params))
            assert report.status == "completed", report.error
        kind = KINDS["reconcile"]
        async with open_runtime(config_for(sandbox, workspace), db, operator="test") as rt:
            reconciled = await kind.run(rt, kind.parse({"month": MONTH}), None)
    # right after paying, Notion holds what the log recorded: no drift, read in ⌈n/100⌉ pages per source
    assert reconciled.status == "discarded" and reconciled.plan is not None  # nothing to restore
    assert not reconciled.plan.items and not reconciled.plan.skips
    queried = [fact for fact in reconciled.preloads if fact.filter is None]
    assert {fact.data_source for fact in queried} >= {"payables", "payouts", "splits", "refunds"}
    assert all(fact.requests == max(1, math.ceil(fact.pages / 100)) for fact in queried), queried
    assert all(fact.filter is None for fact in reconciled.preloads), "no record was read one by one"
    with EventLog(db, read_only=True) as log:
        ledger = build_ledger(log, month=MONTH, per_usd=per_usd)
        without_rates = build_ledger(log, month=MONTH)
    assert ledger.differences == [] and ledger.uncompared == [] and ledger.unknown == []
    payables = {row.item for row in ledger.rows if row.record == "payables"}
    assert len(payables) >= 5
    foreign = {r.item for r in ledger.rows if r.record == "payouts" and r.currency != "USD"}
    assert foreign, "some payables are paid in VND, so the conversion is exercised"
    summary = summary_lines(ledger)
    assert any(line.startswith("reconciles:") and "25,000 VND per USD" in line for line in summary)
    # without the rate those payables are named as not compared, never as reconciled or as differences
    assert without_rates.differences == []
    assert {line.split(": ")[0].split(" ", 1)[1] for line in without_rates.uncompared} == foreign

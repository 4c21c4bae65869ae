"""A workspace whose every property paydesk uses has another name (`[properties.<db>]` says which): the
month's whole journey — sync, the three generates, both commits, a reconcile, the ledger — does there
exactly what it does on the demo's names.

Found walking: reconcile read a payout's amount as "Amount" whatever the configuration said, and reported
every payout a commit paid as changed to (empty). This runs every kind on a renamed twin of the demo, so a
name written into the code instead of asked of the configuration shows up as a difference.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from engine.kinds import KINDS
from engine.run.runtime import open_runtime
from engine.workspace.config import Config
from engine.workspace.schema import NEEDS
from eventlog import EventLog
from sandbox.options import SandboxOptions
from sandbox.server import open_sandbox
from tests.engine.conftest import MONTH, Demo, config_for, seed_into
from tests.engine.hand import open_hand

pytestmark = pytest.mark.trio

JOURNEY: list[tuple[str, dict[str, Any]]] = [
    ("sync", {"month": MONTH}),
    ("generate", {"month": MONTH, "type": "payroll"}),
    ("generate", {"month": MONTH, "type": "refund"}),
    ("generate", {"month": MONTH, "type": "invoice_split"}),
    ("commit", {"month": MONTH, "batch": 15}),
    ("commit", {"month": MONTH, "batch": 1}),
    ("reconcile", {"month": MONTH}),
]


def renamed_name(name: str) -> str:
    return f"{name} (ops)"


async def rename_everything(config: Config) -> Config:
    """Rename, in Notion, every property paydesk uses in every data source; the configuration that says so."""
    renames: dict[str, dict[str, str]] = {}
    async with open_hand(config.notion.base_url, config.token, dict(config.data_sources)) as hand:
        for logical, needs in NEEDS.items():
            renames[logical] = {name: renamed_name(name) for name in needs}
            answer = await hand.http.patch(
                f"/v1/data_sources/{config.data_sources[logical]}",
                json={"properties": {old: {"name": new} for old, new in renames[logical].items()}},
            )
            assert answer.status_code == 200, answer.text
            assert set(renames[logical].values()) <= set(answer.json()["properties"]), logical
    return dataclasses.replace(config, properties=renames)


async def walk(config: Config, db: Path) -> list[tuple[Any, ...]]:
    """Run the journey; each job's kind, status, items and steps by outcome, and the money it planned."""
    for name, given in JOURNEY:
        kind = KINDS[name]
        async with open_runtime(config, db, operator="walker") as rt:
            await kind.run(rt, kind.parse(given), kind.setup(config, {}))
    with EventLog(db, read_only=True) as log:
        return [
            (
                job.kind,
                job.status,
                job.plan_items,
                job.items_succeeded,
                job.items_skipped,
                job.items_failed + job.items_blocked,
                job.steps_succeeded,
                job.steps_skipped,
                job.steps_failed + job.steps_blocked,
                job.totals,
            )
            for job in log.jobs()
        ]


async def test_a_workspace_with_every_property_renamed_walks_the_month_as_the_demo_does(
    demo: Demo, tmp_path: Path
) -> None:
    async with open_sandbox(tmp_path / "twin", SandboxOptions()) as twin:
        renamed = await rename_everything(config_for(twin, await seed_into(twin)))
        there = await walk(renamed, tmp_path / "renamed.sqlite")
    here = await walk(demo.config, tmp_path / "demo.sqlite")

    assert [job[0] for job in here] == [name for name, _ in JOURNEY]
    assert all(job[1] in ("completed", "discarded") for job in here), here  # discarded: no drift found
    assert sum(job[6] for job in here) > 100, "the journey wrote"
    assert there == here

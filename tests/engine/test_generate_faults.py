"""Generating payouts under seeded faults ends exactly where a fault-free run ends, with no duplicate payout.

The expected workspace is computed, not assumed: the job's own plan (preloaded in-process on the same
sandbox, before anything runs) applied to the workspace as it was. A fault-free run must end there; so must a
run through 5xx, 429, dropped connections and writes applied whose answer was lost. The helpers here
(`plain`, `state_of`, `apply_plan`, `generate_outcome`, …) are also used by the e2e kill -9 tests.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import AsyncClient

from engine.kinds.generate.kind import generate_planner, generate_spec
from engine.kinds.generate.params import GenerateParams
from engine.kinds.generate.report import generate_summary
from engine.kinds.generate.rules import LINKS
from engine.notion.gateway import NotionGateway, RequestCounters
from engine.notion.ratelimit import TokenBucket
from engine.run.jobs import Planner, run_job
from engine.run.plan import Plan
from engine.run.preload import Preloader, PreloadFact
from engine.run.runtime import open_runtime
from engine.workspace.config import Config
from sandbox.server import RunningSandbox
from tests.engine.conftest import MONTH, Demo
from tests.engine.helpers import PATIENT, open_admin

pytestmark = pytest.mark.trio

QUIET = logging.getLogger("tests.engine.generate_faults")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False

FAULTS = "500:0.05,503:0.03,429:0.02,reset:0.02,applied_reset:0.02"

Fields = dict[str, Any]
State = dict[str, Fields]  # page id (or, for a page a plan creates, its create step's key) -> fields

# The properties compared, by data source, with their types (a created page's unwritten ones are empty).
PAYOUT_FIELDS = {
    "Name": "title",
    "Amount": "number",
    "Currency": "select",
    "Status": "status",
    "Date": "date",
    "Description": "rich_text",
    "Person": "relation",
    "00 Task Order": "relation",
    "00 Service Rate": "relation",
    "01 Refund": "relation",
    "02 Invoice Split": "relation",
}
ORDER_FIELDS = {
    "Name": "title",
    "Type": "select",
    "Status": "select",
    "Date": "date",
    "Line Item Hours": "number",
    "Proof of Works": "rich_text",
    "Project Deployment": "relation",
    "Timesheet": "relation",
    "Parent item": "relation",
}
STATUS_ONLY = {"Status": "status"}
SPECS: dict[str, dict[str, str]] = {
    "payouts": PAYOUT_FIELDS,
    "orders": ORDER_FIELDS,
    "refunds": STATUS_ONLY,
    "splits": {"Status": "select"},
}


# ---- reading the workspace back (through the bare app: not limited, delayed, faulted or counted) --------


@asynccontextmanager
async def bare_client(sandbox: RunningSandbox) -> AsyncIterator[AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.notion_app), base_url=sandbox.base_url
    ) as http:
        yield AsyncClient(
            auth=sandbox.token, base_url=sandbox.base_url, client=http, retry=False, logger=QUIET
        )


async def pages_in(sandbox: RunningSandbox, data_source: str) -> list[dict[str, Any]]:
    """Every page of a data source, the sandbox's query lag set aside while reading."""
    lag, sandbox.store.query_lag_ms = sandbox.store.query_lag_ms, 0
    try:
        found: list[dict[str, Any]] = []
        async with bare_client(sandbox) as client:
            cursor: str | None = None
            while True:
                body: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
                answer: Any = await client.data_sources.query(data_source, **body)
                found += answer["results"]
                if not answer["has_more"]:
                    return found
                cursor = answer["next_cursor"]
    finally:
        sandbox.store.query_lag_ms = lag


def _text(parts: Any) -> str:
    return "".join(p["plain_text"] if "plain_text" in p else p["text"]["content"] for p in parts or [])


def plain(value: Mapping[str, Any]) -> Any:
    """A property value as a plain value; the read form (with "type") and the write form alike. A relation
    is the sorted tuple of its ids (a `{"$step": KEY}` reference counts as the id KEY)."""
    kind = value["type"] if "type" in value else next(iter(value))
    raw = value[kind]
    if kind in ("title", "rich_text"):
        return _text(raw)
    if kind == "number":
        return None if raw is None else float(raw)
    if kind in ("select", "status"):
        return raw["name"] if raw else None
    if kind == "date":
        return raw["start"] if raw else None
    if kind == "relation":
        return tuple(sorted(ref["id"] if "id" in ref else ref["$step"] for ref in raw))
    raise AssertionError(f"no plain form for a {kind} property")


EMPTY = {"title": "", "rich_text": "", "relation": ()}


def fields_of(properties: Mapping[str, Any], spec: Mapping[str, str]) -> Fields:
    return {
        name: plain(properties[name]) if name in properties else EMPTY.get(kind)
        for name, kind in spec.items()
    }


async def state_of(sandbox: RunningSandbox, data_sources: Mapping[str, str], logical: str) -> State:
    spec = SPECS[logical]
    return {p["id"]: fields_of(p["properties"], spec) for p in await pages_in(sandbox, data_sources[logical])}


async def states_of(
    sandbox: RunningSandbox, data_sources: Mapping[str, str], logicals: tuple[str, ...]
) -> dict[str, State]:
    return {logical: await state_of(sandbox, data_sources, logical) for logical in logicals}


def apply_plan(states: Mapping[str, State], plan: Plan) -> dict[str, State]:
    """What executing `plan` makes of `states`: each create adds a page (keyed by its step), each update
    sets the properties it writes."""
    after = {
        logical: {pid: dict(fields) for pid, fields in state.items()} for logical, state in states.items()
    }
    for step in plan.steps:
        spec = SPECS[step.logical]
        if step.kind == "create":
            after[step.logical][step.key] = fields_of(step.write, spec)
        else:
            written = {name: value for name, value in step.write.items() if name in spec}
            after[step.logical][step.target].update(fields_of(written, {n: spec[n] for n in written}))
    return after


# ---- the plan, computed in-process on the same sandbox ---------------------------------------------------


async def plan_of(sandbox: RunningSandbox, config: Config, planner: Planner) -> Plan:
    async def report(_: PreloadFact) -> None:
        return None

    lag, sandbox.store.query_lag_ms = sandbox.store.query_lag_ms, 0
    try:
        async with bare_client(sandbox) as client:
            gateway = NotionGateway(client, TokenBucket(1000, 1000))
            return await planner(Preloader(gateway, config, RequestCounters(), report))
    finally:
        sandbox.store.query_lag_ms = lag


# ---- what a generate job's outcome is --------------------------------------------------------------------

GENERATE_SOURCES = ("payouts", "orders", "refunds", "splits")


def generate_outcome(states: Mapping[str, State], kind: str) -> dict[str, Any]:
    """The non-cancelled payouts grouped by the source they link (one list per source: a duplicate shows as
    two entries), the other payouts by page, and every order's, line item's, refund's and split's status."""
    link = LINKS[kind]
    payouts: dict[str, list[tuple[Any, ...]]] = {}
    for pid, fields in states["payouts"].items():
        row = tuple(fields[name] for name in PAYOUT_FIELDS)
        linked = fields[link] and fields["Status"] != "Cancelled"
        key = f"source:{','.join(fields[link])}" if linked else f"page:{pid}"
        payouts.setdefault(key, []).append(row)
    return {
        "payouts": {key: sorted(rows, key=repr) for key, rows in payouts.items()},
        **{
            logical: {pid: f["Status"] for pid, f in states[logical].items()}
            for logical in GENERATE_SOURCES[1:]
        },
    }


def duplicated_sources(states: Mapping[str, State], kind: str) -> list[str]:
    """The sources that more than one non-cancelled payout links."""
    outcome = generate_outcome(states, kind)["payouts"]
    return [key for key, rows in outcome.items() if key.startswith("source:") and len(rows) > 1]


async def expected_generate(demo_sandbox: RunningSandbox, config: Config, kind: str) -> dict[str, Any]:
    params = GenerateParams(type=kind, month=MONTH)
    plan = await plan_of(demo_sandbox, config, generate_planner(params))
    before = await states_of(demo_sandbox, config.data_sources, GENERATE_SOURCES)
    assert plan.items, "nothing to generate: the test would prove nothing"
    return generate_outcome(apply_plan(before, plan), kind)


# ---- the tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["payroll", "refund", "invoice_split"])
async def test_seeded_faults_end_with_the_fault_free_workspace_and_no_duplicate_payout(
    demo: Demo, tmp_path: Path, kind: str
) -> None:
    expected = await expected_generate(demo.sandbox, demo.config, kind)
    async with open_admin(demo.sandbox.base_url) as admin:
        # Random faults everywhere, and for certain: one payout created whose answer is lost.
        payouts = demo.workspace.data_sources["payouts"]
        targeted = [{"create_in": payouts, "status": "applied_reset", "count": 1}]
        await admin.faults(spec=FAULTS, random_seed=23, targeted=targeted)
        await admin.reset_stats()
        params = GenerateParams(type=kind, month=MONTH)
        async with open_runtime(demo.config, tmp_path / "log.sqlite", operator="test", policy=PATIENT) as rt:
            report = await run_job(rt, generate_spec(params), generate_planner(params))
        summary = generate_summary(report, params)
        stats = await admin.stats()
        assert stats["by_route"]["POST /v1/pages"]["by_status"].get("applied_reset", 0) >= 1
        assert stats["totals"]["faults"] >= 2

        assert report.status == "completed", summary["errors"]
        after = await states_of(demo.sandbox, demo.config.data_sources, GENERATE_SOURCES)
        assert duplicated_sources(after, kind) == []
        assert generate_outcome(after, kind) == expected
        assert summary["payouts_created"] == len(report.items)

        # Faults off: a second run finds every payout and writes nothing.
        await admin.faults(spec="", targeted=[])
        await admin.reset_stats()
        async with open_runtime(demo.config, tmp_path / "log.sqlite", operator="test", policy=PATIENT) as rt:
            again = await run_job(rt, generate_spec(params), generate_planner(params))
        assert again.status == "completed" and again.items == []
        assert (await admin.stats())["totals"]["writes"] == 0

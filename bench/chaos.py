"""Chaos run of the three flows: random faults, kill -9 and resume, then the invariants.

    .venv/bin/python bench/chaos.py [--seeds 200] [--first-seed 1] [--seed-list 3,5,8] [--flow sync]
                                    [--quick] [--max-seconds 5400] [--seed-timeout 180]
                                    [--team | --team-url postgresql://user@host:port/postgres]

Each seed, deterministic from the seed alone (flow, faults, latency, LLM failures, kill points):

1. the flow: `commit` (month 2026-01, batch 15), `generate` (payroll, refund or invoice_split) or `sync`
   (with the sandbox's LLM stub as the summarizer, whose first model may be set to fail);
2. the reference: a twin sandbox seeded alike (same demo seed) runs the same job in-process without any
   fault; its whole workspace (every page of the ten data sources, ids and timestamps left out, relations
   named by the pages they point at) is what the chaos run must end with;
3. a fresh sandbox seeded alike, with random faults for the rest of the seed (`POST /_sandbox/faults`):
   429, 500, 502, 503, 504, 529, timeout, reset (not applied) and applied_reset (applied, answer lost),
   each with its own probability, plus a query lag for some seeds; the client's timeout is 2 s. Every
   write the sandbox applies is recorded (method, page, properties, page created) below its fault layer;
   for about a third of the seeds, one to three pages (or data sources, for creates) the plan writes get a
   permanent fault (400 or 404) on their next write, so the job ends with failures and is `retry`-ed;
4. for a quarter of the seeds the job is first planned (`paydesk run … --dry-run`), then a person edits
   Notion by hand before it is executed (`paydesk resume`): one write of the plan is made by hand (the twin
   gets the same edit before its run), which the execution must find at its target and not send again;
   `paydesk run …` as a subprocess otherwise; for half of the seeds it (or that resume) is killed with
   SIGKILL once the sandbox has served a number of reads (1-8, a quarter of the kills) or writes (1 to the
   plan's count) chosen from the seed, and for 30 % of those the first recovery command is killed again
   the same way (not after a hand edit); before the run, the harness waits out the seed's query lag, so
   the workspace it has just seeded is visible, and so it does after a page made by hand (a page made
   within the lag before a run is in no query's answer: nothing can tell it is there);
5. then, until the job is completed (at most 6 rounds): `paydesk resume` an interrupted job, `paydesk
   retry` one completed with failures, or a new `paydesk run …` when no plan was stored;
6. the invariants:
   - the workspace equals the reference's, page for page (a Proof of Works compares as a set of lines:
     the twin's ids order same-day updates differently), and every Proof of Works written is, exactly,
     the text the job's plan on this workspace gave (planned before any fault);
   - no duplicate page: every data source holds as many pages as the reference's (as many as before, for
     the commit); no source record linked by two non-cancelled payouts (generate); no second Order for a
     contractor's month and no second line item for one Order and deployment (sync);
   - no page that paydesk marked Paid has a child (payout item, split, refund) that is not Paid (commit;
     checked right after each kill too);
   - every write the sandbox applied has its event in the log: an update of page P is preceded by a
     `step.started` of an update step on P that writes that property; a page created belongs to a create
     step of that data source (right after a kill: no more pages created than such steps started; at the
     end: the page is the one a succeeded create step recorded);
   - `paydesk verify` and `paydesk replay --check` pass.
   A seed that does not finish within `--seed-timeout` seconds counts as a failure. A paydesk command that
   could not run (exit 1) is kept with its last line in the seed's `command_errors`, for diagnosis.

Team mode (`--team`, or `--team-url` naming a server's admin database; bench/chaos_team.py): two paydesk
"machines", each with a home directory of its own, share one PostgreSQL log (a fresh database per seed,
on a server started for the run from tests/pgserver.py unless `--team-url` names one). From the seed, in
a stream of its own (the seed's other draws stay those above): the machine that starts the job (the kills
hit whichever machine runs the command), whether each recovery command runs on the other machine or on
the same one restarted, and, for about a third of the seeds, the first recovery not to be killed is run
by both machines at the same moment. After a kill the harness waits for the dead process's database
session to end (its locks with it) before it looks. The invariants above hold, `verify` and `replay
--check` read the PostgreSQL log (one from each machine), and also:
   - no job ran in two processes at once: every process has an operator name of its own, and from a
     `job.started`/`job.resumed`/`job.retry_requested` on, each event of the job is that process's until
     the next such event; no run begins on a job that finished completed;
   - of a recovery tried by both machines at once, the one that does not run it exits 1 with one line
     (`paydesk: error: …`), no traceback; what each did is kept in the seed's `concurrent`.

Prints one line per seed and a table per flow, and writes bench/results/chaos.json (chaos_team.json in team
mode). `--quick` runs 5 seeds.
`--max-seconds` stops starting new seeds after that long.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import trio
from notion_client import AsyncClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chaos_team import (  # noqa: E402
    MACHINES,
    Machines,
    choose_team,
    job_records,
    open_team_server,
    refusal_line,
    runs_that_overlap,
    seed_database,
    starts_by,
)
from engine.kinds.commit.kind import commit_planner, commit_spec  # noqa: E402
from engine.kinds.commit.params import CommitParams  # noqa: E402
from engine.kinds.generate.kind import generate_planner, generate_spec  # noqa: E402
from engine.kinds.generate.params import GenerateParams  # noqa: E402
from engine.kinds.sync.kind import sync_planner, sync_spec  # noqa: E402
from engine.kinds.sync.llm import LLMSummarizer, llm_settings, open_chat_client  # noqa: E402
from engine.kinds.sync.params import SyncParams  # noqa: E402
from engine.notion.gateway import NotionGateway, RequestCounters  # noqa: E402
from engine.notion.ratelimit import TokenBucket  # noqa: E402
from engine.run.jobs import JobSpec, Planner, run_job  # noqa: E402
from engine.run.locks import effective_status  # noqa: E402
from engine.run.plan import Plan  # noqa: E402
from engine.run.preload import Preloader, PreloadFact  # noqa: E402
from engine.run.runtime import open_runtime  # noqa: E402
from engine.workspace.config import Config, load_config  # noqa: E402
from eventlog import EventLog, JobRow, Location, describe_location, is_url  # noqa: E402
from sandbox.demo import DemoWorkspace, render_config, seed_demo  # noqa: E402
from sandbox.limits import limits_for  # noqa: E402
from sandbox.options import SandboxOptions  # noqa: E402
from sandbox.server import RunningSandbox, open_sandbox  # noqa: E402
from sandbox.stats import classify, route_template  # noqa: E402

MONTH, BATCH = "2026-01", 15
COMPACT = MONTH.replace("-", "")
FLOWS = ("commit", "generate", "sync")
GENERATE_TYPES = ("payroll", "refund", "invoice_split")
PAYOUT_LINKS = ("00 Task Order", "01 Refund", "02 Invoice Split")
WATCHED = ("payables", "payouts", "splits", "refunds")
MAX_ROUNDS = 6
COMMAND_TIMEOUT_S = 150
RELEASE_S = 15.0
SEED_TIMEOUT_S = 180.0
LLM_MODELS = ("stub-a", "stub-b")
LLM_KEY = "sk-chaos-not-a-secret"
# Property types left out of the comparison: computed by the sandbox, or stamped by it.
SKIPPED_TYPES = frozenset(
    {"rollup", "formula", "created_time", "last_edited_time", "created_by", "last_edited_by", "unique_id"}
)
# The sync's Proof of Works lists a line item's updates by date, then by page id: a twin workspace (other
# ids) may list same-day updates in another order. Across the twins its lines compare as a set; against the
# plan made on the chaos sandbox itself, the text compares exactly (`texts_not_as_planned`).
ORDERED_BY_ID = "Proof of Works"
QUIET = logging.getLogger("bench.chaos")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False

State = tuple[str | None, str | None]


@dataclass
class Page:
    state: State
    children: list[str] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class SeedResult:
    seed: int
    flow: str = ""
    spec: str = ""
    query_lag_ms: int = 0
    latency_ms: int = 0
    llm_failures: dict[str, Any] = field(default_factory=dict)
    kill_at: str | None = None
    kill_again_at: str | None = None
    permanent: list[str] = field(default_factory=list)  # the permanent faults aimed at the plan's writes
    hand_edit: str | None = None  # the step made by hand between the plan and its execution
    kills: int = 0
    faults_injected: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    writes_applied: int = 0
    pages_created: int = 0
    runs: int = 0
    resumes: int = 0
    retries: int = 0
    phase: str = ""
    failures: list[str] = field(default_factory=list)
    command_errors: list[str] = field(default_factory=list)  # paydesk commands that exited 1, and why
    machines: list[str] = field(default_factory=list)  # team mode: the machine of each command, in order
    concurrent: str | None = None  # team mode: what the resume tried by both machines at once came to
    elsewhere: int = 0  # team mode: recovery commands run by the other machine than the last command's
    restarted: int = 0  # team mode: recovery commands run by the same machine, restarted
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds spent per phase
    _since: float = field(default_factory=time.monotonic, repr=False)

    def enter(self, phase: str) -> None:
        """Start `phase`, adding the time spent since the last call to the phase that ends."""
        now = time.monotonic()
        if self.phase:
            key = self.phase.split(",")[0]
            self.timings[key] = round(self.timings.get(key, 0.0) + now - self._since, 2)
        self.phase, self._since = phase, now

    @property
    def family(self) -> str:
        return self.flow.split(":")[0]


@dataclass(frozen=True)
class Choices:
    flow: str
    spec: str
    query_lag_ms: int
    latency_ms: int
    llm_failures: dict[str, Any]
    kill: tuple[str, int] | None
    kill_again: tuple[str, int] | None
    permanent: int = 0  # how many of the plan's targets get a permanent fault (400/404) on their next write
    hand_edit: bool = False  # plan first, then make one of its writes by hand, then execute
    draws: int = 0  # a seed for the choices made once the plan is known (which targets, which step)


# ---- the seed's choices -----------------------------------------------------------------------------------


def choose_flow(rng: random.Random) -> str:
    family = rng.choice(FLOWS)
    return f"generate:{rng.choice(GENERATE_TYPES)}" if family == "generate" else family


def choose_faults(rng: random.Random) -> tuple[str, int]:
    ceilings = {
        "429": 0.03,
        "500": 0.05,
        "502": 0.02,
        "503": 0.02,
        "504": 0.02,
        "529": 0.02,
        "timeout": 0.01,
        "reset": 0.03,
        "applied_reset": 0.04,
    }
    chosen = [k for k in ceilings if rng.random() < 0.6]
    spec = ",".join(f"{k}:{round(rng.uniform(0.005, ceilings[k]), 3)}" for k in chosen)
    return spec, rng.choice([0, 0, 0, 150, 600])


def choose_llm_failures(rng: random.Random, flow: str) -> dict[str, Any]:
    """For the sync: the LLM stub's first model fails for some seeds, or both (the raw text is kept)."""
    if flow != "sync":
        return {}
    return rng.choice([{}, {}, {"stub-a": 503}, {"stub-a": "garbage"}, {"stub-a": 429, "stub-b": "empty"}])


def choose_kill(rng: random.Random, planned_writes: int, *, again: bool = False) -> tuple[str, int] | None:
    if rng.random() >= (0.3 if again else 0.5):
        return None
    if rng.random() < 0.25:
        return "reads", rng.randint(1, 8)
    return "writes", rng.randint(1, max(1, planned_writes if not again else planned_writes // 2))


def choose(seed: int, planned_writes: int, flow: str | None) -> Choices:
    """Everything random about a seed. `planned_writes` bounds the kill points; the other draws come first,
    so the flow, faults and latency of a seed do not depend on it."""
    rng = random.Random(seed)
    drawn = choose_flow(rng)
    spec, lag = choose_faults(rng)
    latency = rng.choice([0, 5, 20])
    llm = choose_llm_failures(rng, flow or drawn)
    kill = choose_kill(rng, planned_writes)
    again = choose_kill(rng, planned_writes, again=True) if kill is not None else None
    # Drawn last, so that the seeds of earlier runs keep their flow, faults and kill points.
    permanent = rng.choice([1, 2, 3]) if rng.random() < 0.35 else 0
    hand_edit = rng.random() < 0.25
    return Choices(
        flow or drawn, spec, lag, latency, llm, kill, again, permanent, hand_edit, rng.randrange(2**32)
    )


def hand_candidates(plan: Plan) -> dict[str, Any]:
    """The plan's writes a person could make by hand, by label: no step before them, no reference to a page
    the job creates, and a label that names one step only (so the twin's plan names the same one)."""
    labels = Counter(step.label for step in plan.steps)
    return {
        step.label: step
        for step in plan.steps
        if not step.depends_on
        and "$step" not in json.dumps(step.write, default=str)
        and labels[step.label] == 1
        and not step.at_target(step.before)
    }


def choose_hand_edit(choices: Choices, plan: Plan) -> str | None:
    if not choices.hand_edit:
        return None
    labels = sorted(hand_candidates(plan))
    return random.Random(choices.draws).choice(labels) if labels else None


def choose_permanent(choices: Choices, plan: Plan, ws: DemoWorkspace) -> list[dict[str, Any]]:
    """Targeted faults (the next write to a page the plan updates, or the next page created in a data source
    it creates in) answered 400 or 404: Notion's refusals that no retry inside the job overcomes."""
    rng = random.Random(choices.draws + 1)
    targets = sorted(
        {
            ("page_id", step.target) if step.kind == "update" else ("create_in", step.logical)
            for step in plan.steps
        }
    )
    chosen = rng.sample(targets, min(choices.permanent, len(targets)))
    return [
        {
            aim: ws.data_sources[what] if aim == "create_in" else what,
            "status": rng.choice([400, 404]),
            "count": 1,
        }
        for aim, what in chosen
    ]


async def make_by_hand(sandbox: RunningSandbox, ws: DemoWorkspace, step: Any) -> None:
    """What a person does in Notion, outside paydesk: set the step's properties on its page, or create the
    page it creates."""
    async with direct(sandbox) as http:
        if step.kind == "update":
            answer = await http.patch(f"/v1/pages/{step.target}", json={"properties": dict(step.write)})
        else:
            parent = {"type": "data_source_id", "data_source_id": ws.data_sources[step.logical]}
            answer = await http.post("/v1/pages", json={"parent": parent, "properties": dict(step.write)})
        answer.raise_for_status()


def flow_of(seed: int, forced: str | None) -> str:
    return forced or choose_flow(random.Random(seed))


# ---- the flows ------------------------------------------------------------------------------------------


def argv_of(flow: str) -> tuple[str, ...]:
    if flow == "commit":
        return ("run", "commit", "--month", MONTH, "--batch", str(BATCH), "--json")
    if flow.startswith("generate:"):
        return ("run", "generate", "--type", flow.split(":")[1], "--month", MONTH, "--json")
    return ("run", "sync", "--month", MONTH, "--json")


def job_of(flow: str, summarizer: Any = None) -> tuple[JobSpec, Planner]:
    if flow == "commit":
        params = CommitParams(month=MONTH, batch=BATCH, today=date.today().isoformat())
        return commit_spec(params), commit_planner(params)
    if flow.startswith("generate:"):
        kind = GenerateParams(type=flow.split(":")[1], month=MONTH)
        return generate_spec(kind), generate_planner(kind)
    sync = SyncParams(month=MONTH)
    return sync_spec(sync), sync_planner(sync, summarizer)


def llm_env(sandbox: RunningSandbox) -> dict[str, str]:
    return {
        "PAYDESK_LLM_BASE_URL": f"{sandbox.base_url}/_sandbox/llm/v1",
        "PAYDESK_LLM_MODELS": ",".join(LLM_MODELS),
        "PAYDESK_LLM_API_KEY": LLM_KEY,
    }


# ---- the sandbox, read around its faults ----------------------------------------------------------------


def direct(sandbox: RunningSandbox) -> httpx.AsyncClient:
    """The sandbox's Notion app without its limits and faults (not counted): for seeding and checking."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.notion_app),
        base_url=sandbox.base_url,
        headers={"Authorization": f"Bearer {sandbox.token}", "Notion-Version": "2025-09-03"},
    )


async def seed_workspace(sandbox: RunningSandbox, seed: int) -> DemoWorkspace:
    async with direct(sandbox) as http:
        client = AsyncClient(
            auth=sandbox.token, base_url=sandbox.base_url, client=http, retry=False, logger=QUIET
        )
        return await seed_demo(client, sandbox.store, size="small", month=MONTH, random_seed=seed)


async def admin(sandbox: RunningSandbox, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        answer = await http.request(method, f"/_sandbox/{path}", json=body)
        answer.raise_for_status()
        return answer.json()


def _plain(prop: Mapping[str, Any]) -> tuple[bool, Any]:
    """(compared?, the value in plain form); a relation is the tuple of its ids."""
    kind = prop.get("type")
    if kind in SKIPPED_TYPES or kind is None:
        return False, None
    raw = prop.get(kind)
    if kind in ("title", "rich_text"):
        return True, "".join(part.get("plain_text", "") for part in raw or [])
    if kind in ("select", "status"):
        return True, raw.get("name") if isinstance(raw, dict) else None
    if kind == "multi_select":
        return True, tuple(sorted(option["name"] for option in raw or []))
    if kind == "date":
        return True, (raw.get("start"), raw.get("end")) if isinstance(raw, dict) else None
    if kind == "relation":
        return True, tuple(ref["id"] for ref in raw or [])
    return True, raw  # number, email, url, checkbox, phone_number, …


async def _full_relation(http: httpx.AsyncClient, page_id: str, prop: Mapping[str, Any]) -> tuple[str, ...]:
    """Every reference of a relation that shows only its first 25 (`has_more`), via the property endpoint."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
        answer = (await http.get(f"/v1/pages/{page_id}/properties/{prop['id']}", params=query)).json()
        ids += [item["relation"]["id"] for item in answer["results"]]
        if not answer["has_more"]:
            return tuple(ids)
        cursor = answer["next_cursor"]


@dataclass(frozen=True)
class Record:
    logical: str
    title: str
    values: dict[str, Any]  # compared properties other than relations, in plain form
    relations: dict[str, tuple[str, ...]]  # relation properties: the ids they point at

    def get(self, name: str) -> Any:
        return self.relations[name] if name in self.relations else self.values.get(name)


@dataclass
class Snapshot:
    """Every page of the ten data sources by id."""

    pages: dict[str, Record]

    def of(self, logical: str) -> dict[str, Record]:
        return {pid: r for pid, r in self.pages.items() if r.logical == logical}

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r.logical for r in self.pages.values()).items()))


async def read_snapshot(sandbox: RunningSandbox, ws: DemoWorkspace) -> Snapshot:
    """The whole workspace, read through the bare app with the query lag set aside (nothing is hidden)."""
    pages: dict[str, Record] = {}
    lag, sandbox.store.query_lag_ms = sandbox.store.query_lag_ms, 0
    try:
        async with direct(sandbox) as http:
            for logical, source in ws.data_sources.items():
                cursor: str | None = None
                while True:
                    body: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
                    answer = (await http.post(f"/v1/data_sources/{source}/query", json=body)).json()
                    for page in answer["results"]:
                        pages[page["id"]] = await _record(http, logical, page)
                    if not answer["has_more"]:
                        break
                    cursor = answer["next_cursor"]
    finally:
        sandbox.store.query_lag_ms = lag
    return Snapshot(pages)


async def _record(http: httpx.AsyncClient, logical: str, page: Mapping[str, Any]) -> Record:
    values: dict[str, Any] = {}
    relations: dict[str, tuple[str, ...]] = {}
    title = ""
    for name, prop in page["properties"].items():
        compared, value = _plain(prop)
        if not compared:
            continue
        if prop["type"] == "relation":
            relations[name] = await _full_relation(http, page["id"], prop) if prop.get("has_more") else value
        else:
            values[name] = value
            title = value if prop["type"] == "title" else title
    return Record(logical, title, values, relations)


def normalized(snap: Snapshot) -> dict[str, Counter[str]]:
    """Each data source's pages as a multiset of rows, ids left out: a relation names each page it points at
    by its data source, its title and the titles of the pages it links (titles repeat, e.g. payouts)."""
    base = {pid: f"{r.logical}:{r.title}" for pid, r in snap.pages.items()}
    label: dict[str, str] = {}
    for pid, r in snap.pages.items():
        linked = sorted(base.get(ref, ref) for refs in r.relations.values() for ref in refs)
        label[pid] = f"{base[pid]}<{'|'.join(linked)}>"
    rows: dict[str, Counter[str]] = {}
    for r in snap.pages.values():
        values = dict(r.values)
        if isinstance(values.get(ORDERED_BY_ID), str):
            values[ORDERED_BY_ID] = sorted(values[ORDERED_BY_ID].splitlines())
        row = {
            **values,
            **{name: sorted(label.get(ref, ref) for ref in refs) for name, refs in r.relations.items()},
        }
        rows.setdefault(r.logical, Counter())[json.dumps(row, sort_keys=True, default=str)] += 1
    return rows


def differences(actual: Snapshot, reference: Snapshot) -> list[str]:
    have, want = normalized(actual), normalized(reference)
    problems: list[str] = []
    for logical in sorted(set(have) | set(want)):
        extra = have.get(logical, Counter()) - want.get(logical, Counter())
        missing = want.get(logical, Counter()) - have.get(logical, Counter())
        if extra or missing:
            shown = [f"extra {next(iter(extra))[:900]}"] if extra else []
            shown += [f"missing {next(iter(missing))[:900]}"] if missing else []
            problems.append(
                f"{logical} differs from the fault-free run: {sum(extra.values())} page(s) not in it, "
                f"{sum(missing.values())} of its page(s) missing, e.g. {' / '.join(shown)}"
            )
    return problems


# ---- the invariants read from a snapshot ----------------------------------------------------------------


def paid_tree(snap: Snapshot) -> dict[str, Page]:
    """The commit's pages: state (status, payment date), children (payout items, splits, refunds)."""
    tree: dict[str, Page] = {}
    for pid, page in snap.pages.items():
        if page.logical not in WATCHED:
            continue
        status = page.get("Payment Status") or page.get("Status")
        paid_on = (page.get("Payment Date") or (None, None))[0]
        children: list[str] = []
        if page.logical == "payables":
            children = list(page.get("Payout Items") or ())
        elif page.logical == "payouts":
            children = [*(page.get("02 Invoice Split") or ()), *(page.get("01 Refund") or ())]
        tree[pid] = Page((status, paid_on), children, status == "Cancelled")
    return tree


def parents_paid_too_early(before: Snapshot, now: Snapshot) -> list[str]:
    """Pages paydesk marked Paid (not Paid before, Paid now) with a child that is not Paid."""
    was, tree = paid_tree(before), paid_tree(now)
    problems: list[str] = []
    for page_id, page in tree.items():
        if page.state[0] != "Paid" or (page_id in was and was[page_id].state[0] == "Paid"):
            continue
        for child in page.children:
            found = tree.get(child)
            if found is not None and not found.cancelled and found.state[0] != "Paid":
                problems.append(f"{page_id} Paid while its child {child} is {found.state[0]}")
    return problems


def duplicate_keys(snap: Snapshot) -> set[str]:
    """Source records linked by two non-cancelled payouts; Orders of the month made twice; line items made
    twice for one Order and deployment."""
    seen: Counter[str] = Counter()
    for payout in snap.of("payouts").values():
        if payout.get("Status") == "Cancelled":
            continue
        for link in PAYOUT_LINKS:
            for source in payout.get(link) or ():
                seen[f"payout for {link} {source}"] += 1
    for order in snap.of("orders").values():
        kind, parent, deployment = (
            order.get("Type"),
            order.get("Parent item"),
            order.get("Project Deployment"),
        )
        if kind == "Order" and order.title.endswith(f":: {COMPACT}"):
            seen[f"Order {order.title.casefold()}"] += 1
        elif kind == "Timesheet" and parent and deployment:
            seen[f"line item {sorted(parent)} {sorted(deployment)}"] += 1
    return {key for key, count in seen.items() if count > 1}


def duplicates(before: Snapshot, now: Snapshot, reference: Snapshot, flow: str) -> list[str]:
    problems = [f"duplicate: {key}" for key in sorted(duplicate_keys(now) - duplicate_keys(before))]
    counts, expected = now.counts(), (before if flow == "commit" else reference).counts()
    if counts != expected:
        problems.append(f"page counts {counts} differ from {'before' if flow == 'commit' else 'reference'}")
    return problems


def texts_not_as_planned(plan: Plan, steps: list[Any], now: Snapshot) -> list[str]:
    """Pages whose Proof of Works is not, to the character, what the job's plan on this very workspace
    said (taken before any fault; a created page is found through its step's page in the log)."""
    made = {step.step_key: step.page_id for step in steps if step.kind == "create" and step.page_id}
    problems: list[str] = []
    for step in plan.steps:
        prop = step.write.get(ORDERED_BY_ID)
        if not isinstance(prop, Mapping):
            continue
        want = "".join(part["text"]["content"] for part in prop.get("rich_text", []))
        page_id = made.get(step.key) if step.kind == "create" else step.target
        page = now.pages.get(page_id or "")
        have = page.values.get(ORDERED_BY_ID) if page is not None else None
        if have != want:
            problems.append(f"{ORDERED_BY_ID} of {page_id or step.key} is {have!r}, planned {want!r}")
    return problems


# ---- every write the sandbox applied, and its events ----------------------------------------------------


@dataclass(frozen=True)
class Write:
    method: str
    route: str
    target: str | None  # the page an update writes
    parent: str | None  # the data source a create creates in
    properties: tuple[str, ...]
    status: int | None
    created: str | None  # the page a create made


class WriteRecorder:
    """An ASGI layer between the sandbox's limits and its Notion app: records every write that reaches the
    app (those an injected fault stopped never do; an `applied_reset` one does)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.writes: list[Write] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope.get("method", ""), scope.get("path", "")
        route = route_template(path)
        if scope["type"] != "http" or classify(method, route) != "write":
            await self.app(scope, receive, send)
            return
        received: list[Message] = []  # replayed to the app as they came, a disconnect included
        while True:
            message = await receive()
            received.append(message)
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        body = b"".join(m.get("body", b"") for m in received if m["type"] == "http.request")
        pending = received[::-1]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        status: list[int] = []
        answer: list[bytes] = []
        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                self.writes.append(_write_of(method, route, path, body, status, b"".join(answer)))

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
                if not message.get("more_body"):
                    record()  # before the answer leaves: a client that saw it finds the write recorded
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            record()


def _write_of(method: str, route: str, path: str, body: bytes, status: list[int], answer: bytes) -> Write:
    try:
        sent = json.loads(body or b"{}")
    except ValueError:
        sent = {}
    properties = tuple(sorted(sent.get("properties") or {})) if isinstance(sent, dict) else ()
    parent = (sent.get("parent") or {}).get("data_source_id") if isinstance(sent, dict) else None
    created: str | None = None
    if route == "/v1/pages" and status == [200]:
        try:
            created = json.loads(answer)["id"]
        except (ValueError, KeyError, TypeError):
            created = None
    target = path.rstrip("/").split("/")[3] if route == "/v1/pages/{page_id}" else None
    return Write(method, route, target, parent, properties, status[0] if status else None, created)


def _norm(page_id: str | None) -> str:
    return (page_id or "").replace("-", "").lower()


def log_exists(db: Location) -> bool:
    """Whether the log has been made yet (a team's database is made before the seed, its schema by paydesk:
    a read-only open of a database without it is refused)."""
    if not is_url(db):
        return Path(db).exists()
    with psycopg.connect(str(db)) as conn:
        return conn.execute("SELECT to_regclass('public.events') IS NOT NULL").fetchone() == (True,)


def newest_job(db: Location) -> JobRow | None:
    """The newest job as `paydesk jobs` shows it (a job the log calls running that nobody holds is
    interrupted), read in-process: the harness's own bookkeeping, not a paydesk command under test."""
    if not log_exists(db):
        return None
    with EventLog(db, read_only=True) as log:
        jobs = log.jobs()
    if not jobs:
        return None
    jobs[-1].status = effective_status(db, jobs[-1].job_id, jobs[-1].status)
    return jobs[-1]


def steps_in(db: Location) -> list[Any]:
    if not log_exists(db):
        return []
    with EventLog(db, read_only=True) as log:
        return [step for job in log.jobs() for step in log.steps(job.job_id)]


def writes_without_events(
    writes: Iterable[Write], steps: list[Any], logical_of: Mapping[str, str], *, final: bool
) -> list[str]:
    problems: list[str] = []
    applied = [w for w in writes if w.status == 200]
    updates: dict[str, list[Any]] = {}
    for step in steps:
        if step.kind == "update" and step.attempts >= 1:
            updates.setdefault(_norm(step.target), []).append(step)
    for write in applied:
        if write.route != "/v1/pages/{page_id}":
            continue
        started = updates.get(_norm(write.target), [])
        if not any(step.property in write.properties for step in started):
            problems.append(
                f"{write.method} {write.target} ({', '.join(write.properties)}) "
                "has no started step in the log"
            )
    creates = [w for w in applied if w.route == "/v1/pages"]
    if final:
        made = {_norm(s.page_id) for s in steps if s.kind == "create" and s.status == "succeeded"}
        problems += [
            f"page {w.created} created in {logical_of.get(_norm(w.parent), w.parent)} is no succeeded "
            "create step's page"
            for w in creates
            if _norm(w.created) not in made
        ]
    else:
        attempts: Counter[str] = Counter()
        for step in steps:
            if step.kind == "create":
                attempts[step.data_source] += step.attempts
        sent = Counter(logical_of.get(_norm(w.parent), str(w.parent)) for w in creates)
        problems += [
            f"{count} page(s) created in {logical} but {attempts[logical]} create attempt(s) started"
            for logical, count in sent.items()
            if count > attempts[logical]
        ]
    return problems


# ---- paydesk as a subprocess ------------------------------------------------------------------------------


async def paydesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(COMMAND_TIMEOUT_S):
        return await trio.run_process(
            [sys.executable, "-m", "console.cli", *args],
            env=env,
            cwd=ROOT,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )


async def totals(sandbox: RunningSandbox) -> dict[str, Any]:
    stats: dict[str, Any] = await admin(sandbox, "GET", "stats")
    return stats


async def run_and_kill(
    rig: Rig, argv: tuple[str, ...], kind: str, count: int, machine: str | None = None
) -> bool:
    """Run `paydesk argv` (on `machine`, in team mode) and SIGKILL it after `count` more requests of `kind`;
    False if it ended first."""
    sandbox = rig.sandbox
    errors = rig.workdir / "kill-stderr.txt"
    with errors.open("wb") as stderr:
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "console.cli", *argv],
            env=rig.env_of(machine),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        start = (await totals(sandbox))["totals"][kind]
        with trio.move_on_after(COMMAND_TIMEOUT_S):
            # Polling another process's server: there is no event to wait on.
            while process.returncode is None and (await totals(sandbox))["totals"][kind] - start < count:  # noqa: ASYNC110
                await trio.sleep(0.003)
        if process.returncode is not None:
            rig.note(argv, process.returncode, errors.read_bytes())
            return False
        process.send_signal(signal.SIGKILL)
        return True
    finally:
        if process.returncode is None:
            process.kill()
        with trio.CancelScope(shield=True):
            await process.wait()


@dataclass
class Rig:
    """One chaos seed's sandbox, workspace, paydesk environment and what it checks."""

    sandbox: RunningSandbox
    ws: DemoWorkspace
    env: dict[str, str]
    db: Location  # a SQLite file, or (team mode) the seed's PostgreSQL database
    recorder: WriteRecorder
    before: Snapshot
    result: SeedResult
    workdir: Path
    machines: Machines | None = None  # team mode: the two machines sharing the log
    concurrent_pending: bool = False  # team mode: a recovery is still to be tried by both machines at once

    def env_of(self, machine: str | None) -> dict[str, str]:
        """The environment of a new paydesk process (of `machine`, in team mode)."""
        if self.machines is None or machine is None:
            return self.env
        operator, env = self.machines.env(machine)
        self.result.machines.append(operator)
        return env

    async def paydesk(self, *args: str, machine: str | None = None) -> subprocess.CompletedProcess[bytes]:
        done = await paydesk(self.env_of(machine), *args)
        self.note(args, done.returncode, done.stderr)
        return done

    def note(self, args: tuple[str, ...], code: int, stderr: bytes) -> None:
        """Keep the message of a command that could not run (exit 1): the harness's diagnostics."""
        if code not in (0, 2):
            last = (stderr.decode(errors="replace").strip().splitlines() or ["(no message)"])[-1]
            self.result.command_errors.append(f"{args[0]} exited {code}: {last[:300]}")

    async def wait_for_release(self) -> None:
        """Team mode: wait until the killed process's database session has ended (its locks with it), as
        another machine would before it sees the job interrupted; a session outliving its process for
        `RELEASE_S` is a failure (the job could not be resumed)."""
        with trio.move_on_after(RELEASE_S):
            while True:
                job = await trio.to_thread.run_sync(newest_job, self.db)
                if job is None or job.status not in ("created", "running"):
                    return
                await trio.sleep(0.05)
        self.result.failures.append(
            f"a killed process's locks were still held {RELEASE_S:g} s after the kill"
        )

    @property
    def logical_of(self) -> dict[str, str]:
        return {_norm(source): logical for logical, source in self.ws.data_sources.items()}

    async def after_kill(self) -> None:
        """The invariants that hold at any moment, checked right after a kill."""
        self.result.kills += 1
        if self.machines is not None:
            await self.wait_for_release()
        now = await read_snapshot(self.sandbox, self.ws)
        if self.result.flow == "commit":
            self.result.failures += [f"after a kill: {p}" for p in parents_paid_too_early(self.before, now)]
        steps = await trio.to_thread.run_sync(steps_in, self.db)
        problems = writes_without_events(self.recorder.writes, steps, self.logical_of, final=False)
        self.result.failures += [f"after a kill: {p}" for p in problems]


async def finish_the_job(rig: Rig, argv: tuple[str, ...], kill_again: tuple[str, int] | None) -> None:
    """Resume, retry or rerun until the newest job is completed (at most MAX_ROUNDS rounds); the first
    round's command is killed too when `kill_again` says so.

    A job killed before its plan was stored cannot be resumed: the job simply runs again (a job that
    never started executing does not hold its selection back)."""
    result = rig.result
    for _ in range(MAX_ROUNDS):
        result.enter("jobs")
        job = await trio.to_thread.run_sync(newest_job, rig.db)
        status = job.status if job is not None else None
        if job is not None and status == "completed":
            return
        if job is None or status == "failed" or not job.plan_steps:
            result.runs += 1
            command: tuple[str, ...] = argv
        elif status == "completed_with_failures":
            result.retries += 1
            command = ("retry", job.job_id, "--json")
        else:  # interrupted, planned, running (a dead process), cancelled
            result.resumes += 1
            command = ("resume", job.job_id, "--json")
        both = rig.concurrent_pending and kill_again is None and command[0] in ("resume", "retry")
        machine: str | None = None
        if rig.machines is not None and not both:
            last, machine = rig.machines.last, rig.machines.next_recovery()
            result.elsewhere += machine != last
            result.restarted += machine == last
        if kill_again is not None:
            result.enter(f"{command[0]}, to be killed at {kill_again[0]}:{kill_again[1]}")
            if await run_and_kill(rig, command, *kill_again, machine):
                await rig.after_kill()
            kill_again = None
        elif both and job is not None:
            rig.concurrent_pending = False
            result.enter(f"{command[0]} on both machines at once")
            await both_at_once(rig, command, job.job_id)
        else:
            result.enter(command[0])
            await rig.paydesk(*command, machine=machine)
    result.failures.append(f"the job was not completed after {MAX_ROUNDS} rounds")


async def both_at_once(rig: Rig, command: tuple[str, ...], job_id: str) -> None:
    """Team mode: both machines run `command` (a resume or retry of `job_id`) at the same moment. One of
    them runs it; the other is refused in one line (`paydesk: error: …`), or, when the first had finished
    before it looked, finds nothing left to do. Two runs of the job at once are caught by
    `runs_that_overlap`, at the end; here, every refusal must be one line and the outcome is kept."""
    assert rig.machines is not None
    started: dict[str, tuple[str, dict[str, str]]] = {m: rig.machines.env(m) for m in MACHINES}
    rig.result.machines += [operator for operator, _ in started.values()]
    done: dict[str, subprocess.CompletedProcess[bytes]] = {}

    async def run_on(machine: str) -> None:
        done[machine] = await paydesk(started[machine][1], *command)

    async with trio.open_nursery() as nursery:
        for machine in MACHINES:
            nursery.start_soon(run_on, machine)
    records = await trio.to_thread.run_sync(job_records, str(rig.db))
    ran = starts_by(records, job_id, {operator for operator, _ in started.values()})
    said: list[str] = []
    for machine in MACHINES:
        answer = done[machine]
        rig.note(command, answer.returncode, answer.stderr)
        operator = started[machine][0]
        if answer.returncode in (0, 2):
            said.append(f"{operator} exited {answer.returncode}")
            continue
        line = refusal_line(answer.stderr.decode(errors="replace"))
        if answer.returncode != 1 or line is None:
            rig.result.failures.append(
                f"{command[0]} on both machines: {operator} exited {answer.returncode} without a one-line "
                f"refusal: {answer.stderr.decode(errors='replace').strip()[-400:]!r}"
            )
            line = "(no one-line refusal)"
        said.append(f"{operator} refused: {line.removeprefix('paydesk: error: ')[:160]}")
    rig.result.concurrent = f"{command[0]}: ran by {', '.join(ran) or 'none'}; " + "; ".join(said)


# ---- one seed --------------------------------------------------------------------------------------------


def write_config(path: Path, sandbox: RunningSandbox, ws: DemoWorkspace) -> Config:
    text = render_config(sandbox.base_url, ws).replace("rate = 3.0", "rate = 200.0\ntimeout_s = 2.0")
    path.write_text(text.replace("burst = 3", "burst = 20"), encoding="utf-8")
    return load_config(path, {"NOTION_TOKEN": sandbox.token})


async def plan_in_process(sandbox: RunningSandbox, config: Config, planner: Planner) -> Plan:
    """The job's plan for the workspace as it is, read through the bare app (not limited or counted)."""

    async def report(_: PreloadFact) -> None:
        return None

    async with direct(sandbox) as http:
        client = AsyncClient(
            auth=sandbox.token, base_url=sandbox.base_url, client=http, retry=False, logger=QUIET
        )
        gateway = NotionGateway(client, TokenBucket(1000, 1000))
        return await planner(Preloader(gateway, config, RequestCounters(), report))


@asynccontextmanager
async def summarizer_for(flow: str, sandbox: RunningSandbox, config: Config) -> AsyncIterator[Any]:
    """The sync's LLM summarizer on the sandbox's stub (None for the other flows)."""
    if flow != "sync":
        yield None
        return
    settings = llm_settings(config.llm, llm_env(sandbox))
    assert settings is not None
    async with open_chat_client(settings) as chat:
        yield LLMSummarizer(chat)


async def reference_run(seed: int, choices: Choices, workdir: Path) -> Snapshot:
    """The same job on a twin sandbox seeded alike, without any fault: the workspace it leaves."""
    async with open_sandbox(workdir / "twin", SandboxOptions(random_seed=seed)) as twin:
        ws = await seed_workspace(twin, seed)
        config = write_config(workdir / "twin.toml", twin, ws)
        if choices.llm_failures:
            await admin(twin, "POST", "llm/config", {"failures": choices.llm_failures})
        async with (
            summarizer_for(choices.flow, twin, config) as summarizer,
            open_runtime(config, workdir / "twin.sqlite", operator="chaos") as rt,
        ):
            spec, planner = job_of(choices.flow, summarizer)
            if choices.hand_edit:  # the same hand edit, before the twin plans
                plan = await plan_in_process(twin, config, planner)
                label = choose_hand_edit(choices, plan)
                if label is not None:
                    await make_by_hand(twin, ws, hand_candidates(plan)[label])
            report = await run_job(rt, spec, planner)
        if report.status != "completed" or report.plan is None or not report.plan.steps:
            raise RuntimeError(f"the fault-free {choices.flow} run ended {report.status} with no work done")
        return await read_snapshot(twin, ws)


async def run_seed(
    seed: int, workdir: Path, forced: str | None, limit_s: float, team_admin: str | None = None
) -> SeedResult:
    """One seed; in team mode (`team_admin`: the PostgreSQL server's admin URL) on a database of its own."""
    result = SeedResult(seed, flow=flow_of(seed, forced))
    started = time.monotonic()
    with trio.move_on_after(limit_s) as scope:
        try:
            if team_admin is None:
                await _run_seed(seed, workdir, forced, result)
            else:
                with seed_database(team_admin, seed) as url:
                    await _run_seed(seed, workdir, forced, result, url)
        except Exception as err:  # a broken harness is reported as the seed's failure, not a crash
            result.failures.append(
                f"the harness failed in phase {result.phase!r}: {type(err).__name__}: {err}"
            )
    if scope.cancelled_caught:
        result.failures.append(f"timed out after {limit_s:g} s in phase {result.phase!r}")
    result.seconds = round(time.monotonic() - started, 2)
    return result


async def _run_seed(
    seed: int, workdir: Path, forced: str | None, result: SeedResult, team_url: str | None = None
) -> None:
    probe = choose(seed, 1, forced)  # the flow, faults and LLM failures do not depend on the plan's size
    options = SandboxOptions(latency_ms=probe.latency_ms, jitter_ms=probe.latency_ms / 2, random_seed=seed)
    result.enter("seeding")
    async with open_sandbox(workdir / "sandbox", options) as sandbox:
        ws = await seed_workspace(sandbox, seed)
        config = write_config(workdir / "paydesk.toml", sandbox, ws)
        if probe.llm_failures:
            await admin(sandbox, "POST", "llm/config", {"failures": probe.llm_failures})
        async with summarizer_for(probe.flow, sandbox, config) as summarizer:
            plan = await plan_in_process(sandbox, config, job_of(probe.flow, summarizer)[1])
        writes = sum(1 for step in plan.steps if not step.at_target(step.before))
        choices = choose(seed, writes, forced)
        # The reference with the seed's own choices: the draws after the kill points (a hand edit, the
        # permanent faults) depend on the plan's size, so the probe's can differ (seed 109: the twin made a
        # payout by hand that the run never did, and the run's workspace differed from it)
        result.enter("reference")
        reference = await reference_run(seed, choices, workdir)
        result.enter("seeding")
        result.flow, result.spec, result.query_lag_ms = choices.flow, choices.spec, choices.query_lag_ms
        result.latency_ms, result.llm_failures = choices.latency_ms, choices.llm_failures
        result.kill_at = f"{choices.kill[0]}:{choices.kill[1]}" if choices.kill else None
        result.kill_again_at = (
            f"{choices.kill_again[0]}:{choices.kill_again[1]}" if choices.kill_again else None
        )

        db: Location = team_url if team_url is not None else workdir / "log.sqlite"
        env = {k: v for k, v in os.environ.items() if "LLM" not in k and k != "OPENROUTER_API_KEY"}
        env |= {
            "PAYDESK_CONFIG": str(workdir / "paydesk.toml"),
            "PAYDESK_DB": str(db),
            "PAYDESK_HOME": str(workdir / "home"),
            "NOTION_TOKEN": sandbox.token,
            **(llm_env(sandbox) if choices.flow == "sync" else {}),
        }
        before = await read_snapshot(sandbox, ws)
        if choices.flow == "commit" and not any(p.children for p in paid_tree(before).values()):
            raise RuntimeError("the checker sees no relations: the parent/child invariant would be vacuous")
        limits = limits_for(sandbox.store)
        assert limits is not None
        recorder = WriteRecorder(limits.app)
        limits.app = recorder
        await admin(
            sandbox,
            "POST",
            "faults",
            {"spec": choices.spec, "random_seed": seed, "query_lag_ms": choices.query_lag_ms},
        )
        if choices.query_lag_ms:  # what was just seeded shows in queries once the lag has passed
            await trio.sleep(choices.query_lag_ms / 1000 + 0.05)
        permanent = choose_permanent(choices, plan, ws)
        if permanent:
            await admin(sandbox, "POST", "faults", {"targeted": permanent})
            result.permanent = [f"{next(iter(f.values()))}:{f['status']}" for f in permanent]
        await admin(sandbox, "POST", "stats/reset")
        team = choose_team(seed) if team_url is not None else None
        machines = Machines(env, team_url, workdir, team) if team_url is not None and team else None
        rig = Rig(
            sandbox, ws, env, db, recorder, before, result, workdir, machines, bool(team and team.concurrent)
        )
        starter = team.starter if team is not None else None

        argv = argv_of(choices.flow)
        result.runs += 1
        label = choose_hand_edit(choices, plan)
        if label is not None:
            # Plan, then a person makes one of its writes by hand, then the plan is executed.
            result.enter("run --dry-run")
            await rig.paydesk(*argv, "--dry-run", machine=starter)
            result.enter("by hand")
            result.hand_edit = label
            by_hand = hand_candidates(plan)[label]
            await make_by_hand(sandbox, ws, by_hand)
            if by_hand.kind == "create" and choices.query_lag_ms:
                # A person's page comes before the execution by more than Notion's lag: until then no query
                # shows it, to paydesk or anything else (seed 13 made it 0.5 s before a resume, lag 0.6 s)
                await trio.sleep(choices.query_lag_ms / 1000 + 0.05)
            await finish_the_job(rig, argv, choices.kill)
            again = [
                w
                for w in recorder.writes
                if w.status == 200
                and by_hand.kind == "update"
                and _norm(w.target) == _norm(by_hand.target)
                and by_hand.property in w.properties
            ]
            if again:
                result.failures.append(f"made by hand, then sent again: {label} ({len(again)} writes)")
        elif choices.kill is not None:
            result.enter(f"run, to be killed at {result.kill_at}")
            if await run_and_kill(rig, argv, *choices.kill, starter):
                await rig.after_kill()
            await finish_the_job(rig, argv, choices.kill_again)
        else:
            result.enter("run")
            await rig.paydesk(*argv, machine=starter)
            await finish_the_job(rig, argv, choices.kill_again)

        result.enter("checking")
        stats = await totals(sandbox)
        result.faults_injected = int(stats["totals"]["faults"]) + int(stats["totals"]["rate_limited"])
        result.by_status = {k: v for k, v in stats["by_status"].items() if not k.startswith("2")}
        applied = [w for w in recorder.writes if w.status == 200]
        result.writes_applied = len(applied)
        result.pages_created = sum(1 for w in applied if w.created)
        now = await read_snapshot(sandbox, ws)
        if choices.flow == "commit":
            result.failures += parents_paid_too_early(before, now)
        result.failures += duplicates(before, now, reference, choices.flow)
        result.failures += differences(now, reference)
        steps = await trio.to_thread.run_sync(steps_in, rig.db)
        result.failures += writes_without_events(recorder.writes, steps, rig.logical_of, final=True)
        result.failures += texts_not_as_planned(plan, steps, now)
        if team_url is not None:  # no two processes ran one job at once
            result.failures += runs_that_overlap(await trio.to_thread.run_sync(job_records, team_url))
    result.enter("verify and replay --check")

    async def audit(*check: str) -> None:
        # in team mode, on a machine each: verify on A, replay on B, both reading the PostgreSQL log
        machines = rig.machines
        where = machines.env("a" if check[0] == "verify" else "b")[1] if machines else env
        done = await paydesk(where, *check)
        if done.returncode != 0:
            result.failures.append(
                f"`paydesk {' '.join(check)}` exited {done.returncode}: "
                f"{done.stdout[-200:]!r} {done.stderr.decode(errors='replace').strip()[-300:]}"
            )

    async with trio.open_nursery() as nursery:  # both only read the log
        nursery.start_soon(audit, "verify")
        nursery.start_soon(audit, "replay", "--check")
    result.enter("done")


# ---- the whole run ---------------------------------------------------------------------------------------


def line(r: SeedResult) -> str:
    verdict = "ok" if not r.failures else "FAIL: " + "; ".join(r.failures)[:400]
    if r.failures and r.command_errors:
        verdict += " | commands: " + "; ".join(r.command_errors)[:400]
    kills = f"{r.kill_at or '-'}{'+' + r.kill_again_at if r.kill_again_at else ''}"
    return (
        f"{r.seed:>5}  {r.flow:<22} {r.faults_injected:>6}  {kills:<20} {r.kills:>5} {r.runs:>4} "
        f"{r.resumes:>3} {r.retries:>3} {r.writes_applied:>6}  {r.seconds:>6.1f}  {verdict}"
    )


HEADER = (
    f"{'seed':>5}  {'flow':<22} {'faults':>6}  {'kill points':<20} {'kills':>5} {'runs':>4} "
    f"{'res':>3} {'ret':>3} {'writes':>6}  {'s':>6}  result"
)


def aggregate(results: list[SeedResult]) -> dict[str, Any]:
    injected: Counter[str] = Counter()
    for r in results:
        injected.update(r.by_status)
    seconds = [r.seconds for r in results]
    return {
        "seeds": len(results),
        "faults_injected": sum(r.faults_injected for r in results),
        "faults_by_status": dict(sorted(injected.items())),
        "kills_planned": sum(1 for r in results if r.kill_at) + sum(1 for r in results if r.kill_again_at),
        "kills": sum(r.kills for r in results),
        "seeds_killed_twice": sum(1 for r in results if r.kills >= 2),
        "runs": sum(r.runs for r in results),
        "resumes": sum(r.resumes for r in results),
        "retries": sum(r.retries for r in results),
        "writes_applied": sum(r.writes_applied for r in results),
        "pages_created": sum(r.pages_created for r in results),
        "llm_failure_seeds": sum(1 for r in results if r.llm_failures),
        "permanent_faults_aimed": sum(len(r.permanent) for r in results),
        "seeds_edited_by_hand": sum(1 for r in results if r.hand_edit),
        "invariant_failures": sum(len(r.failures) for r in results),
        "commands_that_could_not_run": sum(len(r.command_errors) for r in results),
        "seeds_failed": [r.seed for r in results if r.failures],
        "seeds_timed_out": [r.seed for r in results if any("timed out" in f for f in r.failures)],
        "seconds_min": min(seconds, default=0.0),
        "seconds_max": max(seconds, default=0.0),
        "seconds_total": round(sum(seconds), 1),
    }


def summary(results: list[SeedResult], elapsed: float, args: argparse.Namespace) -> dict[str, Any]:
    by_flow = {flow: aggregate([r for r in results if r.family == flow]) for flow in FLOWS} | {
        f"generate:{t}": aggregate([r for r in results if r.flow == f"generate:{t}"]) for t in GENERATE_TYPES
    }
    return {
        "benchmark": "chaos",
        "quick": args.quick,
        "seeds_requested": len(seeds_of(args)),
        "seeds_run": len(results),
        "first_seed": args.first_seed,
        "seed_list": args.seed_list,
        "forced_flow": args.flow,
        "seed_timeout_s": args.seed_timeout,
        "elapsed_s": round(elapsed, 1),
        "seconds_per_seed": round(elapsed / len(results), 2) if results else None,
        **aggregate(results),
        "team": team_aggregate(results) if args.team or args.team_url is not None else None,
        "by_flow": by_flow,
        "load_average": os.getloadavg(),
        "results": [{k: v for k, v in asdict(r).items() if not k.startswith("_")} for r in results],
    }


def team_aggregate(results: list[SeedResult]) -> dict[str, Any]:
    """Team mode: how the commands were spread over the two machines."""
    concurrent = [r.concurrent for r in results if r.concurrent]
    return {
        "processes": sum(len(r.machines) for r in results),
        "machine_switches": sum(r.elsewhere for r in results),
        "same_machine_restarts": sum(r.restarted for r in results),
        "concurrent_recoveries": len(concurrent),
        "concurrent_refused": sum(c.count(" refused: ") for c in concurrent),
        "concurrent_refused_running": sum(c.count("running in another paydesk process") for c in concurrent),
        "concurrent_seeds": [r.seed for r in results if r.concurrent],
    }


def flow_table(report: dict[str, Any]) -> str:
    lines = [
        f"{'flow':<24}{'seeds':>6}{'faults':>8}{'kills':>7}{'resumes':>9}{'retries':>9}{'reruns':>8}"
        f"{'writes':>8}{'failures':>10}"
    ]
    for flow, row in report["by_flow"].items():
        if row["seeds"]:
            lines.append(
                f"{flow:<24}{row['seeds']:>6}{row['faults_injected']:>8}{row['kills']:>7}{row['resumes']:>9}"
                f"{row['retries']:>9}{row['runs'] - row['seeds']:>8}{row['writes_applied']:>8}"
                f"{row['invariant_failures']:>10}"
            )
    return "\n".join(lines)


def seeds_of(args: argparse.Namespace) -> list[int]:
    if args.seed_list:
        return [int(s) for s in args.seed_list.split(",") if s.strip()]
    return list(range(args.first_seed, args.first_seed + (5 if args.quick else args.seeds)))


async def main(args: argparse.Namespace) -> dict[str, Any]:
    results: list[SeedResult] = []
    started = time.monotonic()
    team = args.team or args.team_url is not None
    with open_team_server(args.team_url) if team else nullcontext(None) as team_admin:
        if team:
            where = describe_location(team_admin or "")
            print(f"team mode: two machines on one PostgreSQL log per seed, on {where}", flush=True)
        print(HEADER, flush=True)
        for seed in seeds_of(args):
            if time.monotonic() - started > args.max_seconds:
                print(
                    f"stopping: --max-seconds {args.max_seconds} reached before seed {seed}", file=sys.stderr
                )
                break
            with tempfile.TemporaryDirectory(prefix=f"chaos-{seed}-") as tmp:
                result = await run_seed(seed, Path(tmp), args.flow, args.seed_timeout, team_admin)
            results.append(result)
            print(line(result), flush=True)
    elapsed = time.monotonic() - started
    report = summary(results, elapsed, args)
    print()
    print(flow_table(report))
    print(
        f"\n{report['seeds_run']} seeds in {report['elapsed_s']} s "
        f"({report['seconds_per_seed']} s per seed); "
        f"faults injected {report['faults_injected']} {report['faults_by_status']}; kills {report['kills']} "
        f"of {report['kills_planned']} planned; resumes {report['resumes']}; retries {report['retries']}; "
        f"invariant failures {report['invariant_failures']}"
    )
    if team:
        print(
            f"team: {report['team']['machine_switches']} recoveries on the other machine, "
            f"{report['team']['same_machine_restarts']} on the same one restarted; "
            f"{report['team']['concurrent_recoveries']} recoveries tried by both machines at once "
            f"({report['team']['concurrent_refused']} refusals, "
            f"{report['team']['concurrent_refused_running']} of them as the other machine was running it)"
        )
    return report


def write_report(report: dict[str, Any], output: str) -> int:
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return 1 if report["invariant_failures"] else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=200, help="how many seeds (default 200)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--seed-list", default="", help="exactly these seeds, e.g. 3,5,8")
    parser.add_argument(
        "--flow",
        choices=("commit", *(f"generate:{t}" for t in GENERATE_TYPES), "sync"),
        help="run this flow on every seed instead of the seed's own choice",
    )
    parser.add_argument("--quick", action="store_true", help="5 seeds only")
    parser.add_argument("--max-seconds", type=float, default=5400.0, help="start no new seed after this long")
    parser.add_argument(
        "--seed-timeout", type=float, default=SEED_TIMEOUT_S, help="a seed taking longer fails (seconds)"
    )
    parser.add_argument(
        "--team",
        action="store_true",
        help="team mode: two machines on one PostgreSQL log per seed, on a server started for the run",
    )
    parser.add_argument(
        "--team-url",
        help="team mode on this PostgreSQL server: its admin URL (a database per seed is created there)",
    )
    parser.add_argument(
        "--output", help="the JSON report (default bench/results/chaos.json, chaos_team.json)"
    )
    args = parser.parse_args(argv)
    if args.output is None:
        team = args.team or args.team_url is not None
        args.output = str(ROOT / "bench" / "results" / ("chaos_team.json" if team else "chaos.json"))
    return args


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(write_report(trio.run(main, arguments), arguments.output))

"""Chaos run of the payout commit: random faults, kill -9 and resume, then the invariants.

    .venv/bin/python bench/chaos.py [--seeds 200] [--first-seed 1] [--quick] [--max-seconds 3600]

Each seed, deterministic from the seed alone (faults, latency, kill point):

1. a fresh sandbox with the small demo workspace; a fault-free dry run of `commit --month 2026-01
   --batch 15` in-process gives the expected result (every planned target Paid, everything else as it was);
2. random faults for the rest of the seed (`POST /_sandbox/faults`): 429, 500, 502, 503, 504, 529, timeout,
   reset (not applied) and applied_reset (applied, answer lost), each with its own probability, plus a query
   lag for some seeds; the client's timeout is 2 s;
3. `paydesk run commit` as a subprocess; for one seed in three it is killed with SIGKILL once the sandbox
   has served a number of reads or writes chosen from the seed;
4. then, until the job is completed (at most 6 rounds): `paydesk resume` an interrupted job, `paydesk retry`
   one completed with failures, or a new `run commit` when no plan was stored;
5. the invariants: the workspace equals the expected result; no data source gained or lost a page; no page
   that paydesk marked Paid has a child (payout item, split, refund) that is not Paid — checked right after
   the kill too; `paydesk verify` and `paydesk replay --check` pass.

Prints a table (seeds, faults injected, kills, resumes, retries, invariant failures) and writes
bench/results/chaos.json. `--quick` runs 5 seeds. `--max-seconds` stops starting new seeds after that long.
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
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import trio
from notion_client import AsyncClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.commit_job import commit_planner, commit_spec  # noqa: E402
from engine.commit_plan import CommitParams  # noqa: E402
from engine.config import load_config  # noqa: E402
from engine.jobs import run_job  # noqa: E402
from engine.runtime import open_runtime  # noqa: E402
from sandbox.demo import DemoWorkspace, render_config, seed_demo  # noqa: E402
from sandbox.options import SandboxOptions  # noqa: E402
from sandbox.server import RunningSandbox, open_sandbox  # noqa: E402

MONTH, BATCH = "2026-01", 15
COMMIT = ("run", "commit", "--month", MONTH, "--batch", str(BATCH), "--json")
WATCHED = ("payables", "payouts", "splits", "refunds")
MAX_ROUNDS = 6
COMMAND_TIMEOUT_S = 180
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
    spec: str
    query_lag_ms: int
    kill_at: str | None
    killed: bool = False
    faults_injected: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    runs: int = 0
    resumes: int = 0
    retries: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ---- the seed's choices -----------------------------------------------------------------------------------


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


def choose_kill(rng: random.Random, planned_writes: int) -> tuple[str, int] | None:
    if rng.random() >= 1 / 3:
        return None
    if rng.random() < 0.25:
        return "reads", rng.randint(1, 8)
    return "writes", rng.randint(1, max(1, planned_writes))


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


def _option(prop: dict[str, Any] | None) -> str | None:
    value = prop.get(prop["type"]) if prop else None
    return value.get("name") if isinstance(value, dict) else None


async def _relation(http: httpx.AsyncClient, page: dict[str, Any], name: str) -> list[str]:
    prop = page["properties"].get(name)
    if not prop:
        return []
    if not prop.get("has_more"):
        return [r["id"] for r in prop["relation"]]
    ids: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
        answer = (await http.get(f"/v1/pages/{page['id']}/properties/{prop['id']}", params=query)).json()
        ids += [item["relation"]["id"] for item in answer["results"]]
        if not answer["has_more"]:
            return ids
        cursor = answer["next_cursor"]


async def read_workspace(
    sandbox: RunningSandbox, ws: DemoWorkspace
) -> tuple[dict[str, Page], dict[str, int]]:
    """Every watched page (state, children) and the page count of each of the ten data sources."""
    pages: dict[str, Page] = {}
    counts: dict[str, int] = {}
    async with direct(sandbox) as http:
        for logical, source in ws.data_sources.items():
            cursor: str | None = None
            count = 0
            while True:
                body: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
                answer = (await http.post(f"/v1/data_sources/{source}/query", json=body)).json()
                count += len(answer["results"])
                for page in answer["results"] if logical in WATCHED else ():
                    props = page["properties"]
                    status = _option(props.get("Payment Status") or props.get("Status"))
                    paid_on = ((props.get("Payment Date") or {}).get("date") or {}).get("start")
                    children: list[str] = []
                    if logical == "payables":
                        children = await _relation(http, page, "Payout Items")
                    elif logical == "payouts":
                        children = await _relation(http, page, "02 Invoice Split")
                        children += await _relation(http, page, "01 Refund")
                    pages[page["id"]] = Page((status, paid_on), children, status == "Cancelled")
                if not answer["has_more"]:
                    break
                cursor = answer["next_cursor"]
            counts[logical] = count
    return pages, counts


def parents_paid_too_early(before: dict[str, Page], now: dict[str, Page]) -> list[str]:
    """Pages paydesk marked Paid (not Paid before, Paid now) with a child that is not Paid."""
    problems: list[str] = []
    for page_id, page in now.items():
        if page.state[0] != "Paid" or before[page_id].state[0] == "Paid":
            continue
        for child in page.children:
            found = now.get(child)
            if found is not None and not found.cancelled and found.state[0] != "Paid":
                problems.append(f"{page_id} Paid while its child {child} is {found.state[0]}")
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
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        stats: dict[str, Any] = (await http.get("/_sandbox/stats")).json()
        return stats


async def run_and_kill(env: dict[str, str], sandbox: RunningSandbox, kind: str, count: int) -> bool:
    """Start the commit and SIGKILL it after `count` more requests of `kind`; False if it ended first."""
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "console.cli", *COMMIT],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    start = (await totals(sandbox))["totals"][kind]
    with trio.move_on_after(COMMAND_TIMEOUT_S):
        # Polling another process's server: there is no event to wait on.
        while process.returncode is None and (await totals(sandbox))["totals"][kind] - start < count:  # noqa: ASYNC110
            await trio.sleep(0.003)
    if process.returncode is not None:
        return False
    process.send_signal(signal.SIGKILL)
    await process.wait()
    return True


async def finish_the_job(env: dict[str, str], result: SeedResult) -> None:
    """Resume, retry or rerun until the newest job is completed (at most MAX_ROUNDS rounds).

    A job killed before its plan was stored cannot be resumed: the commit simply runs again (a job that
    never started executing does not hold its selection back)."""
    for _ in range(MAX_ROUNDS):
        listed = json.loads((await paydesk(env, "jobs", "--json")).stdout or b"[]")
        job = listed[-1] if listed else None
        status = job["status"] if job is not None else None
        if job is not None and status == "completed":
            return
        if job is None or status == "failed" or not job.get("plan_steps"):
            result.runs += 1
            await paydesk(env, *COMMIT)
        elif status == "completed_with_failures":
            result.retries += 1
            await paydesk(env, "retry", job["job_id"], "--json")
        else:  # interrupted, planned, running (a dead process), cancelled
            result.resumes += 1
            await paydesk(env, "resume", job["job_id"], "--json")
    result.failures.append(f"the job was not completed after {MAX_ROUNDS} rounds")


# ---- one seed --------------------------------------------------------------------------------------------


async def expected_result(
    config_path: Path, token: str, scratch: Path, before: dict[str, Page]
) -> tuple[dict[str, State], int]:
    """The fault-free plan's outcome: every planned target Paid (payables paid today), the rest as before."""
    config = load_config(config_path, {"NOTION_TOKEN": token})
    params = CommitParams(month=MONTH, batch=BATCH, today=date.today().isoformat())
    async with open_runtime(config, scratch, operator="chaos") as rt:
        report = await run_job(rt, commit_spec(params), commit_planner(params), dry_run=True)
    assert report.plan is not None
    expected = {page_id: page.state for page_id, page in before.items()}
    writes = 0
    for step in report.plan.steps:
        paid_on = params.today if step.logical == "payables" else before[step.target].state[1]
        expected[step.target] = ("Paid", paid_on)
        writes += step.before != "Paid"
    return expected, writes


async def run_seed(seed: int, workdir: Path) -> SeedResult:
    rng = random.Random(seed)
    spec, lag = choose_faults(rng)
    latency = rng.choice([0, 5, 20])
    started = time.monotonic()
    options = SandboxOptions(latency_ms=latency, jitter_ms=latency / 2, random_seed=seed)
    async with open_sandbox(workdir / "sandbox", options) as sandbox:
        ws = await seed_workspace(sandbox, seed)
        config_path = workdir / "paydesk.toml"
        text = render_config(sandbox.base_url, ws).replace("rate = 3.0", "rate = 200.0\ntimeout_s = 2.0")
        config_path.write_text(text.replace("burst = 3", "burst = 20"))
        env = {
            **os.environ,
            "PAYDESK_CONFIG": str(config_path),
            "PAYDESK_DB": str(workdir / "log.sqlite"),
            "PAYDESK_HOME": str(workdir / "home"),
            "NOTION_TOKEN": sandbox.token,
        }
        before, counts_before = await read_workspace(sandbox, ws)
        if not any(page.children for page in before.values()):
            raise RuntimeError("the checker sees no relations: the parent/child invariant would be vacuous")
        expected, writes = await expected_result(config_path, sandbox.token, workdir / "plan.sqlite", before)
        kill = choose_kill(rng, writes)
        result = SeedResult(seed, spec, lag, f"{kill[0]}:{kill[1]}" if kill else None)
        async with httpx.AsyncClient(base_url=sandbox.base_url) as admin:
            answer = await admin.post(
                "/_sandbox/faults", json={"spec": spec, "random_seed": seed, "query_lag_ms": lag}
            )
            answer.raise_for_status()
            await admin.post("/_sandbox/stats/reset")

        if kill is not None:
            result.killed = await run_and_kill(env, sandbox, *kill)
            now, _ = await read_workspace(sandbox, ws)
            result.failures += [f"after the kill: {p}" for p in parents_paid_too_early(before, now)]
        result.runs += 1
        if kill is None:
            await paydesk(env, *COMMIT)
        await finish_the_job(env, result)

        stats = await totals(sandbox)
        result.faults_injected = int(stats["totals"]["faults"]) + int(stats["totals"]["rate_limited"])
        result.by_status = {k: v for k, v in stats["by_status"].items() if not k.startswith("2")}
        now, counts_now = await read_workspace(sandbox, ws)
        result.failures += parents_paid_too_early(before, now)
        wrong = sorted(p for p in expected if now.get(p, Page((None, None))).state != expected[p])
        if wrong:
            result.failures.append(f"{len(wrong)} page(s) differ from the fault-free result, e.g. {wrong[0]}")
        if counts_now != counts_before:
            result.failures.append(f"page counts changed: {counts_before} -> {counts_now}")
    for check in (("verify",), ("replay", "--check")):
        done = await paydesk(env, *check)
        if done.returncode != 0:
            result.failures.append(
                f"`paydesk {' '.join(check)}` exited {done.returncode}: {done.stdout[-200:]!r}"
            )
    result.seconds = round(time.monotonic() - started, 2)
    return result


# ---- the whole run ---------------------------------------------------------------------------------------


def table(results: list[SeedResult]) -> str:
    lines = [
        f"{'seed':>5}  {'faults':>6}  {'kill':<11} {'killed':<6} {'runs':>4} {'res':>3} {'ret':>3}  "
        f"{'s':>6}  result"
    ]
    for r in results:
        verdict = "ok" if not r.failures else "FAIL: " + "; ".join(r.failures)[:120]
        lines.append(
            f"{r.seed:>5}  {r.faults_injected:>6}  {r.kill_at or '-':<11} {'yes' if r.killed else '-':<6} "
            f"{r.runs:>4} {r.resumes:>3} {r.retries:>3}  {r.seconds:>6.1f}  {verdict}"
        )
    return "\n".join(lines)


def summary(results: list[SeedResult], elapsed: float, args: argparse.Namespace) -> dict[str, Any]:
    injected: dict[str, int] = {}
    for r in results:
        for status, count in r.by_status.items():
            injected[status] = injected.get(status, 0) + count
    return {
        "benchmark": "chaos",
        "quick": args.quick,
        "seeds_requested": args.seeds,
        "seeds_run": len(results),
        "first_seed": args.first_seed,
        "elapsed_s": round(elapsed, 1),
        "seconds_per_seed": round(elapsed / len(results), 2) if results else None,
        "faults_injected": sum(r.faults_injected for r in results),
        "faults_by_status": dict(sorted(injected.items())),
        "kills_planned": sum(1 for r in results if r.kill_at),
        "kills": sum(1 for r in results if r.killed),
        "resumes": sum(r.resumes for r in results),
        "retries": sum(r.retries for r in results),
        "invariant_failures": sum(len(r.failures) for r in results),
        "seeds_failed": [r.seed for r in results if r.failures],
        "results": [asdict(r) for r in results],
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    seeds = range(args.first_seed, args.first_seed + (5 if args.quick else args.seeds))
    results: list[SeedResult] = []
    started = time.monotonic()
    for seed in seeds:
        if time.monotonic() - started > args.max_seconds:
            print(f"stopping: --max-seconds {args.max_seconds} reached before seed {seed}", file=sys.stderr)
            break
        with tempfile.TemporaryDirectory(prefix=f"chaos-{seed}-") as tmp:
            result = await run_seed(seed, Path(tmp))
        results.append(result)
        print(table([result]).splitlines()[1], flush=True)
    elapsed = time.monotonic() - started
    report = summary(results, elapsed, args)
    print()
    print(table(results))
    print(
        f"\n{report['seeds_run']} seeds in {report['elapsed_s']} s "
        f"({report['seconds_per_seed']} s per seed); "
        f"faults injected {report['faults_injected']} {report['faults_by_status']}; kills {report['kills']} "
        f"of {report['kills_planned']} planned; resumes {report['resumes']}; retries {report['retries']}; "
        f"invariant failures {report['invariant_failures']}"
    )
    return report


def write_report(report: dict[str, Any], output: str) -> int:
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return 1 if report["invariant_failures"] else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=200, help="how many seeds (default 200)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="5 seeds only")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="start no new seed after this long")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "chaos.json"))
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(write_report(trio.run(main, arguments), arguments.output))

"""Benchmark of the payout commit: the original system's call pattern against `paydesk run commit`.

    .venv/bin/python bench/commit.py [--size medium] [--latency-ms 100] [--jitter-ms 100] [--rps 3]

Both sides run in one go against a fresh sandbox each, seeded alike (the medium demo workspace: about 50
payables with about 3 payout items each, one with 30), with the same settings: latency 150 ± 50 ms (the
sandbox waits latency + uniform(0, jitter): 100 ms + up to 100 ms) and Notion's rate limit of 3 requests/s
(burst 3), answering 429 with Retry-After.

- baseline: the original pattern. Query the batch's payables; then for every payable at once (no bound):
  retrieve its contractor, query its rate; for every payout item at once: retrieve the payout, update its
  split and its refund, update the payout; then the payable (marked Paid even if a child failed, as the
  original did). No awareness of the rate limit; a 429 is not retried; relations past 25 are not seen.
- paydesk: `paydesk run commit --json` as a subprocess, rate 3/s, burst 3.

Both batches (1 and 15) are committed, one after the other. The baseline runs twice: once with no rate
limit, to count its whole call pattern (every call answered), and once under the same limit as paydesk.
Reported per side: requests, 429s received, wall time, records left unpaid (the targets of paydesk's plan
that are not Paid afterwards; the plan is computed on each fresh sandbox before its side runs), and for
paydesk its requests over its request floor (bench/floor.py: computed from the workspace before paydesk
runs, for two `paydesk run` processes sharing one log) and its wall time over its rate-limit floor (its
requests ÷ rate). The bar: paydesk sends ≤ 1.02 × its request floor, leaves 0 records unpaid, and takes
≤ 1.03 × its rate-limit floor. Its requests over the baseline's pattern are shown beside issue 4's old bar
(≤ 45 %), which no correct implementation reaches: the writes of the floor alone are more than that.
Prints a table and writes bench/results/commit.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import trio
from notion_client import AsyncClient
from notion_client.errors import HTTPResponseError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import RequestFloor, report_floor  # noqa: E402
from bench.generate import admin, bare_client, every_page, in_process_config, latency_text, seeded  # noqa: E402
from engine.kinds.commit.kind import DATA_SOURCES  # noqa: E402
from engine.kinds.commit.params import CommitParams  # noqa: E402
from engine.kinds.commit.plan import plan_commit  # noqa: E402
from engine.kinds.commit.preload import preload_commit  # noqa: E402
from engine.notion.gateway import NotionGateway, RequestCounters  # noqa: E402
from engine.notion.ratelimit import TokenBucket  # noqa: E402
from engine.run.preload import Preloader, PreloadFact  # noqa: E402
from sandbox.demo import DemoWorkspace, render_config  # noqa: E402
from sandbox.options import SandboxOptions  # noqa: E402
from sandbox.server import RunningSandbox  # noqa: E402

MONTH = "2026-01"
QUIET = logging.getLogger("bench.commit")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False
REQUESTS_BAR, REQUEST_FLOOR_BAR, FLOOR_BAR = 0.45, 1.02, 1.03
BATCHES = (1, 15)


async def planned_targets(
    sandbox: RunningSandbox, workspace: DemoWorkspace, batch: int
) -> tuple[list[str], int]:
    """The records a complete commit pays (the targets of paydesk's plan) and how many it must write."""
    config = in_process_config(sandbox, workspace)

    async def report(_: PreloadFact) -> None:
        return None

    params = CommitParams(month=MONTH, batch=batch, today=date.today().isoformat())
    async with bare_client(sandbox) as client:
        gateway = NotionGateway(client, TokenBucket(1000, 1000))
        snapshot = await preload_commit(Preloader(gateway, config, RequestCounters(), report), params)
    plan = plan_commit(snapshot, params, config)
    return [step.target for step in plan.steps], plan.writes_needed()


def _option(page: dict[str, Any], name: str) -> str | None:
    prop = page["properties"].get(name) or {}
    value = prop.get(prop.get("type", ""))
    return value.get("name") if isinstance(value, dict) else None


def _ids(page: dict[str, Any], name: str) -> list[str]:
    return [ref["id"] for ref in page["properties"][name]["relation"]]


async def commit_floor(
    sandbox: RunningSandbox, workspace: DemoWorkspace, writes: dict[int, int]
) -> RequestFloor:
    """The fewest requests that commit both batches, one `paydesk run` each, from the workspace as it is: per
    batch its Pending payables, the payouts they link, the splits and refunds those link (whatever their
    status), the Active rates and the contractors."""
    ds = workspace.data_sources
    pages = {name: await every_page(sandbox, ds[name]) for name in DATA_SOURCES}
    floor = RequestFloor()
    async with bare_client(sandbox) as client:
        for n, batch in enumerate(BATCHES):
            period = f"{MONTH}-{batch:02d}"
            payables = [
                p
                for p in pages["payables"]
                if _option(p, "Payment Status") == "Pending"
                and (p["properties"]["Period"]["date"] or {}).get("start") == period
            ]
            items: set[str] = set()
            for payable in payables:
                prop = payable["properties"]["Payout Items"]
                if prop.get("has_more"):
                    answer: Any = await client.pages.properties.retrieve(payable["id"], prop["id"])
                    items.update(r["relation"]["id"] for r in answer["results"])
                else:
                    items.update(_ids(payable, "Payout Items"))
            payouts = [p for p in pages["payouts"] if p["id"] in items]
            live = [p for p in payouts if _option(p, "Status") != "Cancelled"]
            needed = {
                "payables": len(payables),
                "payouts": len(payouts),
                "splits": len({i for p in live for i in _ids(p, "02 Invoice Split")}),
                "refunds": len({i for p in live for i in _ids(p, "01 Refund")}),
                "rates": sum(1 for p in pages["rates"] if _option(p, "Status") == "Active"),
                "contractors": len(pages["contractors"]),
            }
            floor.add_job(
                f"batch {batch}",
                needed,
                writes[batch],
                data_sources=DATA_SOURCES,
                first_of_run=True,  # each batch is its own `paydesk run`
                first_of_log=n == 0,
                must_query=("payables", "rates", "contractors"),
            )
    return floor


async def unpaid(sandbox: RunningSandbox, targets: list[str]) -> int:
    left = 0
    async with bare_client(sandbox) as client:
        for target in targets:
            page = await client.pages.retrieve(target)
            props = page["properties"]
            prop = props.get("Payment Status") or props.get("Status")
            value = prop.get(prop["type"]) if prop else None
            left += (value or {}).get("name") != "Paid"
    return left


async def baseline(sandbox: RunningSandbox, workspace: DemoWorkspace, batch: int) -> dict[str, int]:
    ds = workspace.data_sources
    client = AsyncClient(
        auth=sandbox.token,
        base_url=sandbox.base_url,
        retry=False,
        logger=QUIET,
        client=httpx.AsyncClient(limits=httpx.Limits(max_connections=None)),
    )
    counts = {"requests": 0, "throttled": 0, "errors": 0}

    async def call(coro_fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts["requests"] += 1
        try:
            return await coro_fn(*args, **kwargs)
        except HTTPResponseError as err:  # logged and swallowed, as the original did
            counts["throttled" if err.status == 429 else "errors"] += 1
            return None

    today = date.today().isoformat()
    period = f"{MONTH}-{batch:02d}"
    payables: list[dict[str, Any]] = []
    cursor = None
    while True:
        body: dict[str, Any] = {
            "filter": {
                "and": [
                    {"property": "Payment Status", "status": {"equals": "Pending"}},
                    {"property": "Period", "date": {"equals": period}},
                ]
            },
            **({"start_cursor": cursor} if cursor else {}),
        }
        answer = await call(client.data_sources.query, ds["payables"], **body)
        if answer is None:
            break
        payables += answer["results"]
        if not answer["has_more"]:
            break
        cursor = answer["next_cursor"]

    async def pay_item(payout_id: str) -> None:
        payout = await call(client.pages.retrieve, payout_id)
        if payout is None:
            return
        for rel, kind in (("02 Invoice Split", "select"), ("01 Refund", "status")):
            for ref in payout["properties"][rel]["relation"]:
                await call(client.pages.update, ref["id"], properties={"Status": {kind: {"name": "Paid"}}})
        await call(client.pages.update, payout_id, properties={"Status": {"status": {"name": "Paid"}}})

    async def pay(payable: dict[str, Any]) -> None:
        contractor = payable["properties"]["Contractor"]["relation"]
        if contractor:
            await call(client.pages.retrieve, contractor[0]["id"])
            await call(
                client.data_sources.query,
                ds["rates"],
                filter={"property": "Contractor", "relation": {"contains": contractor[0]["id"]}},
            )
        async with trio.open_nursery() as nursery:
            for ref in payable["properties"]["Payout Items"]["relation"]:  # the first 25 only
                nursery.start_soon(pay_item, ref["id"])
        await call(
            client.pages.update,
            payable["id"],
            properties={
                "Payment Status": {"status": {"name": "Paid"}},
                "Payment Date": {"date": {"start": today}},
            },
        )

    async with trio.open_nursery() as nursery:
        for payable in payables:
            nursery.start_soon(pay, payable)
    await client.aclose()
    return counts


async def run_paydesk(
    sandbox: RunningSandbox, workspace: DemoWorkspace, batch: int, rps: float, tmp: Path
) -> dict[str, Any]:
    config = tmp / "paydesk.toml"
    text = render_config(sandbox.base_url, workspace).replace("rate = 3.0", f"rate = {rps}")
    config.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "PAYDESK_CONFIG": str(config),
        "PAYDESK_DB": str(tmp / "log.sqlite"),
        "NOTION_TOKEN": sandbox.token,
    }
    done = await trio.run_process(
        [
            sys.executable,
            "-m",
            "console.cli",
            "run",
            "commit",
            "--month",
            MONTH,
            "--batch",
            str(batch),
            "--json",
        ],
        env=env,
        capture_stdout=True,
        capture_stderr=True,
        check=False,
        cwd=str(ROOT),
    )
    if done.returncode not in (0, 2):
        raise SystemExit(f"paydesk failed: {done.stderr.decode().strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def side(name: str, args: argparse.Namespace, tmp: Path, *, rps: float) -> dict[str, Any]:
    """One side on a fresh sandbox: both batches, one after the other."""
    options = SandboxOptions(
        rps=rps, burst=3, latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, random_seed=5
    )
    async with seeded(tmp / name / "sandbox", options, args.size) as (sandbox, workspace):
        planned = {batch: await planned_targets(sandbox, workspace, batch) for batch in BATCHES}
        targets = [t for batch in BATCHES for t in planned[batch][0]]
        floor = await commit_floor(sandbox, workspace, {b: w for b, (_, w) in planned.items()})
        await admin(sandbox, "POST", "stats/reset")
        start = time.perf_counter()
        for batch in BATCHES:
            if name.startswith("baseline"):
                await baseline(sandbox, workspace, batch)
            else:
                await run_paydesk(sandbox, workspace, batch, args.rps, tmp / name)
        wall = time.perf_counter() - start
        stats = await admin(sandbox, "GET", "stats")
        totals = stats["totals"]
        routes = {route: row["count"] for route, row in stats["by_route"].items()}
        return {
            "requests": totals["total"],
            "rate_limited": totals["rate_limited"],
            "wall_s": round(wall, 2),
            "unpaid": await unpaid(sandbox, targets),
            "records": len(targets),
            "by_route": routes,
            "floor": floor,
        }


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="paydesk-bench-commit-") as tmpdir:
        tmp = Path(tmpdir)
        pattern = await side("baseline-pattern", args, tmp, rps=0)
        base = await side("baseline", args, tmp, rps=args.rps)
        ours = await side("paydesk", args, tmp, rps=args.rps)
    for row in (pattern, base):
        row.pop("floor")
    request_floor: RequestFloor = ours.pop("floor")
    floor = ours["requests"] / args.rps
    ours["floor_s"] = round(floor, 2)
    ours["wall_over_floor"] = round(ours["wall_s"] / floor, 3)
    ratio_pattern = ours["requests"] / pattern["requests"]
    ratio_limited = ours["requests"] / base["requests"]
    # Issue 4's "≤ 45 % of the baseline's pattern" is shown, not counted: its writes alone (one per record
    # not yet Paid, which any correct implementation sends) are more than 45 % of the pattern (issue 4 ended
    # blocked on it); the request floor below is the bar that replaced it.
    ok = ours["unpaid"] == 0 and ours["wall_over_floor"] <= FLOOR_BAR
    print(
        f"commit, {args.size} demo workspace, batches 1 and 15: "
        f"latency {latency_text(args)}, {args.rps:g} requests/s"
    )
    print(f"{'side':<28}{'requests':>10}{'429s':>8}{'wall s':>10}{'unpaid':>8}{'records':>9}")
    rows = (
        ("baseline, no rate limit", pattern),
        ("baseline, 3 rps (same)", base),
        ("paydesk, 3 rps (same)", ours),
    )
    for label, row in rows:
        print(
            f"{label:<28}{row['requests']:>10}{row['rate_limited']:>8}{row['wall_s']:>10.1f}"
            f"{row['unpaid']:>8}{row['records']:>9}"
        )
    print("paydesk requests by route: " + ", ".join(f"{r} {n}" for r, n in sorted(ours["by_route"].items())))
    print(
        f"paydesk requests / baseline's pattern = {ratio_pattern:.1%} (issue 4 asked ≤ {REQUESTS_BAR:.0%}, "
        f"below the floor: its writes alone are {request_floor.writes / pattern['requests']:.1%}); "
        f"/ baseline under the limit = {ratio_limited:.1%}"
    )
    ok = report_floor(ours, request_floor, REQUEST_FLOOR_BAR) and ok
    print(
        f"paydesk wall / its rate-limit floor ({ours['requests']} requests ÷ {args.rps:g}/s = {floor:.1f} s)"
        " = "
        f"{ours['wall_over_floor']:.3f} (bar ≤ {FLOOR_BAR})"
    )
    print("BAR MET" if ok else "BAR NOT MET")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "settings": vars(args),
        "baseline_pattern": pattern,
        "baseline": base,
        "paydesk": ours,
        "requests_vs_pattern": round(ratio_pattern, 3),
        "requests_vs_limited_baseline": round(ratio_limited, 3),
        "bar_met": ok,
        "load_average": os.getloadavg(),
    }
    (out / "commit.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--latency-ms", type=float, default=100.0, help="fixed part of each request's delay")
    parser.add_argument("--jitter-ms", type=float, default=100.0, help="plus uniform(0, jitter)")
    parser.add_argument("--rps", type=float, default=3.0)
    return trio.run(main_async, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

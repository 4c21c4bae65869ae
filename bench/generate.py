"""Benchmark of payroll payout generation: the original system's call pattern against `paydesk run generate`.

    .venv/bin/python bench/generate.py [--size medium] [--latency-ms 100] [--jitter-ms 100] [--rps 3]

Both sides run against a fresh sandbox each, seeded alike (the medium demo workspace: 48 Approved Orders of
the month, 2 Timesheet line items each, of which paydesk's plan pays those with a valid rate), with the same
settings: latency 150 ± 50 ms (the sandbox waits latency + uniform(0, jitter): 100 ms + up to 100 ms) and
Notion's rate limit of 3 requests/s (burst 3), answering 429 with Retry-After.

- baseline: the original's pattern after its batch-preload change (DOMAIN.md flow 1). The lookups in batch,
  one after the other, each paginated: the month's Approved Orders, its Timesheet line items, the Active
  rates, the non-cancelled payouts that link an Order, the contractors, the deployments. Then, for every
  Order to pay, 5 at a time (no rate limiter): create the payout; re-query the Order's line items; for each
  line item retrieve it and its deployment (2 retrieves) and set it Completed; set the Order Completed. A
  429 or any other error is logged and swallowed, never retried; a payout that could not be created leaves
  its Order alone. What to pay, and the payout's fields, are decided by paydesk's own (pure) planner on the
  baseline's snapshot: this benchmark compares call patterns and their reliability, not arithmetic.
- paydesk: `paydesk run generate --type payroll --json` as a subprocess, rate 3/s, burst 3, 5 workers.

The baseline runs twice: once with no rate limit, to count its whole call pattern (every call answered),
and once under the same limit as paydesk. The expected result is paydesk's plan, computed in-process on each
fresh sandbox before its side runs: every planned Order has exactly one non-cancelled payout with the
planned fields, and it and its line items are Completed. Reported per side: requests, 429s received, wall
time, records wrong (a payout with other fields, a second payout, a payout for an Order not planned) and
missing (a payout not made, a line item or Order not Completed) out of the planned records, and for paydesk
its requests over its request floor (bench/floor.py, computed from the workspace before paydesk runs) and
its wall time over its rate-limit floor (its requests ÷ rate). The bar: paydesk sends ≤ 50 % of the
requests of the baseline's pattern and ≤ 1.02 × its request floor, with 0 wrong or missing records, and
takes ≤ 1.03 × its rate-limit floor.
Prints a table and writes bench/results/generate.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import trio
from notion_client import AsyncClient
from notion_client.errors import HTTPResponseError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import RequestFloor, report_floor  # noqa: E402
from engine.kinds.generate.kind import DATA_SOURCES, generate_planner  # noqa: E402
from engine.kinds.generate.params import GenerateParams  # noqa: E402
from engine.kinds.generate.plan import GenerateSnapshot, plan_generate  # noqa: E402
from engine.notion.gateway import NotionGateway, RequestCounters  # noqa: E402
from engine.notion.ratelimit import TokenBucket  # noqa: E402
from engine.run.jobs import Planner  # noqa: E402
from engine.run.plan import Plan  # noqa: E402
from engine.run.preload import Preloader, PreloadFact  # noqa: E402
from engine.workspace.config import Config, NotionSettings  # noqa: E402
from sandbox.demo import DemoShape, DemoWorkspace, render_config, seed_demo  # noqa: E402
from sandbox.options import SandboxOptions  # noqa: E402
from sandbox.server import RunningSandbox, open_sandbox  # noqa: E402

MONTH = "2026-01"
FIRST, LAST = "2026-01-01", "2026-01-31"
QUIET = logging.getLogger("bench.generate")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False
REQUESTS_BAR, REQUEST_FLOOR_BAR, FLOOR_BAR = 0.50, 1.02, 1.03
WORKERS = 5
PAYOUT_FIELDS = (
    "Name",
    "Amount",
    "Currency",
    "Status",
    "Date",
    "Description",
    "Person",
    "00 Task Order",
    "00 Service Rate",
)
Page = dict[str, Any]


# ---- sandbox plumbing (shared with bench/sync.py) --------------------------------------------------------


@asynccontextmanager
async def seeded(
    data: Path, options: SandboxOptions, size: str, shape: DemoShape | None = None
) -> AsyncIterator[tuple[RunningSandbox, DemoWorkspace]]:
    async with open_sandbox(data, options) as sandbox:
        async with bare_client(sandbox) as client:
            workspace = await seed_demo(
                client, sandbox.store, size=size, shape=shape, month=MONTH, random_seed=11
            )
        yield sandbox, workspace


@asynccontextmanager
async def bare_client(sandbox: RunningSandbox) -> AsyncIterator[AsyncClient]:
    """A client on the bare app (no rate limit, no latency, not counted): for seeding, planning, checking."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.notion_app), base_url=sandbox.base_url
    ) as http:
        yield AsyncClient(
            auth=sandbox.token, base_url=sandbox.base_url, client=http, retry=False, logger=QUIET
        )


async def admin(sandbox: RunningSandbox, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        answer = await http.request(method, f"/_sandbox/{path}", json=body)
        return answer.json()


def in_process_config(sandbox: RunningSandbox, workspace: DemoWorkspace) -> Config:
    return Config(
        notion=NotionSettings(base_url=sandbox.base_url, rate=1000, burst=1000),
        data_sources=dict(workspace.data_sources),
        token=sandbox.token,
    )


async def planned(sandbox: RunningSandbox, config: Config, planner: Planner) -> Plan:
    """paydesk's plan for the workspace as it is: the expected result."""

    async def report(_: PreloadFact) -> None:
        return None

    async with bare_client(sandbox) as client:
        gateway = NotionGateway(client, TokenBucket(1000, 1000))
        return await planner(Preloader(gateway, config, RequestCounters(), report))


async def every_page(sandbox: RunningSandbox, data_source: str) -> list[Page]:
    async with bare_client(sandbox) as client:
        found: list[Page] = []
        cursor: str | None = None
        while True:
            body: dict[str, Any] = {"page_size": 100, **({"start_cursor": cursor} if cursor else {})}
            answer: Any = await client.data_sources.query(data_source, **body)
            found += answer["results"]
            if not answer["has_more"]:
                return found
            cursor = answer["next_cursor"]


def plain(value: Mapping[str, Any]) -> Any:
    """A property value, read form or write form, as a plain value (a relation: its sorted ids)."""
    kind = value["type"] if "type" in value else next(iter(value))
    raw = value[kind]
    if kind in ("title", "rich_text"):
        return "".join(p["plain_text"] if "plain_text" in p else p["text"]["content"] for p in raw or [])
    if kind == "number":
        return None if raw is None else float(raw)
    if kind in ("select", "status"):
        return raw["name"] if raw else None
    if kind == "date":
        return raw["start"] if raw else None
    if kind == "relation":
        return tuple(sorted(ref["id"] if "id" in ref else ref["$step"] for ref in raw))
    raise ValueError(f"no plain form for a {kind} property")


class Baseline:
    """The original's client: no retries, no rate limiter; a failed call is counted, logged and swallowed."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.client = AsyncClient(
            auth=sandbox.token,
            base_url=sandbox.base_url,
            retry=False,
            logger=QUIET,
            client=httpx.AsyncClient(limits=httpx.Limits(max_connections=None), timeout=60),
        )
        self.counts = {"requests": 0, "throttled": 0, "errors": 0}

    async def call(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        self.counts["requests"] += 1
        try:
            return await fn(*args, **kwargs)
        except HTTPResponseError as err:
            self.counts["throttled" if err.status == 429 else "errors"] += 1
            return None

    async def query_all(self, data_source: str, flt: dict[str, Any] | None) -> list[Page] | None:
        """Every page of a query, or None when a page of it failed (the original gave up on that lookup)."""
        found: list[Page] = []
        cursor: str | None = None
        while True:
            body: dict[str, Any] = {"page_size": 100, **({"filter": flt} if flt else {})}
            answer = await self.call(
                self.client.data_sources.query,
                data_source,
                **body,
                **({"start_cursor": cursor} if cursor else {}),
            )
            if answer is None:
                return None
            found += answer["results"]
            if not answer["has_more"]:
                return found
            cursor = answer["next_cursor"]

    async def aclose(self) -> None:
        await self.client.aclose()


def side_options(args: argparse.Namespace, rps: float) -> SandboxOptions:
    return SandboxOptions(
        rps=rps, burst=3, latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, random_seed=5
    )


async def run_paydesk(
    sandbox: RunningSandbox,
    workspace: DemoWorkspace,
    argv: list[str],
    rps: float,
    tmp: Path,
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    await trio.Path(tmp).mkdir(parents=True, exist_ok=True)
    config = tmp / "paydesk.toml"
    text = render_config(sandbox.base_url, workspace).replace("rate = 3.0", f"rate = {rps}")
    await trio.Path(config).write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if "LLM" not in k and k != "OPENROUTER_API_KEY"}
    env |= {
        "PAYDESK_CONFIG": str(config),
        "PAYDESK_DB": str(tmp / "log.sqlite"),
        "PAYDESK_HOME": str(tmp / "home"),
        "NOTION_TOKEN": sandbox.token,
        **(extra_env or {}),
    }
    done = await trio.run_process(
        [sys.executable, "-m", "console.cli", *argv],
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


def latency_text(args: argparse.Namespace) -> str:
    """The sandbox's delay, latency + uniform(0, jitter), as mean ± spread."""
    return f"{args.latency_ms + args.jitter_ms / 2:g}±{args.jitter_ms / 2:g} ms"


def print_table(title: str, rows: list[tuple[str, dict[str, Any]]], extra: tuple[str, ...] = ()) -> None:
    print(title)
    header = f"{'side':<28}{'requests':>10}{'429s':>8}{'wall s':>10}{'wrong':>8}{'missing':>9}{'records':>9}"
    print(header + "".join(f"{name:>12}" for name in extra))
    for label, row in rows:
        print(
            f"{label:<28}{row['requests']:>10}{row['rate_limited']:>8}{row['wall_s']:>10.1f}"
            f"{row['wrong']:>8}{row['missing']:>9}{row['records']:>9}"
            + "".join(f"{row.get(name, '-')!s:>12}" for name in extra)
        )


def verdict(
    name: str,
    args: argparse.Namespace,
    pattern: dict[str, Any],
    base: dict[str, Any],
    ours: dict[str, Any],
    request_floor: RequestFloor,
) -> dict[str, Any]:
    """Print the bar and write bench/results/<name>.json."""
    floor = ours["requests"] / args.rps
    ours["floor_s"] = round(floor, 2)
    ours["wall_over_floor"] = round(ours["wall_s"] / floor, 3)
    ratio_pattern = ours["requests"] / pattern["requests"]
    ratio_limited = ours["requests"] / base["requests"]
    ok = (
        ratio_pattern <= REQUESTS_BAR
        and ours["wrong"] == 0
        and ours["missing"] == 0
        and ours["wall_over_floor"] <= FLOOR_BAR
    )
    print("paydesk requests by route: " + ", ".join(f"{r} {n}" for r, n in sorted(ours["by_route"].items())))
    print(
        f"paydesk requests / baseline's pattern = {ratio_pattern:.1%} (bar ≤ {REQUESTS_BAR:.0%}); "
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
    (out / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


# ---- the baseline: the original's call pattern -----------------------------------------------------------


def _select(name: str, value: str) -> dict[str, Any]:
    return {"property": name, "select": {"equals": value}}


def _month(name: str) -> list[dict[str, Any]]:
    return [
        {"property": name, "date": {"on_or_after": FIRST}},
        {"property": name, "date": {"on_or_before": LAST}},
    ]


async def baseline(sandbox: RunningSandbox, workspace: DemoWorkspace, config: Config) -> dict[str, int]:
    ds = workspace.data_sources
    original = Baseline(sandbox)
    params = GenerateParams(type="payroll", month=MONTH)
    # The lookups in batch, one after the other.
    orders = await original.query_all(
        ds["orders"], {"and": [_select("Type", "Order"), _select("Status", "Approved"), *_month("Date")]}
    )
    items = await original.query_all(ds["orders"], {"and": [_select("Type", "Timesheet"), *_month("Date")]})
    rates = await original.query_all(ds["rates"], {"property": "Status", "status": {"equals": "Active"}})
    payouts = await original.query_all(
        ds["payouts"],
        {
            "and": [
                {"property": "00 Task Order", "relation": {"is_not_empty": True}},
                {"property": "Status", "status": {"does_not_equal": "Cancelled"}},
            ]
        },
    )
    contractors = await original.query_all(ds["contractors"], None)
    deployments = await original.query_all(ds["deployments"], None)
    pages = {p["id"]: p for p in items or []}
    snapshot = GenerateSnapshot(
        sources=orders or [],
        payouts=payouts or [],
        contractors={c["id"]: c for c in contractors or []},
        rates=rates or [],
        line_items={
            o["id"]: [r["id"] for r in o["properties"]["Sub-item"]["relation"] if r["id"] in pages]
            for o in orders or []
        },
        pages=pages,
        deployments={d["id"]: d for d in deployments or []},
    )
    plan = plan_generate(snapshot, params, config)

    async def pay(order_id: str, create: dict[str, Any]) -> None:
        made = await original.call(
            original.client.pages.create,
            parent={"type": "data_source_id", "data_source_id": ds["payouts"]},
            properties=create,
        )
        if made is None:
            return  # logged; the Order is left for next time
        found = await original.call(
            original.client.data_sources.query,
            ds["orders"],
            filter={"property": "Parent item", "relation": {"contains": order_id}},
        )
        for item in (found or {}).get("results", []):
            page = await original.call(original.client.pages.retrieve, item["id"])
            deployment = ((page or item)["properties"]["Project Deployment"]["relation"] or [{}])[0].get("id")
            if deployment:
                await original.call(original.client.pages.retrieve, deployment)
            await original.call(
                original.client.pages.update,
                item["id"],
                properties={"Status": {"select": {"name": "Completed"}}},
            )
        await original.call(
            original.client.pages.update, order_id, properties={"Status": {"select": {"name": "Completed"}}}
        )

    limiter = trio.CapacityLimiter(WORKERS)

    async def worker(order_id: str, create: dict[str, Any]) -> None:
        async with limiter:
            await pay(order_id, create)

    async with trio.open_nursery() as nursery:
        for item in plan.items:
            nursery.start_soon(worker, item.key, dict(item.steps[0].write))
    await original.aclose()
    return original.counts


# ---- the expected result, checked ------------------------------------------------------------------------


async def check(
    sandbox: RunningSandbox, workspace: DemoWorkspace, plan: Plan, before: set[str]
) -> dict[str, int]:
    """Wrong and missing records against the plan (`before`: the payouts that existed before the side ran)."""
    ds = workspace.data_sources
    by_order: dict[str, list[tuple[Any, ...]]] = {}
    wrong = missing = 0
    for payout in await every_page(sandbox, ds["payouts"]):
        props = payout["properties"]
        linked = plain(props["00 Task Order"])
        if payout["id"] in before or not linked or plain(props["Status"]) == "Cancelled":
            continue
        for order_id in linked:
            by_order.setdefault(order_id, []).append(tuple(plain(props[n]) for n in PAYOUT_FIELDS))
    status = {p["id"]: plain(p["properties"]["Status"]) for p in await every_page(sandbox, ds["orders"])}
    planned_orders = set()
    for item in plan.items:
        create, updates = item.steps[0], item.steps[1:]
        planned_orders.add(item.key)
        want = tuple(plain(create.write[n]) if n in create.write else None for n in PAYOUT_FIELDS)
        made = by_order.get(item.key, [])
        if not made:
            missing += 1
        else:
            wrong += sum(1 for row in made if row != want) + max(0, len(made) - 1)
        missing += sum(1 for step in updates if status.get(step.target) != "Completed")
    wrong += sum(len(rows) for order_id, rows in by_order.items() if order_id not in planned_orders)
    return {"wrong": wrong, "missing": missing, "records": len(plan.steps)}


# ---- one side --------------------------------------------------------------------------------------------


def _in_month(page: Page, name: str) -> bool:
    start = (page["properties"][name]["date"] or {}).get("start") or ""
    return FIRST <= start[:10] <= LAST


async def generate_floor(sandbox: RunningSandbox, workspace: DemoWorkspace, writes: int) -> RequestFloor:
    """The fewest requests of one `paydesk run generate --type payroll`, from the workspace as it is: the
    month's Approved Orders, their line items and those items' deployments, the non-cancelled payouts
    linking an Order, the Active rates and the contractors."""
    ds = workspace.data_sources
    pages = {name: await every_page(sandbox, ds[name]) for name in DATA_SOURCES["payroll"]}
    orders = [
        o
        for o in pages["orders"]
        if plain(o["properties"]["Type"]) == "Order"
        and plain(o["properties"]["Status"]) == "Approved"
        and _in_month(o, "Date")
    ]
    items: set[str] = set()
    async with bare_client(sandbox) as client:
        for order in orders:
            prop = order["properties"]["Sub-item"]
            if prop.get("has_more"):
                answer: Any = await client.pages.properties.retrieve(order["id"], prop["id"])
                items.update(r["relation"]["id"] for r in answer["results"])
            else:
                items.update(plain(prop))
    deployments = {
        d for o in pages["orders"] if o["id"] in items for d in plain(o["properties"]["Project Deployment"])
    }
    payouts = [
        p
        for p in pages["payouts"]
        if plain(p["properties"]["00 Task Order"]) and plain(p["properties"]["Status"]) != "Cancelled"
    ]
    floor = RequestFloor()
    floor.add_job(
        "payroll",
        {
            "orders": len(orders),
            "line items": len(items),
            "deployments": len(deployments),
            "payouts": len(payouts),
            "rates": sum(1 for r in pages["rates"] if plain(r["properties"]["Status"]) == "Active"),
            "contractors": len(pages["contractors"]),
        },
        writes,
        data_sources=DATA_SOURCES["payroll"],
        first_of_run=True,
        first_of_log=True,
        must_query=("orders", "payouts", "rates", "contractors"),
    )
    return floor


async def side(name: str, args: argparse.Namespace, tmp: Path, *, rps: float) -> dict[str, Any]:
    async with seeded(tmp / name / "sandbox", side_options(args, rps), args.size) as (sandbox, workspace):
        config = in_process_config(sandbox, workspace)
        plan = await planned(sandbox, config, generate_planner(GenerateParams(type="payroll", month=MONTH)))
        floor = await generate_floor(sandbox, workspace, plan.writes_needed())
        before = {p["id"] for p in await every_page(sandbox, workspace.data_sources["payouts"])}
        await admin(sandbox, "POST", "stats/reset")
        start = time.perf_counter()
        if name.startswith("baseline"):
            await baseline(sandbox, workspace, config)
        else:
            argv = ["run", "generate", "--type", "payroll", "--month", MONTH, "--json"]
            summary = await run_paydesk(sandbox, workspace, argv, args.rps, tmp / name)
            assert summary["failed"] == 0, summary["errors"]
        wall = time.perf_counter() - start
        stats = await admin(sandbox, "GET", "stats")
        totals = stats["totals"]
        return {
            "requests": totals["total"],
            "rate_limited": totals["rate_limited"],
            "wall_s": round(wall, 2),
            **await check(sandbox, workspace, plan, before),
            "orders": len(plan.items),
            "by_route": {route: row["count"] for route, row in stats["by_route"].items()},
            "floor": floor,
        }


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="paydesk-bench-generate-") as tmpdir:
        tmp = Path(tmpdir)
        pattern = await side("baseline-pattern", args, tmp, rps=0)
        base = await side("baseline", args, tmp, rps=args.rps)
        ours = await side("paydesk", args, tmp, rps=args.rps)
    for row in (pattern, base):
        row.pop("floor")
    request_floor: RequestFloor = ours.pop("floor")
    print_table(
        f"generate payroll, {args.size} demo workspace ({ours['orders']} orders to pay): "
        f"latency {latency_text(args)}, {args.rps:g} requests/s",
        [
            ("baseline, no rate limit", pattern),
            ("baseline, 3 rps (same)", base),
            ("paydesk, 3 rps (same)", ours),
        ],
    )
    result = verdict("generate", args, pattern, base, ours, request_floor)
    return 0 if result["bar_met"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--latency-ms", type=float, default=100.0, help="fixed part of each request's delay")
    parser.add_argument("--jitter-ms", type=float, default=100.0, help="plus uniform(0, jitter)")
    parser.add_argument("--rps", type=float, default=3.0)
    return trio.run(main_async, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the task order sync: the original system's call pattern against `paydesk run sync`.

    .venv/bin/python bench/sync.py [--latency-ms 100] [--jitter-ms 100] [--rps 3]

Both sides run against a fresh sandbox each, seeded alike with the original plan's figure: 20 contractors
on 60 projects (3 deployments each, 2 Reviewed project updates per deployment, no Order for the month yet),
with the same settings: latency 150 ± 50 ms (100 ms + uniform(0, 100 ms)) and Notion's rate limit of
3 requests/s (burst 3), answering 429 with Retry-After. Both sides summarize each new or changed line
item's proof of works through the sandbox's OpenAI-compatible LLM stub
(`/_sandbox/llm/v1/chat/completions`, not a Notion call, counted apart).

- baseline: the original's pattern (DOMAIN.md flow 2, which quotes about 2 + 5p Notion calls per contractor
  with p projects; here 3 + 4p, since no line item exists yet to retrieve). One paginated query of the
  month's Reviewed updates, grouped in memory; then per contractor, 5 at a time (no rate limiter): retrieve
  the contractor (its Discord handle), find its Order by reading the month's task order log (the first 100
  rows only, as the original did), create the Order if missing; per project: find the contractor's
  deployment (a query), retrieve the project (its codename), find the line item (a query; when it exists,
  retrieve it and compare hours and sources), then create it, or update it and the Order, with a summary
  from the LLM. A 429 or any other error is logged and swallowed, never retried; a contractor whose Order
  could not be made is left for next time.
- paydesk: `paydesk run sync --json` as a subprocess, rate 3/s, burst 3, 5 workers, the same LLM stub.

The baseline runs twice: once with no rate limit, to count its whole call pattern, and once under the same
limit as paydesk. The expected result is paydesk's plan applied to the task order log as it was, computed
in-process on each fresh sandbox before its side runs: one Order per contractor (Type Order, Draft, dated
the month's last day) and one line item per deployment (Type Timesheet, Pending Feedback, hours, the update
pages as Timesheet, the Order as Parent item, a non-empty Proof of Works: the texts differ between the sides
and are not compared). Reported per side: requests, 429s, wall time, records wrong (other fields, a second
Order or line item, a page not planned) and missing, LLM calls, and for paydesk its requests over its
request floor (bench/floor.py, computed from the workspace before paydesk runs) and its wall time over its
rate-limit floor (its requests ÷ rate). The bar: paydesk sends ≤ 50 % of the requests of the baseline's
pattern and ≤ 1.02 × its request floor, with 0 wrong or missing records, and takes ≤ 1.03 × its
rate-limit floor.
Prints a table and writes bench/results/sync.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import RequestFloor  # noqa: E402
from bench.generate import (  # noqa: E402
    FIRST,
    LAST,
    MONTH,
    WORKERS,
    Baseline,
    Page,
    admin,
    bare_client,
    every_page,
    in_process_config,
    latency_text,
    plain,
    planned,
    print_table,
    run_paydesk,
    seeded,
    side_options,
    verdict,
)
from engine.kinds.sync.kind import DATA_SOURCES, sync_planner  # noqa: E402
from engine.kinds.sync.params import SyncParams  # noqa: E402
from engine.run.plan import Plan  # noqa: E402
from sandbox.demo import DemoShape, DemoWorkspace  # noqa: E402
from sandbox.server import RunningSandbox  # noqa: E402

SHAPE = DemoShape(
    contractors=20, projects=60, projects_per_contractor=3, updates_per_deployment=2, awkward=False
)
COMPACT = MONTH.replace("-", "")
MODEL = "stub-summarizer"
LLM_KEY = "sk-bench-not-a-secret"
FIELDS = (
    "Name",
    "Type",
    "Status",
    "Date",
    "Line Item Hours",
    "Proof of Works",
    "Project Deployment",
    "Timesheet",
    "Parent item",
)


# ---- the baseline: the original's call pattern -----------------------------------------------------------


def _first(page: Page, name: str) -> str | None:
    refs = page["properties"][name]["relation"]
    return refs[0]["id"] if refs else None


def _text(page: Page | None, name: str) -> str:
    if page is None or name not in page["properties"]:
        return ""
    return str(plain(page["properties"][name]))


def _title(page: Page | None) -> str:
    if page is None:
        return ""
    prop = next(p for p in page["properties"].values() if p["type"] == "title")
    return str(plain(prop))


def _rich(text: str) -> dict[str, Any]:
    return {"rich_text": [{"type": "text", "text": {"content": text[:2000]}}]}


async def baseline(sandbox: RunningSandbox, workspace: DemoWorkspace) -> dict[str, int]:
    ds = workspace.data_sources
    original = Baseline(sandbox)
    llm = httpx.AsyncClient(base_url=f"{sandbox.base_url}/_sandbox/llm/v1", timeout=30)
    reviewed = {"property": "Status", "status": {"equals": "Reviewed"}}
    month = [
        {"property": "Date", "date": {"on_or_after": FIRST}},
        {"property": "Date", "date": {"on_or_before": LAST}},
    ]
    updates = await original.query_all(ds["updates"], {"and": [*month, reviewed]}) or []
    groups: dict[str, dict[str, list[Page]]] = {}
    for update in updates:
        contractor, project = _first(update, "Contractor"), _first(update, "Project")
        if contractor and project:
            groups.setdefault(contractor, {}).setdefault(project, []).append(update)

    async def summary(scope: str, rows: list[Page]) -> str:
        text = "\n".join(
            f"{_text(u, 'Key deliverables')} ({plain(u['properties']['Appx. effort'])} h)" for u in rows
        )
        body = {
            "model": MODEL,
            "temperature": 0,
            "max_tokens": 200,
            "messages": [
                {"role": "system", "content": "Condense into at most 2 lines: • Scope: item, item, item"},
                {"role": "user", "content": f"{scope}: {text}"},
            ],
        }
        try:
            answer = await llm.post(
                "/chat/completions", json=body, headers={"Authorization": f"Bearer {LLM_KEY}"}
            )
            return str(answer.json()["choices"][0]["message"]["content"]) or text
        except (httpx.HTTPError, ValueError, KeyError, IndexError):
            return text  # the raw text, as the original fell back to

    async def one_project(
        order_id: str, discord: str, contractor: str, project_id: str, rows: list[Page]
    ) -> None:
        found = await original.call(
            original.client.data_sources.query,
            ds["deployments"],
            filter={
                "and": [
                    {"property": "Contractor", "relation": {"contains": contractor}},
                    {"property": "Project", "relation": {"contains": project_id}},
                ]
            },
        )
        if not found or not found["results"]:
            return
        deployment = found["results"][0]["id"]
        project = await original.call(original.client.pages.retrieve, project_id)
        scope = _text(project, "Codename") or _title(project) or project_id
        hours = round(sum(plain(u["properties"]["Appx. effort"]) or 0.0 for u in rows), 4)
        sources = sorted(u["id"] for u in rows)
        existing = await original.call(
            original.client.data_sources.query,
            ds["orders"],
            filter={
                "and": [
                    {"property": "Type", "select": {"equals": "Timesheet"}},
                    {"property": "Parent item", "relation": {"contains": order_id}},
                    {"property": "Project Deployment", "relation": {"contains": deployment}},
                ]
            },
        )
        if existing is None:
            return  # the lookup failed: logged, the project is left for next time
        values: dict[str, Any] = {
            "Line Item Hours": {"number": hours},
            "Timesheet": {"relation": [{"id": s} for s in sources]},
        }
        if existing["results"]:
            item = await original.call(original.client.pages.retrieve, existing["results"][0]["id"])
            if item is None:
                return
            same_hours = plain(item["properties"]["Line Item Hours"]) == hours
            if same_hours and sorted(plain(item["properties"]["Timesheet"])) == sources:
                return
            values |= {"Proof of Works": _rich(await summary(scope, rows))}
            values |= {"Status": {"select": {"name": "Pending Approval"}}}
            await original.call(original.client.pages.update, item["id"], properties=values)
            pending = {"Status": {"select": {"name": "Pending Approval"}}}
            await original.call(original.client.pages.update, order_id, properties=pending)
            return
        values |= {
            "Name": {"title": [{"type": "text", "text": {"content": f"{scope} :: {discord} :: {COMPACT}"}}]},
            "Type": {"select": {"name": "Timesheet"}},
            "Status": {"select": {"name": "Pending Feedback"}},
            "Date": {"date": {"start": LAST}},
            "Proof of Works": _rich(await summary(scope, rows)),
            "Project Deployment": {"relation": [{"id": deployment}]},
            "Parent item": {"relation": [{"id": order_id}]},
        }
        await original.call(
            original.client.pages.create,
            parent={"type": "data_source_id", "data_source_id": ds["orders"]},
            properties=values,
        )

    async def one_contractor(contractor: str, projects: Mapping[str, list[Page]]) -> None:
        person = await original.call(original.client.pages.retrieve, contractor)
        discord = _text(person, "Discord").strip()
        if not discord:
            return
        title = f"ORD :: {discord} :: {COMPACT}"
        log = await original.call(  # the first 100 rows only, as the original read them
            original.client.data_sources.query,
            ds["orders"],
            filter={"and": [{"property": "Type", "select": {"equals": "Order"}}, *month]},
            page_size=100,
        )
        if log is None:
            return
        order = next((o for o in log["results"] if _title(o) == title), None)
        if order is None:
            order = await original.call(
                original.client.pages.create,
                parent={"type": "data_source_id", "data_source_id": ds["orders"]},
                properties={
                    "Name": {"title": [{"type": "text", "text": {"content": title}}]},
                    "Type": {"select": {"name": "Order"}},
                    "Status": {"select": {"name": "Draft"}},
                    "Date": {"date": {"start": LAST}},
                },
            )
        if order is None:
            return  # logged; the contractor is left for next time
        for project_id, rows in projects.items():
            await one_project(order["id"], discord, contractor, project_id, rows)

    limiter = trio.CapacityLimiter(WORKERS)

    async def worker(contractor: str, projects: Mapping[str, list[Page]]) -> None:
        async with limiter:
            await one_contractor(contractor, projects)

    async with trio.open_nursery() as nursery:
        for contractor, projects in groups.items():
            nursery.start_soon(worker, contractor, projects)
    await llm.aclose()
    await original.aclose()
    return original.counts


# ---- the expected result, checked ------------------------------------------------------------------------


def _fields(properties: Mapping[str, Any]) -> dict[str, Any]:
    empty = {"Name": "", "Proof of Works": "", "Project Deployment": (), "Timesheet": (), "Parent item": ()}
    return {name: plain(properties[name]) if name in properties else empty.get(name) for name in FIELDS}


def _outcome(pages: Mapping[str, dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """The task order log by title; Parent item by title; a Proof of Works only as present or not."""
    titles = {pid: fields["Name"] for pid, fields in pages.items()}
    found: dict[str, list[tuple[Any, ...]]] = {}
    for fields in pages.values():
        row = {
            **fields,
            "Parent item": tuple(sorted(titles.get(p, p) for p in fields["Parent item"])),
            "Proof of Works": bool(fields["Proof of Works"]),
        }
        found.setdefault(fields["Name"], []).append(tuple(row[name] for name in FIELDS))
    return {title: sorted(rows, key=repr) for title, rows in found.items()}


def expected_log(before: Mapping[str, dict[str, Any]], plan: Plan) -> dict[str, dict[str, Any]]:
    after = {pid: dict(fields) for pid, fields in before.items()}
    for step in plan.steps:
        written = _fields(step.write)
        if step.kind == "create":
            after[step.key] = written
        else:
            after[step.target].update({n: written[n] for n in FIELDS if n in step.write})
    return after


async def read_log(sandbox: RunningSandbox, workspace: DemoWorkspace) -> dict[str, dict[str, Any]]:
    return {
        p["id"]: _fields(p["properties"]) for p in await every_page(sandbox, workspace.data_sources["orders"])
    }


def check(actual: Mapping[str, dict[str, Any]], expected: Mapping[str, dict[str, Any]]) -> dict[str, int]:
    have, want = _outcome(actual), _outcome(expected)
    wrong = missing = 0
    for title, rows in want.items():
        got = have.get(title, [])
        if not got:
            missing += len(rows)
        else:
            wrong += sum(1 for row in got if row not in rows) + max(0, len(got) - len(rows))
    wrong += sum(len(rows) for title, rows in have.items() if title not in want)
    return {"wrong": wrong, "missing": missing}


async def llm_calls(sandbox: RunningSandbox) -> int:
    return len((await admin(sandbox, "GET", "llm/calls"))["calls"])


# ---- the request floor -----------------------------------------------------------------------------------


def _dated_in_month(page: Page) -> bool:
    start = (page["properties"]["Date"]["date"] or {}).get("start") or ""
    return FIRST <= start[:10] <= LAST


async def sync_floor(sandbox: RunningSandbox, workspace: DemoWorkspace, writes: int) -> RequestFloor:
    """The fewest requests of one `paydesk run sync`, from the workspace as it is: the month's Reviewed
    updates, their contractors and projects, those contractors' deployments, the month's Orders (a read even
    when there is none) and their line items."""
    ds = workspace.data_sources
    pages = {name: await every_page(sandbox, ds[name]) for name in ("updates", "deployments", "orders")}
    updates = [
        u for u in pages["updates"] if plain(u["properties"]["Status"]) == "Reviewed" and _dated_in_month(u)
    ]
    people = {c for u in updates for c in plain(u["properties"]["Contractor"])}
    projects = {p for u in updates for p in plain(u["properties"]["Project"])}
    deployments = [d for d in pages["deployments"] if set(plain(d["properties"]["Contractor"])) & people]
    orders = [
        o
        for o in pages["orders"]
        if plain(o["properties"]["Type"]) == "Order"
        and (_dated_in_month(o) or _title(o).endswith(f":: {COMPACT}"))
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
    floor = RequestFloor()
    floor.add_job(
        "sync",
        {
            "updates": len(updates),
            "contractors": len(people),
            "projects": len(projects),
            "deployments": len(deployments),
            "orders": len(orders),
            "line items": len(items),
        },
        writes,
        data_sources=DATA_SOURCES,
        first_of_run=True,
        first_of_log=True,
        must_query=("updates", "orders"),
    )
    return floor


# ---- one side --------------------------------------------------------------------------------------------


async def side(name: str, args: argparse.Namespace, tmp: Path, *, rps: float) -> dict[str, Any]:
    options = side_options(args, rps)
    async with seeded(tmp / name / "sandbox", options, "small", SHAPE) as (sandbox, workspace):
        plan = await planned(sandbox, in_process_config(sandbox, workspace), sync_planner(SyncParams(MONTH)))
        floor = await sync_floor(sandbox, workspace, plan.writes_needed())
        before = await read_log(sandbox, workspace)
        expected = expected_log(before, plan)
        await admin(sandbox, "POST", "stats/reset")
        start = time.perf_counter()
        if name.startswith("baseline"):
            await baseline(sandbox, workspace)
        else:
            env = {
                "PAYDESK_LLM_BASE_URL": f"{sandbox.base_url}/_sandbox/llm/v1",
                "PAYDESK_LLM_MODELS": MODEL,
                "PAYDESK_LLM_API_KEY": LLM_KEY,
            }
            summary = await run_paydesk(
                sandbox, workspace, ["run", "sync", "--month", MONTH, "--json"], args.rps, tmp / name, env
            )
            assert summary["status"] == "completed", summary
        wall = time.perf_counter() - start
        stats = await admin(sandbox, "GET", "stats")
        totals = stats["totals"]
        return {
            "requests": totals["total"],
            "rate_limited": totals["rate_limited"],
            "wall_s": round(wall, 2),
            **check(await read_log(sandbox, workspace), expected),
            "records": len({step.target for step in plan.steps}),
            "llm_calls": await llm_calls(sandbox),
            "by_route": {route: row["count"] for route, row in stats["by_route"].items()},
            "floor": floor,
        }


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="paydesk-bench-sync-") as tmpdir:
        tmp = Path(tmpdir)
        pattern = await side("baseline-pattern", args, tmp, rps=0)
        base = await side("baseline", args, tmp, rps=args.rps)
        ours = await side("paydesk", args, tmp, rps=args.rps)
    for row in (pattern, base):
        row.pop("floor")
    request_floor: RequestFloor = ours.pop("floor")
    print_table(
        f"sync, {SHAPE.contractors} contractors / {SHAPE.projects} projects "
        f"({SHAPE.projects_per_contractor} each, {SHAPE.updates_per_deployment} updates per deployment): "
        f"latency {latency_text(args)}, {args.rps:g} requests/s",
        [
            ("baseline, no rate limit", pattern),
            ("baseline, 3 rps (same)", base),
            ("paydesk, 3 rps (same)", ours),
        ],
        extra=("llm_calls",),
    )
    result = verdict("sync", args, pattern, base, ours, request_floor)
    return 0 if result["bar_met"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=100.0, help="fixed part of each request's delay")
    parser.add_argument("--jitter-ms", type=float, default=100.0, help="plus uniform(0, jitter)")
    parser.add_argument("--rps", type=float, default=3.0)
    return trio.run(main_async, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

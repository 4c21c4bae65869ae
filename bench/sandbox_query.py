"""Query pages at scale for bench/sandbox.py: 100-row `data_sources.query` pages over 1 k, 10 k, 100 k rows.

Each workspace is seeded straight into a `SandboxStore` (no HTTP: 100 k rows take seconds), then served by
`paydesk sandbox serve` in its own process and queried over HTTP through the real notion-client, one request
at a time, so a figure is the latency of one page. The server's start-up (spawn to ready, its query indexes
built) and its memory once ready are reported per size. The shapes are those paydesk sends:

- `all`: the whole data source in creation order (a preload), page after page;
- `status`: a select equality filter matching a quarter of the rows, page after page;
- `sorted`: sorted by a number, descending, page after page;
- `lookup`: a rich_text equality filter matching one row (a create's guard lookup), each a new key;
- `status+sort`: the status filter and the sort together, page after page.

Each shape runs twice: as is (`first` is then the first request of that shape since the server opened), and
`after writes`, with a `pages.update` of a row's status and amount (the filtered and sorted properties)
before each query page, so that a page pays for whatever the write costs the query indexes; only the query
requests are timed.

Floors, measured in the same run: `roundtrip` is `users.me` over the same client (what any request costs),
`render` is `json.dumps` of 100 of the rows the queries return (what the server must do for the page at
least), and `scan` is a raw Python pass over as many row dicts as the data source holds (what a page costs
when it looks at every row). Ratios are query p50 over `roundtrip + render`.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import notion_client

from sandbox.pages import create_page
from sandbox.store import SandboxStore

SHAPES = ("all", "status", "sorted", "lookup", "status+sort")
PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Status": {"select": {"options": [{"name": "Open"}, {"name": "Paid"}, {"name": "Held"}]}},
    "Amount": {"number": {}},
    "Key": {"rich_text": {}},
}


@dataclass
class QueryFigure:
    rows: int
    shape: str
    after_writes: bool
    pages: int
    first_ms: float
    p50_ms: float
    p95_ms: float
    pages_per_second: float
    ratio: float
    load: float


@dataclass
class Startup:
    rows: int
    seconds: float  # from spawning `paydesk sandbox serve` to its ready line
    rss_mb: float  # the server's resident memory once ready
    load: float


@dataclass
class Floors:
    rows: int
    roundtrip_ms: float
    render_ms: float
    scan_ms: float
    load: float


def seed_rows(data_dir: Path, rows: int) -> str:
    """A workspace at `data_dir` with one data source of `rows` pages, created in the store itself; its id."""
    store = SandboxStore.open(data_dir)
    store.deferred_flush = True
    try:
        database = store.create_database("Rows")
        source = store.create_data_source(database, "Rows", PROPERTIES)
        statuses = ("Paid", "Open", "Open", "Held")
        for index in range(rows):
            properties = {
                "Name": {"title": [{"text": {"content": f"Row {index}"}}]},
                "Status": {"select": {"name": statuses[index % 4]}},
                "Amount": {"number": (index * 7919) % 10_007},
                "Key": {"rich_text": [{"text": {"content": f"key-{index}"}}]},
            }
            create_page(store, {"parent": {"data_source_id": source}, "properties": properties})
        store.flush()
    finally:
        store.close()
    return source


def _load() -> float:
    return round(os.getloadavg()[0], 2)


async def _timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = await call()
    return time.perf_counter() - started, answer


async def measure_floors(client: notion_client.AsyncClient, source: str, rows: int) -> Floors:
    """The floors at this size: a bare round trip, rendering 100 rows, and a raw pass over `rows` dicts."""
    for _ in range(20):
        await client.users.me()
    trips = [(await _timed(client.users.me))[0] for _ in range(100)]
    page = await client.data_sources.query(data_source_id=source, page_size=100)
    results = page["results"]
    renders = []
    for _ in range(50):
        started = time.perf_counter()
        json.dumps(page)
        renders.append(time.perf_counter() - started)
    many = [dict(results[index % len(results)]) for index in range(rows)]
    scans = []
    for _ in range(5):
        started = time.perf_counter()
        matched = [row for row in many if row["properties"]["Status"]["select"]["name"] == "Paid"]
        scans.append(time.perf_counter() - started)
        assert matched is not None
    return Floors(
        rows,
        round(statistics.median(trips) * 1000, 3),
        round(statistics.median(renders) * 1000, 3),
        round(statistics.median(scans) * 1000, 3),
        _load(),
    )


def _body(shape: str, index: int, rows: int) -> dict[str, Any]:
    paid = {"property": "Status", "select": {"equals": "Paid"}}
    by_amount = [{"property": "Amount", "direction": "descending"}]
    if shape == "status":
        return {"filter": paid}
    if shape == "sorted":
        return {"sorts": by_amount}
    if shape == "status+sort":
        return {"filter": paid, "sorts": by_amount}
    if shape == "lookup":
        key = f"key-{(index * 7_919 + rows // 3) % rows}"
        return {"filter": {"property": "Key", "rich_text": {"equals": key}}}
    return {}


async def measure_shape(
    client: notion_client.AsyncClient,
    source: str,
    rows: int,
    shape: str,
    pages: int,
    floors: Floors,
    written: list[str] | None = None,
) -> QueryFigure:
    """`pages` requests of `shape`: consecutive pages of one pagination, or `pages` lookups; with
    `written` (page ids), a page of those is updated (status and amount) before each request."""
    latencies: list[float] = []
    cursor: str | None = None
    statuses = ("Paid", "Open", "Held")
    for index in range(pages):
        if written:
            properties = {
                "Status": {"select": {"name": statuses[index % 3]}},
                "Amount": {"number": (index * 104_729) % 10_007},
            }
            await client.pages.update(page_id=written[index % len(written)], properties=properties)
        body = {"page_size": 100, **_body(shape, index, rows)}
        if cursor is not None:
            body["start_cursor"] = cursor

        async def send(body: dict[str, Any] = body) -> Any:
            return await client.data_sources.query(data_source_id=source, **body)

        elapsed, answer = await _timed(send)
        latencies.append(elapsed)
        if shape == "lookup":
            assert len(answer["results"]) == 1, answer["results"]
        else:
            assert 0 < len(answer["results"]) <= 100, len(answer["results"])
            cursor = answer["next_cursor"]
            if not answer["has_more"]:
                cursor = None  # start over: a small data source has fewer pages than asked for
    p50 = statistics.median(latencies)
    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    return QueryFigure(
        rows=rows,
        shape=shape,
        after_writes=bool(written),
        pages=len(latencies),
        first_ms=round(latencies[0] * 1000, 2),
        p50_ms=round(p50 * 1000, 2),
        p95_ms=round(quantiles[18] * 1000, 2),
        pages_per_second=round(len(latencies) / sum(latencies), 1),
        ratio=round(p50 * 1000 / (floors.roundtrip_ms + floors.render_ms), 2),
        load=_load(),
    )


def print_query_table(
    startups: list[Startup], floors: list[Floors], figures: list[QueryFigure], bar_ms: float
) -> None:
    print("\nquery pages at scale (one request at a time; load = 1-minute load average when measured)")
    print(f"{'rows':>8}  {'server start-up s':>18}{'memory MB':>11}{'load':>7}")
    for startup in startups:
        print(f"{startup.rows:>8}  {startup.seconds:>18.2f}{startup.rss_mb:>11.0f}{startup.load:>7.2f}")
    print(f"{'rows':>8}  {'floor':<10}{'ms':>9}{'load':>7}")
    for floor in floors:
        for name, value in (
            ("roundtrip", floor.roundtrip_ms),
            ("render", floor.render_ms),
            ("scan", floor.scan_ms),
        ):
            print(f"{floor.rows:>8}  {name:<10}{value:>9.3f}{floor.load:>7.2f}")
    print(
        f"{'rows':>8}  {'shape':<12}{'writes':<8}{'pages':>6}{'pages/s':>9}{'first':>8}{'p50 ms':>8}"
        f"{'p95 ms':>8}{'×floor':>8}{'load':>7}  verdict"
    )
    for fig in figures:
        verdict = "ok" if fig.p95_ms <= bar_ms else f"ABOVE {bar_ms:g} ms"
        writes = "between" if fig.after_writes else "-"
        print(
            f"{fig.rows:>8}  {fig.shape:<12}{writes:<8}{fig.pages:>6}{fig.pages_per_second:>9.1f}"
            f"{fig.first_ms:>8.2f}{fig.p50_ms:>8.2f}{fig.p95_ms:>8.2f}{fig.ratio:>8.2f}{fig.load:>7.2f}"
            f"  {verdict}"
        )
    print(
        "(×floor = p50 / (roundtrip + render) at that size; first = the first request of that run of the\n"
        " shape; start-up = spawn to ready, query indexes built; memory = the server's RSS once ready;\n"
        " writes between = a pages.update of the filtered and sorted properties before each query page;\n"
        f" the verdict is on p95 against {bar_ms:g} ms per 100-row page)"
    )

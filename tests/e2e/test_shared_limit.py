"""One rate limit for every paydesk process paying a workspace: three `paydesk run` processes started at once
against a sandbox that enforces the same limit as paydesk's configuration share one schedule (beside the
log), so Notion answers at most 1 % of their requests with 429 and every job finishes. With the limit not
shared (`share_limit = false`), the same three processes planning at once send three times the rate and
collect 429s: the test can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from tests.e2e.served import Served, finish, open_served
from tests.engine.conftest import MONTH

pytestmark = pytest.mark.trio

RATE = 10.0  # requests per second, the sandbox's limit and paydesk's (Notion's is 3: bench/team.py)
JOBS = (
    ("run", "commit", "--month", MONTH, "--batch", "1"),
    ("run", "commit", "--month", MONTH, "--batch", "15"),
    ("run", "generate", "--type", "refund", "--month", MONTH),
)


async def three_at_once(served: Served, *extra: str) -> tuple[list[tuple[int, str, str]], dict[str, int]]:
    processes = [await served.start(*job, *extra) for job in JOBS]
    results: list[tuple[int, str, str]] = []

    async def wait(process: trio.Process) -> None:
        results.append(await finish(process))

    async with trio.open_nursery() as nursery:
        for process in processes:
            nursery.start_soon(wait, process)
    stats = await served.stats()
    totals = stats["totals"]
    return results, {"total": int(totals["total"]), "rate_limited": int(totals["rate_limited"])}


async def test_three_processes_share_one_limit_and_finish(tmp_path: Path) -> None:
    async with open_served(tmp_path, rate=RATE, rps=RATE) as served:
        results, totals = await three_at_once(served)
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    assert totals["total"] > 100
    assert totals["rate_limited"] <= 0.01 * totals["total"], totals


async def test_without_a_shared_limit_three_processes_collect_429s(tmp_path: Path) -> None:
    async with open_served(tmp_path, rate=RATE, rps=RATE) as served:
        text = served.config.read_text()
        served.config.write_text(text.replace("burst = 3\n", "burst = 3\nshare_limit = false\n", 1))
        results, totals = await three_at_once(served, "--dry-run")  # their preloads alone collide
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    assert totals["rate_limited"] > 0.05 * totals["total"], totals

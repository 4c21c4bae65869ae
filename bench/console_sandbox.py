"""A sandbox for bench/console.py, served over HTTP from its own process (Notion is not in the console's
process either): seeds a demo workspace whose commit of batch 15 has `--payables` items, prints one JSON line
(base URL, token, data sources, seconds spent seeding) and serves until its standard input closes.

    .venv/bin/python bench/console_sandbox.py --payables 5000 --data DIR [--template DIR]

The commit flow counts payables as items; each has `--payout-items` payout items, and each payout item one
split or refund: 1 + 2 × payout-items steps per item. Payables go to contractors 0, 1, … whose paydays
alternate between the 1st and the 15th, so batch 15 gets half of the payables seeded. With `--template`, a
workspace seeded once there is copied into `--data` instead of seeding again (seeding 10,000 contractors
takes a minute or two).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import MONTH, bare_client  # noqa: E402
from sandbox.demo import seed_demo  # noqa: E402
from sandbox.demo.shape import DemoShape  # noqa: E402
from sandbox.demo.workspace import find_demo_workspace  # noqa: E402
from sandbox.options import SandboxOptions  # noqa: E402
from sandbox.server import open_sandbox  # noqa: E402


def shape_for(items: int, payout_items: int) -> DemoShape:
    """Contractors 0 … 2 × items - 1, each with a Pending payable: `items` of them in batch 15."""
    return DemoShape(
        contractors=2 * items,
        projects=1,
        projects_per_contractor=0,
        updates_per_deployment=0,
        payables=2 * items,
        payout_items_per_payable=payout_items,
        big_payable_items=0,
        awkward=False,
    )


async def seed(data: Path, shape: DemoShape) -> float:
    start = time.perf_counter()
    async with open_sandbox(data, SandboxOptions()) as sandbox:
        if find_demo_workspace(sandbox.store) is None:
            async with bare_client(sandbox) as client:
                await seed_demo(client, sandbox.store, shape=shape, month=MONTH, random_seed=11)
    return time.perf_counter() - start


async def serve(args: argparse.Namespace) -> None:
    shape = shape_for(args.payables, args.payout_items)
    if args.template is not None:
        seconds = await seed(args.template, shape)
        shutil.copytree(args.template, args.data, dirs_exist_ok=True)
    else:
        seconds = await seed(args.data, shape)
    async with open_sandbox(args.data, SandboxOptions(latency_ms=0.0)) as sandbox:
        workspace = find_demo_workspace(sandbox.store)
        assert workspace is not None
        ready = {
            "base_url": sandbox.base_url,
            "token": sandbox.token,
            "data_sources": workspace.data_sources,
            "seed_s": round(seconds, 1),
        }
        print(json.dumps(ready), flush=True)
        await trio.to_thread.run_sync(sys.stdin.read)  # until the bench closes our standard input


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payables", type=int, default=5000, help="items of the batch-15 commit")
    parser.add_argument("--payout-items", type=int, default=1)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--template", type=Path, default=None)
    trio.run(serve, parser.parse_args())


if __name__ == "__main__":
    main()

"""The seeded demo workspace (`--seed demo`): the payout workspace of DOMAIN.md with a month of data.

    workspace = await seed_demo(client, store, size="medium", month="2026-01", random_seed=7)
    text = render_config("http://127.0.0.1:8765", workspace)

`generate_demo` is the pure part (records for a shape, month and seed); `seed_demo` lays the schemas down in
the store and creates the pages through the API; `find_demo_workspace` finds a seeded one again.
"""

from __future__ import annotations

from sandbox.demo.config import render_config
from sandbox.demo.generate import generate_demo
from sandbox.demo.records import DemoData, Record
from sandbox.demo.schemas import LOGICAL_NAMES, TITLES
from sandbox.demo.seed import seed_demo
from sandbox.demo.shape import SIZES, DemoShape, shape_for
from sandbox.demo.workspace import DemoWorkspace, find_demo_workspace

__all__ = [
    "LOGICAL_NAMES",
    "SIZES",
    "TITLES",
    "DemoData",
    "DemoShape",
    "DemoWorkspace",
    "Record",
    "find_demo_workspace",
    "generate_demo",
    "render_config",
    "seed_demo",
    "shape_for",
]

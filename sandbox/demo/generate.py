"""The demo workspace as data: a pure function of (shape, month, seed), no I/O."""

from __future__ import annotations

import random

from sandbox.demo.draft import Draft
from sandbox.demo.money import add_loose_money, add_payables
from sandbox.demo.month import WorkMonth
from sandbox.demo.orders import add_orders
from sandbox.demo.people import add_contractors, add_deployments, add_projects, add_rates, add_updates
from sandbox.demo.records import DemoData
from sandbox.demo.shape import DemoShape


def generate_demo(shape: DemoShape, month: str, random_seed: int = 0) -> DemoData:
    """Every record of the demo workspace for `month` (`YYYY-MM`); same inputs, same records.

    Records come in an order where each one's relations point to records before it, so seeding can create
    them front to back.
    """
    draft = Draft(shape, WorkMonth.parse(month), random.Random(random_seed))
    add_contractors(draft)
    add_rates(draft)
    add_projects(draft)
    add_deployments(draft)
    add_updates(draft)
    add_orders(draft)
    add_payables(draft)
    add_loose_money(draft)
    return draft.data()

"""The payout commit job (DOMAIN.md flow 3) as one registry entry: its selection, its planner, its summary.

A commit selects a month's payday batch (optionally one contractor's), or payables by invoice id whatever
their period, and marks each payable Paid once its payout items, splits and refunds are.
"""

from __future__ import annotations

from engine.kinds.base import JobKind, no_secrets, no_setup
from engine.kinds.commit.params import CommitParams, add_commit_arguments, commit_params
from engine.kinds.commit.plan import plan_commit
from engine.kinds.commit.preload import preload_commit
from engine.kinds.commit.report import commit_summary, commit_text
from engine.run.jobs import JobSpec, Planner
from engine.run.plan import Plan
from engine.run.preload import Preloader
from engine.run.selection import Selection
from engine.workspace.contractors import require_contractor

NAME = "commit"
DATA_SOURCES = ("payables", "payouts", "splits", "refunds", "rates", "contractors")


def commit_selection(params: CommitParams) -> Selection:
    invoices = frozenset(i.strip() for i in params.invoice_ids if i.strip())
    return Selection(
        NAME,
        month=None if invoices else params.month,
        batch=None if invoices else params.batch,
        contractor=params.contractor,
        invoices=invoices or None,
    )


def commit_spec(params: CommitParams) -> JobSpec:
    """A commit selects a month's batch (optionally one contractor's), or payables by invoice id whatever
    their period."""
    return JobSpec(
        kind=NAME,
        params={
            "month": params.month,
            "batch": params.batch,
            "contractor": params.contractor,
            "invoice_ids": list(params.invoice_ids),
            "today": params.today,
        },
        selection_key=commit_selection(params).key,
        data_sources=DATA_SOURCES,
    )


def commit_planner(params: CommitParams, setup: None = None) -> Planner:
    async def plan(loader: Preloader) -> Plan:
        snapshot = await preload_commit(loader, params)
        require_contractor(params.contractor, snapshot.contractors, loader.config)
        return plan_commit(snapshot, params, loader.config)

    return plan


COMMIT: JobKind[CommitParams, None] = JobKind(
    name=NAME,
    help="mark a batch's payables and their payout items, splits and refunds Paid",
    description="Preload the batch, plan every write (children first), then execute exactly that plan. "
    "A payable is marked Paid only when all of its payout items, splits and refunds are.",
    add_arguments=add_commit_arguments,
    params=commit_params,
    spec=commit_spec,
    planner=commit_planner,
    summary=commit_summary,
    summary_text=commit_text,
    title=lambda params: commit_selection(params).describe(),
    setup=no_setup,
    secrets=no_secrets,
)

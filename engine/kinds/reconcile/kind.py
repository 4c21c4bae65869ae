"""Reconcile (a job kind): compare the records the chosen jobs touched with Notion, and plan the writes that
would restore what the log recorded. It is always planned as a dry run: each finding is an item of its
plan (an event), and nothing is written until the operator accepts or restores (`engine.run.drift`)."""

from __future__ import annotations

from engine.kinds.base import JobKind, no_secrets, no_setup
from engine.kinds.reconcile.decide import restore_undecided
from engine.kinds.reconcile.drift import find_drift, restore_plan
from engine.kinds.reconcile.params import ReconcileParams, add_reconcile_arguments, reconcile_params
from engine.kinds.reconcile.preload import preload_reconcile
from engine.kinds.reconcile.report import reconcile_summary, reconcile_text
from engine.run.jobs import JobSpec, Planner
from engine.run.plan import Plan
from engine.run.preload import Preloader
from engine.run.selection import Selection

NAME = "reconcile"
DATA_SOURCES = ("payables", "payouts")  # schema checked before it reads (it reads whichever it needs)


def reconcile_selection(params: ReconcileParams) -> Selection:
    return Selection(
        NAME, month=params.month, batch=params.batch, invoices=frozenset({params.job}) if params.job else None
    )


def reconcile_spec(params: ReconcileParams) -> JobSpec:
    return JobSpec(
        kind=NAME,
        params={"job": params.job, "month": params.month, "batch": params.batch},
        selection_key=reconcile_selection(params).key,
        data_sources=DATA_SOURCES,
    )


def reconcile_planner(params: ReconcileParams, setup: None = None) -> Planner:
    async def plan(loader: Preloader) -> Plan:
        snapshot = await preload_reconcile(loader, params)
        findings = find_drift(snapshot.state, snapshot.now, snapshot.gone, loader.config)
        return restore_plan(findings, snapshot.now, loader.requests)

    return plan


RECONCILE: JobKind[ReconcileParams, None] = JobKind(
    name=NAME,
    help="compare the records jobs touched with Notion, and plan restoring what the log recorded",
    description="Read what the log last recorded of every record the chosen jobs touched and every data "
    "source they live in (paginated queries, never a read per record), and report each drift: a value "
    "changed after paydesk wrote it, a write the log does not explain, an amount changed after it was "
    "paid, a cascade broken by hand, a record gone. The plan restores the logged values; run it as a dry "
    "run, then accept or restore each finding (`paydesk reconcile`).",
    add_arguments=add_reconcile_arguments,
    params=reconcile_params,
    spec=reconcile_spec,
    planner=reconcile_planner,
    summary=reconcile_summary,
    summary_text=reconcile_text,
    title=lambda params: f"reconcile {params.describe()}",
    setup=no_setup,
    secrets=no_secrets,
    plans_only=True,
    undecided=restore_undecided,
)

"""The generate-payouts job (DOMAIN.md flow 1: payroll, refund, invoice_split) as one registry entry: its
selection, its planner and its summary (see `report`)."""

from __future__ import annotations

from engine.kinds.base import JobKind, no_secrets, no_setup
from engine.kinds.generate.params import GenerateParams, add_generate_arguments, generate_params
from engine.kinds.generate.plan import plan_generate
from engine.kinds.generate.preload import preload_generate
from engine.kinds.generate.report import generate_summary
from engine.run.jobs import JobSpec, Planner
from engine.run.plan import Plan
from engine.run.preload import Preloader
from engine.run.report import count_lines
from engine.run.selection import Selection
from engine.workspace.contractors import require_contractor

NAME = "generate"
DATA_SOURCES: dict[str, tuple[str, ...]] = {
    "payroll": ("orders", "rates", "payouts", "contractors", "deployments"),
    "refund": ("refunds", "payouts", "contractors"),
    "invoice_split": ("splits", "payouts", "contractors"),
}


def generate_selection(params: GenerateParams) -> Selection:
    payroll = params.type == "payroll"
    return Selection(
        f"{NAME}:{params.type}",
        month=params.month if payroll else None,  # refunds and splits are selected whatever their month
        batch=params.batch if payroll else None,
        contractor=params.contractor,
    )


def generate_spec(params: GenerateParams) -> JobSpec:
    """Overlapping generate jobs (the same payout type, and for payroll the same month, batch or contractor)
    never run at once: both would plan the same source before either had created its payout."""
    return JobSpec(
        kind=NAME,
        params={
            "type": params.type,
            "month": params.month,
            "batch": params.batch,
            "contractor": params.contractor,
        },
        selection_key=generate_selection(params).key,
        data_sources=DATA_SOURCES[params.type],
    )


def generate_planner(params: GenerateParams, setup: None = None) -> Planner:
    async def plan(loader: Preloader) -> Plan:
        snapshot = await preload_generate(loader, params)
        require_contractor(params.contractor, snapshot.contractors, loader.config)
        return plan_generate(snapshot, params, loader.config)

    return plan


GENERATE: JobKind[GenerateParams, None] = JobKind(
    name=NAME,
    help="create the month's payouts from approved orders, refunds or invoice splits",
    description="Preload the sources, rates, contractors and existing payouts in paginated queries, "
    "plan one payout per source that has none, then execute exactly that plan.",
    add_arguments=add_generate_arguments,
    params=generate_params,
    spec=generate_spec,
    planner=generate_planner,
    summary=generate_summary,
    summary_text=count_lines,
    title=lambda params: generate_selection(params).describe(),
    setup=no_setup,
    secrets=no_secrets,
)

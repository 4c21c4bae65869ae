"""The task order sync job (DOMAIN.md flow 2) as one registry entry: its selection, its planner (preload,
proof-of-works summaries by the built-in summarizer or an LLM, plan) and its summary (see `report`).

Its setup is the `[llm]` settings (`llm.llm_settings`): with a key and a model, summaries are asked of the
model (the key joins the secrets the event log refuses); without, the deterministic summarizer writes them.
"""

from __future__ import annotations

from typing import Any

import trio

from engine.kinds.base import JobKind
from engine.kinds.sync.llm import LLMSettings, LLMSummarizer, llm_settings, open_chat_client
from engine.kinds.sync.params import SyncParams, add_sync_arguments, sync_params
from engine.kinds.sync.plan import plan_sync
from engine.kinds.sync.preload import preload_sync
from engine.kinds.sync.report import sync_summary
from engine.kinds.sync.summarize import BuiltinSummarizer, Summarizer, condense
from engine.kinds.sync.work import SyncSnapshot, needs_summary, work_out
from engine.run.jobs import JobSpec, Planner
from engine.run.plan import Plan
from engine.run.preload import Preloader
from engine.run.report import count_lines
from engine.run.selection import Selection
from engine.workspace.config import Config
from engine.workspace.contractors import require_contractor

NAME = "sync"
DATA_SOURCES = ("updates", "contractors", "projects", "deployments", "orders", "rates")


def sync_spec(params: SyncParams) -> JobSpec:
    """Overlapping syncs (the same month; a batch or a contractor narrows it) never run at once: both could
    create a contractor's Order for the month."""
    return JobSpec(
        kind=NAME,
        params={
            "month": params.month,
            "batch": params.batch,
            "contractor": params.contractor,
            "force": params.force,
            "hours_only": params.hours_only,
        },
        selection_key=Selection(
            NAME, month=params.month, batch=params.batch, contractor=params.contractor
        ).key,
        data_sources=DATA_SOURCES,
    )


async def summarize_changes(
    snapshot: SyncSnapshot, params: SyncParams, config: Config, summarizer: Summarizer
) -> dict[str, str]:
    """A proof of works for every line item the sync creates or changes, concurrently (the summarizer
    bounds its own concurrency); a summarizer that raises falls back to the deterministic summary."""
    works, _ = work_out(snapshot, params, config)
    summaries: dict[str, str] = {}

    async def one(key: str, scope: str, entries: Any) -> None:
        try:
            summaries[key] = await summarizer.summarize(scope, entries)
        except Exception:
            summaries[key] = condense(scope, entries)

    async with trio.open_nursery() as nursery:
        for work in works:
            for project in work.projects:
                if needs_summary(project, params):
                    nursery.start_soon(one, project.key, project.scope, project.entries)
    return summaries


def sync_planner(params: SyncParams, summarizer: Summarizer | None = None) -> Planner:
    async def plan(loader: Preloader) -> Plan:
        snapshot = await preload_sync(loader, params)
        require_contractor(params.contractor, snapshot.contractors, loader.config)
        chosen = summarizer if summarizer is not None else BuiltinSummarizer()
        summaries = await summarize_changes(snapshot, params, loader.config, chosen)
        return plan_sync(snapshot, params, loader.config, summaries)

    return plan


def sync_planner_with(params: SyncParams, llm: LLMSettings | None) -> Planner:
    """The planner, summarizing with the model `llm` names (its client open while planning) or, without
    one, with the built-in summarizer."""
    if llm is None:
        return sync_planner(params)

    async def plan(loader: Preloader) -> Plan:
        async with open_chat_client(llm) as chat:
            return await sync_planner(params, LLMSummarizer(chat))(loader)

    return plan


SYNC: JobKind[SyncParams, LLMSettings | None] = JobKind(
    name=NAME,
    help="sync the task order log from the month's reviewed project updates",
    description="Group the month's reviewed updates by contractor and project; find or create each "
    "contractor's Order and create or update its line items (only where hours or sources changed).",
    add_arguments=add_sync_arguments,
    params=sync_params,
    spec=sync_spec,
    planner=sync_planner_with,
    summary=sync_summary,
    summary_text=count_lines,
    title=lambda params: f"{NAME} {params.month}",
    setup=lambda config, env: llm_settings(config.llm, env),
    secrets=lambda llm: (llm.api_key,) if llm is not None else (),
)

"""What the task order sync changes (DOMAIN.md flow 2): a pure reading of the preloaded snapshot.

The month's Project Updates (Reviewed, or every status with `force`) are grouped by contractor, then by
project. Per contractor (one item, run in the executor's worker pool): the month's Order, found by its
title `ORD :: <discord> :: YYYYMM` among all of the month's Orders, or created; per project with a
deployment: its Timesheet line item created, or updated when its hours or its set of source updates
changed (and then the Order needs approval again), or left alone when nothing changed.

`work_out` decides what changes; `engine.kinds.sync.plan.plan_sync` turns that into steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.kinds.sync.params import SyncParams
from engine.kinds.sync.summarize import Entry
from engine.run.plan import Skip
from engine.workspace import props
from engine.workspace.config import Config
from engine.workspace.months import month_span
from engine.workspace.rates import rate_on
from engine.workspace.records import contractor_name, first_relation, wanted

Page = Mapping[str, Any]
PENDING_FEEDBACK, PENDING_APPROVAL, COMPLETED = "Pending Feedback", "Pending Approval", "Completed"


@dataclass(frozen=True)
class SyncSnapshot:
    updates: Sequence[Page]  # the month's project updates (Reviewed unless forced)
    contractors: Mapping[str, Page]
    projects: Mapping[str, Page]
    deployments: Sequence[Page]
    orders: Sequence[Page]  # every Order of the month (Type Order)
    line_items: Mapping[str, Sequence[str]]  # order id -> every line item id (Sub-item, completed)
    pages: Mapping[str, Page]  # line items by id
    timesheets: Mapping[str, Sequence[str]] = field(default_factory=dict)  # line item -> every update id
    rates: Sequence[Page] = ()  # Active rates (for the batch filter)
    unreadable: Mapping[str, str] = field(default_factory=dict)
    reads: int = 0


@dataclass(frozen=True)
class ProjectWork:
    key: str  # "<contractor id>:<project id>": the summaries' key
    project_id: str
    scope: str  # the project's codename (or title), used in the summary
    deployment_id: str
    hours: Decimal  # exact, as Notion gave each update's effort
    sources: tuple[str, ...]  # the update ids, sorted
    entries: tuple[Entry, ...]
    action: str  # "create", "update" or "unchanged"
    line_item: Page | None = None
    old_hours: Decimal = Decimal(0)
    old_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContractorWork:
    contractor_id: str
    name: str
    discord: str
    order_title: str
    order: Page | None  # None: the job creates it
    projects: tuple[ProjectWork, ...]


def order_title(discord: str, params: SyncParams) -> str:
    return f"ORD :: {discord} :: {params.compact}"


def order_target(title: str) -> str:
    """The target of the create of the Order titled `title`."""
    return f"order:{title}"


def order_targets(contractors: Sequence[Page], params: SyncParams, config: Config) -> list[str]:
    """The targets of the Orders this month's sync would make, one per contractor with a Discord handle."""
    handles = (props.text(page, config.prop("contractors", "Discord")).strip() for page in contractors)
    return [order_target(order_title(handle, params)) for handle in handles if handle]


def _selected(update: Page, params: SyncParams, config: Config) -> bool:
    first, last = month_span(params.month)
    day = props.date_start(update, config.prop("updates", "Date"))
    status = props.option(update, config.prop("updates", "Status"), "status")
    in_month = day is not None and first.isoformat() <= day <= last.isoformat()
    return in_month and (params.force or status == "Reviewed")


def _groups(snapshot: SyncSnapshot, params: SyncParams, config: Config) -> dict[str, dict[str, list[Page]]]:
    """contractor id -> project id -> updates; rows without a contractor or a project are dropped."""
    groups: dict[str, dict[str, list[Page]]] = {}
    for update in snapshot.updates:
        contractor = first_relation(update, config, "updates", "Contractor")
        project = first_relation(update, config, "updates", "Project")
        if contractor and project and _selected(update, params, config):
            groups.setdefault(contractor, {}).setdefault(project, []).append(update)
    return groups


def _deployment(contractor: str, project: str, snapshot: SyncSnapshot, config: Config) -> str | None:
    found: list[tuple[bool, str]] = []
    for deployment in snapshot.deployments:
        on_project = project in props.relation(deployment, config.prop("deployments", "Project"))[0]
        if (
            on_project
            and contractor in props.relation(deployment, config.prop("deployments", "Contractor"))[0]
        ):
            state = props.option(deployment, config.prop("deployments", "Deployment Status"), "status")
            found.append((state != "Active", props.page_id(deployment)))
    return min(found)[1] if found else None


def _scope(project_id: str, snapshot: SyncSnapshot, config: Config) -> str:
    page = snapshot.projects.get(project_id)
    if page is None:
        return project_id
    codename = (
        props.text(page, config.prop("projects", "Codename")) if "Codename" in page["properties"] else ""
    )
    return codename or props.title(page, config.prop("projects", "Project")) or project_id


def _find_order(title: str, snapshot: SyncSnapshot, config: Config) -> Page | None:
    matches = [
        o
        for o in snapshot.orders
        if props.title(o, config.prop("orders", "Name")).strip().casefold() == title.casefold()
    ]
    return min(matches, key=props.page_id) if matches else None


def _line_item(order: Page | None, deployment: str, snapshot: SyncSnapshot, config: Config) -> Page | None:
    if order is None:
        return None
    for item_id in sorted(snapshot.line_items.get(props.page_id(order), ())):
        item = snapshot.pages.get(item_id)
        if item is None:
            continue
        kind = props.option(item, config.prop("orders", "Type"), "select")
        deployments = props.relation(item, config.prop("orders", "Project Deployment"))[0]
        if kind == "Timesheet" and deployment in deployments:
            return item
    return None


def _project_work(
    contractor: str,
    project: str,
    deployment: str,
    updates: list[Page],
    order: Page | None,
    snapshot: SyncSnapshot,
    config: Config,
) -> ProjectWork:
    ordered = sorted(
        updates, key=lambda u: (props.date_start(u, config.prop("updates", "Date")) or "", props.page_id(u))
    )
    entries = tuple(
        Entry(
            props.text(u, config.prop("updates", "Key deliverables")),
            props.number(u, config.prop("updates", "Appx. effort")) or Decimal(0),
        )
        for u in ordered
    )
    hours = sum((e.hours for e in entries), Decimal(0))
    sources = tuple(sorted(props.page_id(u) for u in updates))
    item = _line_item(order, deployment, snapshot, config)
    base: dict[str, Any] = {
        "key": f"{contractor}:{project}",
        "project_id": project,
        "scope": _scope(project, snapshot, config),
        "deployment_id": deployment,
        "hours": hours,
        "sources": sources,
        "entries": entries,
    }
    if item is None:
        return ProjectWork(**base, action="create")
    item_id = props.page_id(item)
    old_hours = props.number(item, config.prop("orders", "Line Item Hours")) or Decimal(0)
    linked = snapshot.timesheets.get(item_id)
    if linked is None:
        linked = props.relation(item, config.prop("orders", "Timesheet"))[0]
    old_sources = tuple(sorted(set(linked)))
    changed = old_hours != hours or set(old_sources) != set(sources)
    return ProjectWork(
        **base,
        action="update" if changed else "unchanged",
        line_item=item,
        old_hours=old_hours,
        old_sources=old_sources,
    )


def _payday(contractor: str, snapshot: SyncSnapshot, params: SyncParams, config: Config) -> str | None:
    rate = rate_on(contractor, params.last_day, snapshot.rates, config)
    if rate is None:  # no rate valid at month end: any active rate of theirs
        rate = next(
            (
                r
                for r in snapshot.rates
                if contractor in props.relation(r, config.prop("rates", "Contractor"))[0]
            ),
            None,
        )
    return props.option(rate, config.prop("rates", "Payday"), "select") if rate is not None else None


def work_out(
    snapshot: SyncSnapshot, params: SyncParams, config: Config
) -> tuple[list[ContractorWork], list[Skip]]:
    """What the sync changes per contractor (in name order), and what it skips with why."""
    works: list[ContractorWork] = []
    skips: list[Skip] = []
    groups = _groups(snapshot, params, config)
    named = sorted(groups, key=lambda c: (contractor_name(c, snapshot.contractors, config).casefold(), c))
    for contractor in named:
        name = contractor_name(contractor, snapshot.contractors, config) or contractor
        if not wanted(name, params.contractor):
            continue
        if params.batch is not None:
            payday = _payday(contractor, snapshot, params, config)
            if payday is None:
                skips.append(Skip(contractor, name, "contractor", "no active rate, so no payday batch"))
                continue
            if payday != f"{params.batch:02d}":
                continue
        page = snapshot.contractors.get(contractor)
        discord = props.text(page, config.prop("contractors", "Discord")).strip() if page else ""
        if not discord:
            skips.append(
                Skip(contractor, name, "contractor", "no Discord handle, which the Order title needs")
            )
            continue
        title = order_title(discord, params)
        order = _find_order(title, snapshot, config)
        if order is not None:
            missing = [
                i for i in snapshot.line_items.get(props.page_id(order), ()) if i not in snapshot.pages
            ]
            if missing:
                why = snapshot.unreadable.get(missing[0], "not found")
                skips.append(
                    Skip(contractor, name, "contractor", f"line item {missing[0]} cannot be read: {why}")
                )
                continue
        projects: list[ProjectWork] = []
        by_scope = sorted(
            groups[contractor].items(), key=lambda kv: (_scope(kv[0], snapshot, config).casefold(), kv[0])
        )
        for project, updates in by_scope:
            scope = _scope(project, snapshot, config)
            deployment = _deployment(contractor, project, snapshot, config)
            if deployment is None:
                skips.append(
                    Skip(
                        f"{contractor}:{project}",
                        f"{name} on {scope}",
                        "project",
                        f"{name} has no deployment on {scope}",
                    )
                )
                continue
            work = _project_work(contractor, project, deployment, updates, order, snapshot, config)
            item = work.line_item
            status = (
                props.option(item, config.prop("orders", "Status"), "select") if item is not None else None
            )
            if work.action == "update" and status == COMPLETED:
                reason = "its line item is Completed (paid out), so it is not changed"
                skips.append(Skip(work.key, f"{name} on {scope}", "project", reason))
                continue
            projects.append(work)
        if projects:
            works.append(ContractorWork(contractor, name, discord, title, order, tuple(projects)))
    return works, skips


def needs_summary(work: ProjectWork, params: SyncParams) -> bool:
    """Whether a new Proof of Works is written for this project (hours-only runs write none)."""
    return not params.hours_only and work.action in ("create", "update")

"""Planning the task order sync (DOMAIN.md flow 2): steps from what `engine.kinds.sync.work.work_out` found.

Per contractor, one item (the executor runs them in its worker pool): the Order created when the month has
none, each project's Timesheet line item created (Parent item: the Order, a `$step` reference when it is
created in the same job) or updated (hours, sources, Proof of Works, Status Pending Approval) and then
the Order set to Pending Approval. The proof-of-works summaries are computed in between by any
`Summarizer` and passed in; a missing one falls back to the deterministic summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from engine.kinds.sync.params import SyncParams
from engine.kinds.sync.summarize import condense
from engine.kinds.sync.work import (
    PENDING_APPROVAL,
    PENDING_FEEDBACK,
    ContractorWork,
    Page,
    ProjectWork,
    SyncSnapshot,
    order_target,
    work_out,
)
from engine.run.plan import CREATED, Item, Plan, Step, step_key
from engine.workspace import props
from engine.workspace.config import Config
from engine.workspace.payload import payload


def _digest(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:12]


def _contractor_item(
    work: ContractorWork, params: SyncParams, config: Config, summaries: Mapping[str, str]
) -> Item:
    steps: list[Step] = []
    order_ref: str | dict[str, str]
    if work.order is None:
        create = Step(
            key=f"orders:create:order:{work.order_title}",
            kind="create",
            logical="orders",
            target=order_target(work.order_title),
            property="",
            before=None,
            after=CREATED,
            write=payload(
                config,
                "orders",
                {"Name": work.order_title, "Type": "Order", "Status": "Draft", "Date": params.last_day},
            ),
            label=f"order {work.order_title}",
            lookup={
                "and": [
                    {"property": config.prop("orders", "Name"), "title": {"equals": work.order_title}},
                    {"property": config.prop("orders", "Type"), "select": {"equals": "Order"}},
                ]
            },
        )
        steps.append(create)
        order_ref = {"$step": create.key}
    else:
        order_ref = props.page_id(work.order)
    updated: list[str] = []
    details: list[dict[str, Any]] = []
    for project in work.projects:
        summary = summaries.get(project.key) or condense(project.scope, project.entries)
        if project.action == "create":
            steps.append(_create_line_item(work, project, params, config, order_ref, summary, steps))
        elif project.action == "update":
            step = _update_line_item(project, params, config, summary)
            steps.append(step)
            updated.append(step.key)
        details.append(
            {
                "project": project.scope,
                "project_id": project.project_id,
                "deployment_id": project.deployment_id,
                "line_item_id": props.page_id(project.line_item) if project.line_item is not None else None,
                "step": steps[-1].key if project.action != "unchanged" else None,
                "action": project.action,
                "hours": project.hours,
                "updates": len(project.sources),
            }
        )
    if updated and work.order is not None:
        steps.append(_order_pending_approval(work.order, config, updated))
    data = {
        "contractor": work.name,
        "contractor_id": work.contractor_id,
        "order_id": props.page_id(work.order) if work.order is not None else None,
        "order_title": work.order_title,
        "order_step": steps[0].key if work.order is None else None,
        "total_hours": sum((p.hours for p in work.projects), Decimal(0)),
        "projects": details,
    }
    return Item(
        key=work.contractor_id,
        label=f"{work.name}: {work.order_title}",
        kind="contractor",
        steps=tuple(steps),
        data=data,
    )


def _create_line_item(
    work: ContractorWork,
    project: ProjectWork,
    params: SyncParams,
    config: Config,
    order_ref: str | dict[str, str],
    summary: str,
    steps: Sequence[Step],
) -> Step:
    name = f"{project.scope} :: {work.discord} :: {params.compact}"
    values: dict[str, Any] = {
        "Name": name,
        "Type": "Timesheet",
        "Status": PENDING_FEEDBACK,
        "Date": params.last_day,
        "Line Item Hours": project.hours,
        "Proof of Works": summary,
        "Project Deployment": [project.deployment_id],
        "Timesheet": list(project.sources),
        "Parent item": [order_ref],
    }
    depends = (steps[0].key,) if work.order is None else ()
    return Step(
        key=f"orders:create:line:{project.deployment_id}:{params.compact}",
        kind="create",
        logical="orders",
        target=f"line:{project.deployment_id}:{params.compact}",
        property="",
        before=None,
        after=CREATED,
        write=payload(config, "orders", values),
        label=f"line item {project.scope}",
        depends_on=depends,
        lookup=_line_item_lookup(config, order_ref, project.deployment_id),
    )


def _line_item_lookup(config: Config, order_ref: str | dict[str, str], deployment: str) -> dict[str, Any]:
    """Type Timesheet, Parent item = the Order, Project Deployment = the deployment. An Order made in the
    same job is named by its step (`{"$step": KEY}`), resolved to the page it made when the lookup runs: a
    line item of the same title under another Order (one trashed by hand, say) is not this one."""
    return {
        "and": [
            {"property": config.prop("orders", "Type"), "select": {"equals": "Timesheet"}},
            {"property": config.prop("orders", "Parent item"), "relation": {"contains": order_ref}},
            {"property": config.prop("orders", "Project Deployment"), "relation": {"contains": deployment}},
        ]
    }


def _update_line_item(project: ProjectWork, params: SyncParams, config: Config, summary: str) -> Step:
    """Hours, Timesheet and Status Pending Approval (and the Proof of Works unless hours-only). The step
    compares the property that changed, so that it is never skipped as "already at target"."""
    assert project.line_item is not None
    item_id = props.page_id(project.line_item)
    values: dict[str, Any] = {
        "Line Item Hours": project.hours,
        "Timesheet": list(project.sources),
        "Status": PENDING_APPROVAL,
    }
    if not params.hours_only:
        values["Proof of Works"] = summary
    if project.old_hours != project.hours:
        name, shown = "Line Item Hours", str(project.hours)
        before: Any = project.old_hours
        after: Any = project.hours
    else:
        name, before, after = "Timesheet", list(project.old_sources), list(project.sources)
        shown = _digest(project.sources)
    prop = config.prop("orders", name)
    return Step(
        key=step_key("orders", item_id, prop, shown),
        kind="update",
        logical="orders",
        target=item_id,
        property=prop,
        before=before,
        after=after,
        write=payload(config, "orders", values),
        label=f"line item {project.scope}",
    )


def _order_pending_approval(order: Page, config: Config, depends: Sequence[str]) -> Step:
    name = config.prop("orders", "Status")
    order_id = props.page_id(order)
    return Step(
        key=step_key("orders", order_id, name, PENDING_APPROVAL),
        kind="update",
        logical="orders",
        target=order_id,
        property=name,
        before=props.option(order, name, "select"),
        after=PENDING_APPROVAL,
        write=payload(config, "orders", {"Status": PENDING_APPROVAL}),
        label=f"order {props.title(order, config.prop('orders', 'Name'))}",
        depends_on=tuple(depends),
    )


def plan_sync(
    snapshot: SyncSnapshot, params: SyncParams, config: Config, summaries: Mapping[str, str] | None = None
) -> Plan:
    """One item per contractor with updates (no steps when nothing changed: its details still show)."""
    works, skips = work_out(snapshot, params, config)
    items = [_contractor_item(work, params, config, summaries or {}) for work in works]
    return Plan(items=tuple(items), skips=tuple(skips), totals={}, reads=snapshot.reads)

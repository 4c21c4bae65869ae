"""A plan as events, and back: what `resume` and `retry` run is exactly what was stored.

`plan_events` turns a plan into ItemPlanned / StepPlanned / ItemSkipped / JobPlanned events;
`items_from_events` rebuilds the items (with every step's write payload) from the stored events of a job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.run.plan import ChildLink, Input, Item, Plan, Source, Step
from engine.workspace import money
from eventlog import Event, ItemPlanned, ItemSkipped, JobPlanned, StepPlanned, number_properties

NOTHING_TO_WRITE = "up to date: nothing to write"
"""Why an item planned without steps is skipped (found walking: a completed sync listed the contractors it
had nothing to write for as pending, 5 of 8, where its summary counted them processed)."""


def plan_events(job_id: str, operator: str, plan: Plan, rate: float) -> list[Event]:
    events: list[Event] = []
    for item in plan.items:
        envelope = {"job_id": job_id, "operator": operator, "item_key": item.key}
        events.append(ItemPlanned(**envelope, label=item.label, kind=item.kind, data=dict(item.data)))
        if not item.steps:  # shown for its details (a sync's hours), with nothing to do: not pending
            events.append(ItemSkipped(**envelope, reason=NOTHING_TO_WRITE))
        for step in item.steps:
            events.append(
                StepPlanned(
                    **envelope,
                    step_key=step.key,
                    kind=step.kind,
                    target=step.target,
                    property=step.property,
                    before=step.before,
                    after=step.after,
                    depends_on=list(step.depends_on),
                    data_source=step.logical,
                    label=step.label,
                    write=dict(step.write),
                    lookup=dict(step.lookup) if step.lookup is not None else None,
                    expect=dict(step.expect),
                    inputs=[_input_json(i) for i in step.inputs],
                    source=_source_json(step.source),
                    children=[_child_json(c) for c in step.children],
                )
            )
    for skip in plan.skips:
        envelope = {"job_id": job_id, "operator": operator, "item_key": skip.key}
        events.append(ItemPlanned(**envelope, label=skip.label, kind=skip.kind, data={}))
        events.append(ItemSkipped(**envelope, reason=skip.reason))
    events.append(
        JobPlanned(
            job_id=job_id,
            operator=operator,
            items=len(plan.items) + len(plan.skips),
            steps=len(plan.steps),
            totals=dict(plan.totals),
            estimate=plan.estimate(rate),
        )
    )
    return events


def items_from_events(events: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Item]:
    """Rebuild the planned items from `(type name, payload with envelope)` pairs in log order."""
    labels: dict[str, tuple[str, str, Mapping[str, Any]]] = {}
    steps: dict[str, list[Step]] = {}
    skipped: set[str] = set()
    for type_name, event in events:
        item_key = event.get("item_key")
        if not isinstance(item_key, str):
            continue
        if type_name == ItemPlanned.TYPE:
            labels[item_key] = (
                str(event.get("label", "")),
                str(event.get("kind", "")),
                event.get("data") or {},
            )
        elif type_name == ItemSkipped.TYPE:
            skipped.add(item_key)
        elif type_name == StepPlanned.TYPE:
            numbers = number_properties(event.get("write"))
            prop = str(event.get("property") or "")
            before, after = event.get("before"), event.get("after")
            if prop in numbers:  # decimal strings (v3) or numbers (older): exact decimals either way
                before, after = _exact(before), _exact(after)
            expect = {k: _exact(v) if k in numbers else v for k, v in (event.get("expect") or {}).items()}
            steps.setdefault(item_key, []).append(
                Step(
                    key=str(event["step_key"]),
                    kind=str(event["kind"]),
                    logical=str(event.get("data_source", "")),
                    target=str(event["target"]),
                    property=prop,
                    before=before,
                    after=after,
                    write=event.get("write") or {},
                    label=str(event.get("label", "")),
                    depends_on=tuple(event.get("depends_on") or ()),
                    lookup=event.get("lookup"),
                    expect=expect,
                    inputs=tuple(_input(i) for i in event.get("inputs") or ()),
                    source=_source(event.get("source")),
                    children=tuple(_child(c) for c in event.get("children") or ()),
                )
            )
    return [
        Item(key=key, label=labels[key][0], kind=labels[key][1], steps=tuple(item_steps), data=labels[key][2])
        for key, item_steps in steps.items()
        if key in labels and key not in skipped
    ]


def _input_json(value: Input) -> dict[str, Any]:
    return {"page": value.page, "logical": value.logical, "edited": value.edited}


def _input(raw: Mapping[str, Any]) -> Input:
    return Input(str(raw["page"]), str(raw["logical"]), str(raw.get("edited") or ""))


def _source_json(value: Source | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"page": value.page, "logical": value.logical, "filter": dict(value.filter)}


def _source(raw: Mapping[str, Any] | None) -> Source | None:
    if not raw:
        return None
    return Source(str(raw["page"]), str(raw["logical"]), raw.get("filter") or {})


def _child_json(value: ChildLink) -> dict[str, Any]:
    return {
        "relation": value.relation,
        "logical": value.logical,
        "property": value.property,
        "kind": value.kind,
        "accepted": list(value.accepted),
        "planned": dict(value.planned),
    }


def _child(raw: Mapping[str, Any]) -> ChildLink:
    return ChildLink(
        relation=str(raw["relation"]),
        logical=str(raw["logical"]),
        property=str(raw["property"]),
        kind=str(raw["kind"]),
        accepted=tuple(raw.get("accepted") or ()),
        planned=raw.get("planned") or {},
    )


def _exact(value: Any) -> Any:
    """A number property's value as an exact decimal (None stays None)."""
    if value is None or isinstance(value, bool):
        return value
    try:
        return money.amount(value)
    except money.NotAnAmount:
        return value

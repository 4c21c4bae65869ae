"""What a run reports: its job's status, the plan's items with each step's state, the requests it took and
what the preload found; and the words every kind's summary uses: for an item that did not reach its target,
and the counts of a summary in lines for a terminal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.notion.filter_text import describe_filter
from engine.notion.gateway import RequestCounters
from engine.run.plan import Item, Plan
from engine.run.preload import PreloadFact
from engine.run.writes import StepState
from engine.workspace.schema import TITLES
from eventlog import printable


@dataclass
class JobReport:
    job_id: str
    status: str
    items: list[Item] = field(default_factory=list)
    states: dict[str, StepState] = field(default_factory=dict)
    plan: Plan | None = None
    counters: RequestCounters = field(default_factory=RequestCounters)
    error: str | None = None
    preloads: list[PreloadFact] = field(default_factory=list)
    # Resume and retry: the steps already at their target (succeeded or skipped) when this run began, so
    # that what this run did can be told apart from the job's earlier runs (`this_run`).
    done_before: frozenset[str] | None = None

    def item_status(self, item: Item) -> str:
        statuses = {self.states[s.key].status for s in item.steps}
        for status in ("failed", "blocked", "started", "cancelled", "planned"):
            if status in statuses:
                return "in_doubt" if status == "started" else status
        return "succeeded" if "succeeded" in statuses else "skipped"


DONE = ("succeeded", "skipped")


def this_run(report: JobReport) -> dict[str, int] | None:
    """For a resume or a retry, `{"items_done": …, "items_done_before": …}`: the items this run brought to
    their target, and those the job's earlier runs had (None for a job's first run). The kinds' summaries
    count the whole job, so that a resumed job reads like one that ran through; found walking: an operator
    who resumed a job stopped at 14 of 24 read "24 payables paid" and took all 24 for this run's."""
    before = report.done_before
    if before is None:
        return None
    done_before = done_now = 0
    for item in report.items:
        if all(step.key in before for step in item.steps):
            done_before += 1
        elif report.item_status(item) in DONE:
            done_now += 1
    return {"items_done": done_now, "items_done_before": done_before}


def this_run_line(report: JobReport) -> str | None:
    """`this run: 10 of the job's 24 items reached their target; its earlier runs had done 14` (None for a
    first run, or when earlier runs had done nothing)."""
    counts = this_run(report)
    if counts is None or not counts["items_done_before"]:
        return None
    return (
        f"this run: {counts['items_done']} of the job's {len(report.items)} items reached their target; "
        f"its earlier runs had done {counts['items_done_before']}"
    )


def created_page(report: JobReport, step_key: str) -> str | None:
    """The id of the page a create step made, when the executor recorded it."""
    state = report.states.get(step_key)
    page_id = getattr(state, "page_id", None)
    return page_id if isinstance(page_id, str) else None


def item_name(item: Item) -> str:
    """The item by its business key: its invoice id or source title, and its contractor when the title does
    not already say it (`INV-0042 (Hanh Ha)`, `ORD :: hanh.ha3 :: 202612 (Hanh Ha)`)."""
    contractor = item.data.get("contractor")
    if isinstance(contractor, str) and contractor and contractor.casefold() not in item.label.casefold():
        return f"{item.label} ({contractor})"
    return item.label


def item_error(report: JobReport, item: Item, key_name: str) -> dict[str, str]:
    """An item not at its target, for a summary's `errors`: its id under `key_name`, its business name,
    its contractor and why."""
    contractor = item.data.get("contractor")
    return {
        key_name: item.key,
        "item": item_name(item),
        "contractor": contractor if isinstance(contractor, str) else "",
        "error": first_error(report, item),
    }


def first_error(report: JobReport, item: Item) -> str:
    """Why `item` is not at its target: its first failed step, else its first step in doubt, blocked or
    cancelled, else its status."""
    for step in item.steps:
        state = report.states[step.key]
        if state.status == "failed":
            return f"failed to {'create' if step.kind == 'create' else 'update'} {step.label}: {state.error}"
    for step in item.steps:
        state = report.states[step.key]
        if state.status == "started":
            return f"in doubt: the outcome of {step.label} is unknown; run `paydesk resume`"
        if state.status in ("blocked", "cancelled"):
            return f"{step.label} {state.status}" + (f": {state.error}" if state.error else "")
    return report.item_status(item)


def count_lines(report: JobReport, summary: Mapping[str, Any]) -> list[str]:
    """One line with the job, its status and the summary's counts, then one per item not at its target (by
    its business name, with why) and, when some failed, how to retry them (generate, sync)."""
    counts = {k: v for k, v in summary.items() if isinstance(v, int) and k != "batch"}
    lines = [f"job {report.job_id}: {report.status} - " + ", ".join(f"{k} {v}" for k, v in counts.items())]
    lines.extend(error_lines(summary))
    if summary.get("errors") and report.status == "completed_with_failures":
        lines.append(what_next(report.job_id, summary["errors"]))
    return lines


def what_next(job_id: str, errors: Iterable[Any]) -> str:
    """The line after a job's errors: retry it, or where its checks said so, plan again.

    A write blocked with "plan again" (its record or what it was computed from was edited after the plan)
    is blocked again by a retry, even once the edit is undone: the plan would need what is in Notion now.
    Found walking the demo: an order moved to the trash and restored blocked its payout on every retry,
    while the line under it said to retry.
    """
    reasons = [str(error.get("error", "")) if isinstance(error, Mapping) else str(error) for error in errors]
    again = sum(1 for reason in reasons if reason.rstrip().endswith("plan again"))
    rerun = "run the job again (what is done already is skipped)"
    if reasons and again == len(reasons):
        return f"these need a new plan, which a retry does not make: {rerun}"
    retry = f"fix the cause, then `paydesk retry {job_id}`"
    return f"{retry}; those that say 'plan again' need a new plan: {rerun}" if again else retry


def error_lines(summary: Mapping[str, Any]) -> list[str]:
    """`  ✗ INV-0042 (Hanh Ha): failed to update …` for each of the summary's `errors`."""
    lines = []
    for error in summary.get("errors", []):
        if isinstance(error, Mapping):
            name, why = str(error.get("item", "")), str(error.get("error", ""))
            lines.append(f"  ✗ {printable(name)}: {printable(why)}")
        else:
            lines.append(f"  ✗ {printable(str(error))}")
    return lines


def why_nothing(job_id: str, preloads: Iterable[PreloadFact], skipped: int) -> str:
    """Why a plan came out empty: the queries that found nothing (naming data source and filter), or that
    every record found was skipped."""
    if skipped:
        found = "the one record found was" if skipped == 1 else f"all {skipped} records found were"
        return f"{found} skipped (reasons above, or `paydesk show {job_id}`)"
    empty = [fact for fact in preloads if fact.pages == 0 and not _is_retrieve(fact)]
    if empty:
        return "; ".join(_empty(fact) for fact in empty)
    return "no record needs a write"


def _is_retrieve(fact: PreloadFact) -> bool:
    return fact.filter is not None and "retrieve" in fact.filter


def _empty(fact: PreloadFact) -> str:
    title = TITLES.get(fact.data_source, fact.data_source)
    if not fact.filter:  # read whole: it has none at all
        return f"{title} has no records"
    return f"{title} has no record with {printable(describe_filter(fact.filter))}"


def shown_value(value: Any) -> str:
    """A step's value as the operator reads it: nothing is "empty", a relation "3 linked"."""
    if isinstance(value, list):
        return f"{len(value)} linked"
    return "empty" if value is None else str(value)

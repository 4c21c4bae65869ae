"""What the run commands print. Every text that came from Notion (names, titles, labels, reasons, messages)
goes through `eventlog.printable`, which escapes control characters and bidirectional overrides."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from engine import JobReport, item_name, shown_value, totals_text, why_nothing
from eventlog import printable

LABEL_WIDTH = 48


def add_job_argument(parser: argparse.ArgumentParser) -> None:
    """The JOB a command works on, said the same way by every command that takes one."""
    parser.add_argument("job", metavar="JOB", help="the job's id, as `paydesk jobs` lists it")


def say(line: str) -> None:
    """A progress line for the operator on standard error (standard output stays the result)."""
    print(f"paydesk: {printable(line)}", file=sys.stderr, flush=True)


def print_plan(report: JobReport, rate: float) -> None:
    plan = report.plan
    assert plan is not None
    print(
        f"dry run {report.job_id}: nothing was written. "
        f"Execute this plan with `paydesk resume {report.job_id}` "
        f"(or throw it away with `paydesk discard {report.job_id}`)."
    )
    for item in plan.items:
        print(f"\n{printable(item_name(item))}")
        for step in item.steps:
            mark = "=" if step.at_target(step.before) else "→"
            label = printable(step.label)
            label = label if len(label) <= LABEL_WIDTH else label[: LABEL_WIDTH - 1] + "…"
            before, after = printable(shown_value(step.before)), printable(shown_value(step.after))
            print(f"  {label:<{LABEL_WIDTH}} {printable(step.property) or 'page'}: {before} {mark} {after}")
    if plan.skips:
        print("\nskipped:")
        for skip in plan.skips:
            print(f"  {printable(skip.label)}: {printable(skip.reason)}")
    estimate = plan.estimate(rate)
    totals = totals_text(plan.totals)
    kind = plan.items[0].kind if plan.items else "item"
    noun = kind if len(plan.items) == 1 else f"{kind}s"
    print(
        f"\n{len(plan.items)} {noun}, {estimate['requests']:.0f} writes "
        f"(~{estimate['seconds']:.0f} s at {rate:g} requests/s); amounts {totals}"
    )


def nothing_to_do(report: JobReport) -> str:
    """Why a plan came out empty (`engine.why_nothing`)."""
    skipped = len(report.plan.skips) if report.plan is not None else 0
    return why_nothing(report.job_id, report.preloads, skipped)


def print_nothing_to_do(report: JobReport, dry_run: bool) -> None:
    what = f"dry run {report.job_id}" if dry_run else f"job {report.job_id}"
    leaves = ": no job is left to resume" if dry_run else ""
    print(f"{what}: nothing to do{leaves} - {nothing_to_do(report)}")
    if dry_run and report.plan is not None and report.plan.skips:
        for skip in report.plan.skips:
            print(f"  {printable(skip.label)}: {printable(skip.reason)}")


def print_lines(lines: Sequence[str]) -> None:
    for line in lines:
        print(printable(line))


def json_text(value: Any) -> str:
    """`value` as indented JSON for scripts: exact amounts (`Decimal`) as decimal strings ("2.68")."""
    return json.dumps(value, indent=2, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")

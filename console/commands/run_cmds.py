"""`paydesk run commit|generate|sync`: plan a job and execute it (or, with --dry-run, store the plan only).

Each run prints its job id on standard error as it starts. Exit codes: 0 all done, 2 some items failed (or
were blocked, or are in doubt), 1 could not run, 130/143 stopped by Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from console.commands.output import print_commit, print_counts, print_nothing_to_do, print_plan, say
from console.commands.runner import run_engine
from console.errors import CliError
from console.paths import default_config_path, log_path
from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.kinds.commit.params import CommitParams, commit_params
from engine.kinds.commit.report import commit_summary
from engine.kinds.generate.kind import generate_planner, generate_spec
from engine.kinds.generate.params import GenerateParams, generate_params
from engine.kinds.generate.report import generate_summary
from engine.kinds.sync.kind import sync_planner, sync_spec
from engine.kinds.sync.llm import LLMSummarizer, llm_settings, open_chat_client
from engine.kinds.sync.params import SyncParams, sync_params
from engine.kinds.sync.report import sync_summary
from engine.run.jobs import JobSpec, Planner, new_job_id, run_job
from engine.run.progress import JobProgress
from engine.run.report import JobReport
from engine.run.runtime import Runtime
from engine.run.selection import parse_selection
from engine.workspace.config import Config, ConfigError, clamp_workers, load_config, parse_workers

EXIT_OK, EXIT_COULD_NOT_RUN, EXIT_SOME_FAILED = 0, 1, 2
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # not \d, which takes any Unicode digit


@dataclass(frozen=True)
class KindOutput:
    """How the command line reports one kind of job."""

    summary: Callable[[JobReport, Mapping[str, Any]], dict[str, Any]]
    text: Callable[[JobReport, dict[str, Any]], None]


OUTPUTS: dict[str, KindOutput] = {
    "commit": KindOutput(
        lambda r, p: commit_summary(r, commit_params(dict(p))), lambda r, s: print_commit(s)
    ),
    "generate": KindOutput(lambda r, p: generate_summary(r, generate_params(p)), print_counts),
    "sync": KindOutput(lambda r, p: sync_summary(r, sync_params(p)), print_counts),
}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    run = subparsers.add_parser("run", help="run a job (commit, generate, sync) against the workspace")
    kinds = run.add_subparsers(dest="kind", metavar="KIND")
    commit = kinds.add_parser(
        "commit",
        help="mark a batch's payables and their payout items, splits and refunds Paid",
        description="Preload the batch, plan every write (children first), then execute exactly that plan. "
        "A payable is marked Paid only when all of its payout items, splits and refunds are.",
    )
    commit.add_argument("--month", required=True, help="work month, YYYY-MM")
    commit.add_argument("--batch", required=True, type=int, choices=(1, 15), help="payday batch: 1 or 15")
    commit.add_argument("--contractor", metavar="NAME", help="only this contractor's payables (Full Name)")
    commit.add_argument(
        "--invoice-ids", metavar="ID,…", help="only these payables (Invoice IDs, comma-separated)"
    )
    common_run_options(commit)
    commit.set_defaults(handler=run_commit)
    generate = kinds.add_parser(
        "generate",
        help="create the month's payouts from approved orders, refunds or invoice splits",
        description="Preload the sources, rates, contractors and existing payouts in paginated queries, "
        "plan one payout per source that has none, then execute exactly that plan.",
    )
    generate.add_argument("--type", required=True, choices=("payroll", "refund", "invoice_split"))
    generate.add_argument("--month", required=True, help="work month, YYYY-MM")
    generate.add_argument("--batch", type=int, choices=(1, 15), help="only contractors paid on this day")
    generate.add_argument("--contractor", metavar="NAME", help="only this contractor (Full Name)")
    common_run_options(generate)
    generate.set_defaults(handler=run_generate)

    sync = kinds.add_parser(
        "sync",
        help="sync the task order log from the month's reviewed project updates",
        description="Group the month's reviewed updates by contractor and project; find or create each "
        "contractor's Order and create or update its line items (only where hours or sources changed).",
    )
    sync.add_argument("--month", required=True, help="work month, YYYY-MM")
    sync.add_argument("--batch", type=int, choices=(1, 15), help="only contractors paid on this day")
    sync.add_argument("--contractor", metavar="NAME", help="only this contractor (Full Name)")
    sync.add_argument(
        "--force", action="store_true", help="use every update of the month, whatever its status"
    )
    sync.add_argument("--hours-only", action="store_true", help="update hours only; keep Proof of Works")
    common_run_options(sync)
    sync.set_defaults(handler=run_sync)
    run.set_defaults(handler=lambda args: _missing_kind(run))


def _missing_kind(parser: argparse.ArgumentParser) -> int:
    raise CliError("say which job to run, e.g. `paydesk run commit --month 2026-01 --batch 15`")


def common_run_options(parser: argparse.ArgumentParser, *, dry_run: bool = True) -> None:
    if dry_run:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="plan and store the plan; write nothing (`paydesk resume JOB` executes it later)",
        )
    parser.add_argument("--workers", metavar="N", help="worker pool size, 1-20 (default from config: 5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


# ---- shared plumbing ------------------------------------------------------------------------------------


def load_settings(args: argparse.Namespace) -> tuple[Config, Path]:
    db = log_path(args.db)
    try:
        config = load_config(default_config_path(args.config))
    except ConfigError as err:
        raise CliError(str(err)) from None
    workers_arg = getattr(args, "workers", None)
    if workers_arg is not None:
        try:
            workers, warning = clamp_workers(parse_workers(workers_arg, "--workers"))
        except ConfigError as err:
            raise CliError(str(err)) from None
        warnings = (*config.warnings, warning) if warning else config.warnings
        config = dataclasses.replace(config, workers=workers, warnings=warnings)
    for warning in config.warnings:
        print(f"paydesk: warning: {warning}", file=sys.stderr)
    return config, db


def parse_month(text: str) -> str:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CliError(f"--month must be YYYY-MM with a month from 01 to 12, e.g. 2026-01 (got {text!r})")
    return text.strip()


def exit_code(report: JobReport) -> int:
    if report.status == "failed":
        return EXIT_COULD_NOT_RUN
    return EXIT_OK if report.status in ("completed", "planned", "discarded") else EXIT_SOME_FAILED


def report_run(
    report: JobReport, kind: str, params: Mapping[str, Any], args: argparse.Namespace, rate: float
) -> int:
    """Print what a run did (JSON, the plan of a dry run, or the summary) and give its exit code."""
    output = OUTPUTS[kind]
    summary = output.summary(report, params)
    dry_run = bool(getattr(args, "dry_run", False))
    if args.json:
        print(json.dumps(summary, indent=2))
    elif report.plan is not None and not report.plan.steps:
        print_nothing_to_do(report, dry_run)
    elif dry_run:
        print_plan(report, rate)
    else:
        output.text(report, summary)
    if report.status == "failed" and report.error:
        say(f"error: job {report.job_id}: {report.error}")
    return exit_code(report)


def _doing(args: argparse.Namespace) -> str:
    return "planning a dry run" if args.dry_run else "planning, then executing"


def _start(spec: JobSpec, planner: Planner, args: argparse.Namespace, config: Config, db: Path) -> JobReport:
    job_id = new_job_id(spec.kind)
    chosen = parse_selection(spec.selection_key)
    what = chosen.describe() if chosen is not None else spec.kind
    say(f"job {job_id} ({what}): {_doing(args)}")

    async def body(rt: Runtime, progress: JobProgress) -> JobReport:
        return await run_job(rt, spec, planner, dry_run=args.dry_run, job_id=job_id, progress=progress)

    return run_engine(config, db, body, job_id=job_id)


# ---- run commit, generate, sync ---------------------------------------------------------------------------


def run_commit(args: argparse.Namespace) -> int:
    month = parse_month(args.month)
    invoice_ids = tuple(i.strip() for i in (args.invoice_ids or "").split(",") if i.strip())
    config, db = load_settings(args)
    params = CommitParams(
        month=month,
        batch=args.batch,
        today=date.today().isoformat(),
        contractor=args.contractor,
        invoice_ids=invoice_ids,
    )
    spec = commit_spec(params)
    report = _start(spec, commit_planner(params), args, config, db)
    return report_run(report, "commit", spec.params, args, config.notion.rate)


def run_generate(args: argparse.Namespace) -> int:
    params = GenerateParams(
        type=args.type, month=parse_month(args.month), batch=args.batch, contractor=args.contractor
    )
    config, db = load_settings(args)
    spec = generate_spec(params)
    report = _start(spec, generate_planner(params), args, config, db)
    return report_run(report, "generate", spec.params, args, config.notion.rate)


def run_sync(args: argparse.Namespace) -> int:
    params = SyncParams(
        month=parse_month(args.month),
        batch=args.batch,
        contractor=args.contractor,
        force=args.force,
        hours_only=args.hours_only,
    )
    config, db = load_settings(args)
    try:
        llm = llm_settings(config.llm, os.environ)
    except ConfigError as err:
        raise CliError(f"{config.source}: {err}") from None
    spec = sync_spec(params)
    job_id = new_job_id(spec.kind)
    say(f"job {job_id} (sync {params.month}): {_doing(args)}")

    async def body(rt: Runtime, progress: JobProgress) -> JobReport:
        if llm is None:
            planner = sync_planner(params)
            return await run_job(rt, spec, planner, dry_run=args.dry_run, job_id=job_id, progress=progress)
        async with open_chat_client(llm) as chat:
            planner = sync_planner(params, LLMSummarizer(chat))
            return await run_job(rt, spec, planner, dry_run=args.dry_run, job_id=job_id, progress=progress)

    secrets = (llm.api_key,) if llm is not None else ()
    report = run_engine(config, db, body, job_id=job_id, secrets=secrets)
    return report_run(report, "sync", spec.params, args, config.notion.rate)

"""`paydesk run commit|generate|sync`: plan a job and execute it (or, with --dry-run, store the plan only).

Each run prints its job id on standard error as it starts. Exit codes: 0 all done, 2 some items failed (or
were blocked, or are in doubt), 1 could not run, 130/143 stopped by Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
from collections.abc import Mapping
from typing import Any

from console.commands.output import json_text, print_nothing_to_do, print_plan, say
from console.commands.runner import run_engine
from console.errors import CliError
from console.paths import default_config_path, log_path
from engine import (
    KINDS,
    Config,
    ConfigError,
    InvalidParams,
    JobKind,
    JobProgress,
    JobReport,
    Runtime,
    clamp_workers,
    load_config,
    new_job_id,
    parse_workers,
    this_run,
    this_run_line,
)
from eventlog import Location

EXIT_OK, EXIT_COULD_NOT_RUN, EXIT_SOME_FAILED = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    run = subparsers.add_parser("run", help=f"run a job ({', '.join(KINDS)}) against the workspace")
    kinds = run.add_subparsers(dest="kind", metavar="KIND")
    for kind in KINDS.values():
        parser = kinds.add_parser(kind.name, help=kind.help, description=kind.description)
        kind.add_arguments(parser)
        common_run_options(parser)
        parser.set_defaults(handler=functools.partial(run_kind, kind))
    run.set_defaults(handler=lambda args: _missing_kind(run))


def _missing_kind(parser: argparse.ArgumentParser) -> int:
    raise CliError("say which job to run, e.g. `paydesk run commit --month 2026-01 --batch 15`")


def common_run_options(
    parser: argparse.ArgumentParser, *, dry_run: bool = True, over_limit: bool = True
) -> None:
    if dry_run:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="plan and store the plan; write nothing (`paydesk resume JOB` executes it later)",
        )
    if over_limit:
        parser.add_argument(
            "--allow-over-limit",
            action="store_true",
            help="execute a plan that moves more than [limits] max_per_job allows (refused otherwise; "
            "the plan is kept to read)",
        )
    parser.add_argument("--workers", metavar="N", help="worker pool size, 1-20 (default from config: 5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


# ---- shared plumbing ------------------------------------------------------------------------------------


def load_settings(args: argparse.Namespace) -> tuple[Config, Location]:
    db = log_path(args.db, args.config)
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


def exit_code(report: JobReport) -> int:
    if report.status == "failed":
        return EXIT_COULD_NOT_RUN
    return EXIT_OK if report.status in ("completed", "planned", "discarded") else EXIT_SOME_FAILED


def report_run(
    report: JobReport,
    kind: JobKind[Any, Any],
    params: Mapping[str, Any],
    args: argparse.Namespace,
    rate: float,
) -> int:
    """Print what a run did (JSON, the plan of a dry run, or the summary) and give its exit code."""
    summary = kind.summary(report, kind.parse(params))
    dry_run = bool(getattr(args, "dry_run", False))
    counts = this_run(report)  # a resume or a retry: the summary counts the whole job
    if args.json:
        print(json_text(summary if counts is None else {**summary, "this_run": counts}))
    elif report.plan is not None and not report.plan.steps:
        print_nothing_to_do(report, dry_run)
    elif dry_run:
        print_plan(report, rate)
    else:
        for line in kind.summary_text(report, summary):  # Notion's text in it is escaped already
            print(line)
        share = this_run_line(report)
        if share is not None:
            print(share)
    if report.status == "failed" and report.error:
        say(f"error: job {report.job_id}: {report.error}")
    return exit_code(report)


def _doing(args: argparse.Namespace) -> str:
    return "planning a dry run" if args.dry_run else "planning, then executing"


# ---- run KIND ---------------------------------------------------------------------------------------------


def run_kind(kind: JobKind[Any, Any], args: argparse.Namespace) -> int:
    """`paydesk run KIND …`: read its parameters and setup, then plan (and execute unless --dry-run)."""
    try:
        params = kind.parse(args)
    except InvalidParams as err:
        raise CliError(str(err)) from None
    config, db = load_settings(args)
    try:
        setup = kind.setup(config, os.environ)
    except ConfigError as err:
        raise CliError(f"{config.source}: {err}") from None
    spec = kind.spec(params)
    job_id = new_job_id(spec.kind)
    say(f"job {job_id} ({kind.title(params)}): {_doing(args)}")

    async def body(rt: Runtime, progress: JobProgress) -> JobReport:
        return await kind.run(
            rt,
            params,
            setup,
            dry_run=args.dry_run,
            job_id=job_id,
            progress=progress,
            allow_over_limit=args.allow_over_limit,
        )

    report = run_engine(config, db, body, job_id=job_id, secrets=kind.secrets(setup))
    return report_run(report, kind, spec.params, args, config.notion.rate)

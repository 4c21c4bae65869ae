"""`paydesk run commit`, `show`, `cancel`, `resume`, `retry` and `doctor`: the engine, headless.

Exit codes: 0 all done, 2 some items failed (or were blocked, or are in doubt), 1 could not run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import trio

from console.commands.log_cmds import open_log
from console.errors import CliError
from console.paths import default_config_path, default_db_path
from engine.commit_job import commit_params, commit_planner, commit_spec, commit_summary
from engine.commit_plan import CommitParams
from engine.config import Config, ConfigError, clamp_workers, load_config, parse_workers
from engine.failures import NotionFailure
from engine.gateway import open_gateway
from engine.generate_job import generate_params, generate_planner, generate_spec, generate_summary
from engine.generate_plan import GenerateParams
from engine.jobs import JobRefused, JobReport, check_workspace, resume_job, retry_job, run_job
from engine.llm import LLMSummarizer, llm_settings, open_chat_client
from engine.locks import effective_status
from engine.progress import JobProgress
from engine.runtime import Runtime, current_operator, open_runtime
from engine.sync_job import sync_params, sync_planner, sync_spec, sync_summary
from engine.sync_work import SyncParams
from engine.workspace_spec import TITLES
from eventlog import GroupCommitWriter, JobCancelRequested, JobFinished, LogFileError

EXIT_OK, EXIT_COULD_NOT_RUN, EXIT_SOME_FAILED = 0, 1, 2
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # not \d, which takes any Unicode digit


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    run = subparsers.add_parser("run", help="run a job (commit, …) against the workspace")
    kinds = run.add_subparsers(dest="kind", metavar="KIND")
    commit = kinds.add_parser(
        "commit",
        help="mark a batch's payables and their payout items, splits and refunds Paid",
        description="Preload the batch, plan every write (children first), then execute exactly that plan. "
        "A payable is marked Paid only when all of its payout items, splits and refunds are.",
    )
    commit.add_argument("--month", required=True, help="work month, YYYY-MM")
    commit.add_argument("--batch", required=True, type=int, choices=(1, 15), help="payday batch: 1 or 15")
    commit.add_argument("--contractor", metavar="NAME", help="only this contractor's payables")
    commit.add_argument(
        "--invoice-ids", metavar="ID,…", help="only these payables (Invoice IDs, comma-separated)"
    )
    _common_run_options(commit)
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
    generate.add_argument("--contractor", metavar="NAME", help="only this contractor")
    _common_run_options(generate)
    generate.set_defaults(handler=run_generate)

    sync = kinds.add_parser(
        "sync",
        help="sync the task order log from the month's reviewed project updates",
        description="Group the month's reviewed updates by contractor and project; find or create each "
        "contractor's Order and create or update its line items (only where hours or sources changed).",
    )
    sync.add_argument("--month", required=True, help="work month, YYYY-MM")
    sync.add_argument("--batch", type=int, choices=(1, 15), help="only contractors paid on this day")
    sync.add_argument("--contractor", metavar="NAME", help="only this contractor")
    sync.add_argument(
        "--force", action="store_true", help="use every update of the month, whatever its status"
    )
    sync.add_argument("--hours-only", action="store_true", help="update hours only; keep Proof of Works")
    _common_run_options(sync)
    sync.set_defaults(handler=run_sync)
    run.set_defaults(handler=lambda args: _missing_kind(run))

    show = subparsers.add_parser("show", help="a job's items and steps with their outcomes")
    show.add_argument("job", metavar="JOB")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)

    cancel = subparsers.add_parser("cancel", help="ask a running job to stop (it can be resumed)")
    cancel.add_argument("job", metavar="JOB")
    cancel.add_argument("--reason", default="", help="why, for the audit trail")
    cancel.add_argument("--json", action="store_true", help="print JSON")
    cancel.set_defaults(handler=run_cancel)

    resume = subparsers.add_parser(
        "resume", help="finish a job that stopped, or execute a dry run's stored plan"
    )
    resume.add_argument("job", metavar="JOB")
    _common_run_options(resume, dry_run=False)
    resume.set_defaults(handler=run_resume)

    retry = subparsers.add_parser("retry", help="run a job's failed and blocked steps again")
    retry.add_argument("job", metavar="JOB")
    retry.add_argument(
        "--item", action="append", default=[], metavar="KEY", help="only this item (repeatable)"
    )
    retry.add_argument("--reason", default="", help="why, for the audit trail")
    _common_run_options(retry, dry_run=False)
    retry.set_defaults(handler=run_retry)

    doctor = subparsers.add_parser("doctor", help="check the configuration, the token and every data source")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(handler=run_doctor)


def _missing_kind(parser: argparse.ArgumentParser) -> int:
    raise CliError("say which job to run, e.g. `paydesk run commit --month 2026-01 --batch 15`")


def _common_run_options(parser: argparse.ArgumentParser, *, dry_run: bool = True) -> None:
    if dry_run:
        parser.add_argument("--dry-run", action="store_true", help="plan and store the plan; write nothing")
    parser.add_argument("--workers", metavar="N", help="worker pool size, 1-20 (default from config: 5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


# ---- shared plumbing ------------------------------------------------------------------------------------


def load_settings(args: argparse.Namespace) -> tuple[Config, Path]:
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
    return config, default_db_path(args.db)


def parse_month(text: str) -> str:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CliError(f"--month must be YYYY-MM with a month from 01 to 12, e.g. 2026-01 (got {text!r})")
    return text.strip()


def with_runtime(
    config: Config,
    db: Path,
    body: Callable[[Runtime, JobProgress], Awaitable[JobReport]],
    *,
    secrets: tuple[str, ...] = (),
) -> JobReport:
    """Run `body` in a fresh engine; in a terminal, draw its progress on stderr while it runs."""

    async def main() -> JobReport:
        progress = JobProgress()
        async with open_runtime(config, db, secrets=secrets) as rt, trio.open_nursery() as nursery:
            if sys.stderr.isatty():
                nursery.start_soon(_draw, progress)
            try:
                return await body(rt, progress)
            finally:
                nursery.cancel_scope.cancel()
                if sys.stderr.isatty() and progress.total:
                    print(f"\r{progress.line()}", file=sys.stderr)

    try:
        return trio.run(main)
    except BaseExceptionGroup as group:  # trio's nurseries wrap what crosses them
        error = sole_exception(group)
        if isinstance(error, JobRefused):
            raise CliError(str(error)) from None
        if isinstance(error, LogFileError):
            raise CliError(f"{error}; point --db at the right file") from None
        raise
    except JobRefused as err:
        raise CliError(str(err)) from None
    except LogFileError as err:
        raise CliError(f"{err}; point --db at the right file") from None


def sole_exception(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    """The one exception inside (possibly nested) groups, or None when there are several."""
    found: BaseException = group
    while isinstance(found, BaseExceptionGroup):
        if len(found.exceptions) != 1:
            return None
        found = found.exceptions[0]
    return found


async def _draw(progress: JobProgress) -> None:
    while True:
        if progress.total:
            print(f"\r{progress.line()}", end="", file=sys.stderr, flush=True)
        await trio.sleep(0.2)


def _exit_code(report: JobReport) -> int:
    return EXIT_OK if report.status in ("completed", "planned") else EXIT_SOME_FAILED


# ---- run commit ------------------------------------------------------------------------------------------


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
    report = with_runtime(
        config,
        db,
        lambda rt, progress: run_job(
            rt, commit_spec(params), commit_planner(params), dry_run=args.dry_run, progress=progress
        ),
    )
    summary = commit_summary(report, params)
    if args.json:
        print(json.dumps(summary, indent=2))
    elif args.dry_run:
        print_plan(report, config.notion.rate)
    else:
        print_commit(summary)
    return _exit_code(report)


def print_plan(report: JobReport, rate: float) -> None:
    plan = report.plan
    assert plan is not None
    print(
        f"dry run {report.job_id}: nothing was written. "
        f"Execute this plan with `paydesk resume {report.job_id}`."
    )
    for item in plan.items:
        print(f"\n{item.label}  ({item.data.get('contractor') or 'no name'})")
        for step in item.steps:
            mark = "=" if step.at_target(step.before) else "→"
            label = step.label if len(step.label) <= 48 else step.label[:47] + "…"
            print(f"  {label:<48} {step.property}: {step.before} {mark} {step.after}")
    if plan.skips:
        print("\nskipped:")
        for skip in plan.skips:
            print(f"  {skip.label}: {skip.reason}")
    estimate = plan.estimate(rate)
    totals = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in sorted(plan.totals.items())) or "-"
    noun = f"{plan.items[0].kind}s" if plan.items else "items"
    print(
        f"\n{len(plan.items)} {noun}, {estimate['requests']:.0f} writes "
        f"(~{estimate['seconds']:.0f} s at {rate:g} requests/s); amounts {totals}"
    )


def print_commit(summary: dict[str, Any]) -> None:
    print(
        f"job {summary['job_id']}: {summary['status']} - {summary['updated']} payables paid, "
        f"{summary['skipped']} skipped, {summary['failed']} not paid"
    )
    for error in summary["errors"]:
        print(f"  ✗ {error['payable_id']}: {error['error']}")
    if summary["failed"]:
        print(f"fix the cause, then `paydesk retry {summary['job_id']}`")


# ---- run generate, run sync ---------------------------------------------------------------------------


def print_counts(report: JobReport, summary: dict[str, Any]) -> None:
    """One line: the job, its status and the summary's counts (generate, sync)."""
    counts = {k: v for k, v in summary.items() if isinstance(v, int) and k != "batch"}
    print(f"job {report.job_id}: {report.status} - " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def _finish(report: JobReport, summary: dict[str, Any], args: argparse.Namespace, rate: float) -> int:
    if args.json:
        print(json.dumps(summary, indent=2))
    elif args.dry_run:
        print_plan(report, rate)
    else:
        print_counts(report, summary)
        for error in summary.get("errors", []):
            print(f"  ✗ {error}")
    return _exit_code(report)


def run_generate(args: argparse.Namespace) -> int:
    params = GenerateParams(
        type=args.type, month=parse_month(args.month), batch=args.batch, contractor=args.contractor
    )
    config, db = load_settings(args)
    report = with_runtime(
        config,
        db,
        lambda rt, progress: run_job(
            rt, generate_spec(params), generate_planner(params), dry_run=args.dry_run, progress=progress
        ),
    )
    return _finish(report, generate_summary(report, params), args, config.notion.rate)


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

    async def body(rt: Runtime, progress: JobProgress) -> JobReport:
        if llm is None:
            return await run_job(
                rt, sync_spec(params), sync_planner(params), dry_run=args.dry_run, progress=progress
            )
        async with open_chat_client(llm) as chat:
            planner = sync_planner(params, LLMSummarizer(chat))
            return await run_job(rt, sync_spec(params), planner, dry_run=args.dry_run, progress=progress)

    secrets = (llm.api_key,) if llm is not None else ()
    report = with_runtime(config, db, body, secrets=secrets)
    return _finish(report, sync_summary(report, params), args, config.notion.rate)


# ---- show, cancel --------------------------------------------------------------------------------------


def run_show(args: argparse.Namespace) -> int:
    with open_log(args) as log:
        job = log.job(args.job) if log is not None else None
        if log is None or job is None:
            raise CliError(f"no job {args.job} in the log; `paydesk jobs` lists the jobs")
        items = log.items(args.job)
        steps = log.steps(args.job)
    if args.json:
        print(
            json.dumps(
                {
                    "job": dataclasses.asdict(job),
                    "items": [dataclasses.asdict(i) for i in items],
                    "steps": [dataclasses.asdict(s) for s in steps],
                },
                indent=2,
            )
        )
        return EXIT_OK
    print(f"{job.job_id}  {job.kind}  {job.status}  params {job.params}")
    by_item: dict[str, list[Any]] = {}
    for step in steps:
        by_item.setdefault(step.item_key, []).append(step)
    for item in items:
        print(f"\n{item.status:<10} {item.label or item.item_key}")
        for step in by_item.get(item.item_key, []):
            detail = step.last_error or step.reason or ""
            print(f"  {step.status:<10} {step.label or step.step_key}  {detail}")
    return EXIT_OK


def run_cancel(args: argparse.Namespace) -> int:
    path = default_db_path(args.db)
    with open_log(args) as log:
        job = log.job(args.job) if log is not None else None
    if job is None:
        raise CliError(f"no job {args.job} in the log; `paydesk jobs` lists the jobs")
    if job.status not in ("created", "planned", "running"):
        raise CliError(f"job {args.job} is {job.status}; there is nothing to cancel")
    operator = current_operator()
    events: list[Any] = [JobCancelRequested(job_id=args.job, operator=operator, reason=args.reason)]
    if effective_status(path, args.job, job.status) == "interrupted":  # nobody runs it: it ends here
        events.append(JobFinished(job_id=args.job, operator=operator, status="cancelled", error=None))
    with GroupCommitWriter(path) as writer:
        writer.submit(events).result()
    if args.json:
        print(json.dumps({"job_id": args.job, "cancel_requested": True, "reason": args.reason}))
    else:
        print(f"asked job {args.job} to stop; it finishes the writes already sent and can be resumed")
    return EXIT_OK


# ---- resume, retry -------------------------------------------------------------------------------------


def _print_report(report: JobReport, as_json: bool, kind: str, params: dict[str, Any]) -> None:
    if kind == "commit":
        summary = commit_summary(report, commit_params(params))
    elif kind == "generate":
        summary = generate_summary(report, generate_params(params))
    elif kind == "sync":
        summary = sync_summary(report, sync_params(params))
    else:
        summary = {"job_id": report.job_id, "status": report.status}
    if as_json:
        print(json.dumps(summary, indent=2))
    elif kind == "commit":
        print_commit(summary)
    else:
        print_counts(report, summary)


def _stored_job(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    with open_log(args) as log:
        job = log.job(args.job) if log is not None else None
    if job is None:
        raise CliError(f"no job {args.job} in the log; `paydesk jobs` lists the jobs")
    params: dict[str, Any] = json.loads(job.params)
    return job.kind, params


def run_resume(args: argparse.Namespace) -> int:
    kind, params = _stored_job(args)
    config, db = load_settings(args)
    report = with_runtime(config, db, lambda rt, progress: resume_job(rt, args.job, progress=progress))
    _print_report(report, args.json, kind, params)
    return _exit_code(report)


def run_retry(args: argparse.Namespace) -> int:
    kind, params = _stored_job(args)
    config, db = load_settings(args)
    report = with_runtime(
        config,
        db,
        lambda rt, progress: retry_job(
            rt, args.job, item_keys=args.item, reason=args.reason, progress=progress
        ),
    )
    _print_report(report, args.json, kind, params)
    return _exit_code(report)


# ---- doctor --------------------------------------------------------------------------------------------


def run_doctor(args: argparse.Namespace) -> int:
    config, _ = load_settings(args)

    async def main() -> list[str]:
        async with open_gateway(config.notion, config.token) as gateway:
            try:
                await gateway.me()
            except NotionFailure as failure:
                return [f"Notion refused the token or cannot be reached: {failure.describe()}"]
            return await check_workspace(gateway, config, list(TITLES), gateway.totals)

    problems = trio.run(main)
    if args.json:
        print(json.dumps({"ok": not problems, "problems": problems}, indent=2))
    elif problems:
        for problem in problems:
            print(f"✗ {problem}")
    else:
        print(f"✓ {config.source}: token accepted, all {len(TITLES)} data sources match what paydesk needs")
    return EXIT_COULD_NOT_RUN if problems else EXIT_OK

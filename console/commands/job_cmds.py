"""`paydesk show`, `cancel`, `resume`, `retry`, `discard` and `doctor`: working on jobs already in the log.

Exit codes: 0 all done, 2 some items failed (or were blocked, or are in doubt), 1 could not run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import trio

from console.commands.log_cmds import close_matches, open_log
from console.commands.output import add_job_argument
from console.commands.run_cmds import common_run_options, exit_code, load_settings, report_run
from console.commands.runner import run_engine
from console.errors import CliError
from console.paths import log_path
from engine import (
    KINDS,
    TITLES,
    InvalidParams,
    JobProgress,
    JobRefused,
    JobReport,
    Runtime,
    discard_job,
    doctor,
    effective_status,
    request_cancel,
    resume_job,
    retry_job,
    undecided,
)
from eventlog import EventLog, ItemRow, JobRow, StepRow, printable

EXIT_OK, EXIT_COULD_NOT_RUN = 0, 1


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    show = subparsers.add_parser("show", help="a job's items and steps with their outcomes")
    add_job_argument(show)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.add_argument(
        "--as-of",
        metavar="SEQ|TIME",
        help="the job as it was once event SEQ was recorded, or at TIME (ISO, UTC if no zone is given): "
        "rebuilt from the log's events alone",
    )
    show.set_defaults(handler=run_show)

    cancel = subparsers.add_parser("cancel", help="ask a running job to stop (it can be resumed)")
    add_job_argument(cancel)
    cancel.add_argument("--reason", default="", help="why, for the audit trail")
    cancel.add_argument("--json", action="store_true", help="print JSON")
    cancel.set_defaults(handler=run_cancel)

    resume = subparsers.add_parser(
        "resume",
        help="finish a job that stopped, or execute a dry run's stored plan",
        description="Reads, in batch, what changed in Notion since the plan was made, then writes only what "
        "the plan still needs: a record already at its target is skipped, a create whose source already has "
        "its page is skipped naming it, and a step whose assumptions no longer hold is blocked (plan again). "
        "A dry run's plan older than [engine] plan_max_age_minutes (default 60), or made before a job on an "
        "overlapping selection ran, is refused.",
    )
    add_job_argument(resume)
    common_run_options(resume, dry_run=False)
    resume.set_defaults(handler=run_resume)

    retry = subparsers.add_parser(
        "retry",
        help="run a job's failed and blocked steps again",
        description="Re-reads the targets in batch first, like resume; a parent is written only over "
        "children at their target now.",
    )
    add_job_argument(retry)
    retry.add_argument(
        "--item", action="append", default=[], metavar="KEY", help="only this item (repeatable)"
    )
    retry.add_argument("--reason", default="", help="why, for the audit trail")
    common_run_options(retry, dry_run=False, over_limit=False)
    retry.set_defaults(handler=run_retry)

    discard = subparsers.add_parser(
        "discard",
        help="throw away a dry run's plan that was never executed",
        description="The job is kept in the log (as discarded) but can no longer be resumed.",
    )
    add_job_argument(discard)
    discard.add_argument("--reason", default="", help="why, for the audit trail")
    discard.add_argument("--json", action="store_true", help="print JSON")
    discard.set_defaults(handler=run_discard)

    doctor = subparsers.add_parser("doctor", help="check the configuration, the token and every data source")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(handler=run_doctor)


def _known_job(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    with open_log(args) as log:
        job = log.job(args.job) if log is not None else None
        ids = [row.job_id for row in log.jobs()] if log is not None and job is None else []
    if job is None:
        raise CliError(
            f"no job {args.job} in the log{close_matches(args.job, ids)}; `paydesk jobs` lists them"
        )
    params: dict[str, Any] = json.loads(job.params)
    return job.kind, params


# ---- show, cancel, discard ---------------------------------------------------------------------------------


def run_show(args: argparse.Namespace) -> int:
    _known_job(args)
    if args.as_of is not None:
        return _show_as_of(args, _as_of_point(args.as_of))
    with open_log(args) as log:
        assert log is not None
        job = log.job(args.job)
        assert job is not None
        items = log.items(args.job)
        steps = log.steps(args.job)
    if args.json:
        _print_json(job, items, steps, {})
        return EXIT_OK
    _print_job(job, effective_status(log_path(args.db, args.config), job.job_id, job.status), items, steps)
    return EXIT_OK


def _as_of_point(text: str) -> int | datetime:
    """`--as-of`: an event's sequence number, or a time (naive: UTC)."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"--as-of takes an event number or an ISO time such as 2026-01-16T09:30 (UTC unless it names "
            f"its zone), not {printable(text)!r}"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _show_as_of(args: argparse.Namespace, point: int | datetime) -> int:
    """`show --as-of`: the job rebuilt from its events up to the one asked for (never its live rows)."""
    with open_log(args) as log:
        assert log is not None
        seq, recorded_at = _event_as_of(log, args.job, point)
        with log.as_of(seq, job_id=args.job) as view:
            job = view.job(args.job)
            assert job is not None  # the job's first event is at or before seq
            items = view.items(args.job)
            steps = view.steps(args.job)
    if args.json:
        _print_json(job, items, steps, {"as_of": {"seq": seq, "recorded_at": recorded_at}})
        return EXIT_OK
    print(f"as of event {seq} (recorded at {recorded_at})")
    _print_job(job, job.status, items, steps)  # the status the log gave then, not a lock looked at now
    return EXIT_OK


def _event_as_of(log: EventLog, job_id: str, point: int | datetime) -> tuple[int, str]:
    """The event `point` names (for a time, the job's last event recorded then) and when it was recorded;
    a CliError when the log has no such event or the job did not exist yet."""
    seqs = log.seqs_of_job(job_id)
    created, created_at = seqs[0], log.recorded_at(seqs[0])
    if isinstance(point, datetime):
        seq = log.seq_at(point, job_id)
        asked = point.astimezone(UTC).isoformat()
    else:
        seq, asked = point, f"event {point}"
        last = log.head().seq
        if seq > last:
            raise CliError(f"the log has no event {seq} yet: its last is event {last}")
    if seq < created:
        raise CliError(
            f"job {job_id} did not exist yet as of {asked}: it was created at event {created} ({created_at})"
        )
    recorded_at = log.recorded_at(seq)
    assert recorded_at is not None
    return seq, recorded_at


def _print_json(job: JobRow, items: list[ItemRow], steps: list[StepRow], head: dict[str, Any]) -> None:
    print(
        json.dumps(
            {
                **head,
                "job": dataclasses.asdict(job),
                "items": [dataclasses.asdict(i) for i in items],
                "steps": [dataclasses.asdict(s) for s in steps],
            },
            indent=2,
        )
    )


def job_title(job: JobRow) -> str:
    """What the job selects, in the words it was started with ("commit 2026-12 batch 15"); a job whose
    stored parameters its kind no longer reads shows them as they are stored."""
    kind = KINDS.get(job.kind)
    try:
        return kind.title(kind.parse(json.loads(job.params))) if kind else f"{job.kind} {job.params}"
    except (InvalidParams, ValueError, TypeError):
        return f"{job.kind} {job.params}"


def _print_job(job: JobRow, status: str, items: list[ItemRow], steps: list[StepRow]) -> None:
    print(f"{job.job_id}  {status}  {printable(job_title(job))}")
    if job.error:
        print(f"  {printable(job.error)}")
    by_item: dict[str, list[StepRow]] = {}
    for step in steps:
        by_item.setdefault(step.item_key, []).append(step)
    for item in items:
        print(f"\n{item.status:<10} {printable(item.label or item.item_key)}")
        if item.skip_reason:
            print(f"  {printable(item.skip_reason)}")
        for step in by_item.get(item.item_key, []):
            print(f"  {step.status:<10} {printable(step.label or step.step_key)}  {printable(_detail(step))}")


def _detail(step: StepRow) -> str:
    """Why a step is where it is: Notion's code with its message, or the reason it was skipped or blocked.
    What blocked or failed a step before a retry wrote it is history (in its events), not its state."""
    if step.status == "succeeded":
        return ""
    detail = step.last_error or step.reason or ""
    if step.last_error and step.error_code and step.error_code not in step.last_error:
        return f"{step.error_code}: {detail}"
    return detail


def run_cancel(args: argparse.Namespace) -> int:
    path = log_path(args.db, args.config)
    _known_job(args)
    with open_log(args) as log:
        assert log is not None
        job = log.job(args.job)
        assert job is not None
    if job.status not in ("created", "planned", "running"):
        raise CliError(f"job {args.job} is {job.status}; there is nothing to cancel")
    if job.status == "planned" and job.started_at is None:
        raise CliError(
            f"job {args.job} is a dry run nobody executed; `paydesk discard {args.job}` throws it away"
        )
    ended = request_cancel(path, job, reason=args.reason)  # a job nobody runs any more ends here
    if args.json:
        print(json.dumps({"job_id": args.job, "cancel_requested": True, "reason": args.reason}))
    elif ended:
        print(f"job {args.job} was not running (interrupted): it is cancelled now, and can be resumed")
    elif job.status == "created":  # still planning: it writes nothing, and keeps its plan
        print(
            f"asked job {args.job} to stop; it is still planning and stops before its first write "
            f"(`paydesk resume {args.job}` executes its plan later)"
        )
    else:
        print(f"asked job {args.job} to stop; it finishes the writes already sent and can be resumed")
    return EXIT_OK


def run_discard(args: argparse.Namespace) -> int:
    _known_job(args)
    config, db = load_settings(args)

    async def body(rt: Runtime, progress: JobProgress) -> JobReport:
        row = await discard_job(rt, args.job, args.reason)
        return JobReport(row.job_id, row.status)

    report = run_engine(config, db, body, job_id=args.job)
    if args.json:
        print(json.dumps({"job_id": report.job_id, "status": report.status, "reason": args.reason}))
    else:
        print(f"discarded job {report.job_id}: its plan can no longer be executed")
    return EXIT_OK


# ---- resume, retry ---------------------------------------------------------------------------------------


def run_resume(args: argparse.Namespace) -> int:
    kind, params = _known_job(args)
    config, db = load_settings(args)
    report = run_engine(
        config,
        db,
        lambda rt, progress: resume_job(
            rt, args.job, progress=progress, allow_over_limit=args.allow_over_limit, undecided=undecided
        ),
        job_id=args.job,
    )
    return _report(report, kind, params, args, config.notion.rate)


def run_retry(args: argparse.Namespace) -> int:
    kind, params = _known_job(args)
    config, db = load_settings(args)
    report = run_engine(
        config,
        db,
        lambda rt, progress: retry_job(
            rt, args.job, item_keys=args.item, reason=args.reason, progress=progress
        ),
        job_id=args.job,
    )
    return _report(report, kind, params, args, config.notion.rate)


def _report(
    report: JobReport, kind: str, params: dict[str, Any], args: argparse.Namespace, rate: float
) -> int:
    found = KINDS.get(kind)
    if found is None:
        print(json.dumps({"job_id": report.job_id, "status": report.status}) if args.json else report.status)
        return exit_code(report)
    return report_run(report, found, params, args, rate)


# ---- doctor ----------------------------------------------------------------------------------------------


def run_doctor(args: argparse.Namespace) -> int:
    config, _ = load_settings(args)

    problems = trio.run(doctor, config)
    if args.json:
        print(json.dumps({"ok": not problems, "problems": problems}, indent=2))
    elif problems:
        for problem in problems:
            print(f"✗ {printable(problem)}")
    else:
        print(f"✓ {config.source}: token accepted, all {len(TITLES)} data sources match what paydesk needs")
    return EXIT_COULD_NOT_RUN if problems else EXIT_OK


__all__ = ["JobRefused"]

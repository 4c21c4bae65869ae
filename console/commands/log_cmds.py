"""`paydesk jobs`, `export`, `verify` and `replay --check`: read-only commands on the event log.

They never create a log: a missing file is reported as "no event log yet" (an empty list, an export of
nothing, nothing to verify). A file that is not a paydesk log is one line of error and exit code 1; a
verification or replay check that finds a problem exits with code 2.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from console.errors import CliError
from console.paths import default_config_path, log_path
from engine import DEFAULT_PLAN_MAX_AGE, ConfigError, amount_text, display_status, exact_amount, load_config
from eventlog import (
    FORMATS,
    GENESIS_HASH,
    EventLog,
    ExportError,
    ExportHead,
    LogFileError,
    LogNotFound,
    NewerSchema,
    OlderSchema,
    Selection,
    SQLiteDatabaseError,
    SQLiteError,
    export_head,
    open_export_file,
    write_empty_export,
)

EXIT_OK = 0
EXIT_PROBLEM_FOUND = 2


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    jobs = subparsers.add_parser("jobs", help="list the jobs in the event log with their progress")
    jobs.add_argument("--json", action="store_true", help="print the jobs as a JSON list")
    jobs.set_defaults(handler=run_jobs)

    export = subparsers.add_parser(
        "export",
        help="export the event log (or part of it) as JSON Lines or CSV",
        description="Stream events in order, ending with a chain-head record for `verify --against`.",
    )
    export.add_argument("--format", choices=FORMATS, default="jsonl", help="output format (default: jsonl)")
    export.add_argument("--job", metavar="ID", help="only this job's events")
    export.add_argument("--from-seq", type=int, metavar="N", help="only events with sequence ≥ N")
    export.add_argument("--to-seq", type=int, metavar="N", help="only events with sequence ≤ N")
    export.add_argument(
        "--since", metavar="ISO", help="only events recorded at or after this time (UTC if naive)"
    )
    export.add_argument("--until", metavar="ISO", help="only events recorded before this time (UTC if naive)")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.set_defaults(handler=run_export)

    verify = subparsers.add_parser(
        "verify",
        help="recompute the hash chain and name the first broken event",
        description="Exit code 0: intact; 2: broken (the first broken sequence is named); 1: could not run.",
    )
    verify.add_argument(
        "--against", metavar="EXPORT", help="an earlier export: also prove nothing was removed"
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(handler=run_verify)

    replay = subparsers.add_parser(
        "replay",
        help="rebuild the projections into a scratch copy and compare them with the live ones",
        description="Exit code 0: identical; 2: differences found (listed); 1: could not run.",
    )
    replay.add_argument("--check", action="store_true", help="compare a rebuild with the live projections")
    replay.add_argument("--json", action="store_true", help="print the report as JSON")
    replay.set_defaults(handler=run_replay)


# --- opening the log ---------------------------------------------------------------------------------------


@contextmanager
def open_log(args: argparse.Namespace) -> Iterator[EventLog | None]:
    """The log named by --db (read-only), or None when there is none yet. Errors become one-line CliErrors."""
    path = log_path(args.db, args.config)
    try:
        log = EventLog(path, read_only=True)
    except LogNotFound:
        yield None
        return
    except (NewerSchema, OlderSchema) as err:
        raise CliError(str(err)) from None
    except LogFileError as err:
        raise CliError(f"{err}; point --db at the right file") from None
    except SQLiteError as err:
        raise CliError(f"cannot open {path} ({err})") from None
    try:
        yield log
    except SQLiteDatabaseError as err:
        said = " ".join(str(err).split())
        raise CliError(
            f"{path} is damaged or unreadable (SQLite says: {said}); point --db at the right file"
        ) from None
    finally:
        log.close()


def _no_log_note(args: argparse.Namespace) -> None:
    print(f"paydesk: no event log at {log_path(args.db, args.config)} yet", file=sys.stderr)


def close_matches(wanted: str, known: Sequence[str]) -> str:
    """ ", did you mean a, b?" for the known names closest to `wanted` ("" when none is close)."""
    found = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(found)}?)" if found else ""


def plan_max_age(args: argparse.Namespace) -> timedelta:
    """The configured age after which a dry run's plan expires (the default when no configuration loads)."""
    try:
        return load_config(default_config_path(args.config), require_token=False).plan_max_age
    except ConfigError:
        return DEFAULT_PLAN_MAX_AGE


# --- jobs -------------------------------------------------------------------------------------------------


def run_jobs(args: argparse.Namespace) -> int:
    with open_log(args) as log:
        jobs = [] if log is None else log.jobs()
        if log is None:
            _no_log_note(args)
    path = log_path(args.db, args.config)
    now, max_age = datetime.now(UTC), plan_max_age(args)
    for job in jobs:  # the log says running or planned; the lock and the plan's age tell the rest
        job.status = display_status(path, job, now, max_age)
    if args.json:
        print(json.dumps([_job_dict(job) for job in jobs], indent=2))
        return EXIT_OK
    if not jobs:
        print("no jobs yet")
        return EXIT_OK
    header = ("JOB", "KIND", "STATUS", "ITEMS", "DONE", "SKIPPED", "FAILED", "BLOCKED", "PENDING", "CREATED")
    rows = [
        (
            job.job_id,
            job.kind,
            job.status,
            str(job.items_total),
            str(job.items_succeeded),
            str(job.items_skipped),
            str(job.items_failed),
            str(job.items_blocked),
            str(job.items_pending + job.items_running),
            job.created_at or "",
        )
        for job in jobs
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def _job_dict(job: Any) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(job, name) for name in job.__dataclass_fields__}
    for name in ("params", "totals", "estimate"):
        if data[name] is not None:
            data[name] = json.loads(data[name])
    if isinstance(data["totals"], dict):  # amounts as decimal strings with their currency's minor digits
        data["totals"] = {
            currency: amount_text(exact_amount(value), currency).replace(",", "")
            for currency, value in data["totals"].items()
        }
    data["items_total"], data["steps_total"] = job.items_total, job.steps_total
    return data


# --- export -----------------------------------------------------------------------------------------------


def _parse_time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(
            f"{flag} {value!r} is not an ISO date or time (e.g. 2025-01-31 or 2025-01-31T12:00Z)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def run_export(args: argparse.Namespace) -> int:
    selection = Selection(
        job_id=args.job,
        from_seq=args.from_seq,
        to_seq=args.to_seq,
        since=_parse_time(args.since, "--since"),
        until=_parse_time(args.until, "--until"),
    )
    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not args.force:
        raise CliError(f"{output} already exists; pass --force to overwrite it or choose another -o")
    if output is not None and output.is_dir():
        raise CliError(f"-o {output} is a folder; name a file in it")
    if output is not None and not output.resolve().parent.is_dir():
        raise CliError(f"-o {output}: the folder {output.resolve().parent} does not exist")
    with open_log(args) as log:
        if log is None:
            _no_log_note(args)
        if args.job is not None and (log is None or log.job(args.job) is None):
            ids = [row.job_id for row in log.jobs()] if log is not None else []
            raise CliError(
                f"no job {args.job} in the log{close_matches(args.job, ids)}; `paydesk jobs` lists them"
            )
        if output is None:
            head = _export(log, sys.stdout, args.format, selection)
        else:
            # Written beside the target and renamed into place when complete: a failed export (a
            # damaged log found half-way) leaves no partial file behind.
            partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
            try:
                with open_export_file(partial) as file:
                    head = _export(log, file, args.format, selection)
                if output.exists() and not args.force:
                    raise CliError(
                        f"{output} already exists; pass --force to overwrite it or choose another -o"
                    )
                os.replace(partial, output)
            except OSError as err:
                raise CliError(f"cannot write {output} ({err.strerror}); choose another -o") from None
            finally:
                partial.unlink(missing_ok=True)
    if output is not None:
        print(f"exported {head.exported} events to {output} (chain head {head.head.seq})", file=sys.stderr)
    return EXIT_OK


def _export(log: EventLog | None, out: TextIO, fmt: str, selection: Selection) -> ExportHead:
    if log is not None:
        return log.export(out, "csv" if fmt == "csv" else "jsonl", selection)
    return write_empty_export(out, "csv" if fmt == "csv" else "jsonl")  # no log yet: an export of nothing


# --- verify -----------------------------------------------------------------------------------------------


def run_verify(args: argparse.Namespace) -> int:
    against = Path(args.against) if args.against else None
    if against is not None and not against.is_file():
        raise CliError(f"the export {against} does not exist; pass the file `paydesk export -o` wrote")
    try:
        with open_log(args) as log:
            report = _verify_missing(args, against) if log is None else log.verify(against).as_dict()
    except ExportError as err:
        raise CliError(f"{err}; pass a file written by `paydesk export`") from None
    if args.json:
        print(json.dumps(report, indent=2))
    elif report["ok"]:
        head = report["head"]
        print(f"ok: {report['checked']} events, chain head {head['seq']} {head['hash']}")
    else:
        where = f"event {report['first_broken']}" if report["first_broken"] is not None else "the log"
        label = "EXPORT CHANGED" if report.get("export_changed") else "BROKEN"
        print(f"{label} at {where}: {report['problem']}")
    return EXIT_OK if report["ok"] else EXIT_PROBLEM_FOUND


def _verify_missing(args: argparse.Namespace, against: Path | None) -> dict[str, Any]:
    _no_log_note(args)
    report: dict[str, Any] = {
        "ok": True,
        "checked": 0,
        "head": {"seq": 0, "hash": GENESIS_HASH},
        "first_broken": None,
        "problem": None,
    }
    if against is not None:
        seq = export_head(against).head.seq
        if seq > 0:
            report.update(
                ok=False,
                first_broken=1,
                problem=f"the log is missing but the export {against.name} holds events up to {seq}",
            )
    return report


# --- replay -----------------------------------------------------------------------------------------------


def run_replay(args: argparse.Namespace) -> int:
    if not args.check:
        raise CliError("replay only checks for now: run `paydesk replay --check`")
    with open_log(args) as log:
        if log is None:
            _no_log_note(args)
            report: dict[str, Any] = {"ok": True, "events": 0, "differences": [], "truncated": False}
        else:
            report = log.replay_check().as_dict()
    if args.json:
        print(json.dumps(report, indent=2))
    elif report["ok"]:
        print(f"ok: the projections match a rebuild from {report['events']} events")
    else:
        print(f"DIFFERENT: the projections do not match a rebuild from {report['events']} events")
        for line in report["differences"]:
            print(f"  {line}")
        if report["truncated"]:
            print("  … (more differences not shown)")
    return EXIT_OK if report["ok"] else EXIT_PROBLEM_FOUND

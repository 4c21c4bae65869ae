"""`paydesk ledger`: every money-relevant record the jobs planned or wrote, with amounts and outcomes, totals
per currency and outcome, the reconciliation of commit jobs, and the chain head (see engine's ledger)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from console.commands.log_cmds import open_log
from console.commands.output import add_job_argument
from console.errors import CliError
from console.paths import default_config_path
from engine import (
    LEDGER_COLUMNS,
    ConfigError,
    Ledger,
    NoSuchJob,
    build_ledger,
    job_page,
    ledger_summary,
    load_config,
)
from eventlog import neutral, open_export_file

EXIT_OK, EXIT_DIFFERENCES = 0, 2


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    ledger = subparsers.add_parser(
        "ledger",
        help="every amount the jobs planned or paid, with outcomes, totals and a reconciliation",
        description="One row per money-relevant record a job planned or wrote: job, item (invoice id or "
        "source), contractor, record, Notion page id and URL, property, before and after, amount, currency, "
        "outcome, Notion's request id, operator and time; then totals per currency and outcome, the "
        "reconciliation of commit jobs (each payable's Paid payouts against its Total and the plan's money; "
        "payouts in another currency than the payable's are converted at the configuration's [exchange] "
        "per_usd rates, rounded once to the cent) and the chain head. Exit code 2 when something does not "
        "reconcile.",
    )
    which = ledger.add_mutually_exclusive_group()
    which.add_argument("--job", metavar="ID", help="only this job")
    which.add_argument("--month", metavar="YYYY-MM", help="only the jobs of this work month")
    ledger.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="default: csv")
    ledger.add_argument("-o", "--output", metavar="FILE", help="write to FILE (0600; never overwritten)")
    ledger.set_defaults(handler=run_ledger)


def register_report(subparsers: argparse._SubParsersAction[Any]) -> None:
    report = subparsers.add_parser(
        "report",
        help="a job's report as one self-contained HTML page (totals, outcomes, failures, a chart)",
        description="Totals per currency and per contractor, outcomes, failures with Notion's reasons, a "
        "chart of progress and writes per second over the job's life, and the chain head; one HTML file "
        "that needs no network (0600; never overwritten).",
    )
    add_job_argument(report)
    report.add_argument("-o", "--output", metavar="FILE.html", required=True, help="the page to write")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    with open_log(args) as log:
        if log is None:
            raise CliError("there is no event log yet, so no job to report; run a job first")
        try:
            page = job_page(log, args.job)
        except NoSuchJob:
            raise CliError(f"no job {args.job} in the log; `paydesk jobs` lists them") from None
    path = Path(args.output)
    try:
        with open_export_file(path) as out:
            out.write(page)
    except FileExistsError:
        raise CliError(f"{path} already exists; nothing was overwritten; choose another -o") from None
    except OSError as err:
        raise CliError(f"cannot write {path} ({err.strerror}); choose another -o") from None
    print(f"report of {args.job} written to {path}", file=sys.stderr)
    return EXIT_OK


def run_ledger(args: argparse.Namespace) -> int:
    with open_log(args) as log:
        if log is None:
            raise CliError("there is no event log yet, so no ledger; run a job first")
        if args.job is not None and log.job(args.job) is None:
            raise CliError(f"no job {args.job} in the log; `paydesk jobs` lists them")
        ledger = build_ledger(log, job_id=args.job, month=args.month, per_usd=_exchange(args))
    if args.output is None:
        _write(ledger, sys.stdout, args.format)
    else:
        path = Path(args.output)
        try:
            with open_export_file(path) as out:
                _write(ledger, out, args.format)
        except FileExistsError:
            raise CliError(f"{path} already exists; nothing was overwritten; choose another -o") from None
        except OSError as err:
            raise CliError(f"cannot write {path} ({err.strerror}); choose another -o") from None
        print(f"ledger of {len(ledger.rows)} records written to {path}", file=sys.stderr)
    return EXIT_OK if ledger.reconciles else EXIT_DIFFERENCES


def _exchange(args: argparse.Namespace) -> Mapping[str, Decimal]:
    """The configuration's `[exchange] per_usd` (none when there is no configuration file)."""
    path = default_config_path(args.config)
    if not path.exists():
        return {}
    try:
        return load_config(path, require_token=False).per_usd
    except ConfigError as err:
        raise CliError(str(err)) from None


def _write(ledger: Ledger, out: TextIO, fmt: str) -> None:
    summary = ledger_summary(ledger)
    if fmt == "jsonl":
        for row in ledger.rows:
            out.write(
                json.dumps(dict(zip(LEDGER_COLUMNS, row.cells(), strict=True)), ensure_ascii=False) + "\n"
            )
        out.write(json.dumps({"summary": summary}, ensure_ascii=False) + "\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for row in ledger.rows:
        writer.writerow([neutral(cell) for cell in row.cells()])
    for line in summary:
        writer.writerow([neutral(line)])

"""`paydesk reconcile`: compare what the log recorded with Notion, then accept or restore each finding.

    paydesk reconcile --month 2026-01 [--batch 15] [--json]     find drift (exit 0: none, 2: drift found)
    paydesk reconcile --job JOB                                 the records of one job
    paydesk reconcile --accept RJOB [--item K …] --reason TEXT  adopt Notion's values
    paydesk reconcile --restore RJOB --reason TEXT              write the logged values back (the rest)

Finding runs the `reconcile` job kind as a dry run: nothing is written to Notion; its findings are the
items of its stored plan (each an event). Restoring executes that plan as `paydesk resume` does."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from console.commands.job_cmds import run_resume
from console.commands.output import json_text
from console.commands.run_cmds import load_settings
from console.commands.runner import run_engine
from console.errors import CliError
from engine import KINDS, InvalidParams, JobRefused, accept_findings, choose_restore, current_operator

EXIT_OK, EXIT_DRIFT = 0, 2


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="compare the records jobs touched with Notion; accept or restore each drift",
        description="Reads what the log last recorded of every record the chosen jobs touched, and every "
        "data source those records live in (paginated queries, never a read per record), and reports each "
        "drift: a value changed after paydesk wrote it, a write the log does not explain (Paid with no "
        "paydesk event), an amount changed after it was paid, a cascade broken by hand, a record gone. "
        "Nothing is written: --accept adopts Notion's value, --restore writes the logged values back "
        "(as a plan, with the usual checks). Exit code 0: no drift; 2: drift found; 1: could not run.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--job", metavar="JOB", help="the records this job planned or wrote")
    which.add_argument("--month", metavar="YYYY-MM", help="the records of the jobs of this work month")
    which.add_argument("--accept", metavar="RJOB", help="accept findings of this reconcile job")
    which.add_argument("--restore", metavar="RJOB", help="restore the findings of this reconcile job")
    parser.add_argument("--batch", type=int, choices=(1, 15), help="with --month: only this payday batch")
    parser.add_argument("--item", action="append", metavar="FINDING", help="with --accept: only these")
    parser.add_argument("--reason", default="", help="why (required with --accept and --restore)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run_reconcile)


def run_reconcile(args: argparse.Namespace) -> int:
    if args.accept:
        return _accept(args)
    if args.restore:
        return _restore(args)
    kind = KINDS["reconcile"]
    try:
        params = kind.parse({"job": args.job, "month": args.month, "batch": args.batch})
    except InvalidParams as err:
        raise CliError(str(err)) from None
    config, db = load_settings(args)
    report = run_engine(
        config,
        db,
        lambda rt, progress: kind.run(rt, params, None, dry_run=True, progress=progress),
        job_id="reconcile",
    )
    summary = kind.summary(report, params)
    if args.json:
        print(json_text(summary))
    else:
        for line in kind.summary_text(report, summary):
            print(line)
    return EXIT_DRIFT if summary["drift"] else EXIT_OK


def _accept(args: argparse.Namespace) -> int:
    _, db = load_settings(args)
    try:
        decided = accept_findings(db, args.accept, args.item, args.reason, current_operator())
    except JobRefused as err:
        raise CliError(str(err)) from None
    if args.json:
        print(json.dumps({"job_id": decided.job_id, "accepted": decided.items, "reason": args.reason}))
    else:
        names = ", ".join(decided.items) or "none left open"
        print(f"accepted Notion's values for {len(decided.items)} finding(s) of {decided.job_id}: {names}")
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    _, db = load_settings(args)
    try:
        decided = choose_restore(db, args.restore, args.reason, current_operator())
    except JobRefused as err:
        raise CliError(str(err)) from None
    print(f"restoring {len(decided.items)} finding(s) of {decided.job_id}", file=sys.stderr)
    return run_resume(argparse.Namespace(**{**vars(args), "job": args.restore, "allow_over_limit": False}))

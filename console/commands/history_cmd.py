"""`paydesk history PAGE_ID|INVOICE_ID`: everything paydesk ever planned, wrote, skipped or failed on one
Notion record across all jobs, in order, with operator, reason and request ids, and what the last reconcile
found (see engine's record history)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from console.commands.log_cmds import open_log
from console.errors import CliError
from engine import History, record_history
from eventlog import printable


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    history = subparsers.add_parser(
        "history",
        help="what paydesk ever did to one Notion record, across all jobs",
        description="Every event of every job about the record (a Notion page id, or an invoice id: the "
        "payable and the records under it): planned, sent, written, skipped, failed, with operator, "
        "reason and Notion's request id, in log order; drift accepted by an operator; and what the last "
        "reconcile that compared the record found.",
    )
    history.add_argument(
        "record",
        metavar="PAGE_ID|INVOICE_ID",
        help="a Notion page's id, or an invoice id (its payable and more)",
    )
    history.add_argument("--json", action="store_true", help="print the history as JSON")
    history.set_defaults(handler=run_history)


def run_history(args: argparse.Namespace) -> int:
    with open_log(args) as log:
        if log is None:
            raise CliError("there is no event log yet, so no history; run a job first")
        history = record_history(log, args.record)
    if not history.lines:
        raise CliError(
            f"the log holds nothing about {printable(args.record)}; give a Notion page id or an invoice id "
            "a job touched (`paydesk show JOB` lists them)"
        )
    if args.json:
        print(json.dumps(_as_json(history), ensure_ascii=False, indent=2))
    else:
        for line in history.text():
            print(line)
    return 0


def _as_json(history: History) -> dict[str, Any]:
    return {
        "record": history.key,
        "pages": history.pages,
        "events": [line.as_dict() for line in history.lines],
        "last_reconcile": history.state or None,
    }

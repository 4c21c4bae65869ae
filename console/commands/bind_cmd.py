"""`paydesk bind`: which paydesk log pays this workspace, and moving that on purpose.

A workspace is paid from one log: the first job of a log that writes marks the workspace (a line in the
payables data source's description), and jobs from any other log are refused, naming the owner. Moving the
workspace to another log is this command, run with the new log, and is recorded in both logs."""

from __future__ import annotations

import argparse
import json
from typing import Any

import trio

from console.commands.run_cmds import load_settings
from console.errors import CliError
from engine import Binding, LogLinked, NotBound, NotionFailure, bind_workspace, open_runtime
from eventlog import LogFileError, printable


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    bind = subparsers.add_parser(
        "bind",
        help="bind the workspace to this event log (the one log that pays it), or move it here",
        description="A workspace is paid from one event log: jobs from any other log are refused, naming "
        "the owner. Without options, binds an unbound workspace to this log (--db) and says who owns it. "
        "--take-over moves it here from another log: that log's jobs are then refused. Both logs record "
        "the move: this one at once, the other when it is at hand (--from, or the file the workspace's mark "
        "names on this machine) or else at its next job. A copy of a log (`paydesk log copy`, or the file "
        "copied) counts as another log here, so a log and its copy never both pay: take the workspace over "
        "on the copy to pay from it. The take-over is refused while a job still runs on the former log, "
        "when it is at hand.",
    )
    bind.add_argument("--take-over", action="store_true", help="move the workspace here from another log")
    bind.add_argument(
        "--from",
        dest="former",
        metavar="LOG",
        help="the former owner's log: record the move there, and refuse while a job runs on it",
    )
    bind.add_argument("--json", action="store_true", help="print the result as JSON")
    bind.set_defaults(handler=run_bind)


def run_bind(args: argparse.Namespace) -> int:
    if args.former is not None and not args.take_over:
        raise CliError("--from names the log a --take-over moves the workspace from; add --take-over")
    config, db = load_settings(args)

    async def main() -> Binding:
        async with open_runtime(config, db) as rt:
            return await bind_workspace(rt, take_over=args.take_over, former=args.former)

    try:
        binding = trio.run(main)
    except NotBound as err:
        raise CliError(str(err)) from None
    except NotionFailure as failure:
        raise CliError(f"Notion did not answer as expected: {failure.describe()}; try again") from None
    except (LogFileError, LogLinked) as err:
        raise CliError(str(err)) from None
    if args.json:
        print(json.dumps(_as_json(binding), ensure_ascii=False))
    else:
        print(_sentence(binding))
    return 0


def _sentence(binding: Binding) -> str:
    here = f"this log ({printable(binding.me.label)}, log {binding.me.log_id[:12]})"
    if not binding.moved:
        return f"the workspace is paid from {here}"
    before = binding.before
    if before is None:
        return f"the workspace is now paid from {here}"
    if before.log_id == binding.me.log_id and before.store is None:  # a mark older than stores, renewed
        return f"the workspace is paid from {here}, its mark now naming this copy of the log"
    recorded = "recorded in both logs" if binding.released else "the former log records it at its next job"
    if before.log_id == binding.me.log_id:
        where = f"the other copy of this log, at {printable(before.label)}"
        return f"the workspace moved to {here} from {where}; its jobs are refused from now on"
    return f"the workspace moved to {here} from {before.describe()}; {recorded}"


def _as_json(binding: Binding) -> dict[str, Any]:
    before = binding.before
    return {
        "log_id": binding.me.log_id,
        "store": binding.me.store,
        "label": binding.me.label,
        "moved": binding.moved,
        "previous": (
            {"log_id": before.log_id, "store": before.store, "label": before.label}
            if before and binding.moved
            else None
        ),
        "recorded_in_previous": binding.released,
    }

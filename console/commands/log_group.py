"""`paydesk log …`: commands on an event log as a whole. `log copy` moves a log to another place — typically
a SQLite file to the team's PostgreSQL database — with its hash chain intact (`eventlog.copy_log`).

A copy is one transaction on the target: it is complete and verified, or nothing of it was written. A
target that already holds the beginning of the log gets only the rest (a repeated copy is harmless); any
other non-empty target, a source that fails verification and a copy onto itself are refused in one line.
Exit codes: 0 copied (or nothing left to copy), 1 refused or could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from console.commands.runner import Stopped
from console.errors import CliError
from console.paths import default_db_path
from eventlog import (
    CopyProgress,
    CopyReport,
    EventLogError,
    Location,
    SQLiteError,
    copy_log,
    describe_location,
    is_url,
    printable,
)

EXIT_OK = 0
PHASES = {
    "verifying": "verifying the source",
    "copying": "copying",
    "rebuilding": "rebuilding the projections of",
    "checking": "verifying the copy:",
}

COPY_DESCRIPTION = """\
Copy every event of the log --from to --to exactly as stored (sequence numbers, times, payloads and
hashes), rebuild the copy's projections from those events and verify its chain. Either place is a SQLite
file or a postgresql:// URL (put the password in ~/.pgpass or $PGPASSWORD rather than in the URL; a
password given in the URL is never printed).

The copy is one transaction on --to: interrupted (Ctrl-C, a lost connection, a crash), it writes nothing.
--to must be empty, or hold the beginning of this very log (an earlier copy): then only the events written
since are copied, so running the copy again is safe, and tops the copy up. Refused, in one line and with
nothing written: a --to holding other events, a --from that fails `paydesk verify`, --from and --to
naming the same log.

The copy keeps the log's identity (its chain), in a store of its own: a workspace the log pays stays paid
from the old store, and the copy's jobs are refused, until `paydesk bind --take-over` on the copy moves it
there; from then on the old store's jobs are refused. So a log and its copy never both pay one workspace.
Stop paydesk on the old log before the last copy, then take the workspace over from the copy.
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    log = subparsers.add_parser(
        "log",
        help="commands on the event log as a whole (copy it to PostgreSQL or to a file)",
        description="Commands on an event log as a whole. See `paydesk log copy --help`.",
    )
    commands = log.add_subparsers(dest="log_command", metavar="COMMAND")
    copy = commands.add_parser(
        "copy",
        help="copy a log to another file or database, chain intact (e.g. a file to the team's PostgreSQL)",
        description=COPY_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    copy.add_argument(
        "--from",
        dest="source",
        metavar="FILE_OR_URL",
        help="the log to copy (default: the log the other commands use: --db, $PAYDESK_DB, [log] url, …)",
    )
    copy.add_argument(
        "--to",
        dest="target",
        metavar="FILE_OR_URL",
        required=True,
        help="where to copy it (empty, or an earlier copy)",
    )
    copy.add_argument("--json", action="store_true", help="print the report as JSON")
    copy.set_defaults(handler=run_copy)
    log.set_defaults(handler=lambda args: _missing_command())


def _missing_command() -> int:
    raise CliError("say what to do with the log, e.g. `paydesk log copy --to postgresql://host/paydesk`")


def run_copy(args: argparse.Namespace) -> int:
    source = _source(args)
    target = _target(args.target)
    drawing = sys.stderr.isatty()
    try:
        report = copy_log(source, target, progress=_draw if drawing else None)
    except EventLogError as err:
        raise CliError(str(err)) from None
    except SQLiteError as err:
        raise CliError(f"cannot copy {describe_location(source)} ({err})") from None
    except KeyboardInterrupt:
        raise Stopped(f"copy interrupted: nothing was written to {describe_location(target)}", 130) from None
    finally:
        if drawing:
            print(file=sys.stderr, flush=True)  # end the progress line
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(printable(_sentence(report)))
        print(
            printable(
                f"to pay a workspace from the copy: `paydesk --db {describe_location(target)} bind "
                "--take-over` (the old log's jobs are refused from then on)"
            )
        )
    return EXIT_OK


def _location(value: str) -> Location:
    return value if is_url(value) else Path(value)


def _source(args: argparse.Namespace) -> Location:
    """--from, else the log the other commands use (--db, $PAYDESK_DB, the configuration's `[log] url`)."""
    source = _location(args.source) if args.source else default_db_path(args.db, args.config)
    if isinstance(source, Path) and source.is_dir():
        raise CliError(f"--from {source} is a folder; name the log file in it")
    return source


def _target(value: str) -> Location:
    if is_url(value):
        return value
    path = Path(value)
    if path.is_dir():
        raise CliError(f"--to {path} is a folder; name a file in it, e.g. {path / 'paydesk.sqlite'}")
    if not path.resolve().parent.is_dir():
        raise CliError(f"--to {path}: the folder {path.resolve().parent} does not exist; create it first")
    return path


def _draw(progress: CopyProgress) -> None:
    what = PHASES.get(progress.phase, progress.phase)
    line = f"paydesk: {what} {progress.done:,}/{progress.total:,} events"
    print(f"\r{line}\x1b[K", end="", file=sys.stderr, flush=True)


def _sentence(report: CopyReport) -> str:
    head = f"chain head {report.head.seq} {report.head.hash}"
    if report.copied == 0:
        return (
            f"nothing to copy: {report.target} already holds all {report.events} events of "
            f"{report.source}; {head}"
        )
    before = f" after the {report.already_there} it held" if report.already_there else ""
    return (
        f"copied {report.copied} events from {report.source} to {report.target}{before}; {head}; the copy "
        f"verifies ({report.verified} events, {report.jobs} job{'' if report.jobs == 1 else 's'}) in "
        f"{report.seconds:.1f} s"
    )

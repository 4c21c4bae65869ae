"""The `paydesk` command line: one parser, subcommands registered by the modules in console.commands.

Every handler returns an exit code: 0 ok, 2 some items failed, 1 could not run. Errors the user can act on
are raised as `CliError` and printed as one line; nothing reaches the user as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from console import startup

_collecting = startup.begin()
try:  # most of a command's start-up is these imports: a Ctrl-C during them is an answer, not a traceback
    from console.commands import register_all  # (after startup.begin: see console.startup)
    from console.commands.runner import Stopped
    from console.errors import CliError
except KeyboardInterrupt:
    print("paydesk: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

startup.end(_collecting)

EXIT_OK = 0
EXIT_COULD_NOT_RUN = 1
EXIT_SOME_FAILED = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a Unix tool whose reader went away

DESCRIPTION = """\
paydesk runs payout jobs against a Notion workspace under one rate limit and records every
read, write, skip and failure in a local SQLite event log that can be resumed, retried,
verified and exported.
"""

EPILOG = """\
environment:
  PAYDESK_DB       path of the event log (default: a file in your user data directory)
  PAYDESK_CONFIG   path of the workspace configuration (TOML)
  NOTION_TOKEN     the Notion integration token (never passed on the command line)

exit codes: 0 ok, 2 some items failed, 1 could not run, 130/143 stopped by Ctrl-C/SIGTERM
(the job is interrupted; `paydesk resume JOB` finishes it).
"""


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line and exit code 1."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="paydesk",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", metavar="PATH", help="event log file (default: $PAYDESK_DB or user data dir)")
    parser.add_argument("--config", metavar="FILE", help="workspace configuration (TOML)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    register_all(subparsers)
    lead_with_help(subparsers)
    return parser


def lead_with_help(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Start each subcommand's own `--help` with the line `paydesk --help` lists it by (argparse shows it
    only in the list), unless its description starts as that line does; nested commands (`run commit`) too."""
    for listed in subparsers._choices_actions:
        command = subparsers.choices[listed.dest]
        said = (command.description or "").casefold().split(maxsplit=1)
        if listed.help and said[:1] != listed.help.casefold().split(maxsplit=1)[:1]:  # not said already
            lead = f"{listed.help[:1].upper()}{listed.help[1:]}."
            command.description = f"{lead} {command.description}" if command.description else lead
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                lead_with_help(action)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # one more Ctrl-C while the outcome was being said
        print("paydesk: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return EXIT_OK
        code: int = handler(args)
        return code
    except CliError as err:
        print(f"paydesk: error: {err}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    except Stopped as stop:
        print(f"paydesk: {stop}", file=sys.stderr)
        return stop.code
    except KeyboardInterrupt:
        print("paydesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as err:  # the last line of defence: never a traceback
        print(f"paydesk: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN


def _quiet_stdout() -> None:
    """The reader of our output went away (`paydesk jobs | head`): point standard output at /dev/null so
    that the interpreter's last flush does not complain either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()

"""`paydesk console`: the operator console (Textual) on a configured workspace."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.errors import CliError
from console.paths import default_config_path, log_path
from engine import Config, ConfigError, load_config
from eventlog import Location


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    console = subparsers.add_parser(
        "console",
        help="the operator console: jobs, plans, live progress, retries and the audit trail",
        description="Open the Textual operator console on the configured workspace and event log. "
        "The engine runs inside the console; quitting mid-job records the job as interrupted (resumable).",
    )
    console.add_argument("--read-only", action="store_true", help="look, never write (no engine is started)")
    console.add_argument("--month", help="work month the New job screen proposes (default: this month)")
    console.set_defaults(handler=run_console)


def run_console(args: argparse.Namespace) -> int:
    db = log_path(args.db, args.config)
    config: Config | None = None
    config_path = default_config_path(args.config)
    try:
        config = load_config(config_path)
    except ConfigError as err:
        if not args.read_only:
            raise CliError(str(err)) from None
    if args.read_only and isinstance(db, Path) and not db.exists():
        raise CliError(f"no event log at {db}; pass --db PATH or set PAYDESK_DB")
    return open_console(config, db, read_only=args.read_only, month=args.month)


def open_console(
    config: Config | None, db: Location, *, read_only: bool = False, month: str | None = None
) -> int:
    """Run the console until the operator quits; its exit code (1 when the engine crashed)."""
    from console.app import ConsoleSettings, PaydeskApp  # Textual loads only for the console

    settings = ConsoleSettings(
        db_path=db,
        config=config,
        read_only=read_only,
        default_month=month or datetime.now(UTC).strftime("%Y-%m"),
    )
    app = PaydeskApp(settings)
    app.run()
    return app.return_code or 0

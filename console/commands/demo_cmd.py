"""`paydesk demo`: the seeded demo workspace, served locally, ready to be driven.

The workspace lives in the user's data directory (`<data dir>/demo/`) and is kept between runs; `--reset`
rebuilds it. Until the console lands, the command serves the sandbox and prints the commands to try in
another terminal.
"""

from __future__ import annotations

import argparse
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trio

from console.errors import CliError
from console.paths import demo_dir
from sandbox.demo.shape import SIZES
from sandbox.options import DEFAULT_TOKEN, SandboxOptions
from sandbox.serve import ServeError, ServeSettings, check_settings, serve_sandbox

DEMO_PORT = 8765


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="serve the local demo workspace (no Notion account needed) and show how to use it",
        description="Seeds a demo payout workspace into a local Notion-compatible sandbox the first time, "
        "then serves it with Notion's rate limit until Ctrl-C.",
    )
    demo.add_argument("--size", choices=tuple(SIZES), default="small", help="workspace size (default: small)")
    demo.add_argument("--reset", action="store_true", help="throw the demo workspace and its log away first")
    demo.add_argument("--port", type=int, default=DEMO_PORT, help=f"port to serve on (default: {DEMO_PORT})")
    demo.set_defaults(handler=run_demo)


def _month_file(home: Path) -> Path:
    return home / "month"


def run_demo(args: argparse.Namespace) -> int:
    home = demo_dir()
    if args.reset and home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    month_file = _month_file(home)
    month = month_file.read_text().strip() if month_file.exists() else datetime.now(UTC).strftime("%Y-%m")
    month_file.write_text(month + "\n")
    config = home / "paydesk.toml"
    token = os.environ.get("NOTION_TOKEN") or DEFAULT_TOKEN
    settings = ServeSettings(
        data_dir=home / "sandbox",
        options=SandboxOptions(token=token, rps=3.0, burst=3),
        port=args.port,
        seed="demo",
        size=args.size,
        month=month,
        write_config=config,
    )

    def announce(line: str) -> None:
        print(guide(line, config, home / "paydesk.sqlite", month, token), flush=True)

    try:
        check_settings(settings)
        trio.run(lambda: serve_sandbox(settings, announce=announce))
    except ServeError as err:
        raise CliError(str(err)) from None
    except BaseExceptionGroup as group:
        found: BaseException | None = group.split(ServeError)[0]
        while isinstance(found, BaseExceptionGroup):
            found = found.exceptions[0]
        if isinstance(found, ServeError):
            raise CliError(str(found)) from None
        raise
    print("demo sandbox stopped; the workspace is kept (`paydesk demo --reset` rebuilds it)")
    return 0


def guide(ready: str, config: Path, db: Path, month: str, token: str) -> str:
    env = f"export PAYDESK_CONFIG={config} PAYDESK_DB={db}"
    if token == DEFAULT_TOKEN:
        env += f" NOTION_TOKEN={DEFAULT_TOKEN}"
    return f"""{ready}

The demo payout workspace for {month} is up, with Notion's rate limit (3 requests/s).
The operator console is on its way; meanwhile drive paydesk from another terminal:

  {env}
  paydesk doctor                                            # token and schema check
  paydesk run commit --month {month} --batch 15 --dry-run   # the plan: every write, skips, totals
  paydesk resume <JOB>                                      # execute exactly that plan
  paydesk run commit --month {month} --batch 1              # or plan and execute in one go
  paydesk jobs                                              # the jobs in the log
  paydesk show <JOB>                                        # items and steps with their outcomes
  paydesk export --format jsonl -o audit.jsonl              # the audit trail
  paydesk verify --against audit.jsonl                      # nothing changed since that export

Ctrl-C stops the sandbox; the workspace is kept (`paydesk demo --reset` rebuilds it)."""

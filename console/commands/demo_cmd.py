"""`paydesk demo`: the seeded demo workspace, served locally, with the console open on it.

The workspace lives in the user's data directory (`<data dir>/demo/`) and is kept between runs; `--reset`
rebuilds it. The sandbox runs as a separate process (`paydesk sandbox serve`), so its SQLite never
blocks the console's loop; it stops when the console closes. `--serve-only` just serves the sandbox and
prints the commands to try in another terminal.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trio

from console.commands.console_cmd import open_console
from console.errors import CliError
from console.paths import demo_dir
from engine import ConfigError, load_config
from sandbox.demo.shape import SIZES
from sandbox.options import DEFAULT_TOKEN, SandboxOptions
from sandbox.serve import ServeError, ServeSettings, check_settings, serve_sandbox

DEMO_PORT = 8765


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="the console on a local demo workspace (no Notion account needed)",
        description="Seeds a demo payout workspace into a local Notion-compatible sandbox the first time, "
        "serves it with Notion's rate limit, and opens the console on it (`--serve-only`: serve until "
        "Ctrl-C and print how to drive it from another terminal).",
    )
    demo.add_argument("--size", choices=tuple(SIZES), default="small", help="workspace size (default: small)")
    demo.add_argument("--reset", action="store_true", help="throw the demo workspace and its log away first")
    demo.add_argument(
        "--port", type=int, help=f"port to serve on (default: any free port; {DEMO_PORT} with --serve-only)"
    )
    demo.add_argument("--serve-only", action="store_true", help="serve the sandbox only; no console")
    demo.set_defaults(handler=run_demo)


def _month_file(home: Path) -> Path:
    return home / "month"


def _prepare(args: argparse.Namespace) -> tuple[Path, str, str]:
    """The demo home (reset if asked), its work month (kept between runs) and the sandbox token."""
    home = demo_dir()
    if args.reset and home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    month_file = _month_file(home)
    month = month_file.read_text().strip() if month_file.exists() else datetime.now(UTC).strftime("%Y-%m")
    month_file.write_text(month + "\n")
    return home, month, os.environ.get("NOTION_TOKEN") or DEFAULT_TOKEN


def run_demo(args: argparse.Namespace) -> int:
    if not args.serve_only:
        return run_demo_console(args)
    home, month, token = _prepare(args)
    config = home / "paydesk.toml"
    settings = ServeSettings(
        data_dir=home / "sandbox",
        options=SandboxOptions(token=token, rps=3.0, burst=3),
        port=DEMO_PORT if args.port is None else args.port,
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
Drive it from another terminal (`paydesk console` there opens the operator console on it):

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


READY = "paydesk sandbox serving at"
START_LIMIT_S = 120.0


def run_demo_console(args: argparse.Namespace) -> int:
    """Serve the demo sandbox in a child process, then run the console on it until the operator quits."""
    home, month, token = _prepare(args)
    config_path = home / "paydesk.toml"
    log_path = home / "sandbox.log"
    command = [
        sys.executable,
        "-m",
        "console.cli",
        "sandbox",
        "serve",
        "--seed",
        "demo",
        "--size",
        args.size,
        "--month",
        month,
        "--data",
        str(home / "sandbox"),
        "--port",
        str(args.port or 0),
        "--rps",
        "3",
        "--burst",
        "3",
        "--write-config",
        str(config_path),
    ]
    env = {**os.environ, "NOTION_TOKEN": token}
    with log_path.open("wb") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_ready(child, log_path)
        try:
            config = load_config(config_path, env)
        except ConfigError as err:
            raise CliError(str(err)) from None
        return open_console(config, home / "paydesk.sqlite", month=month)
    finally:
        _stop(child)


def _wait_ready(child: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_LIMIT_S
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if READY in text:
            return
        if child.poll() is not None:
            last = text.strip().splitlines()[-1] if text.strip() else f"exit code {child.returncode}"
            raise CliError(f"the demo sandbox did not start: {last} (log: {log_path})")
        time.sleep(0.05)
    raise CliError(f"the demo sandbox did not start within {START_LIMIT_S:.0f} s (log: {log_path})")


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

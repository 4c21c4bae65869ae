"""`paydesk sandbox serve`: a local Notion-compatible API server, optionally seeded with the demo workspace.

The token defaults to $NOTION_TOKEN, else the sandbox's own default; `--token` is accepted here (and only
here) because the sandbox is a local fake, not a real integration.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from console import paths
from console.errors import CliError
from sandbox.options import DEFAULT_TOKEN, SandboxOptions
from sandbox.serve import (
    DEFAULT_PORT,
    DEFAULT_RPS,
    SEEDS,
    ServeError,
    ServeSettings,
    current_month,
    run_serve,
)

EPILOG = """\
examples:
  paydesk sandbox serve --seed demo --write-config paydesk.toml
  paydesk sandbox serve --port 9000 --rps 0 --latency-ms 120 --jitter-ms 60
  paydesk sandbox serve --faults 500:0.05,503:0.02,429:0.02,timeout:0.01,reset:0.01 --random-seed 7

admin routes (no token needed): GET /_sandbox/stats, POST /_sandbox/stats/reset,
GET|POST /_sandbox/faults ({"spec", "random_seed", "query_lag_ms", "targeted"}).
Stop with Ctrl-C or SIGTERM.
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    sandbox = subparsers.add_parser(
        "sandbox", help="a local Notion-compatible API server for demos and tests"
    )
    commands = sandbox.add_subparsers(dest="sandbox_command", metavar="COMMAND")
    sandbox.set_defaults(handler=lambda args: _print_help(sandbox))
    serve = commands.add_parser(
        "serve",
        help="serve the sandbox until interrupted",
        description="Serve a local Notion-compatible API (Notion-Version 2025-09-03) until SIGINT/SIGTERM.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--data", metavar="DIR", help="sandbox data directory (default: 'sandbox' in the paydesk data dir)"
    )
    serve.add_argument(
        "--token", help="integration token to accept (default: $NOTION_TOKEN or the sandbox's)"
    )
    serve.add_argument("--seed", choices=SEEDS, help="seed this workspace when the data directory has none")
    serve.add_argument("--size", default="small", help="demo size: small, medium or large (default small)")
    serve.add_argument("--month", help="demo work month YYYY-MM (default: the current month)")
    serve.add_argument(
        "--rps",
        type=float,
        default=DEFAULT_RPS,
        help=f"requests/s per token (default {DEFAULT_RPS:g}; 0: off)",
    )
    serve.add_argument(
        "--burst", type=int, default=3, help="bucket size: requests allowed in one burst (default 3)"
    )
    serve.add_argument("--latency-ms", type=float, default=0.0, help="fixed delay per request (default 0)")
    serve.add_argument(
        "--jitter-ms", type=float, default=0.0, help="extra random delay, up to this (default 0)"
    )
    serve.add_argument(
        "--faults", default="", metavar="SPEC", help="e.g. 500:0.05,429:0.02,timeout:0.01,reset:0.01"
    )
    serve.add_argument("--query-lag-ms", type=int, default=0, help="hide new pages from queries this long")
    serve.add_argument("--random-seed", type=int, default=0, help="seed for faults, jitter and demo data")
    serve.add_argument(
        "--write-config", metavar="FILE", help="write the paydesk configuration here (mode 0600)"
    )
    serve.set_defaults(handler=serve_command)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def settings_from_args(args: argparse.Namespace) -> ServeSettings:
    options = SandboxOptions(
        token=args.token or os.environ.get("NOTION_TOKEN") or DEFAULT_TOKEN,
        rps=args.rps,
        burst=args.burst,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        faults=args.faults,
        random_seed=args.random_seed,
        query_lag_ms=args.query_lag_ms,
    )
    return ServeSettings(
        data_dir=Path(args.data) if args.data else paths.data_dir() / "sandbox",
        options=options,
        host=args.host,
        port=args.port,
        seed=args.seed,
        size=args.size,
        month=args.month or current_month(),
        write_config=Path(args.write_config) if args.write_config else None,
    )


def serve_command(args: argparse.Namespace) -> int:
    try:
        return run_serve(settings_from_args(args))
    except ServeError as err:
        raise CliError(str(err)) from None

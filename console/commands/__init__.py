"""Subcommands of `paydesk`. Each module exposes `register(subparsers)`; handlers take the parsed
arguments and return an exit code."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands import (
    bind_cmd,
    console_cmd,
    demo_cmd,
    history_cmd,
    job_cmds,
    ledger_cmd,
    log_cmds,
    log_group,
    reconcile_cmd,
    run_cmds,
    sandbox_cmd,
)


def register_all(subparsers: argparse._SubParsersAction[Any]) -> None:
    log_cmds.register(subparsers)
    log_group.register(subparsers)
    ledger_cmd.register(subparsers)
    ledger_cmd.register_report(subparsers)
    run_cmds.register(subparsers)
    bind_cmd.register(subparsers)
    reconcile_cmd.register(subparsers)
    history_cmd.register(subparsers)
    job_cmds.register(subparsers)
    sandbox_cmd.register(subparsers)
    console_cmd.register(subparsers)
    demo_cmd.register(subparsers)

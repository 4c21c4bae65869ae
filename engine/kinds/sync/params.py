"""The sync job's parameters: the work month, and optionally a payday batch, a contractor, `force` (every
update, whatever its status) and `hours_only`; from the command line, the console or a stored job."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.kinds.base import batch_param, contractor_param, full_name, month_param
from engine.workspace.months import month_span


@dataclass(frozen=True)
class SyncParams:
    month: str  # "YYYY-MM"
    batch: int | None = None  # 1 or 15: only contractors whose active rate pays on that day
    contractor: str | None = None  # a contractor's Full Name
    force: bool = False  # every update of the month, whatever its status
    hours_only: bool = False  # no new summaries: existing line items keep their Proof of Works

    @property
    def compact(self) -> str:
        return self.month.replace("-", "")

    @property
    def last_day(self) -> str:
        return month_span(self.month)[1].isoformat()


def sync_params(params: Mapping[str, Any]) -> SyncParams:
    """`month`, optionally `batch`, `contractor`, `force` and `hours_only`."""
    return SyncParams(
        month=month_param(params),
        batch=batch_param(params, required=False),
        contractor=contractor_param(params),
        force=bool(params.get("force", False)),
        hours_only=bool(params.get("hours_only", False)),
    )


def add_sync_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", required=True, help="work month, YYYY-MM")
    parser.add_argument("--batch", type=int, choices=(1, 15), help="only contractors paid on this day")
    parser.add_argument(
        "--contractor", metavar="NAME", type=full_name, help="only this contractor (Full Name)"
    )
    parser.add_argument(
        "--force", action="store_true", help="use every update of the month, whatever its status"
    )
    parser.add_argument("--hours-only", action="store_true", help="update hours only; keep Proof of Works")

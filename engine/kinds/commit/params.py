"""The commit job's parameters: a month's payday batch (optionally one contractor's), or payables by invoice
id; from the command line, the console or a stored job."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.kinds.base import InvalidParams, batch_param, contractor_param, full_name, month_param


@dataclass(frozen=True)
class CommitParams:
    month: str  # "YYYY-MM"
    batch: int  # 1 or 15
    today: str  # "YYYY-MM-DD", the Payment Date written
    contractor: str | None = None
    invoice_ids: tuple[str, ...] = ()

    @property
    def period_start(self) -> str:
        return f"{self.month}-{self.batch:02d}"

    @property
    def payday(self) -> str:
        return f"{self.batch:02d}"


def commit_params(params: Mapping[str, Any]) -> CommitParams:
    """`month`, `batch`, optionally `contractor`, `invoice_ids` (a list, or ids separated by commas) and
    `today` (the Payment Date written; today when not given)."""
    month = month_param(params)
    given = params.get("invoice_ids")
    invoices = given.split(",") if isinstance(given, str) else (given or ())
    if isinstance(given, str) and not any(str(i).strip() for i in invoices):
        # Found walking: `--invoice-ids "$IDS"` with $IDS empty (or ",") planned the whole batch, as if the
        # option had been left out: a script meaning to pay a few payables would have paid them all.
        raise InvalidParams(
            f"--invoice-ids names no invoice (got {given!r}); give at least one Invoice ID, or leave the "
            "option out to take the whole batch"
        )
    batch = batch_param(params, required=True)
    assert batch is not None
    return CommitParams(
        month=month,
        batch=batch,
        today=str(params.get("today") or date.today().isoformat()),
        contractor=contractor_param(params),
        invoice_ids=tuple(str(i).strip() for i in invoices if str(i).strip()),
    )


def add_commit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", required=True, help="work month, YYYY-MM")
    parser.add_argument("--batch", required=True, type=int, choices=(1, 15), help="payday batch: 1 or 15")
    parser.add_argument(
        "--contractor", metavar="NAME", type=full_name, help="only this contractor's payables (Full Name)"
    )
    parser.add_argument(
        "--invoice-ids", metavar="ID,…", help="only these payables (Invoice IDs, comma-separated)"
    )

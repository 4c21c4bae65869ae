"""The generate job's parameters: the payout type, the work month, and optionally a payday batch (payroll)
and a contractor; from the command line, the console or a stored job."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.kinds.base import InvalidParams, batch_param, contractor_param, full_name, month_param

PAYOUT_TYPES = ("payroll", "refund", "invoice_split")


@dataclass(frozen=True)
class GenerateParams:
    type: str  # payroll, refund or invoice_split
    month: str  # "YYYY-MM"
    batch: int | None = None  # 1 or 15: only contractors whose rate pays on that day (payroll)
    contractor: str | None = None  # a contractor's Full Name

    def __post_init__(self) -> None:
        if self.type not in PAYOUT_TYPES:
            raise ValueError(f"unknown payout type {self.type!r}; known: {', '.join(PAYOUT_TYPES)}")

    @property
    def payday(self) -> str | None:
        return f"{self.batch:02d}" if self.batch is not None else None


def generate_params(params: Mapping[str, Any]) -> GenerateParams:
    """`type` (payroll, refund or invoice_split), `month`, optionally `batch` and `contractor`."""
    kind = str(params.get("type") or "")
    month = month_param(params)
    if kind not in PAYOUT_TYPES:
        raise InvalidParams(f"unknown payout type {kind!r}; known: {', '.join(PAYOUT_TYPES)}")
    return GenerateParams(
        type=kind,
        month=month,
        batch=batch_param(params, required=False),
        contractor=contractor_param(params),
    )


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", required=True, choices=PAYOUT_TYPES)
    parser.add_argument("--month", required=True, help="work month, YYYY-MM")
    parser.add_argument("--batch", type=int, choices=(1, 15), help="only contractors paid on this day")
    parser.add_argument(
        "--contractor", metavar="NAME", type=full_name, help="only this contractor (Full Name)"
    )

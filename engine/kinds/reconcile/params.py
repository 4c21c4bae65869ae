"""The reconcile job's parameters: the jobs whose records are compared with Notion — one job, or the jobs
of a work month (optionally of one payday batch)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.kinds.base import InvalidParams, batch_param, month_param


@dataclass(frozen=True)
class ReconcileParams:
    job: str | None = None
    month: str | None = None
    batch: int | None = None

    def describe(self) -> str:
        if self.job:
            return f"the records of job {self.job}"
        batch = f", batch {self.batch}" if self.batch else ""
        return f"the records of the jobs of {self.month}{batch}"


def reconcile_params(params: Mapping[str, Any]) -> ReconcileParams:
    """`job`, or `month` (and optionally `batch`)."""
    job = str(params.get("job") or "").strip() or None
    if job is not None:
        if params.get("month"):
            raise InvalidParams("--job and --month choose the records two ways; give one")
        return ReconcileParams(job=job)
    if not params.get("month"):
        raise InvalidParams("reconcile needs --job JOB or --month YYYY-MM (and optionally --batch 1|15)")
    return ReconcileParams(month=month_param(params), batch=batch_param(params, required=False))


def add_reconcile_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--job", metavar="JOB", help="the records this job planned or wrote")
    which.add_argument("--month", metavar="YYYY-MM", help="the records of the jobs of this work month")
    parser.add_argument("--batch", type=int, choices=(1, 15), help="with --month: only this payday batch")

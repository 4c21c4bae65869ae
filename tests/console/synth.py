"""Synthetic event logs for snapshots and benchmarks: commit-shaped jobs written straight through eventlog's
API with a fixed clock, so what the console shows of them is the same on every run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventlog import (
    Event,
    EventLog,
    GatewayStats,
    ItemPlanned,
    ItemSkipped,
    JobCreated,
    JobFinished,
    JobPlanned,
    JobStarted,
    PreloadCompleted,
    RetryRequested,
    StepFailed,
    StepPlanned,
    StepStarted,
    StepSucceeded,
)

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
OPERATOR = "ana"


class Ticking:
    """A clock that moves one second per call: deterministic recorded times."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


FAILURE = "Status is not a property that exists."


def commit_job(
    job_id: str,
    items: int,
    *,
    failing: int = 0,
    skipped: int = 1,
    message: str = FAILURE,
    job_error: str | None = None,
) -> Iterator[list[Event]]:
    """The events of one finished commit job of `items` payables (each: 1 split, 1 payout, the payable),
    of which the last `failing` have a payout that failed (400, Notion's `message`) and a payable left
    blocked — not recorded as blocked here, so they show as failed items. With `job_error`, the job ends
    failed with that error."""
    env = {"job_id": job_id, "operator": OPERATOR}
    yield [
        JobCreated(**env, kind="commit", params={"month": "2026-01", "batch": 15}, selection_key=job_id),
        PreloadCompleted(
            **env, data_source="payables", filter=None, pages=items, requests=1 + items // 100, ms=420
        ),
    ]
    batch: list[Event] = []
    for n in range(items):
        key = f"payable-{n:05d}"
        ienv = {**env, "item_key": key}
        split, payout, payable = (
            f"splits:s{n}:Status=Paid",
            f"payouts:p{n}:Status=Paid",
            f"payables:{key}:Payment Status=Paid",
        )
        batch.append(
            ItemPlanned(**ienv, label=f"INV-2026-{n:05d}", kind="payable", data={"total": 100.0 + n})
        )
        for step_key, source, label, deps in (
            (split, "splits", "invoice split", []),
            (payout, "payouts", f"payout Development work #{n}", [split]),
            (payable, "payables", "payable", [split, payout]),
        ):
            batch.append(
                StepPlanned(
                    **ienv,
                    step_key=step_key,
                    kind="update",
                    target=step_key.split(":")[1],
                    property="Status",
                    before="Pending",
                    after="Paid",
                    depends_on=deps,
                    data_source=source,
                    label=label,
                )
            )
        if len(batch) > 4000:
            yield batch
            batch = []
    for n in range(skipped):
        key = f"skipped-{n}"
        batch.append(ItemPlanned(**env, item_key=key, label=f"INV-SKIP-{n}", kind="payable", data={}))
        batch.append(
            ItemSkipped(**env, item_key=key, reason="payday mismatch: the active rate pays on the 01")
        )
    batch.append(
        JobPlanned(
            **env,
            items=items + skipped,
            steps=3 * items,
            totals={"USD": 100.0 * items},
            estimate={"requests": 3 * items, "seconds": float(items)},
        )
    )
    batch.append(JobStarted(**env, workers=5))
    yield batch
    batch = []
    for n in range(items):
        key = f"payable-{n:05d}"
        ienv = {**env, "item_key": key}
        split, payout, payable = (
            f"splits:s{n}:Status=Paid",
            f"payouts:p{n}:Status=Paid",
            f"payables:{key}:Payment Status=Paid",
        )
        fails = n >= items - failing
        batch.append(StepStarted(**ienv, step_key=split, attempt=1))
        batch.append(StepSucceeded(**ienv, step_key=split, value="Paid", request_id=f"req-s{n}"))
        batch.append(StepStarted(**ienv, step_key=payout, attempt=1))
        if fails:
            batch.append(
                StepFailed(
                    **ienv,
                    step_key=payout,
                    status=400,
                    code="validation_error",
                    message=message,
                    request_id=f"req-p{n}",
                    retryable=False,
                )
            )
        else:
            batch.append(StepSucceeded(**ienv, step_key=payout, value="Paid", request_id=f"req-p{n}"))
            batch.append(StepStarted(**ienv, step_key=payable, attempt=1))
            batch.append(StepSucceeded(**ienv, step_key=payable, value="Paid", request_id=f"req-q{n}"))
        if len(batch) > 4000:
            yield batch
            batch = []
    if failing:
        batch.append(RetryRequested(**env, items=[f"payable-{items - 1:05d}"], reason="console: 1 item(s)"))
    batch.append(GatewayStats(**env, reads=3, writes=3 * items, retries=0, throttles=1, wait_ms=1500))
    if job_error is not None:
        batch.append(JobFinished(**env, status="failed", error=job_error))
    else:
        batch.append(JobFinished(**env, status="completed_with_failures" if failing else "completed"))
    yield batch


def synthesize(db: Path, jobs: int = 3, items: int = 6, failing: int = 1) -> list[str]:
    """A log of `jobs` finished commit jobs of `items` items each; returns their ids, oldest first."""
    ids = [f"commit-20260115-{n:04d}" for n in range(jobs)]
    with EventLog(db, clock=Ticking()) as log:
        for index, job_id in enumerate(ids):
            for batch in commit_job(job_id, items, failing=failing if index == jobs - 1 else 0):
                log.append(batch)
    return ids

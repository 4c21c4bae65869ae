"""Every kind of job paydesk runs, one folder each, behind one registry.

    kind = KINDS["commit"]
    params = kind.parse({"month": "2026-01", "batch": 15})   # InvalidParams says what is wrong
    report = await kind.run(rt, params, kind.setup(config, os.environ), dry_run=True)
    print(kind.summary(report, params))

A kind (see `base.JobKind`) holds its parameters, preload, plan and report; it never imports another kind.
Adding one is a folder under `engine/kinds/` and a line below: the engine's `Engine.start` and the command
line's `paydesk run NAME` take it from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from engine.kinds.base import InvalidParams, JobKind
from engine.kinds.commit.kind import COMMIT
from engine.kinds.generate.kind import GENERATE
from engine.kinds.reconcile.kind import RECONCILE
from engine.kinds.sync.kind import SYNC
from eventlog import EventLog, JobRow

KINDS: Mapping[str, JobKind[Any, Any]] = MappingProxyType(
    {kind.name: kind for kind in (COMMIT, GENERATE, SYNC, RECONCILE)}
)


def undecided(log: EventLog, job: JobRow) -> str | None:
    """Why the plan of `job` may not be executed yet: its kind waits for an operator's decision (None: it
    may). What `resume_job` asks before executing a dry run's plan."""
    kind = KINDS.get(job.kind)
    return None if kind is None or kind.undecided is None else kind.undecided(log, job.job_id)


__all__ = ["KINDS", "InvalidParams", "JobKind", "undecided"]

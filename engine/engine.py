"""A long-lived engine for a host that stays up (the console): jobs run in the background of one nursery.

    async with open_engine(config, db_path, on_change=notify) as engine:
        job_id = engine.start("commit", params, dry_run=True)  # returns at once; it runs in the background
        engine.resume(job_id)                                 # execute exactly the stored plan
        engine.cancel(job_id)                                 # cooperative: sent writes finish, the rest wait
        engine.statistics()                                   # bucket, pause countdown, requests in flight

`start` takes any kind of `engine.kinds.KINDS` by name, with its parameters as a plain mapping; each kind's
setup (sync: its [llm] settings) is read from the configuration and the environment when the engine opens,
and its secrets join the Notion token among the values the log refuses.

`on_change(job_id)` is called (on the engine's thread, from trio) whenever a job starts, settles a step or
finishes; a host coalesces these into screen updates. Leaving the block cancels every running job, which
records it as interrupted (resumable).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import trio

from engine.kinds import KINDS, InvalidParams, undecided
from engine.notion.ratelimit import BucketStatistics
from engine.run.jobs import JobRefused, new_job_id
from engine.run.progress import JobProgress
from engine.run.recovery import discard_job, resume_job, retry_job
from engine.run.report import JobReport
from engine.run.runtime import Runtime, open_runtime
from engine.workspace.config import Config, ConfigError
from eventlog import JobCancelRequested, Location

Listener = Callable[[str], None]


@dataclass
class RunningJob:
    job_id: str
    action: str  # "run", "dry_run", "resume" or "retry"
    progress: JobProgress = field(default_factory=JobProgress)
    cancel: trio.Event = field(default_factory=trio.Event)
    report: JobReport | None = None
    error: str | None = None
    done: trio.Event = field(default_factory=trio.Event)


@dataclass(frozen=True)
class EngineStatistics:
    bucket: BucketStatistics
    in_flight: int
    waiting: int  # requests waiting for the rate limit
    reads: int
    writes: int
    retries: int
    throttles: int
    running_jobs: int


class Engine:
    def __init__(
        self,
        rt: Runtime,
        nursery: trio.Nursery,
        on_change: Listener | None = None,
        setups: Mapping[str, Any] | None = None,
    ) -> None:
        self.rt = rt
        self._setups: Mapping[str, Any] = setups if setups is not None else read_setups(rt.config, {})
        self._nursery = nursery
        self._on_change = on_change or (lambda _: None)
        self.jobs: dict[str, RunningJob] = {}

    @property
    def config(self) -> Config:
        return self.rt.config

    def _launch(self, job: RunningJob, work: Callable[[], Awaitable[JobReport]]) -> str:
        if job.job_id in self.jobs and not self.jobs[job.job_id].done.is_set():
            raise JobRefused(f"job {job.job_id} is already running here")
        self.jobs[job.job_id] = job

        async def run() -> None:
            self._on_change(job.job_id)
            try:
                job.report = await work()
            except JobRefused as err:
                job.error = str(err)
            finally:
                job.done.set()
                self._on_change(job.job_id)

        self._nursery.start_soon(run)
        return job.job_id

    def start(
        self, kind: str, params: Mapping[str, Any], *, dry_run: bool = False, allow_over_limit: bool = False
    ) -> str:
        """Start a job of `kind` with `params` (read by the kind, see `JobKind.params`) in the background;
        its id. Raises `JobRefused` at once when the kind is unknown, the parameters are refused or the
        kind's setup is wrong (e.g. an [llm] table it cannot use)."""
        found = KINDS.get(kind)
        if found is None:
            raise JobRefused(f"no job kind {kind!r}; known: {', '.join(KINDS)}")
        try:
            parsed = found.parse(params)
        except InvalidParams as err:
            raise JobRefused(str(err)) from None
        setup = self._setups.get(kind)
        if isinstance(setup, ConfigError):
            raise JobRefused(f"{self.config.source}: {setup}")
        job = RunningJob(new_job_id(found.name), "dry_run" if dry_run or found.plans_only else "run")
        return self._launch(
            job,
            lambda: found.run(
                self.rt,
                parsed,
                setup,
                dry_run=dry_run,
                cancel=job.cancel,
                job_id=job.job_id,
                progress=job.progress,
                allow_over_limit=allow_over_limit,
            ),
        )

    def resume(self, job_id: str, *, allow_over_limit: bool = False) -> str:
        """Finish a job, or execute a dry run's plan (above `[limits]` only with `allow_over_limit`)."""
        job = RunningJob(job_id, "resume")
        return self._launch(
            job,
            lambda: resume_job(
                self.rt,
                job_id,
                cancel=job.cancel,
                progress=job.progress,
                allow_over_limit=allow_over_limit,
                undecided=undecided,
            ),
        )

    def retry(self, job_id: str, items: Sequence[str] = (), reason: str = "") -> str:
        job = RunningJob(job_id, "retry")
        return self._launch(
            job,
            lambda: retry_job(
                self.rt, job_id, item_keys=items, reason=reason, cancel=job.cancel, progress=job.progress
            ),
        )

    def discard(self, job_id: str, reason: str = "") -> str:
        """Throw away a dry run's plan nobody executed (in the background, like the other commands)."""
        job = RunningJob(job_id, "discard")

        async def work() -> JobReport:
            row = await discard_job(self.rt, job_id, reason)
            return JobReport(job_id, row.status)

        return self._launch(job, work)

    def cancel(self, job_id: str, reason: str = "") -> bool:
        """Ask a job to stop, recording the request in the log (the audit trail). A job running in this
        engine stops at once (True); one running in another process notices the request in the log."""
        self.rt.recorder.record_nowait(
            JobCancelRequested(job_id=job_id, operator=self.rt.operator, reason=reason)
        )
        job = self.jobs.get(job_id)
        if job is None or job.done.is_set():
            return False
        job.cancel.set()
        return True

    def statistics(self) -> EngineStatistics:
        """A snapshot for display. Call it from the engine's trio run (it reads trio's clock)."""
        totals = self.rt.gateway.totals
        return EngineStatistics(
            bucket=self.rt.gateway.bucket.statistics(),
            in_flight=self.rt.gateway.in_flight,
            waiting=self.rt.gateway.waiting,
            reads=totals.reads,
            writes=totals.writes,
            retries=totals.retries,
            throttles=totals.throttles,
            running_jobs=sum(1 for job in self.jobs.values() if not job.done.is_set()),
        )


def read_setups(config: Config, environ: Mapping[str, str]) -> dict[str, Any]:
    """Each kind's setup, or the `ConfigError` that makes its jobs refused (the others still run)."""
    setups: dict[str, Any] = {}
    for name, kind in KINDS.items():
        try:
            setups[name] = kind.setup(config, environ)
        except ConfigError as err:
            setups[name] = err
    return setups


@asynccontextmanager
async def open_engine(
    config: Config,
    db_path: Location,
    *,
    on_change: Listener | None = None,
    operator: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Engine]:
    """An engine on `config` and the log at `db_path`; `environ` (default: the process's environment) is
    where kinds read their setup."""
    setups = read_setups(config, os.environ if environ is None else environ)
    secrets = [
        secret
        for name, setup in setups.items()
        if not isinstance(setup, ConfigError)
        for secret in KINDS[name].secrets(setup)
    ]
    async with (
        open_runtime(config, db_path, operator=operator, secrets=secrets) as rt,
        trio.open_nursery() as nursery,
    ):
        engine = Engine(rt, nursery, on_change, setups)
        try:
            yield engine
        finally:
            nursery.cancel_scope.cancel()

"""The engine as a trio guest on Textual's asyncio loop (DESIGN.md, "Hosting the engine").

    host = EngineHost(config, db_path, publish=app_callback)
    host.start(asyncio.get_running_loop())       # in App.on_mount
    host.send(lambda engine: engine.resume(job))  # UI -> engine: a bounded trio channel, send_nowait
    error = await host.stop()                     # in App.on_unmount: cancel the outer scope, await it

Guest and host share one thread. The UI never starts trio tasks: it hands a command (a plain function of
the `Engine`, run inside the trio run) to `send`, and the engine's answers come back through `publish`,
a plain callback the app turns into Textual messages. Progress is coalesced: the engine's `on_change`
only marks a job dirty, and one snapshot of every job and of the gateway is published per `interval`.
Stopping cancels the engine's outer cancel scope: jobs still running are recorded as interrupted.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass, field
from typing import Any

import outcome
import trio

from engine import (
    Config,
    Engine,
    EngineStatistics,
    JobRefused,
    JobReport,
    RunningJob,
    open_engine,
    this_run_line,
)
from eventlog import Location

Command = Callable[[Engine], Any]
"""Run inside the trio run with the engine; its return value (or JobRefused) is published back."""

EngineOpener = Callable[..., AbstractAsyncContextManager[Engine]]
QUEUE_SIZE = 64
RPS_HISTORY = 30


@dataclass(frozen=True)
class JobSnapshot:
    """A job running (or run) in this engine, as the screens show it."""

    job_id: str
    run: int  # 1 for the job's first run in this engine, 2 for a resume or retry after it, …
    action: str
    total: int
    settled: Mapping[str, int]
    done: bool
    error: str | None
    status: str | None
    share: str | None = None  # a resume's or retry's own share of the job, once it ended (`this_run_line`)

    @property
    def settled_count(self) -> int:
        return sum(self.settled.values())


@dataclass(frozen=True)
class EngineSnapshot:
    stats: EngineStatistics
    jobs: Mapping[str, JobSnapshot]
    changed: frozenset[str]
    rps: tuple[float, ...] = ()  # requests per second, one value per second, oldest first


@dataclass(frozen=True)
class CommandAnswered:
    tag: str
    value: Any = None
    refused: str | None = None


@dataclass(frozen=True)
class EngineReady:
    pass


Publication = EngineSnapshot | CommandAnswered | EngineReady


class HostClosed(Exception):
    """The engine is not running (not started yet, stopped, or crashed)."""


RATE_WINDOW_S = 3.0  # requests per second are counted over this much time


@dataclass
class _RateMeter:
    """Requests per second, one value a second, counted over the last `RATE_WINDOW_S` seconds.

    The token bucket lets a burst through on top of its rate (at most `burst + rate × t` requests in t
    seconds), so a raw count over a short window can read above the limit although the limit was kept;
    the value shown is the sustained rate: the count over the window, at most the bucket's rate."""

    samples: deque[tuple[float, int]] = field(default_factory=deque)  # (time, tokens taken so far)
    last_time: float | None = None
    history: deque[float] = field(default_factory=lambda: deque(maxlen=RPS_HISTORY))

    def sample(self, taken: int, now: float, limit: float) -> None:
        self.samples.append((now, taken))
        while len(self.samples) > 1 and now - self.samples[1][0] >= RATE_WINDOW_S:
            self.samples.popleft()
        if self.last_time is None:
            self.last_time = now
            return
        if now - self.last_time < 1.0:
            return
        self.last_time = now
        first_time, first_taken = self.samples[0]
        span = now - first_time
        rate = (taken - first_taken) / span if span > 0 else 0.0
        self.history.append(min(rate, limit) if limit > 0 else rate)


class EngineHost:
    """Owns one guest trio run holding an `Engine`; see the module docstring."""

    def __init__(
        self,
        config: Config,
        db_path: Location,
        *,
        publish: Callable[[Publication], None],
        opener: EngineOpener = open_engine,
        interval: float = 0.1,
    ) -> None:
        self.config = config
        self.db_path = db_path
        self._publish = publish
        self._opener = opener
        self._interval = interval
        self._send, self._receive = trio.open_memory_channel[tuple[str, Command]](QUEUE_SIZE)
        self._token: trio.lowlevel.TrioToken | None = None
        self._scope: trio.CancelScope | None = None
        self._stopping = False
        self._done: asyncio.Future[outcome.Outcome[None]] | None = None
        self._dirty: set[str] = set()
        self._last: dict[str, JobSnapshot] = {}  # each job as last published
        self._runs: dict[str, tuple[RunningJob, int]] = {}  # each job's latest run here, and its number
        self._shares: dict[str, tuple[JobReport, str | None]] = {}  # each job's last report, its share
        self._rate = _RateMeter()
        self.engine: Engine | None = None
        self.on_done: Callable[[BaseException | None], None] = lambda _: None

    # ---- asyncio side --------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the guest run on `loop` (the running Textual loop); returns at once."""
        self._done = loop.create_future()

        def done(result: outcome.Outcome[None]) -> None:
            assert self._done is not None
            if not self._done.done():
                self._done.set_result(result)
            error = result.error if isinstance(result, outcome.Error) else None
            if self._stopping and isinstance(error, trio.Cancelled):
                error = None
            self.on_done(None if self._stopping and error is None else error)

        trio.lowlevel.start_guest_run(
            self._main,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=done,
            host_uses_signal_set_wakeup_fd=True,
        )

    @property
    def running(self) -> bool:
        return self._done is not None and not self._done.done() and not self._stopping

    def send(self, command: Command, tag: str = "") -> None:
        """Queue `command` for the engine without waiting; raises HostClosed or trio.WouldBlock (full)."""
        if not self.running:
            raise HostClosed("the engine is not running")
        self._send.send_nowait((tag, command))

    async def stop(self, limit_s: float = 30.0) -> BaseException | None:
        """Cancel the engine's outer scope and wait for the guest run to end; its error, if it crashed."""
        if self._done is None:
            return None
        self._stopping = True
        if self._token is not None and not self._done.done():
            with suppress(trio.RunFinishedError):
                self._token.run_sync_soon(self._cancel)
        result = await asyncio.wait_for(asyncio.shield(self._done), limit_s)
        if isinstance(result, outcome.Error) and not isinstance(result.error, trio.Cancelled):
            return result.error
        return None

    def _cancel(self) -> None:
        if self._scope is not None:
            self._scope.cancel()

    # ---- trio side ------------------------------------------------------------------------------------

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        with trio.CancelScope() as scope:
            self._scope = scope
            if self._stopping:
                scope.cancel()
            async with self._opener(self.config, self.db_path, on_change=self._mark) as engine:
                self.engine = engine
                self._publish(EngineReady())
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._publish_loop, engine)
                    async for tag, command in self._commands():
                        self._answer(engine, tag, command)

    def _mark(self, job_id: str) -> None:
        # Not `self._dirty.add`: that binds the set of the moment, and each publication starts a new one.
        self._dirty.add(job_id)

    async def _commands(self) -> AsyncIterator[tuple[str, Command]]:
        async with self._receive:
            async for message in self._receive:
                yield message

    def _answer(self, engine: Engine, tag: str, command: Command) -> None:
        try:
            value = command(engine)
        except JobRefused as refused:
            self._publish(CommandAnswered(tag, refused=str(refused)))
        else:
            self._publish(CommandAnswered(tag, value=value))

    async def _publish_loop(self, engine: Engine) -> None:
        while True:
            stats = engine.statistics()
            self._rate.sample(stats.bucket.taken, trio.current_time(), stats.bucket.rate)
            jobs = {job_id: self._snapshot(job) for job_id, job in engine.jobs.items()}
            # The engine tells when a job starts and ends; a step settling shows in its progress.
            moved = {job_id for job_id, job in jobs.items() if self._last.get(job_id) != job}
            changed, self._dirty = frozenset(self._dirty | moved), set()
            self._last = jobs
            self._publish(EngineSnapshot(stats, jobs, changed, tuple(self._rate.history)))
            await trio.sleep(self._interval)

    def _snapshot(self, job: RunningJob) -> JobSnapshot:
        run = self._runs.get(job.job_id)
        if run is None or run[0] is not job:  # a resume or retry runs the same job again
            run = (job, (run[1] + 1) if run is not None else 1)
            self._runs[job.job_id] = run
        return JobSnapshot(
            job_id=job.job_id,
            run=run[1],
            action=job.action,
            total=job.progress.total,
            settled=dict(job.progress.settled),
            done=job.done.is_set(),
            error=job.error,
            status=job.report.status if job.report is not None else None,
            share=self._share(job),
        )

    def _share(self, job: RunningJob) -> str | None:
        """What this run of `job` did of the job, once it ended (counted once per report)."""
        report = job.report
        if report is None:
            return None
        known = self._shares.get(job.job_id)
        if known is None or known[0] is not report:
            known = self._shares[job.job_id] = (report, this_run_line(report))
        return known[1]

"""Running the engine headless for one command: progress on a terminal, Ctrl-C and SIGTERM, and every way a
run can end turned into one line for the operator.

- Ctrl-C (SIGINT) or SIGTERM stops the job as quitting the console does: writes already sent finish, the
  job is recorded interrupted, and one line names it and the command that resumes it; exit 130 or 143.
- The event log moved, deleted or replaced under the job, or its disk full: the job stops sending to Notion
  and stays resumable; one line says what happened and what to do.
- Notion refusing the token mid-job stops the job at once (engine.run.jobs); the command exits 1.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from console.errors import CliError
from engine import Config, JobProgress, JobRefused, JobReport, LogLinked, Runtime, open_runtime
from eventlog import DiskFull, EventLog, Location, LogFileError, LogMoved, LogUnavailable, printable

Body = Callable[[Runtime, JobProgress], Awaitable[JobReport]]
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
SIGNAL_NAME = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class Stopped(Exception):
    """The operator (or the system) stopped the command with a signal; `code` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def run_engine(
    config: Config, db: Location, body: Body, *, job_id: str, secrets: tuple[str, ...] = ()
) -> JobReport:
    """Run `body` in a fresh engine; raise `CliError` (one line) or `Stopped` when it does not end well."""
    signals = _Signals()
    opened: list[bool] = []

    async def main() -> JobReport | None:
        progress = JobProgress()
        async with open_runtime(config, db, secrets=secrets) as rt, trio.open_nursery() as nursery:
            opened.append(True)
            scope = trio.CancelScope()
            signals.stops(scope)
            if sys.stderr.isatty():
                nursery.start_soon(_draw, progress)
            try:
                with scope:
                    return await body(rt, progress)
                return None  # stopped by a signal
            finally:
                nursery.cancel_scope.cancel()
                if sys.stderr.isatty() and progress.total:
                    print(f"\r{progress.line()}", file=sys.stderr)

    with signals:  # until the outcome is known: reading the log to say it is part of the stopping
        try:
            report = trio.run(main)
        except BaseExceptionGroup as group:  # trio's nurseries wrap what crosses them
            raise _one_line(group, db, job_id, started=bool(opened)) from None
        except (JobRefused, LogFileError, LogLinked) as err:
            raise _one_line(err, db, job_id, started=bool(opened)) from None
        if report is None:
            raise _stopped(signals.received[0] if signals.received else signal.SIGINT, db, job_id)
        return report


class _Signals:
    """Ctrl-C and SIGTERM for the length of one run: the first stops the job (cancels the scope given to
    `stops`, at once or as soon as there is one); later ones are only counted, so that the stopping itself —
    the writes in flight finishing, the job recorded interrupted, its locks released — is not cut short.
    Found walking: a second Ctrl-C (an impatient operator, or `timeout`, which signals the command and then
    its process group) raised KeyboardInterrupt in the middle of releasing the job's locks, a traceback.

    Installed only on the main thread (a test calling `main()` from another runs without), as Python's own
    handlers, which trio leaves in place; the previous handlers come back when the run ends."""

    def __init__(self) -> None:
        self.received: list[signal.Signals] = []
        self._cancel: Callable[[], None] | None = None
        self._previous: dict[signal.Signals, Any] = {}

    def stops(self, scope: trio.CancelScope) -> None:
        """Cancel `scope` on the first signal (now, if one came already). Call from inside the run."""
        token = trio.lowlevel.current_trio_token()
        self._cancel = lambda: token.run_sync_soon(scope.cancel)  # safe from a signal handler
        if self.received:
            scope.cancel()

    def _handle(self, signum: int, frame: object) -> None:
        self.received.append(signal.Signals(signum))
        if len(self.received) == 1 and self._cancel is not None:
            with contextlib.suppress(trio.RunFinishedError):
                self._cancel()

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNAL_EXIT:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


async def _draw(progress: JobProgress) -> None:
    while True:
        if progress.total:
            print(f"\r{progress.line()}", end="", file=sys.stderr, flush=True)
        await trio.sleep(0.2)


def _stopped(signum: signal.Signals, db: Location, job_id: str) -> Stopped:
    name = SIGNAL_NAME.get(signum, signum.name)
    if not logged_plan(db, job_id):
        message = (
            f"stopped by {name} before the plan of job {job_id} was stored; nothing was written to Notion"
        )
    else:
        message = (
            f"stopped by {name}: job {job_id} is interrupted (the writes already sent finished); "
            f"`paydesk resume {job_id}` finishes it"
        )
    return Stopped(message, SIGNAL_EXIT.get(signum, 130))


def logged_plan(db: Location, job_id: str) -> bool:
    """Whether the log holds a plan of `job_id` (False when it cannot be read)."""
    try:
        with EventLog(db, read_only=True) as log:
            row = log.job(job_id)
    except LogFileError:
        return False
    return row is not None and row.planned_at is not None


def _one_line(error: BaseException, db: Location, job_id: str, *, started: bool = True) -> CliError:
    """The one line that says what ended the command and what to do (`started`: the engine had opened
    the log, so a job may have begun)."""
    if isinstance(error, BaseExceptionGroup):
        for kind in (LogMoved, DiskFull, LogUnavailable, LogFileError, LogLinked, JobRefused):
            found, _ = error.split(kind)
            if found is not None:
                return _one_line(_first(found), db, job_id, started=started)
        raise error
    if isinstance(error, LogUnavailable):
        if not started:
            return CliError(f"{error}; check the URL, that the server runs and your credentials")
        return CliError(
            f"{error}: job {job_id} stopped sending to Notion (nothing sent is lost); when the database "
            f"answers again, `paydesk resume {job_id}` finishes it"
        )
    if isinstance(error, LogMoved):
        return CliError(
            f"{error}: job {job_id} stopped sending to Notion. Put the log back where it was (or point "
            f"--db at it), then `paydesk resume {job_id}`"
        )
    if isinstance(error, DiskFull):
        return CliError(f"{error}; job {job_id} stopped and resumes with `paydesk resume {job_id}`")
    if isinstance(error, LogFileError):
        return CliError(f"{error}; point --db at the right file")
    return CliError(printable(str(error)))


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    found: BaseException = group
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found

"""The paydesk console: a Textual app hosting the engine as a trio guest (see console.hosting).

The app owns the engine host (started in `on_mount`, stopped in `on_unmount`), the log reader, and the
operator's actions that several screens share: resume, cancel, retry (each behind a confirmation that
names what it does), export, verify and replay check. A read-only console opens no engine and no writer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

import trio
from textual import events, work
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import get_current_worker

from console.collector import CollectorPolicy, release_rendering
from console.hosting import (
    CommandAnswered,
    EngineHost,
    EngineOpener,
    EngineReady,
    EngineSnapshot,
    HostClosed,
    JobSnapshot,
    Publication,
)
from console.screens.actions import ACTIONS, WRITING, bindings, help_text
from console.screens.base import PaydeskScreen
from console.screens.data import (
    LiveProgress,
    LogReader,
    item_counts_text,
    job_words,
    replay_text,
    verify_text,
)
from console.screens.dialogs import (
    STORED_PLAN_RUNS,
    ConfirmScreen,
    ExportRequest,
    ExportScreen,
    QuitScreen,
    ReportScreen,
    RetryChoice,
    RetryScreen,
    confirm_moving,
)
from console.screens.host import ConsoleHost
from console.screens.item import ItemScreen
from console.screens.job import JobScreen, Opening, read_opening
from console.screens.jobs import JobsScreen
from console.screens.log import LogScreen
from console.screens.new_job import NewJobScreen
from console.settings import ConsoleSettings as ConsoleSettings  # where the commands and tests import it
from engine import Engine, display_status, job_page, open_engine, over_limits, plan_refusal, steps_left
from eventlog import EventLog, EventLogError, JobRow, LogListener, Selection, open_export_file, printable

LOG = "log"  # the name of the Log screen the app keeps installed
JOB = "job"  # the name of the Job screen the app keeps installed (`_job_screen`)


class EngineUpdated(Message):
    """A coalesced snapshot of the engine; a newer one replaces an older one still queued."""

    def __init__(self, snapshot: EngineSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EngineUpdated)


class EngineAnswered(Message):
    def __init__(self, answer: CommandAnswered) -> None:
        super().__init__()
        self.answer = answer


class EngineStarted(Message):
    pass


class EngineFailed(Message):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class CommandSent(Message):
    """The console sent a command to the engine (`describe` says which, e.g. "resume commit-…")."""

    def __init__(self, describe: str) -> None:
        super().__init__()
        self.describe = describe


class PaydeskApp(App[int]):
    TITLE = "paydesk"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("app"))

    def __init__(self, settings: ConsoleSettings, *, opener: EngineOpener = open_engine) -> None:
        super().__init__()
        self.settings = settings
        self.reader = LogReader(settings.db_path)
        self.host: EngineHost | None = None
        self.snapshot: EngineSnapshot | None = None
        self.journal: list[str] = []  # what the console sent and heard, in order (tests read it)
        self._opener = opener
        self._waiting: dict[str, Callable[[CommandAnswered], None]] = {}
        self._tags = 0
        self._offered = False
        self._stopping = False
        self._collector = CollectorPolicy()
        self._changed: set[str] = set()  # jobs changed since the screens were last told
        self._told: set[tuple[str, int]] = set()  # the runs whose end a toast announced
        self._notices_told = 0  # the engine's notifications (engine.run.notify) a toast announced

    # ---- lifetime -----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._collector.apply()
        self.console.size = self.size
        self.push_screen(JobsScreen())
        if self.settings.team_mode:
            self._listen()
        if self.settings.read_only or self.settings.config is None:
            return
        self.host = EngineHost(
            self.settings.config, self.settings.db_path, publish=self._publish, opener=self._opener
        )
        self.host.on_done = self._engine_done
        self.host.start(asyncio.get_running_loop())

    @work(thread=True, exclusive=True, group="team-log")
    def _listen(self) -> None:
        """In team mode: hear of every commit to the log (any operator, any machine) and tell the screen
        showing; after a lost connection, listen again a second later."""
        worker = get_current_worker()
        listener: LogListener | None = None
        while not worker.is_cancelled and not self._stopping:
            try:
                if listener is None:
                    listener = LogListener(str(self.settings.db_path))
                if listener.wait(0.5) is not None and not worker.is_cancelled:
                    self.call_from_thread(self._log_changed)
            except EventLogError:
                if listener is not None:
                    listener.close()
                listener = None
                time.sleep(1.0)
        if listener is not None:
            listener.close()

    def _log_changed(self) -> None:
        self.journal.append("log changed")
        if self.screen_stack and isinstance(self.screen, PaydeskScreen):
            self.screen.log_changed()

    def on_resize(self, event: events.Resize) -> None:
        # Rich reads the terminal's size (environment lookups, ioctls) whenever a cell is measured unless
        # its console is told: filling a table of 1,000 rows measured it 10,000 times.
        self.console.size = event.size

    async def on_unmount(self) -> None:
        self._stopping = True
        if self.host is not None:
            await self.host.stop()
        self.reader.close()
        self._collector.restore()

    def _publish(self, publication: Publication) -> None:
        if isinstance(publication, EngineSnapshot):
            # A newer EngineUpdated replaces one still queued: what changed is kept here until told.
            self._changed |= publication.changed
            self.post_message(EngineUpdated(publication))
        elif isinstance(publication, CommandAnswered):
            self.post_message(EngineAnswered(publication))
        elif isinstance(publication, EngineReady):
            self.post_message(EngineStarted())

    def _engine_done(self, error: BaseException | None) -> None:
        if error is not None and not self._stopping:
            self.post_message(EngineFailed(error))

    def on_engine_failed(self, message: EngineFailed) -> None:
        self.journal.append(f"engine failed: {message.error!r}")
        self.exit(return_code=1, message=f"paydesk: the engine stopped: {describe_error(message.error)}")

    def on_engine_started(self, message: EngineStarted) -> None:
        self.journal.append("engine started")

    def on_engine_updated(self, message: EngineUpdated) -> None:
        snapshot = replace(message.snapshot, changed=frozenset(self._changed | message.snapshot.changed))
        self._changed = set()
        self.snapshot = snapshot
        self._announce_ends(snapshot)
        self._announce_notices()
        if not self.screen_stack:  # a last update can arrive while the app is closing its screens
            return
        screen = self.screen  # the screens below catch up when they show again (PaydeskScreen)
        if isinstance(screen, PaydeskScreen):
            screen.engine_changed(snapshot)

    def _announce_ends(self, snapshot: EngineSnapshot) -> None:
        """A toast, once per run, when a job this console ran (not a dry run) ends."""
        for job in snapshot.jobs.values():
            run = (job.job_id, job.run)
            if not job.done or job.action not in RUNS or run in self._told:
                continue
            self._told.add(run)
            self.run_worker(self._toast_end(job), group="job-ends")

    def _announce_notices(self) -> None:
        """A toast for each notification the engine delivered to the webhook, or gave up on."""
        engine = self.host.engine if self.host is not None else None
        notices = engine.rt.notifier.notices if engine is not None and engine.rt.notifier else []
        for notice in notices[self._notices_told :]:
            told = f"{notice.to} was told" if notice.delivered else f"could not tell {notice.to}"
            text = f"job {notice.job_id}: {told}" + (f": {notice.reason}" if notice.reason else "")
            title = "Notified" if notice.delivered else "Notification failed"
            severity: SeverityLevel = "information" if notice.delivered else "warning"
            self.journal.append(f"notice {notice.job_id}: {text}")
            self.notify(printable(text), title=title, severity=severity, timeout=15, markup=False)
        self._notices_told = len(notices)

    async def _toast_end(self, job: JobSnapshot) -> None:
        job_id = job.job_id
        row = await self.reader.read(lambda log: log.job(job_id), None)
        if row is None:
            return
        title, text, severity = end_toast(row, job.error)
        if job.share is not None:
            text = f"{text}\n{job.share}"
        self.journal.append(f"toast {job_id}: {title}: {text}")
        self.notify(text, title=title, severity=severity, timeout=15, markup=False)

    def on_engine_answered(self, message: EngineAnswered) -> None:
        answer = message.answer
        self.journal.append(
            f"answer {answer.tag}: " + (f"refused {answer.refused}" if answer.refused else "ok")
        )
        if answer.refused is not None:
            self.notify(answer.refused, title="refused", severity="error", timeout=10, markup=False)
        callback = self._waiting.pop(answer.tag, None)
        if callback is not None:
            callback(answer)

    def on_command_sent(self, message: CommandSent) -> None:
        self.journal.append(f"sent {message.describe}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A read-only console hides the actions that write (New job) from the key bar and the palette."""
        return not (action in WRITING and self.settings.read_only)

    # ---- talking to the engine ----------------------------------------------------------------------

    def send(
        self,
        command: Callable[[Engine], Any],
        describe: str,
        on_answer: Callable[[CommandAnswered], None] | None = None,
    ) -> bool:
        """Queue a command for the engine; False (with a notification) when it cannot be sent."""
        if self.settings.read_only or self.host is None:
            self.notify("this console is read-only: it never writes", severity="warning")
            return False
        self._tags += 1
        tag = f"{self._tags}"
        try:
            self.host.send(command, tag)
        except HostClosed:
            self.notify("the engine is not running", severity="error")
            return False
        except trio.WouldBlock:
            self.notify("the engine is busy; try again in a moment", severity="warning")
            return False
        if on_answer is not None:
            self._waiting[tag] = on_answer
        self.post_message(CommandSent(describe))
        return True

    def live_progress(self) -> dict[str, LiveProgress]:
        if self.snapshot is None:
            return {}
        return {
            job.job_id: LiveProgress(job.settled_count, job.total)
            for job in self.snapshot.jobs.values()
            if not job.done
        }

    def now(self) -> datetime:
        return self.settings.clock()

    def today(self) -> str:
        return self.now().date().isoformat()

    # ---- navigation ---------------------------------------------------------------------------------

    def pop_screen(self) -> AwaitComplete:
        """Close the top screen, letting go of what it drew at once (`collector.release_rendering`), unless
        the app keeps it to show again (the Job screen: what it drew is drawn again from its caches when the
        same job opens again)."""
        closing = self.screen
        popped = super().pop_screen()
        if not self._kept(closing):
            release_rendering(closing)
        return popped

    def _kept(self, screen: Screen[Any]) -> bool:
        return any(self.is_screen_installed(name) and self.get_screen(name) is screen for name in (JOB, LOG))

    def open_job(self, job_id: str, *, replace: bool = False) -> None:
        """Push the job's screen once its first rows are read (`_open_job`); with `replace`, in place of the
        screen on top (unless it is the Jobs screen)."""
        self._open_job(job_id, replace)

    @work(group="open-job", exclusive=True)
    async def _open_job(self, job_id: str, replace: bool) -> None:
        """Read what the Job screen shows first on the reader thread, then push the screen holding it: its
        first frame shows the job's rows (pushed empty, it took one frame more, a tenth of a second beside a
        running job). A second open meanwhile replaces this one; one covered meanwhile by a screen pushed
        since (the operator turned to something else) is dropped: the job does not open over it."""
        before = set(self.screen_stack)
        opening = await self.reader.read(lambda log: read_opening(log, job_id), None)
        if self._stopping or not self.screen_stack or self.screen not in before:
            return
        if replace and len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(self._job_screen(job_id, opening))

    def _job_screen(self, job_id: str, opening: Opening | None) -> JobScreen:
        """The Job screen to push, showing `job_id`: the one the app keeps (installed the first time a job
        opens), or a new one while the kept one is on the stack (a job opened over it)."""
        if not self.is_screen_installed(JOB):
            screen = JobScreen(job_id, opening)
            self.install_screen(screen, JOB)
            return screen
        kept = self.get_screen(JOB)
        assert isinstance(kept, JobScreen)
        if kept in self.screen_stack:
            return JobScreen(job_id, opening)
        kept.show_job(job_id, opening)
        return kept

    def open_item(self, job_id: str, item_key: str) -> None:
        self.push_screen(ItemScreen(job_id, item_key))

    def action_show_jobs(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_show_log(self) -> None:
        """The Log screen, filtered on the job shown if any. One Log screen is kept: building one (its
        inputs, its outcome select) each time took a tenth of a second."""
        if not self.is_screen_installed(LOG):
            self.install_screen(LogScreen(), LOG)
        log = self.get_screen(LOG)
        assert isinstance(log, LogScreen)
        if log in self.screen_stack:
            while self.screen is not log:
                self.pop_screen()
            return
        job = getattr(self.screen, "job_id", None)
        log.focus_job(job if isinstance(job, str) else None)
        self.push_screen(log)

    def action_new_job(self) -> None:
        if self.settings.read_only:
            self.notify("this console is read-only: it cannot start jobs", severity="warning")
            return
        if not isinstance(self.screen, NewJobScreen):
            self.push_screen(NewJobScreen(self.settings.default_month))

    async def action_quit(self) -> None:
        """Leave at once, unless a job runs in this console: then ask first (ctrl+q again says yes)."""
        snapshot = self.snapshot
        running = [] if snapshot is None else [job for job in snapshot.jobs.values() if not job.done]
        if not running:
            self.exit()
            return
        names = "\n".join(f"  {job.job_id}" for job in running)
        jobs, them = ("1 job", "it") if len(running) == 1 else (f"{len(running)} jobs", "them")
        body = (
            f"{jobs} running in this console:\n{names}\n"
            f"Quitting stops {them} after the writes in flight, recorded as interrupted; the next start "
            f"offers to resume {them} (or `paydesk resume JOB`)."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(QuitScreen("Quit?", body, f"Quit, interrupt {jobs}"), answered)

    def action_help(self) -> None:
        name = type(self.screen).__name__
        self.push_screen(
            ReportScreen("Actions and keys (also in ctrl+p)", help_text(name, self.settings.read_only))
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        name = type(screen).__name__
        for spec in ACTIONS:
            if not spec.palette or (
                spec.where in ("screen", "app") and spec.action in ("quit", "help", "back")
            ):
                continue
            if spec.writes and self.settings.read_only:
                continue
            if spec.where == "app":
                yield SystemCommand(
                    f"{spec.title} ({spec.key})", spec.help, partial(self.run_action, spec.action)
                )
            elif spec.where == name:
                target = partial(screen.run_action, spec.action)
                yield SystemCommand(f"{spec.title} ({spec.key})", spec.help, target)

    # ---- actions shared by the screens ---------------------------------------------------------------

    def jobs_loaded(self, rows: list[JobRow]) -> None:
        """On start, offer to resume the jobs an earlier run left interrupted."""
        if self._offered:
            return
        self._offered = True
        if self.settings.read_only or not self.settings.offer_resume:
            return
        stopped = [row for row in rows if row.status == "interrupted" and row.plan_items > 0]
        if not stopped:
            return
        names = "\n".join(f"  {row.job_id}  ({steps_left(row)} steps left)" for row in stopped)
        one = len(stopped) == 1
        jobs = "1 job" if one else f"{len(stopped)} jobs"
        body = f"{jobs} stopped half-way in an earlier run:\n{names}\nResume {'it' if one else 'them'} now?"

        def answered(yes: bool | None) -> None:
            if yes:
                for row in stopped:
                    self._resume(row.job_id)

        self.push_screen(ConfirmScreen("Interrupted jobs", body, f"Resume {jobs}"), answered)

    def _resume(self, job_id: str, *, allow_over_limit: bool = False) -> None:
        def resume(engine: Engine) -> str:
            return engine.resume(job_id, allow_over_limit=allow_over_limit)

        self.send(resume, f"resume {job_id}")

    def _with_fresh(self, job: JobRow, then: Callable[[JobRow], None], *, to_resume: bool = False) -> None:
        """Run `then` on the job as the log holds it now (a screen's row may be a second old). `to_resume`:
        unless the engine would refuse to resume it before writing anything (a plan gone stale: the operator
        is told why instead of being asked to confirm what would not run)."""
        if self._refuse_read_only():
            return
        job_id, max_age = job.job_id, self.settings.plan_max_age

        def query(log: EventLog) -> tuple[JobRow | None, str | None]:
            row = log.job(job_id)
            if row is None:
                return None, None
            now = datetime.now(UTC)
            row.status = display_status(log.path, row, now, max_age)
            return row, plan_refusal(log, row, now, max_age) if to_resume else None

        async def fetch() -> None:
            fallback: tuple[JobRow | None, str | None] = (job, None)
            fresh, refused = await self.reader.read(query, fallback)
            if refused is not None:
                self.notify(printable(f"refused: {refused}"), severity="error", markup=False)
                return
            then(fresh or job)

        self.run_worker(fetch(), group="fresh-job")

    def request_resume(self, job: JobRow) -> None:
        self._with_fresh(job, self._ask_resume, to_resume=True)

    def _ask_resume(self, job: JobRow) -> None:
        left = steps_left(job)
        if job.status == "running":  # here or in another paydesk: its Job screen follows it
            self.notify(f"job {job.job_id} is running already: nothing to resume", severity="warning")
            return
        if job.status == "completed" or left == 0:
            self.notify(f"job {job.job_id} is {job.status}: nothing to resume", severity="warning")
            return
        totals = ""
        over = []
        if job.status == "planned":
            from console.screens.data import loads, money

            planned = loads(job.totals, {}) or {}
            totals = f", moving {money(planned)}"
            if self.settings.config is not None and job.started_at is None:
                over = over_limits(planned, self.settings.config.limits)
        if job.status == "planned" and job.started_at is None:  # a dry run's plan, executed now
            title, button = "Execute this plan?", f"Execute {left} writes"
            body = f"Execute plan {job.job_id}: {left} writes{totals}.\n{STORED_PLAN_RUNS}"
        else:
            title, button = "Resume job?", f"Resume {left} steps"
            body = (
                f"Resume {job.job_id} ({job.status}): {left} steps left{totals}. Steps in doubt are re-read "
                "first, and what changed in Notion since: a write whose record changed is blocked."
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self._resume(job.job_id, allow_over_limit=bool(over))

        self.push_screen(confirm_moving(title, body, button, over), answered)

    def request_cancel(self, job: JobRow) -> None:
        self._with_fresh(job, self._ask_cancel)

    def _ask_cancel(self, job: JobRow) -> None:
        if job.status not in ("created", "planned", "running"):
            self.notify(f"job {job.job_id} is {job.status}: nothing to cancel", severity="warning")
            return
        job_id = job.job_id

        def cancel(engine: Engine) -> bool:
            return engine.cancel(job_id, reason="console")

        def answered(yes: bool | None) -> None:
            if yes:
                self.send(cancel, f"cancel {job_id}")

        body = f"Ask {job_id} to stop? Writes already sent finish; the rest wait, and the job can be resumed."
        self.push_screen(ConfirmScreen("Cancel job?", body, "Cancel the job"), answered)

    def request_discard(self, job: JobRow) -> None:
        self._with_fresh(job, self._ask_discard)

    def _ask_discard(self, job: JobRow) -> None:
        if job.status not in ("planned", "expired") or job.started_at is not None:
            self.notify(
                f"job {job.job_id} is {job.status}: only a dry run's plan nobody executed can be discarded",
                severity="warning",
            )
            return
        job_id = job.job_id

        def discard(engine: Engine) -> str:
            return engine.discard(job_id, reason="console")

        def answered(yes: bool | None) -> None:
            if yes:
                self.send(discard, f"discard {job_id}")

        body = (
            f"Throw away the plan of {job_id}? It stays in the log as discarded and can no longer be "
            "executed."
        )
        self.push_screen(ConfirmScreen("Discard plan?", body, "Discard the plan"), answered)

    def request_retry(
        self, job: JobRow, *, one: str | None, marked: tuple[str, ...], one_name: str | None = None
    ) -> None:
        """Offer to retry `one` item (named `one_name`: its business key), the `marked` ones or all."""
        self._with_fresh(job, partial(self._ask_retry, one=one, marked=marked, one_name=one_name))

    def _ask_retry(
        self, job: JobRow, *, one: str | None, marked: tuple[str, ...], one_name: str | None = None
    ) -> None:
        failing = job.items_failed + job.items_blocked
        job_id = job.job_id

        def chosen(choice: RetryChoice | None) -> None:
            if choice is None:
                return

            def retry(engine: Engine) -> str:
                return engine.retry(job_id, choice.items, reason=f"console: {choice.count} item(s)")

            self.send(retry, f"retry {job_id} {choice.count} item(s) {','.join(choice.items) or 'all'}")

        self.push_screen(RetryScreen(job_id, one, marked, failing, one_name), chosen)

    def _refuse_read_only(self) -> bool:
        if self.settings.read_only:
            self.notify("this console is read-only: it never writes", severity="warning")
        return self.settings.read_only

    def action_export(self) -> None:
        job = getattr(self.screen, "job_id", None)

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.run_worker(self._export(request), group="audit")

        self.push_screen(
            ExportScreen(job if isinstance(job, str) else None, self.settings.export_folder), chosen
        )

    async def _export(self, request: ExportRequest) -> None:
        db = self.settings.db_path

        def write() -> int:
            selection = Selection(job_id=request.job_id, from_seq=request.from_seq, to_seq=request.to_seq)
            with (
                EventLog(db, read_only=True) as log,
                open_export_file(request.path) as out,
            ):
                return log.export(out, "csv" if request.fmt == "csv" else "jsonl", selection).exported

        try:
            count = await asyncio.to_thread(write)
        except FileExistsError:
            self.notify(
                f"{request.path} already exists: nothing was overwritten; choose another file name",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        except Exception as err:
            self.notify(f"export failed: {describe_error(err)}", severity="error", timeout=10, markup=False)
            return
        self.journal.append(f"exported {count} events to {request.path}")
        self.notify(f"exported {count} events to {request.path}", title="export", markup=False)

    def action_report(self) -> None:
        job = getattr(self.screen, "job_id", None)
        if not isinstance(job, str):
            self.notify("open a job first (enter on the Jobs screen): the report is of one job", markup=False)
            return
        self.run_worker(self._report(job), group="audit")

    async def _report(self, job_id: str) -> None:
        db, path = self.settings.db_path, self.settings.export_folder / f"{job_id}.html"

        def write() -> None:
            with EventLog(db, read_only=True) as log:
                page = job_page(log, job_id)
            with open_export_file(path) as out:
                out.write(page)

        try:
            await asyncio.to_thread(write)
        except FileExistsError:
            self.notify(f"{path} already exists: nothing was overwritten", severity="warning", markup=False)
            return
        except Exception as err:
            self.notify(f"report failed: {describe_error(err)}", severity="error", timeout=10, markup=False)
            return
        self.journal.append(f"report {job_id} written to {path}")
        self.notify(f"report of {job_id} written to {path}", title="report", markup=False)

    def action_verify(self) -> None:
        self.run_worker(self._audit("verify"), group="audit")

    def action_replay(self) -> None:
        self.run_worker(self._audit("replay"), group="audit")

    async def _audit(self, what: str) -> None:
        db = self.settings.db_path

        def run() -> str:
            with EventLog(db, read_only=True) as log:
                return verify_text(log.verify()) if what == "verify" else replay_text(log.replay_check())

        self.notify(f"{what}: running…")
        try:
            text = await asyncio.to_thread(run)
        except Exception as err:
            text = f"could not {what}: {describe_error(err)}"
        self.journal.append(f"{what}: {text.splitlines()[0] if text else ''}")
        title = "Verify the hash chain" if what == "verify" else "Replay check"
        self.push_screen(ReportScreen(title, text, markup=False))


RUNS = ("run", "resume", "retry")
"""The engine's actions that write (a dry run's end is its plan, shown on the New job screen)."""


def end_toast(row: JobRow, refused: str | None = None) -> tuple[str, str, SeverityLevel]:
    """The toast for a job's end: its title names the job in words, its text the outcome and counts."""
    title = job_words(row.kind, row.params)
    title = title[:1].upper() + title[1:]
    counts = item_counts_text(row)
    if refused is not None:
        return title, printable(f"refused: {refused}"), "error"
    if row.status == "failed":
        return title, printable(f"failed: {row.error or 'see the log'} ({counts})"), "error"
    if row.items_failed or row.items_blocked:
        trouble = [
            f"{n} {what}" for n, what in ((row.items_failed, "failed"), (row.items_blocked, "blocked")) if n
        ]
        return title, f"{row.status}, {' and '.join(trouble)}: {counts}", "warning"
    if row.status == "completed":
        return title, f"completed: {counts}", "information"
    return title, f"{row.status}: {counts}", "warning"


def describe_error(error: BaseException) -> str:
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return f"{type(error).__name__}: {error}"


if TYPE_CHECKING:  # the screens know the app as a ConsoleHost: mypy holds PaydeskApp to it here
    _host: type[ConsoleHost] = PaydeskApp

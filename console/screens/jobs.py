"""The Jobs screen: every job in the log, live: its id (which names its kind), parameters, status, progress,
item counts, requests, start and duration, in a table that fits a 140-column terminal."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Input, Static

from console.hosting import EngineSnapshot
from console.screens.actions import bindings
from console.screens.base import PaydeskScreen
from console.screens.data import JOB_COLUMNS, job_cells
from console.screens.job_list import JobList, changed_jobs
from console.screens.list_table import ListTable
from console.screens.throttle import Throttle
from console.widgets.key_bar import KeyBar
from console.widgets.tables import add_columns, cursor_key, sync_rows
from console.widgets.text_update import show_text
from eventlog import JobRow

REFRESH_S = 1.0  # the clock's columns and jobs run by other processes
ENGINE_REFRESH_S = 1.0  # at most this often for the engine's own changes (it reports ten times a second)


class JobsScreen(PaydeskScreen):
    CSS_PATH = "jobs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("JobsScreen"))

    def __init__(self) -> None:
        super().__init__()
        self.jobs = JobList()
        self.text_filter = ""
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._loading = False
        self._again = False
        self._engine_refresh = Throttle(self, ENGINE_REFRESH_S, self.reload)

    @property
    def rows(self) -> list[JobRow]:
        """Every job in the log, oldest first."""
        return self.jobs.rows

    def compose(self) -> ComposeResult:
        yield Static("Jobs", id="title")
        yield Input(placeholder="filter: any text in the row (escape clears)", id="filter")
        table: DataTable[Text] = ListTable(id="jobs")
        yield table
        yield Static("", id="hint")
        yield self.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#jobs", DataTable)
        add_columns(table, JOB_COLUMNS)
        self.query_one("#filter", Input).display = False
        self.set_interval(REFRESH_S, self._tick)
        self.reload()
        table.focus()

    def _tick(self) -> None:
        """Each second: the clock's columns; and jobs other processes run, read from the log, unless it is a
        team's log, which tells the console when they change (`log_changed`)."""
        if self.console.settings.team_mode:
            if self.is_current:
                self.render_rows(set())
        else:
            self.reload()

    def log_changed(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read what changed in the log and show it; skipped while another screen covers this one."""
        if not self.is_current and self.jobs.seen:
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._load()

    @work(group="jobs-load")
    async def _load(self) -> None:
        since = self.jobs.seen
        none: list[JobRow] = []
        try:
            fresh = await self.console.reader.read(
                lambda log: changed_jobs(log, since, self.console.settings.plan_max_age), none
            )
            if not self.on_stack:
                return
            changed = self.jobs.merge(fresh)
            self.render_rows(changed)
            self.console.jobs_loaded(self.rows)
        finally:
            self._loading = False
        if self._again:
            self._again = False
            self.reload()

    def render_rows(self, changed: set[str] | None = None) -> None:
        """Show the jobs, newest first; with `changed`, only those and the unfinished ones are re-shaped."""
        live = self.console.live_progress()
        now = self.console.now()
        touched = None if changed is None else changed | self.jobs.unfinished()
        wanted = self.text_filter.casefold()
        rows = []
        for row in reversed(self.rows):  # newest first
            cells = self._cells.get(row.job_id)
            if cells is None or touched is None or row.job_id in touched:
                cells = self._cells[row.job_id] = job_cells(row, now, live.get(row.job_id))
            if wanted and wanted not in " ".join([row.status, *map(str, cells)]).casefold():
                continue
            rows.append((row.job_id, cells))
        sync_rows(self.query_one("#jobs", DataTable), rows, touched)
        hint = self.query_one("#hint", Static)
        if not self.rows:
            hint.update(
                "No jobs yet. Press [b]n[/b] to plan a payout commit (a dry run writes nothing), "
                "[b]?[/b] for every action."
            )
        else:
            matching = f" matching {self.text_filter!r}" if self.text_filter else ""
            show_text(hint, Text(f"{len(rows)} of {len(self.rows)} jobs{matching}"))

    def engine_changed(self, snapshot: EngineSnapshot) -> None:
        super().engine_changed(snapshot)
        if snapshot.changed:
            self._engine_refresh.request()

    def selected_job(self) -> JobRow | None:
        key = cursor_key(self.query_one("#jobs", DataTable))
        return None if key is None else self.jobs.get(key)

    # ---- actions ----------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.query_one("#jobs", DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()
        self.render_rows(set())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#jobs", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.console.open_job(job.job_id)

    def action_resume(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.console.request_resume(job)

    def action_cancel(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.console.request_cancel(job)

    def action_discard(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.console.request_discard(job)

    def action_retry(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.console.request_retry(job, one=None, marked=())

"""The Jobs screen: every job in the log, live: kind, parameters, status, progress, counts, requests, time."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Input, Static

from console.hosting import EngineSnapshot
from console.screens.base import PaydeskScreen
from console.screens.data import JOB_COLUMNS, job_cells, jobs_with_status
from console.widgets.tables import cursor_key, sync_rows
from eventlog import JobRow

REFRESH_S = 1.0


class JobsScreen(PaydeskScreen):
    CSS_PATH = "jobs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("enter", "open", "Open", show=False),
        Binding("ctrl+e", "resume", "Resume"),
        Binding("ctrl+k", "cancel", "Cancel job"),
        Binding("ctrl+r", "retry", "Retry"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="jobs-screen")
        self.rows: list[JobRow] = []
        self.text_filter = ""
        self._loading = False
        self._again = False

    def compose(self) -> ComposeResult:
        yield Static("Jobs", id="title")
        yield Input(placeholder="filter: any text in the row (escape clears)", id="filter")
        table: DataTable[str] = DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="hint")
        yield self.status_bar()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#jobs", DataTable)
        for name in JOB_COLUMNS:
            table.add_column(name, key=name)
        self.query_one("#filter", Input).display = False
        self.set_interval(REFRESH_S, self.reload)
        self.reload()
        table.focus()

    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._load()

    @work(group="jobs-load")
    async def _load(self) -> None:
        try:
            self.rows = await self.console.reader.read(jobs_with_status, [])
            self.render_rows()
            self.console.jobs_loaded(self.rows)
        finally:
            self._loading = False
        if self._again:
            self._again = False
            self.reload()

    def render_rows(self) -> None:
        live = self.console.live_progress()
        now = self.console.now()
        rows = []
        for row in reversed(self.rows):  # newest first
            cells = job_cells(row, now, live.get(row.job_id))
            if self.text_filter and self.text_filter.casefold() not in " ".join(cells).casefold():
                continue
            rows.append((row.job_id, cells))
        sync_rows(self.query_one("#jobs", DataTable), rows)
        hint = self.query_one("#hint", Static)
        if not self.rows:
            hint.update(
                "No jobs yet. Press [b]n[/b] to plan a payout commit (a dry run writes nothing), "
                "[b]?[/b] for every action."
            )
        else:
            shown = len(rows)
            hint.update(
                f"{shown} of {len(self.rows)} jobs"
                + (f" matching {self.text_filter!r}" if self.text_filter else "")
            )

    def engine_changed(self, snapshot: EngineSnapshot) -> None:
        super().engine_changed(snapshot)
        if snapshot.changed:
            self.reload()

    def selected_job(self) -> JobRow | None:
        key = cursor_key(self.query_one("#jobs", DataTable))
        return next((row for row in self.rows if row.job_id == key), None)

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
        self.render_rows()

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

    def action_retry(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.console.request_retry(job, one=None, marked=())

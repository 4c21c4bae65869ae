"""The Item screen: the item's event timeline — preload facts, every attempt with its status, Notion error
code, message and request id, skips with their reasons, and the operator's actions on the job. It follows
the engine: while its job runs (or is retried from here) the timeline grows and the status changes. Enter on
a line shows everything its event holds (the step key, the full error)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from console.hosting import EngineSnapshot
from console.screens.actions import bindings
from console.screens.base import PaydeskScreen
from console.screens.data import (
    SETTLED_WELL,
    TimelineLine,
    clock_text,
    failures_of,
    item_name,
    item_reason,
    item_status,
    item_timeline,
)
from console.screens.dialogs import ReportScreen
from console.screens.list_table import ListTable
from console.screens.throttle import Throttle
from console.widgets.key_bar import KeyBar
from console.widgets.tables import Column, add_columns, cell, cursor_key, sync_rows
from engine import record_history
from eventlog import EventLog, ItemRow, JobRow, printable

TIMELINE_COLUMNS = (Column("seq"), Column("at"), Column("event"), Column("detail"))
ENGINE_REFRESH_S = 1.0  # re-read the item at most this often while the engine runs its job


def item_summary(item: ItemRow | None, failure: str | None = None) -> Text:
    """The item's header; its error is Notion's code and message (`failure`: its failed step's), shown
    literally."""
    if item is None:
        return Text("no such item in the log")
    summary = Text.assemble(
        (printable(item_name(item)), "bold"),
        f" ({item.kind})  status ",
        (item_status(item), "bold"),
        f"  attempts {item.attempts}",
    )
    reason = item_reason(item, failure)
    if item.last_error and item.status not in SETTLED_WELL:  # a retry since fixed is in the timeline
        summary.append(printable(f"  last error: {reason}"))
    elif reason and item_status(item) == "skipped":
        summary.append(printable(f"  skipped: {reason}"))
    return summary


class ItemScreen(PaydeskScreen):
    CSS_PATH = "item.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("ItemScreen"))

    def __init__(self, job_id: str, item_key: str) -> None:
        super().__init__()
        self.job_id, self.item_key = job_id, item_key
        self.job: JobRow | None = None
        self.item: ItemRow | None = None
        self.lines: list[TimelineLine] = []
        self.failure: str | None = None  # the item's failed step's Notion error (code: message)
        self._loading = False
        self._again = False
        self._engine_refresh = Throttle(self, ENGINE_REFRESH_S, self.reload)
        self._columns_ready = False  # on_mount ran (a screen is on the stack, and told of the engine, before)

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Item of {self.job_id}"), id="title")
        yield Static("loading…", id="summary")
        table: DataTable[Text] = ListTable(id="timeline")
        yield table
        yield self.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        add_columns(self.query_one("#timeline", DataTable), TIMELINE_COLUMNS)
        self._columns_ready = True
        self.reload()
        self.follow_job()
        self.query_one("#timeline", DataTable).focus()

    def engine_changed(self, snapshot: EngineSnapshot) -> None:
        super().engine_changed(snapshot)
        if self._columns_ready and self.job_id in snapshot.changed:
            self._engine_refresh.request()

    def log_changed(self) -> None:
        self._engine_refresh.request()

    def shown_job(self) -> tuple[str, int] | None:
        return self.job_id, -1 if self.job is None else self.job.updated_seq

    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._load()

    @work(group="item-load")
    async def _load(self) -> None:
        job_id, item_key = self.job_id, self.item_key

        def query(log: EventLog) -> tuple[JobRow | None, ItemRow | None, list[TimelineLine], str | None]:
            item = log.item(job_id, item_key)
            failure = failures_of(log, job_id, [item]).get(item_key) if item is not None else None
            return log.job(job_id), item, item_timeline(log, job_id, item_key), failure

        nothing: tuple[JobRow | None, ItemRow | None, list[TimelineLine], str | None] = (None, None, [], None)
        try:
            self.job, self.item, self.lines, self.failure = await self.console.reader.read(query, nothing)
        finally:
            self._loading = False
        if self.on_stack:
            self.render_all()
        if self._again:
            self._again = False
            self.reload()

    def render_all(self) -> None:
        name = item_name(self.item) if self.item is not None else self.item_key
        self.query_one("#title", Static).update(Text(printable(f"Item {name} of {self.job_id}")))
        self.query_one("#summary", Static).update(item_summary(self.item, self.failure))
        rows = [
            (str(line.seq), (cell(line.seq), cell(clock_text(line.at)), cell(line.what), cell(line.detail)))
            for line in self.lines
        ]
        sync_rows(self.query_one("#timeline", DataTable), rows)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_show_event()

    def action_show_event(self) -> None:
        key = cursor_key(self.query_one("#timeline", DataTable))
        line = next((line for line in self.lines if str(line.seq) == key), None)
        if line is not None:
            title = f"{line.what}: {item_name(self.item) if self.item else self.item_key}"
            self.app.push_screen(ReportScreen(printable(title), printable(line.full), markup=False))

    def action_history(self) -> None:
        """What paydesk ever did to this item's record (its invoice id's, else its first step's page)."""
        self._history()

    @work(group="item-history", exclusive=True)
    async def _history(self) -> None:
        item_key, name = self.item_key, item_name(self.item) if self.item is not None else self.item_key

        def query(log: EventLog) -> list[str]:
            pages = {step.page_id or step.target for step in log.steps(self.job_id, item_key)}
            return record_history(log, name, pages=pages).text()

        lines = await self.console.reader.read(query, ["the log cannot be read"])
        if self.on_stack:
            self.app.push_screen(
                ReportScreen(printable(f"History of {name}"), "\n".join(lines), markup=False)
            )

    def action_retry(self) -> None:
        if self.job is not None:
            name = item_name(self.item) if self.item is not None else None
            self.console.request_retry(self.job, one=self.item_key, marked=(), one_name=name)

"""The Log screen: a live tail of the event log, filtered by job, type and outcome."""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Select, Static

from console.screens.base import PaydeskScreen
from console.screens.data import clock_text, event_outcome
from eventlog import EventLog, EventRecord

POLL_S = 0.5
KEEP = 2000
OUTCOME_CHOICES = (
    "succeeded",
    "skipped",
    "failed",
    "blocked",
    "cancelled",
    "started",
    "completed",
    "interrupted",
)


class LogScreen(PaydeskScreen):
    CSS_PATH = "log.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, job_id: str | None = None) -> None:
        super().__init__()
        self.records: deque[EventRecord] = deque(maxlen=KEEP)
        self.last_seq = 0
        self.job_filter = job_id or ""
        self.type_filter = ""
        self.outcome_filter = ""
        self._polling = False

    def compose(self) -> ComposeResult:
        yield Static("Event log (live tail)", id="title")
        with Horizontal(id="filters"):
            yield Input(self.job_filter, placeholder="job id", id="job")
            yield Input(placeholder="type, e.g. step.failed", id="type")
            yield Select([(name, name) for name in OUTCOME_CHOICES], prompt="any outcome", id="outcome")
        table: DataTable[str] = DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield table
        yield self.status_bar()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#events", DataTable)
        for name in ("seq", "at", "job", "item", "type", "outcome", "operator"):
            table.add_column(name, key=name)
        self.set_interval(POLL_S, self.poll)
        self.poll()
        table.focus()

    def poll(self) -> None:
        if not self._polling:
            self._polling = True
            self._poll()

    @work(group="log-poll")
    async def _poll(self) -> None:
        after = self.last_seq

        def query(log: EventLog) -> list[EventRecord]:
            return log.records_after(after, KEEP)

        empty: list[EventRecord] = []
        try:
            fresh = await self.console.reader.read(query, empty)
        finally:
            self._polling = False
        if not fresh:
            return
        self.last_seq = fresh[-1].seq
        self.records.extend(fresh)
        table = self.query_one("#events", DataTable)
        at_end = table.cursor_row >= table.row_count - 1
        for record in fresh:
            if self.matches(record):
                self._add(table, record)
        while table.row_count > KEEP:
            table.remove_row(next(iter(table.rows)))
        if at_end and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def matches(self, record: EventRecord) -> bool:
        if self.job_filter and self.job_filter not in record.job_id:
            return False
        if self.type_filter and self.type_filter not in record.type:
            return False
        return not self.outcome_filter or event_outcome(record.type, record.payload) == self.outcome_filter

    def _add(self, table: DataTable[str], record: EventRecord) -> None:
        table.add_row(
            str(record.seq),
            clock_text(record.recorded_at),
            record.job_id,
            (record.item_key or "")[:24],
            record.type,
            event_outcome(record.type, record.payload),
            record.operator,
            key=str(record.seq),
        )

    def refilter(self) -> None:
        table = self.query_one("#events", DataTable)
        table.clear()
        for record in self.records:
            if self.matches(record):
                self._add(table, record)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "job":
            self.job_filter = event.value.strip()
        else:
            self.type_filter = event.value.strip()
        self.refilter()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.outcome_filter = "" if event.value is Select.NULL else str(event.value)
        self.refilter()

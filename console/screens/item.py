"""The Item screen: the item's event timeline — preload facts, every attempt with its status, Notion error
code, message and request id, skips with their reasons, and the operator's actions on the job."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from console.screens.base import PaydeskScreen
from console.screens.data import TimelineLine, clock_text, item_timeline
from eventlog import EventLog, ItemRow, JobRow


class ItemScreen(PaydeskScreen):
    CSS_PATH = "item.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "retry", "Retry this item"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, job_id: str, item_key: str) -> None:
        super().__init__()
        self.job_id, self.item_key = job_id, item_key
        self.job: JobRow | None = None
        self.item: ItemRow | None = None
        self.lines: list[TimelineLine] = []

    def compose(self) -> ComposeResult:
        yield Static(f"Item {self.item_key} of {self.job_id}", id="title")
        yield Static("loading…", id="summary")
        table: DataTable[str] = DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield table
        yield self.status_bar()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#timeline", DataTable)
        for name in ("seq", "at", "event", "detail"):
            table.add_column(name, key=name)
        self.reload()
        table.focus()

    @work(group="item-load", exclusive=True)
    async def reload(self) -> None:
        job_id, item_key = self.job_id, self.item_key

        def query(log: EventLog) -> tuple[JobRow | None, ItemRow | None, list[TimelineLine]]:
            item = next((row for row in log.items(job_id) if row.item_key == item_key), None)
            return log.job(job_id), item, item_timeline(log, job_id, item_key)

        nothing: tuple[JobRow | None, ItemRow | None, list[TimelineLine]] = (None, None, [])
        self.job, self.item, self.lines = await self.console.reader.read(query, nothing)
        item = self.item
        self.query_one("#summary", Static).update(
            f"[b]{item.label or item.item_key}[/b] ({item.kind})  status [b]{item.status}[/b]  "
            f"attempts {item.attempts}" + (f"  last error: {item.last_error}" if item.last_error else "")
            if item is not None
            else "no such item in the log"
        )
        table = self.query_one("#timeline", DataTable)
        table.clear()
        for line in self.lines:
            table.add_row(str(line.seq), clock_text(line.at), line.what, line.detail)

    def action_retry(self) -> None:
        if self.job is not None:
            self.console.request_retry(self.job, one=self.item_key, marked=())

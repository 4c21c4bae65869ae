"""The Item screen: the item's event timeline — preload facts, every attempt with its status, Notion error
code, message and request id, skips with their reasons, and the operator's actions on the job."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from console.screens.base import PaydeskScreen
from console.screens.data import TimelineLine, clock_text, item_timeline
from console.widgets.key_bar import KeyBar
from console.widgets.tables import Column, add_columns, cell
from eventlog import EventLog, ItemRow, JobRow, printable

TIMELINE_COLUMNS = (Column("seq"), Column("at"), Column("event"), Column("detail"))


def item_summary(item: ItemRow | None) -> Text:
    """The item's header; its last error (a Notion message) is shown literally."""
    if item is None:
        return Text("no such item in the log")
    summary = Text.assemble(
        (printable(item.label or item.item_key), "bold"),
        f" ({item.kind})  status ",
        (item.status, "bold"),
        f"  attempts {item.attempts}",
    )
    if item.last_error:
        summary.append(printable(f"  last error: {item.last_error}"))
    return summary


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
        yield Static(Text(f"Item {self.item_key} of {self.job_id}"), id="title")
        yield Static("loading…", id="summary")
        table: DataTable[Text] = DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield table
        yield self.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        add_columns(self.query_one("#timeline", DataTable), TIMELINE_COLUMNS)
        self.reload()
        self.query_one("#timeline", DataTable).focus()

    @work(group="item-load", exclusive=True)
    async def reload(self) -> None:
        job_id, item_key = self.job_id, self.item_key

        def query(log: EventLog) -> tuple[JobRow | None, ItemRow | None, list[TimelineLine]]:
            item = log.item(job_id, item_key)
            return log.job(job_id), item, item_timeline(log, job_id, item_key)

        nothing: tuple[JobRow | None, ItemRow | None, list[TimelineLine]] = (None, None, [])
        self.job, self.item, self.lines = await self.console.reader.read(query, nothing)
        if not self.on_stack:
            return
        self.query_one("#summary", Static).update(item_summary(self.item))
        table = self.query_one("#timeline", DataTable)
        table.clear()
        for line in self.lines:
            table.add_row(cell(line.seq), cell(clock_text(line.at)), cell(line.what), cell(line.detail))

    def action_retry(self) -> None:
        if self.job is not None:
            self.console.request_retry(self.job, one=self.item_key, marked=())

"""The Log screen: a live tail of the event log (its newest events), filtered by job, type and outcome.

The tail is a `RichLog`, one line per event: a line is drawn once, when its event arrives, and a busy log
(hundreds of events a second while a job runs) only appends. A table would redraw every visible cell at
each arrival. Catching up after the screen was away (up to `KEEP` lines, some 45 ms of drawing) goes
`WRITE_SLICE` lines at a time, letting the keys and the engine in between.
"""

from __future__ import annotations

from asyncio import sleep
from collections import deque
from collections.abc import Iterable, Mapping

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, RichLog, Select, Static

from console.screens.base import PaydeskScreen
from console.screens.data import clock_text, event_outcome, item_name
from console.widgets.key_bar import KeyBar
from eventlog import EventLog, EventRecord, printable

POLL_S = 0.5
KEEP = 500  # the newest events held and shown
WRITE_SLICE = 50
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

EVENT_FIELDS = (
    ("seq", 8),
    ("at", 19),
    ("job", 27),
    ("item", 32),
    ("type", 22),
    ("outcome", 12),
    ("operator", 10),
)


def event_line(values: tuple[str, ...]) -> Text:
    """One line of the tail: the fields in columns of EVENT_FIELDS' widths (cut if longer)."""
    parts = [value[:width].ljust(width) for value, (_, width) in zip(values, EVENT_FIELDS, strict=True)]
    return Text(printable(" ".join(parts).rstrip()), no_wrap=True, end="")


ItemId = tuple[str, str]  # (job id, item key)

HEADER = event_line(tuple(name for name, _ in EVENT_FIELDS))


def tail_after(log: EventLog, seq: int, limit: int) -> list[EventRecord]:
    """The newest `limit` events after `seq`, oldest first (a busy log is shown from its end)."""
    return log.records_tail(seq, limit)


def item_names(
    log: EventLog, records: Iterable[EventRecord], known: Mapping[ItemId, str]
) -> dict[ItemId, str]:
    """The business keys of the items `records` name that `known` does not hold yet (read from the log)."""
    found: dict[ItemId, str] = {}
    for record in records:
        if not record.item_key:
            continue
        key = (record.job_id, record.item_key)
        if key in known or key in found:
            continue
        row = log.item(*key)
        if row is not None:
            found[key] = item_name(row)
    return found


class LogScreen(PaydeskScreen):
    CSS_PATH = "log.tcss"

    def __init__(self, job_id: str | None = None) -> None:
        super().__init__()
        self.records: deque[EventRecord] = deque(maxlen=KEEP)
        self.shown: deque[EventRecord] = deque(maxlen=KEEP)  # the records in the tail, oldest first
        self.last_seq = 0
        self.job_filter = job_id or ""
        self.type_filter = ""
        self.outcome_filter = ""
        self._polling = False
        self._drawn = 0  # how many times the tail was redrawn from `records` (a filter changed)
        self.names: dict[ItemId, str] = {}  # items by their business keys, as far as the tail needs them

    def compose(self) -> ComposeResult:
        yield Static("Event log (live tail)", id="title")
        with Horizontal(id="filters"):
            yield Input(self.job_filter, placeholder="job id", id="job")
            yield Input(placeholder="type, e.g. step.failed", id="type")
            yield Select([(name, name) for name in OUTCOME_CHOICES], prompt="any outcome", id="outcome")
        yield Static(HEADER, id="header")
        yield RichLog(id="events", max_lines=KEEP, auto_scroll=True)
        yield self.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        if not self.console.settings.team_mode:  # a team's log says when it changes (log_changed)
            self.set_interval(POLL_S, self.poll)
        self.poll()
        self.query_one("#events", RichLog).focus()

    def on_screen_resume(self) -> None:
        self.poll()

    def log_changed(self) -> None:
        self.poll()

    def focus_job(self, job_id: str | None) -> None:
        """Show the events of `job_id` (None: of every job), as when opened from that job's screen."""
        self.job_filter = job_id or ""
        if self.is_mounted:
            self.query_one("#job", Input).value = self.job_filter

    def poll(self) -> None:
        if not self.is_current and self.last_seq:
            return  # the app keeps this screen: it catches up when it shows again
        if not self._polling:
            self._polling = True
            self._poll()

    @work(group="log-poll")
    async def _poll(self) -> None:
        try:
            await self._catch_up()
        finally:
            self._polling = False  # only now: a poll overlapping this one could write newer lines first

    async def _catch_up(self) -> None:
        after, known = self.last_seq, dict(self.names)

        def query(log: EventLog) -> tuple[list[EventRecord], dict[ItemId, str]]:
            records = tail_after(log, after, KEEP)
            return records, item_names(log, records, known)

        empty: tuple[list[EventRecord], dict[ItemId, str]] = ([], {})
        fresh, names = await self.console.reader.read(query, empty)
        if not fresh or not self.on_stack:
            return
        self.last_seq = fresh[-1].seq
        self.records.extend(fresh)
        self.names.update(names)
        if len(self.names) > 4 * KEEP:  # only the items of the tail are needed
            kept = {(r.job_id, r.item_key) for r in self.records if r.item_key}
            self.names = {key: name for key, name in self.names.items() if key in kept}
        tail = self.query_one("#events", RichLog)
        drawn = self._drawn
        for start in range(0, len(fresh), WRITE_SLICE):
            if start:
                await sleep(0)
                if drawn != self._drawn or not self.on_stack:
                    return  # redrawn from `records` meanwhile: these are in it already
            for record in fresh[start : start + WRITE_SLICE]:
                if self.matches(record):
                    self._write(tail, record)

    def matches(self, record: EventRecord) -> bool:
        if self.job_filter and self.job_filter not in record.job_id:
            return False
        if self.type_filter and self.type_filter not in record.type:
            return False
        return not self.outcome_filter or event_outcome(record.type, record.payload) == self.outcome_filter

    def _write(self, tail: RichLog, record: EventRecord) -> None:
        values = (
            str(record.seq),
            clock_text(record.recorded_at),
            record.job_id,
            self.names.get((record.job_id, record.item_key), record.item_key) if record.item_key else "",
            record.type,
            event_outcome(record.type, record.payload),
            record.operator,
        )
        tail.write(event_line(values))
        self.shown.append(record)

    def refilter(self) -> None:
        self._drawn += 1
        tail = self.query_one("#events", RichLog)
        tail.clear()
        self.shown.clear()
        for record in self.records:
            if self.matches(record):
                self._write(tail, record)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "job":
            self.job_filter = event.value.strip()
        else:
            self.type_filter = event.value.strip()
        self.refilter()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.outcome_filter = "" if event.value is Select.NULL else str(event.value)
        self.refilter()

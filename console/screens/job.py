"""The Job screen: the job's figures, its items filterable by outcome, and the selected item's cascade.

A job is opened from what `read_opening` read first (on the reader thread, before the screen is pushed): the
screen's first frame already shows the job's figures, its first items and the first item's cascade, rather
than an empty screen and, a frame later, its rows (bench/soak.py: the two frames were most of the time an
operator waits for a job to open beside a running job).

Time travel (t, then [ ] { }) shows the same screen as the job was after one of its events: the rows are
rebuilt from the log's events by `EventLog.as_of` (on the reader thread, which alone touches the view),
never read from the live projections; nothing can be written meanwhile; t or escape returns to live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Static

from console.hosting import EngineSnapshot
from console.screens.actions import WRITING, bindings
from console.screens.base import PaydeskScreen
from console.screens.cascade_view import CascadeTree, Labelled, labelled
from console.screens.data import (
    ITEM_COLUMNS,
    OUTCOMES,
    cascade,
    clock_text,
    failures_of,
    filter_items,
    item_cells,
    item_name,
    job_summary,
    nothing_to_do_items,
    parse_time,
)
from console.screens.list_table import ListTable
from console.screens.throttle import Throttle
from console.widgets.key_bar import KeyBar
from console.widgets.tables import add_columns, cursor_key, sync_rows
from console.widgets.text_update import show_text
from eventlog import AsOfView, EventLog, ItemRow, JobRow, Projections, StepRow

MAX_ROWS = 500  # a table of more rows is slow to build and no one scrolls it: filter instead
ENGINE_REFRESH_S = 1.0  # re-read the job at most this often while the engine runs it
LEAP = 10  # events a { or } moves through
CASCADE_REST_S = 0.15  # the cascade of the item under the cursor is read once the cursor rests this long

Rows = tuple[JobRow | None, list[ItemRow], int, dict[str, str]]


def read_rows(log: Projections, job_id: str, status: str | None) -> Rows:
    """What the screen shows of the job: its row, its items of `status` (any: None), how many items have
    nothing to do and the failed items' errors. Only the rows the table shows: a job of 50,000 items opens as
    fast as one of 50."""
    idle = nothing_to_do_items(log, job_id)
    items = log.items(job_id, status, limit=MAX_ROWS + 1)
    if status == "skipped":  # the items with nothing to do are skipped too
        items = (idle + items)[: MAX_ROWS + 1]
    return log.job(job_id), items, len(idle), failures_of(log, job_id, items)


@dataclass(frozen=True)
class Opening:
    """What a Job screen shows as it opens, read before it is pushed: the rows (every outcome) and the steps
    of the first item, which the cursor starts on (its cascade)."""

    rows: Rows
    first_steps: list[StepRow]
    first_cascade: list[Labelled]


def read_opening(log: Projections, job_id: str) -> Opening:
    """The Job screen's first rows (on the reader thread)."""
    rows = read_rows(log, job_id, None)
    items = rows[1]
    first_steps = log.steps(job_id, items[0].item_key) if items else []
    return Opening(rows, first_steps, labelled(cascade(first_steps)))


@dataclass(frozen=True)
class Moment:
    """Where time travel stands: after the job's `index`-th event of `count`, the log's event `seq`,
    recorded at `recorded_at`."""

    index: int
    count: int
    seq: int
    recorded_at: str | None

    def describe(self) -> str:
        at = clock_text(self.recorded_at)
        return f"as of event {self.index} of {self.count} ({at} UTC, log event {self.seq})"


class JobScreen(PaydeskScreen):
    CSS_PATH = "job.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("JobScreen"))

    def __init__(self, job_id: str, opening: Opening | None = None) -> None:
        """`opening`: the job's first rows, read before (`read_opening`), shown in the screen's first frame;
        without it the screen reads them once mounted (and shows "loading…" meanwhile)."""
        super().__init__()
        self.job_id = job_id
        self.job: JobRow | None = None
        self.items: list[ItemRow] = []
        self.nothing_to_do = 0  # items planned with no step (pending in the log, skipped as the engine says)
        self.failures: dict[str, str] = {}  # failed items' Notion errors (code: message), by item key
        self.outcome = "all"
        self.marked: set[str] = set()
        self._cascade_source: tuple[str, ItemRow | None] | None = None  # the item (and row) asked for
        self._cascade_shown: tuple[str, list[StepRow]] | None = None  # the item and steps in the tree
        self.cascade_rest_s = CASCADE_REST_S
        self._cascade_rest: Timer | None = None  # until the cursor rests (a cascade to read then)
        self._shaped: dict[str, tuple[tuple[int, str, bool, str | None], tuple[Text, ...]]] = {}  # by item
        self._loading = False
        self._again = False
        self._engine_refresh = Throttle(self, ENGINE_REFRESH_S, self.reload)
        self._columns_ready = False  # on_mount ran (a screen is on the stack, and told of the engine, before)
        self.travelling = False  # time travel: the rows shown are as of `moment`, rebuilt from the events
        self.moment: Moment | None = None  # what the rows shown are as of (None: live)
        self._index: int | None = None  # the job's event to show, 1-based (None: not known yet)
        self._from_end = 0  # until it is known: how many events before the job's last one
        self._view: AsOfView | None = None  # the rebuilt rows (made and read on the reader thread only)
        self._shown_since = 0  # counts the jobs shown (`show_job`): a read for an earlier one is dropped
        self._opening = opening
        if opening is not None:
            self.job, self.items, self.nothing_to_do, self.failures = opening.rows

    def compose(self) -> ComposeResult:
        opened = self._opening is not None
        yield Static(self._title_text(), id="title")
        yield Static(self._summary_text() if opened else "loading…", id="summary")
        yield Static(self._filter_text(len(self._shown())) if opened else "", id="filterbar")
        with Horizontal(id="panes"):
            table: DataTable[Text] = ListTable(id="items")
            yield table
            tree = CascadeTree("cascade", id="cascade")
            tree.show_root = False  # before it mounts: its cursor stays on no line, whatever it shows first
            yield tree
        yield self.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#items", DataTable)
        add_columns(table, ITEM_COLUMNS)
        self._columns_ready = True
        opening, self._opening = self._opening, None
        if opening is None:
            self.reload()
        else:
            self._show_opening(opening)
        self.follow_job()
        table.focus()

    def show_job(self, job_id: str, opening: Opening | None) -> None:
        """Show `job_id` (another job, or the same again) as a new Job screen would: from its first rows
        (`read_opening`; None: read them now), every outcome, nothing marked, live, the cursor on the first
        item. The app keeps one Job screen and shows on it each job opened from the Jobs screen: composing
        a new one each time (its widgets, their styles, a tree of the first item's steps) was most of what
        opening a job cost, and left a screen's worth of widgets for each full collection to free."""
        self._shown_since += 1
        if job_id != self.job_id:
            self._shaped.clear()
        self.job_id = job_id
        self.job, self.items, self.nothing_to_do, self.failures = (
            opening.rows if opening is not None else (None, [], 0, {})
        )
        self.outcome, self.marked = "all", set()
        if self.travelling:
            self.travelling, self.moment, self._index, self._from_end = False, None, None, 0
            self.refresh_bindings()
        self._cascade_source = self._cascade_shown = None
        self._again = False
        if self._view is not None:  # rebuilt rows kept from time travel: a live read frees them (its thread)
            self.reload()
        if not self._columns_ready:  # not mounted yet: on_mount shows it
            self._opening = opening
            return
        show_text(self.query_one("#title", Static), self._title_text())
        if opening is None:
            show_text(self.query_one("#summary", Static), Text("loading…"))
            self.reload()
        else:
            show_text(self.query_one("#summary", Static), self._summary_text())
            self._show_opening(opening)
        show_text(self.query_one("#filterbar", Static), self._filter_text(len(self._shown())))
        table = self.query_one("#items", DataTable)
        if table.row_count:
            table.move_cursor(row=0, column=0, animate=False)
        self.query_one("#cascade", CascadeTree).scroll_home(animate=False)
        table.focus()

    def _show_opening(self, opening: Opening) -> None:
        """Show the rows read before the screen shows (before its first frame is composed): the rows, the
        cursor on the first, its cascade."""
        self._show_rows()
        if self.items:
            first = self.items[0]
            self._cascade_source = (first.item_key, first)
            self._cascade_shown = (first.item_key, opening.first_steps)
            self.query_one("#cascade", CascadeTree).show(opening.first_cascade)
        if self.job is None or self.job.finished_at is None:
            # It may have moved between the read and now, unheard (only a screen showing is told): read
            # it again soon, not at once: the frame just composed shows what the operator asked for.
            self._engine_refresh.postpone()
            self._engine_refresh.request()

    def log_changed(self) -> None:
        self._engine_refresh.request()

    def shown_job(self) -> tuple[str, int] | None:
        if self.travelling:  # the job as it was: nothing to follow
            return None
        return self.job_id, -1 if self.job is None else self.job.updated_seq

    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._load()

    @work(group="job-load")
    async def _load(self) -> None:
        job_id, shown_since = self.job_id, self._shown_since
        status = None if self.outcome == "all" else self.outcome
        travelling, index, from_end = self.travelling, self._index, self._from_end

        def rows(log: Projections) -> Rows:
            return read_rows(log, job_id, status)

        def query(log: EventLog) -> tuple[Rows, Moment | None]:
            if not travelling:
                self._drop_view()
                return rows(log), None
            seqs = log.seqs_of_job(job_id)
            if not seqs:
                return nothing, None
            count = len(seqs)
            at = max(1, min(count + from_end if index is None else index, count))
            view = self._view_at(log, seqs[at - 1])
            return rows(view), Moment(at, count, view.seq, view.recorded_at)

        nothing: Rows = (None, [], 0, {})
        default: tuple[Rows, Moment | None] = (nothing, None)
        try:
            found, moment = await self.console.reader.read(query, default)
        finally:
            self._loading = False
        if shown_since != self._shown_since:  # read for the job shown before: the screen shows another now
            pass
        elif travelling == self.travelling:  # else the mode changed meanwhile: the next read shows it
            self.job, self.items, self.nothing_to_do, self.failures = found
            if travelling and moment is not None and self._index is None:  # just entered: steps pressed
                extra = self._from_end - from_end  # meanwhile count from the event now known
                self._index, self._from_end = max(1, min(moment.index + extra, moment.count)), 0
            self.moment = moment
            if self.on_stack:
                self.render_all()
        if self._again:
            self._again = False
            self.reload()

    def _view_at(self, log: EventLog, seq: int) -> AsOfView:
        """The job as of event `seq` (on the reader thread): the view kept, moved there, or a new one."""
        if self._view is None:
            self._view = log.as_of(seq, job_id=self.job_id)
        elif self._view.seq != seq:
            self._view.move_to(seq)
        return self._view

    def _drop_view(self) -> None:
        """Free the rebuilt rows once live again (on the reader thread)."""
        if self._view is not None:
            self._view.close()
            self._view = None

    def render_all(self) -> None:
        show_text(self.query_one("#title", Static), self._title_text())
        show_text(self.query_one("#summary", Static), self._summary_text())
        shown = self._show_rows()
        show_text(self.query_one("#filterbar", Static), self._filter_text(len(shown)))
        self.show_cascade()

    def _title_text(self) -> Text:
        moment = self.moment
        title = Text(f"Job {self.job_id}")
        if moment is not None:
            title.append("  ")
            title.append(moment.describe(), "reverse")
            title.append("   [ ] one event  { } ten  t live")
        return title

    def _summary_text(self) -> Text:
        moment = self.moment
        if self.job is None:
            return Text(f"no job {self.job_id} in the log")
        if moment is not None:  # as it was then: "now" is the event's time, the engine's count not yet
            then = parse_time(moment.recorded_at) or self.console.now()
            return job_summary(self.job, then, nothing_to_do=self.nothing_to_do)
        live = self.console.live_progress().get(self.job_id)
        return job_summary(self.job, self.console.now(), nothing_to_do=self.nothing_to_do, live=live)

    def _shown(self) -> list[ItemRow]:
        return filter_items(self.items, self.outcome)[:MAX_ROWS]

    def _show_rows(self) -> list[ItemRow]:
        """Make the items table show the rows of the outcome chosen (only the rows that changed re-shaped)."""
        shown = self._shown()
        changed: set[str] = set()
        for row in shown:
            failure = self.failures.get(row.item_key)
            shape = (row.updated_seq, row.status, row.item_key in self.marked, failure)
            if self._shaped.get(row.item_key, (None,))[0] != shape:
                self._shaped[row.item_key] = (shape, item_cells(row, shape[2], failure))
                changed.add(row.item_key)
        rows = [(row.item_key, self._shaped[row.item_key][1]) for row in shown]
        sync_rows(self.query_one("#items", DataTable), rows, only=changed)
        return shown

    def _filter_text(self, shown: int) -> Text:
        total = self.job.items_total if self.job else len(self.items)
        if self.job is None:
            matching = shown
        elif self.outcome == "all":
            matching = total
        else:  # the job row counts its items by status
            matching = int(getattr(self.job, f"items_{self.outcome}", shown))
            if self.outcome in ("skipped", "pending"):
                matching += self.nothing_to_do if self.outcome == "skipped" else -self.nothing_to_do
        more = f" (first {MAX_ROWS} shown)" if matching > MAX_ROWS else ""
        return Text.assemble(
            "outcome ",
            (self.outcome, "bold"),
            f" (f cycles): {matching} of {total} items{more}; {len(self.marked)} marked",
        )

    def engine_changed(self, snapshot: EngineSnapshot) -> None:
        super().engine_changed(snapshot)
        if self._columns_ready and self.job_id in snapshot.changed:
            self._engine_refresh.request()

    def selected_item(self) -> str | None:
        return cursor_key(self.query_one("#items", DataTable))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor moved: its item's cascade is read once it rests there (`cascade_rest_s`). The cursor's
        frame is not held up by the read and the tree's repaint, nor the next key's frame by the repaint for
        an item the cursor only passed: keys pressed one after another read one cascade, where they stop
        (bench/soak.py: down then up read two cascades, and the second key waited for the first's tree)."""
        self._stop_rest()
        self._cascade_rest = self.set_timer(self.cascade_rest_s, self._rested)

    def _stop_rest(self) -> None:
        if self._cascade_rest is not None:
            self._cascade_rest.stop()
            self._cascade_rest = None

    def _rested(self) -> None:
        self._cascade_rest = None
        if self.on_stack:
            self.show_cascade()

    def show_cascade(self) -> None:
        """Show the selected item's cascade, unless the tree already shows it as it is (or the cursor is
        moving: it is read when the cursor rests)."""
        if self._cascade_rest is not None:
            return
        key = self.selected_item()
        if key is None:
            return
        source = (key, next((row for row in self.items if row.item_key == key), None))
        if source != self._cascade_source:
            self._cascade_source = source
            self._load_cascade(key)

    @work(group="cascade", exclusive=True)
    async def _load_cascade(self, item_key: str) -> None:
        job_id, shown_since = self.job_id, self._shown_since
        travelling = self.travelling

        shown = self._cascade_shown

        def query(log: EventLog) -> tuple[list[StepRow], list[Labelled] | None]:
            """The item's steps, and what the tree shows of them unless it shows them already (shaped here,
            on the reader thread, not on the UI loop the keys need)."""
            source: Projections = self._view if travelling and self._view is not None else log
            steps = source.steps(job_id, item_key)
            return steps, None if shown == (item_key, steps) else labelled(cascade(steps))

        nothing: tuple[list[StepRow], list[Labelled] | None] = ([], [])
        steps, nodes = await self.console.reader.read(query, nothing)
        if not self.on_stack or shown_since != self._shown_since or self._cascade_shown == (item_key, steps):
            return
        if self.selected_item() != item_key:  # the cursor moved on meanwhile (keys pressed one after another)
            return  # the tree is repainted for the item where the cursor is, by that item's own read
        self._cascade_shown = (item_key, steps)
        self.query_one("#cascade", CascadeTree).show(nodes if nodes is not None else labelled(cascade(steps)))

    # ---- actions ----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Nothing is written from the past: time travel hides every action that writes."""
        if self.travelling and action in WRITING:
            return False
        return super().check_action(action, parameters)

    def action_time_travel(self) -> None:
        if self.travelling:
            self._go_live()
        else:
            self._travel(0)

    def action_step_back(self) -> None:
        self._travel(-1)

    def action_step_forward(self) -> None:
        self._travel(1)

    def action_leap_back(self) -> None:
        self._travel(-LEAP)

    def action_leap_forward(self) -> None:
        self._travel(LEAP)

    def action_back(self) -> None:
        if self.travelling:
            self._go_live()
        else:
            super().action_back()

    def _travel(self, events: int) -> None:
        """Show the job `events` events later (earlier if negative); from live, counted from its last."""
        if not self.travelling:
            self.travelling, self._index, self._from_end = True, None, events
            self.refresh_bindings()
        elif self._index is None:
            self._from_end += events
        else:
            count = self.moment.count if self.moment is not None else self._index
            self._index = max(1, min(self._index + events, count))
        self.reload()

    def _go_live(self) -> None:
        self.travelling, self._index, self._from_end = False, None, 0
        self.refresh_bindings()
        self.reload()

    def action_cycle_filter(self) -> None:
        self.outcome = OUTCOMES[(OUTCOMES.index(self.outcome) + 1) % len(OUTCOMES)]
        self.reload()

    def action_mark(self) -> None:
        key = self.selected_item()
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self.render_all()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        key = self.selected_item()
        if key is not None:
            self.console.open_item(self.job_id, key)

    def action_retry(self) -> None:
        if self.job is not None:
            key = self.selected_item()
            row = next((row for row in self.items if row.item_key == key), None)
            name = item_name(row) if row is not None else None
            self.console.request_retry(self.job, one=key, marked=tuple(sorted(self.marked)), one_name=name)

    def action_resume(self) -> None:
        if self.job is not None:
            self.console.request_resume(self.job)

    def action_cancel(self) -> None:
        if self.job is not None:
            self.console.request_cancel(self.job)

    def action_discard(self) -> None:
        if self.job is not None:
            self.console.request_discard(self.job)

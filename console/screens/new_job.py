"""The New job screen: choose a job, plan it as a dry run, read the plan, then confirm exactly that plan.

The form is driven by `OPTIONS`: each option names a kind of the engine's registry (`engine.KINDS`), the
parameters it fixes (generate's payout type) and the fields it shows; the kind's own `parse` checks what
was filled in. The plan is listed item by item (see `plan_table`): searchable, sortable, with the writes of
the item under the cursor and the totals per currency.

Confirming runs `engine.resume(dry_run_job_id)`: the stored plan the operator read, never a re-query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static

from console.hosting import CommandAnswered, EngineSnapshot
from console.screens.actions import bindings
from console.screens.base import PaydeskScreen
from console.screens.data import PlanView, money, plan_text, plan_view
from console.screens.dialogs import STORED_PLAN_RUNS, confirm_moving
from console.screens.list_table import ListTable
from console.screens.plan_table import (
    SORTS,
    PlannedWrite,
    PlanRow,
    cells,
    item_writes,
    plan_rows,
    plan_totals_text,
    search,
    sort_rows,
    writes_text,
)
from console.widgets.key_bar import KeyBar
from console.widgets.tables import Column, add_columns, cell, cursor_key, sync_rows
from engine import KINDS, Engine, InvalidParams, OverLimit, over_limits
from eventlog import EventLog


@dataclass(frozen=True)
class KindOption:
    """One choice of the form: a kind of the registry, the parameters the choice fixes, the fields shown."""

    key: str  # the choice's value in the Kind select
    title: str  # what the operator reads
    kind: str  # its name in engine.KINDS
    fixed: Mapping[str, Any] = field(default_factory=dict)
    fields: tuple[str, ...] = ()  # ids of the fields shown (see FIELDS)
    dated: bool = False  # the job writes today's date (commit's Payment Date): `today` is the console's


OPTIONS: tuple[KindOption, ...] = (
    KindOption(
        "commit",
        "commit: mark a batch Paid (payables, payout items, splits, refunds)",
        "commit",
        fields=("month", "batch", "contractor"),
        dated=True,
    ),
    KindOption(
        "payroll",
        "generate payroll: a payout for each task order of the month",
        "generate",
        {"type": "payroll"},
        ("month", "payday", "contractor"),
    ),
    KindOption(
        "refund",
        "generate refunds: a payout for each approved refund",
        "generate",
        {"type": "refund"},
        ("month", "contractor"),
    ),
    KindOption(
        "invoice_split",
        "generate invoice splits: a payout for each pending invoice split",
        "generate",
        {"type": "invoice_split"},
        ("month", "contractor"),
    ),
    KindOption(
        "sync",
        "sync: the month's timesheets into task orders and line items",
        "sync",
        fields=("month", "payday", "contractor", "force", "hours_only"),
    ),
    KindOption(
        "reconcile",
        "reconcile: compare the month's records with Notion; executing writes the logged values back",
        "reconcile",
        fields=("month", "payday"),
    ),
)
BY_KEY = {option.key: option for option in OPTIONS}
FLAG_WORDS = (("--job JOB or ", ""), ("--month", "Work month"), ("--batch", "Batch (payday)"))
"""A kind's refusal names the command line's flags; here, the fields' labels."""


def in_field_words(message: str) -> str:
    """A kind's refusal of its parameters in one line, naming this screen's fields rather than flags
    (found walking: a month typed "2026-1" was refused with "--month must be YYYY-MM …")."""
    for flag, label in FLAG_WORDS:
        message = message.replace(flag, label)
    return " ".join(message.split())


FIELDS = {  # field id -> the parameter it fills
    "month": "month",
    "batch": "batch",
    "payday": "batch",
    "contractor": "contractor",
    "force": "force",
    "hours_only": "hours_only",
}
PLAN_COLUMNS = (
    Column("Contractor"),
    Column("Invoice / source"),
    Column("Amount"),
    Column("Currency"),
    Column("Writes"),
)
SORTED_BY_COLUMN = {0: "contractor", 2: "amount"}  # a click on these headers sorts by them


class NewJobScreen(PaydeskScreen):
    CSS_PATH = "new_job.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("NewJobScreen"))

    def __init__(self, month: str = "") -> None:
        super().__init__()
        self.month = month
        self.job_id: str | None = None  # the dry run whose plan is awaited or shown
        self.plan: PlanView | None = None
        self.rows: list[PlanRow] = []
        self.shown: list[PlanRow] = []
        self.sort_by = SORTS[0]
        self.descending = False
        self.planning = False  # a plan was asked for and is not shown yet
        self._loading = False
        self._planned = ""  # what the plan shown was asked for, in words
        self._planned_key = ""  # and the option it was planned with
        self._unexecuted: str | None = None  # the last plan shown, until executed: a new plan supersedes it

    def compose(self) -> ComposeResult:
        yield Static("New job", id="title")
        with VerticalScroll(id="form"):
            with Vertical(id="field-kind", classes="field"):
                yield Label("Kind")
                yield Select(
                    [(option.title, option.key) for option in OPTIONS],
                    value=OPTIONS[0].key,
                    allow_blank=False,
                    id="kind",
                )
            with Horizontal(classes="row"):
                with Vertical(id="field-month", classes="field"):
                    yield Label("Work month (YYYY-MM)")
                    yield Input(self.month, placeholder="2026-01", id="month")
                with Vertical(id="field-batch", classes="field"):
                    yield Label("Batch (payday)")
                    yield Select([("15", 15), ("1", 1)], value=15, allow_blank=False, id="batch")
                with Vertical(id="field-payday", classes="field"):
                    yield Label("Payday (optional)")
                    yield Select([("15", 15), ("1", 1)], prompt="any", id="payday")
                with Vertical(id="field-contractor", classes="field"):
                    yield Label("Contractor (optional)")
                    yield Input(placeholder="full name", id="contractor")
                with Vertical(id="field-force", classes="field"):
                    yield Label("Updates")
                    yield Checkbox("every status (force)", id="force")
                with Vertical(id="field-hours_only", classes="field"):
                    yield Label("Summaries")
                    yield Checkbox("hours only", id="hours_only")
            with Horizontal(classes="row buttons"):
                yield Button("Plan (dry run: writes nothing)", id="plan", variant="primary")
                yield Button("Execute this plan…", id="execute", variant="error", disabled=True)
            yield Static(
                "Fill in the job and press Plan: paydesk preloads it and shows every write.", id="plan-text"
            )
            with Vertical(id="plan-view"):
                with Horizontal(id="plan-tools"):
                    yield Input(placeholder="search: contractor, invoice or source", id="search")
                    yield Static("", id="sort")
                yield Static("", id="totals")
                yield ListTable(id="plan-items")
                yield Static("", id="writes")
        yield self.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        add_columns(self.query_one("#plan-items", DataTable), PLAN_COLUMNS)
        self.query_one("#plan-view").display = False
        self.show_fields(self.option())
        self.query_one("#plan", Button).disabled = self.console.settings.read_only
        self.query_one("#month", Input).focus()

    # ---- the form -------------------------------------------------------------------------------------

    def option(self) -> KindOption:
        return BY_KEY[str(self.query_one("#kind", Select).value)]

    def show_fields(self, option: KindOption) -> None:
        """Only the option's fields show (hidden ones take no focus)."""
        for name in FIELDS:
            self.query_one(f"#field-{name}").display = name in option.fields

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "kind":
            return
        option = BY_KEY[str(event.value)]
        self.show_fields(option)
        if self.plan is not None and option.key != self._planned_key:
            self.clear_plan("Kind changed: press Plan to plan this job.")

    def params(self, option: KindOption) -> dict[str, Any] | None:
        """The option's parameters as its kind reads them; None (with a one-line notification) when the
        kind refuses them."""
        params: dict[str, Any] = dict(option.fixed)
        for name in option.fields:
            params[FIELDS[name]] = self.value(name)
        if option.dated:
            params["today"] = self.console.today()
        try:
            KINDS[option.kind].parse(params)
        except InvalidParams as err:
            self.notify(in_field_words(str(err)), severity="error", markup=False)
            return None
        return params

    def value(self, name: str) -> Any:
        widget = self.query_one(f"#{name}")
        if isinstance(widget, Input):
            return widget.value.strip() or None
        if isinstance(widget, Select):
            return None if widget.is_blank() else widget.value
        if isinstance(widget, Checkbox):
            return widget.value
        raise TypeError(f"no value for {name}")  # pragma: no cover - FIELDS name only the widgets above

    # ---- planning -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not super().check_action(action, parameters):
            return False  # a read-only console offers neither planning nor executing
        if action == "plan":
            return None if self.planning else True
        if action == "execute":
            return True if self.plan is not None and self.plan.writes > 0 else None
        if action in ("sort", "search"):
            return True if self.plan is not None else None
        return True

    def action_plan(self) -> None:
        if not self.query_one("#plan", Button).disabled:
            self.start_plan()

    def action_execute(self) -> None:
        if not self.query_one("#execute", Button).disabled:
            self.confirm_execute()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "plan":
            self.start_plan()
        elif event.button.id == "execute":
            self.confirm_execute()

    def start_plan(self) -> None:
        option = self.option()
        params = self.params(option)
        if params is None:
            return
        kind = option.kind

        def plan(engine: Engine) -> str:
            return engine.start(kind, params, dry_run=True)

        describe = describe_plan(option, params)
        if self.console.send(plan, describe, self.plan_started):
            self.discard_superseded()
            self.clear_plan("planning: preloading…")
            self.planning = True
            self._planned = describe.removeprefix("plan ")
            self._planned_key = option.key
            self.query_one("#plan", Button).disabled = True
            self.refresh_bindings()

    def discard_superseded(self) -> None:
        """The operator changed their mind: the plan shown before (never executed) is discarded, so it
        cannot be executed later by mistake (it stays in the log as discarded)."""
        old, self._unexecuted = self._unexecuted, None
        if old is None:
            return

        def discard(engine: Engine) -> str:
            return engine.discard(old, reason="console: superseded by a new plan")

        self.console.send(discard, f"discard {old} (superseded)")

    def clear_plan(self, message: str) -> None:
        """Forget the plan shown (a new one is asked for, or the form no longer describes it)."""
        self.job_id = None
        self.plan = None
        self.rows = []
        self.shown = []
        self._loading = False
        self.query_one("#plan-items", DataTable).clear()
        self.query_one("#plan-view").display = False
        self.query_one("#execute", Button).disabled = True
        self.query_one("#plan-text", Static).update(Text(message))
        self.refresh_bindings()

    def plan_started(self, answer: CommandAnswered) -> None:
        if not self.on_stack:
            return
        if answer.refused is not None:
            self.planning = False
            self.query_one("#plan-text", Static).update(Text(f"refused: {answer.refused}"))
            self.query_one("#plan", Button).disabled = False
            self.refresh_bindings()
            return
        self.job_id = str(answer.value)
        self.query_one("#plan-text", Static).update(Text(f"planning {self.job_id}: preloading…"))
        if self.console.snapshot is not None:  # the dry run may have finished before its answer came
            self.check_plan(self.console.snapshot)

    def engine_changed(self, snapshot: EngineSnapshot) -> None:
        super().engine_changed(snapshot)
        self.check_plan(snapshot)

    def check_plan(self, snapshot: EngineSnapshot) -> None:
        """Load the plan once its dry run is done. (A second plan used to wait for ever: the first plan
        was still held, and only a screen without a plan looked for one.)"""
        if self.job_id is None or not self.planning or self._loading:
            return
        job = snapshot.jobs.get(self.job_id)
        if job is None or not job.done:
            return
        if job.error:
            self.planning = False
            self.query_one("#plan-text", Static).update(Text(f"the plan could not be made: {job.error}"))
            self.query_one("#plan", Button).disabled = False
            self.job_id = None
            self.refresh_bindings()
            return
        self._loading = True
        self.load_plan(self.job_id)

    @work(group="plan-load", exclusive=True)
    async def load_plan(self, job_id: str) -> None:
        def read(log: EventLog) -> tuple[PlanView | None, list[PlanRow]]:
            return plan_view(log, job_id), plan_rows(log, job_id)

        nothing: tuple[PlanView | None, list[PlanRow]] = (None, [])
        plan, rows = await self.console.reader.read(read, nothing)
        if not self.on_stack or job_id != self.job_id:
            return
        self._loading = False
        self.planning = False
        self.query_one("#plan", Button).disabled = False
        if plan is None:
            self.query_one("#plan-text", Static).update(Text(f"plan {job_id} not found in the log"))
            self.refresh_bindings()
            return
        self.plan, self.rows = plan, rows
        self._unexecuted = job_id
        rate = self.console.settings.rate
        self.query_one("#plan-text", Static).update(
            Text.assemble(Text(self._planned, style="italic"), "\n", plan_text(plan, rate))
        )
        self.query_one("#execute", Button).disabled = plan.writes == 0
        self.query_one("#search", Input).value = ""
        self.query_one("#plan-view").display = True
        self.show_rows()
        self.refresh_bindings()

    # ---- the plan table -------------------------------------------------------------------------------

    def show_rows(self) -> None:
        table = self.query_one("#plan-items", DataTable)
        text = self.query_one("#search", Input).value
        self.shown = sort_rows(search(self.rows, text), self.sort_by, self.descending)
        sync_rows(table, [(row.item_key, tuple(cell(value) for value in cells(row))) for row in self.shown])
        self.query_one("#totals", Static).update(
            Text(plan_totals_text(self.rows, self.shown, self.plan.totals if self.plan else {}))
        )
        order = "" if self.sort_by == "planned" else (" ▼" if self.descending else " ▲")
        self.query_one("#sort", Static).update(Text(f"sorted: {self.sort_by}{order} (f6)"))
        self.show_writes()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search" and self.plan is not None:
            self.show_rows()

    def action_search(self) -> None:
        if self.plan is not None:
            self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        if self.plan is None:
            return
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self.descending = False
        self.show_rows()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        by = SORTED_BY_COLUMN.get(event.column_index)
        if by is None or self.plan is None:
            return
        self.descending = not self.descending if by == self.sort_by else False
        self.sort_by = by
        self.show_rows()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "plan-items":
            self.show_writes()

    def show_writes(self) -> None:
        key = cursor_key(self.query_one("#plan-items", DataTable))
        if key is None or self.job_id is None:
            self.query_one("#writes", Static).update("")
            return
        self.load_writes(self.job_id, key)

    @work(group="plan-writes", exclusive=True)
    async def load_writes(self, job_id: str, item_key: str) -> None:
        none: list[PlannedWrite] = []
        writes = await self.console.reader.read(lambda log: item_writes(log, job_id, item_key), none)
        if not self.on_stack or job_id != self.job_id:
            return
        row = next((r for r in self.rows if r.item_key == item_key), None)
        title = f"writes of {row.reference or row.contractor}:" if row is not None else "writes:"
        self.query_one("#writes", Static).update(Text(f"{title}\n{writes_text(writes)}"))

    # ---- executing ------------------------------------------------------------------------------------

    def confirm_execute(self) -> None:
        plan = self.plan
        if plan is None:
            return
        body = (
            f"Execute plan {plan.job_id}: {plan.writes} writes for {plan.items} items, "
            f"moving {money(plan.totals)}.\n{STORED_PLAN_RUNS}"
        )

        over = self.over_limit(plan)

        def answered(yes: bool | None) -> None:
            if yes:
                self.execute(plan, allow_over_limit=bool(over))

        dialog = confirm_moving("Execute this plan?", body, f"Execute {plan.writes} writes", over)
        self.app.push_screen(dialog, answered)

    def over_limit(self, plan: PlanView) -> list[OverLimit]:
        """What of the plan is above `[limits]` (nothing without a configuration)."""
        config = self.console.settings.config
        return over_limits(plan.totals, config.limits) if config is not None else []

    def execute(self, plan: PlanView, *, allow_over_limit: bool = False) -> None:
        job_id = plan.job_id

        def run(engine: Engine) -> str:
            return engine.resume(job_id, allow_over_limit=allow_over_limit)

        if self.console.send(run, f"execute {job_id}"):
            self._unexecuted = None
            self.console.open_job(job_id, replace=True)


def describe_plan(option: KindOption, params: Mapping[str, Any]) -> str:
    """`plan commit 2026-01 batch 15`, `plan generate refund 2026-01 contractor Ada`: the journal's words."""
    words = ["plan", option.kind, *(str(value) for value in option.fixed.values()), str(params["month"])]
    if params.get("batch") is not None:
        words.append(f"batch {params['batch']}")
    if params.get("contractor"):
        words.append(f"contractor {params['contractor']}")
    words.extend(name.replace("_", " ") for name in ("force", "hours_only") if params.get(name))
    return " ".join(words)

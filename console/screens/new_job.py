"""The New job screen: choose a job, plan it as a dry run, read the plan, then confirm exactly that plan.

Confirming runs `engine.resume(dry_run_job_id)`: the stored plan the operator read, never a re-query.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from console.hosting import CommandAnswered, EngineSnapshot
from console.screens.base import PaydeskScreen
from console.screens.data import PlanView, money, plan_text, plan_view
from console.screens.dialogs import ConfirmScreen
from console.widgets.key_bar import KeyBar
from engine import Engine

OPTIONS = (  # (what the operator reads, the option's key: a kind's name for the kinds in READY)
    ("commit: mark a batch Paid (payables, payout items, splits, refunds)", "commit"),
    ("generate payroll (coming)", "generate"),
    ("refund (coming)", "refund"),
    ("invoice split (coming)", "invoice_split"),
    ("sync (coming)", "sync"),
)
READY = frozenset({"commit"})  # the kinds this form plans today: its fields are their parameters
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class NewJobScreen(PaydeskScreen):
    CSS_PATH = "new_job.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "plan", "Plan (dry run)"),  # writes nothing; executing needs a confirmation
    ]

    def __init__(self, month: str = "") -> None:
        super().__init__()
        self.month = month
        self.job_id: str | None = None
        self.plan: PlanView | None = None

    def compose(self) -> ComposeResult:
        yield Static("New job", id="title")
        with VerticalScroll(id="form"):
            yield Label("Kind")
            yield Select(OPTIONS, value="commit", allow_blank=False, id="kind")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label("Work month (YYYY-MM)")
                    yield Input(self.month, placeholder="2026-01", id="month")
                with Vertical():
                    yield Label("Batch (payday)")
                    yield Select([("15", 15), ("1", 1)], value=15, allow_blank=False, id="batch")
                with Vertical():
                    yield Label("Contractor (optional)")
                    yield Input(placeholder="full name", id="contractor")
            yield Static("", id="coming")
            with Horizontal(classes="row buttons"):
                yield Button("Plan (dry run: writes nothing)", id="plan", variant="primary")
                yield Button("Execute this plan…", id="execute", variant="error", disabled=True)
            yield Static(
                "Fill in the batch and press Plan: paydesk preloads it and shows every write.", id="plan-text"
            )
        yield self.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#month", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "kind":
            return
        coming = event.value not in READY
        self.query_one("#coming", Static).update(
            "coming: the engine does not run this job yet; only commit can be planned today" if coming else ""
        )
        self.query_one("#plan", Button).disabled = coming or self.console.settings.read_only

    def action_plan(self) -> None:
        if not self.query_one("#plan", Button).disabled:
            self.start_plan()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "plan":
            self.start_plan()
        elif event.button.id == "execute":
            self.confirm_execute()

    def params(self) -> dict[str, Any] | None:
        month = self.query_one("#month", Input).value.strip()
        if not _MONTH.match(month):
            self.notify(
                f"write the month as YYYY-MM, e.g. 2026-01 (not {month!r})", severity="error", markup=False
            )
            return None
        batch = self.query_one("#batch", Select).value
        contractor = self.query_one("#contractor", Input).value.strip() or None
        return {
            "month": month,
            "batch": int(str(batch)),
            "today": self.console.today(),
            "contractor": contractor,
        }

    def start_plan(self) -> None:
        kind = str(self.query_one("#kind", Select).value)
        params = self.params()
        if params is None:
            return

        def plan(engine: Engine) -> str:
            return engine.start(kind, params, dry_run=True)

        if self.console.send(plan, f"plan {kind} {params['month']} batch {params['batch']}", self.planning):
            self.query_one("#plan", Button).disabled = True
            self.query_one("#execute", Button).disabled = True
            self.query_one("#plan-text", Static).update("planning: preloading the batch…")

    def planning(self, answer: CommandAnswered) -> None:
        if answer.refused is not None:
            self.query_one("#plan-text", Static).update(Text(f"refused: {answer.refused}"))
            self.query_one("#plan", Button).disabled = False
            return
        self.job_id = str(answer.value)
        self.query_one("#plan-text", Static).update(Text(f"planning {self.job_id}: preloading the batch…"))

    def engine_changed(self, snapshot: EngineSnapshot) -> None:
        super().engine_changed(snapshot)
        job = snapshot.jobs.get(self.job_id or "")
        if job is not None and job.done and self.plan is None and self.job_id is not None:
            if job.error:
                self.query_one("#plan-text", Static).update(Text(f"the plan could not be made: {job.error}"))
                self.query_one("#plan", Button).disabled = False
                self.job_id = None
            else:
                self.load_plan(self.job_id)

    @work(group="plan-load", exclusive=True)
    async def load_plan(self, job_id: str) -> None:
        self.plan = await self.console.reader.read(lambda log: plan_view(log, job_id), None)
        if self.plan is None or not self.on_stack:
            return
        rate = self.console.settings.rate
        self.query_one("#plan-text", Static).update(plan_text(self.plan, rate))
        self.query_one("#execute", Button).disabled = self.plan.writes == 0
        self.query_one("#plan", Button).disabled = False

    def confirm_execute(self) -> None:
        plan = self.plan
        if plan is None:
            return
        body = (
            f"Execute plan {plan.job_id}: {plan.writes} writes for {plan.items} items, "
            f"moving {money(plan.totals)}.\n"
            "Exactly the plan shown runs; nothing is re-queried. Writes already at target are skipped."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.execute(plan)

        self.app.push_screen(
            ConfirmScreen("Execute this plan?", body, f"Execute {plan.writes} writes"), answered
        )

    def execute(self, plan: PlanView) -> None:
        job_id = plan.job_id

        def run(engine: Engine) -> str:
            return engine.resume(job_id)

        if self.console.send(run, f"execute {job_id}"):
            self.console.open_job(job_id, replace=True)

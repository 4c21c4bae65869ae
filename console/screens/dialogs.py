"""Modal dialogs: confirmations that name counts and money, retry choices, export, reports and help."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from engine import OverLimit

STORED_PLAN_RUNS = (
    "Exactly the plan shown runs: it is not planned again. What changed in Notion since it was made is read "
    "first: a write whose record changed is blocked, one already at target skipped."
)
"""What executing a dry run's stored plan does, said wherever the console asks to (New job, the Jobs list)."""


class ConfirmScreen(ModalScreen[bool]):
    """An explicit yes: Cancel has the focus; only the confirm button (or ctrl+y) says yes. The body is plain
    text, never markup."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "no", "Cancel"), ("ctrl+y", "yes", "Confirm")]

    def __init__(self, title: str, body: str, confirm: str) -> None:
        super().__init__()
        self._title, self._body, self._confirm = title, body, confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="title")
            yield Static(self._body, id="body", markup=False)  # job ids, names and sums, shown literally
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="no")
                yield Button(self._confirm, id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class QuitScreen(ConfirmScreen):
    """Asked on ctrl+q while jobs run in this console; ctrl+q pressed again in it says yes."""

    BINDINGS: ClassVar[list[BindingType]] = [("ctrl+q", "yes", "Quit")]


class TypedConfirmScreen(ConfirmScreen):
    """A confirmation for a plan above the configuration's limit per job: the confirm button (and ctrl+y)
    work only once the operator has typed the amount the body names (`expected`, e.g. `62000.00`)."""

    def __init__(self, title: str, body: str, confirm: str, expected: str) -> None:
        super().__init__(title, body, confirm)
        self.expected = expected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="title")
            yield Static(self._body, id="body", markup=False)
            yield Input(placeholder=f"type {self.expected} to confirm", id="typed")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="no")
                yield Button(self._confirm, id="yes", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    def typed(self) -> bool:
        return self.query_one("#typed", Input).value.replace(",", "").strip() == self.expected

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = not self.typed()

    def action_yes(self) -> None:
        if self.typed():
            self.dismiss(True)


def confirm_moving(title: str, body: str, confirm: str, over: Sequence[OverLimit]) -> ConfirmScreen:
    """The confirmation of what moves money: the plain one, or, when it moves more than `[limits]` allow
    (`over`), one that needs the amount typed."""
    if not over:
        return ConfirmScreen(title, body, confirm)
    moved, typed = "; ".join(map(str, over)), over[0].typed
    body += f"\n\nThis is above the limit per job: {moved}. Type {typed} to execute it anyway."
    return TypedConfirmScreen(f"Above the limit: {title[:1].lower()}{title[1:]}", body, confirm, typed)


@dataclass(frozen=True)
class RetryChoice:
    items: tuple[str, ...]  # empty: every failed and blocked item
    count: int


class RetryScreen(ModalScreen[RetryChoice | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss_none", "Cancel")]

    def __init__(
        self, job_id: str, one: str | None, marked: tuple[str, ...], failing: int, one_name: str | None = None
    ) -> None:
        super().__init__()
        self.job_id, self.one, self.marked, self.failing = job_id, one, marked, failing
        self.one_name = one_name or one  # the item's business key (invoice id, contractor…)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Retry items of {self.job_id}", classes="title")
            yield Static("Failed and blocked steps are re-read, then written again. Choose what to retry:")
            with Vertical(classes="choices"):
                if self.one is not None:
                    yield Button(Text(f"Retry this item (1): {(self.one_name or '')[:60]}"), id="one")
                if self.marked:
                    yield Button(f"Retry the {len(self.marked)} marked items", id="marked")
                yield Button(
                    f"Retry all {self.failing} failed or blocked items", id="all", disabled=not self.failing
                )
                yield Button("Cancel", id="cancel", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "one" and self.one is not None:
            self.dismiss(RetryChoice((self.one,), 1))
        elif event.button.id == "marked":
            self.dismiss(RetryChoice(self.marked, len(self.marked)))
        elif event.button.id == "all":
            self.dismiss(RetryChoice((), self.failing))
        else:
            self.dismiss(None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class ExportRequest:
    fmt: str
    path: Path
    job_id: str | None = None
    from_seq: int | None = None
    to_seq: int | None = None


class ExportScreen(ModalScreen[ExportRequest | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss_none", "Cancel")]

    def __init__(self, job_id: str | None, directory: Path) -> None:
        super().__init__()
        self.job_id, self.directory = job_id, directory

    def compose(self) -> ComposeResult:
        scopes = [("the whole log", "log"), ("a range of events", "range")]
        if self.job_id:
            scopes.insert(1, (f"job {self.job_id}", "job"))
        with Vertical(classes="dialog"):
            yield Label("Export the event log", classes="title")
            yield Select(
                [("JSON Lines", "jsonl"), ("CSV", "csv")], value="jsonl", allow_blank=False, id="fmt"
            )
            yield Select(scopes, value="job" if self.job_id else "log", allow_blank=False, id="scope")
            with Horizontal(classes="range"):
                yield Input(placeholder="from seq", id="from_seq", type="integer")
                yield Input(placeholder="to seq", id="to_seq", type="integer")
            yield Input(str(self.directory / "paydesk-export.jsonl"), id="path")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="export", variant="primary")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "fmt":
            path = self.query_one("#path", Input)
            stem = Path(path.value).with_suffix(f".{event.value}")
            path.value = str(stem)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "export":
            self.dismiss(None)
            return
        scope = self.query_one("#scope", Select).value
        fmt = str(self.query_one("#fmt", Select).value)
        first = self.query_one("#from_seq", Input).value.strip()
        last = self.query_one("#to_seq", Input).value.strip()
        self.dismiss(
            ExportRequest(
                fmt=fmt,
                path=Path(self.query_one("#path", Input).value).expanduser(),
                job_id=self.job_id if scope == "job" else None,
                from_seq=int(first) if scope == "range" and first else None,
                to_seq=int(last) if scope == "range" and last else None,
            )
        )

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ReportScreen(ModalScreen[None]):
    """A result to read (verify, replay check, help); any of escape, enter or q closes it."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "close", "Close"), ("q", "close", "Close")]

    def __init__(self, title: str, body: str, *, markup: bool = True) -> None:
        super().__init__()
        self._title, self._body, self._markup = title, body, markup

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self._title, classes="title", markup=self._markup)
            with VerticalScroll():
                yield Static(self._body, id="body", markup=self._markup)
            yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

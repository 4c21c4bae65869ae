"""What every console screen shares: the app it runs in (as a `ConsoleHost`), the status bar, a hook for
engine updates, and styles kept when a screen the app keeps (the Job and Log screens) shows again."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, cast

from textual import events, on, work
from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen

from console.hosting import EngineSnapshot
from console.screens.actions import WRITING, bindings
from console.screens.host import ConsoleHost
from console.widgets.status_bar import StatusBar

NARROW = 100  # columns: below this, side-by-side panes stack (the "narrow" class; see the screens' CSS)
FOLLOW_S = 1.0  # how often a screen showing a job checks whether another process moved it


StyleState = tuple[object, frozenset[str], frozenset[str]]


def style_state(app: App[object]) -> StyleState:
    """What the styles of a screen's widgets are worked out from, besides the widgets themselves (their
    classes and pseudo-classes, which restyle them as they change): the app's rules (a new list whenever its
    CSS is parsed again: a theme chosen, a screen's or a widget's CSS read for the first time), the app's
    classes and its pseudo-classes (focus, dark, ansi…)."""
    return app.stylesheet.rules, frozenset(app.classes), frozenset(app.get_pseudo_classes())


def same_styles(before: StyleState | None, now: StyleState) -> bool:
    return before is not None and before[0] is now[0] and before[1:] == now[1:]


class PaydeskScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("screen"))
    _styled_under: StyleState | None = None  # `style_state` as the screen's styles were last worked out

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A read-only console hides every action that writes (from the key bar and the palette)."""
        return not (action in WRITING and self.console.settings.read_only)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")

    @property
    def console(self) -> ConsoleHost:
        """The app, as far as a screen needs it (console.app.PaydeskApp is one)."""
        return cast(ConsoleHost, self.app)

    def status_bar(self) -> StatusBar:
        return StatusBar(self.console.settings.read_only)

    @property
    def on_stack(self) -> bool:
        """Still on the screen stack: False once popped or once the app shuts down (its screens lose their
        widgets then): a read finishing after that has nothing left to show."""
        return self.app.is_running and self.is_attached and self in self.app.screen_stack

    def follow_job(self) -> None:
        """Check each second whether the job this screen shows (`shown_job`) moved, and read it again as for
        any change to the log (`log_changed`) if it did: a job another paydesk process runs (the command
        line, cron) on a SQLite log, which tells no one. A team's log tells the console of every commit and is
        not polled."""
        if not self.console.settings.team_mode:
            self.set_interval(FOLLOW_S, self._check_followed)

    def shown_job(self) -> tuple[str, int] | None:
        """The job this screen follows and the `updated_seq` of its row as shown (-1: not read yet); None
        when it follows none now."""
        return None

    def _check_followed(self) -> None:
        shown = self.shown_job() if self.is_current else None
        if shown is not None:
            self._read_followed(*shown)

    @work(group="follow-job", exclusive=True)
    async def _read_followed(self, job_id: str, seen: int) -> None:
        row = await self.console.reader.read(lambda log: log.job(job_id), None)
        if row is not None and row.updated_seq != seen and self.on_stack:
            self.log_changed()

    def engine_changed(self, snapshot: EngineSnapshot) -> None:
        """The engine published a snapshot (at most every 0.1 s) while this screen shows; screens refresh
        what they show. A screen covered by another is not told: it catches up when it shows again."""
        for bar in self.query(StatusBar):
            bar.show(snapshot)

    def log_changed(self) -> None:
        """Events were committed to a team's log (by any operator, on any machine) while this screen
        shows; screens that show the log read what changed."""

    def on_screen_resume(self) -> None:
        snapshot = self.console.snapshot
        if snapshot is not None:  # any of the engine's jobs may have changed while this screen was covered
            self.engine_changed(replace(snapshot, changed=frozenset(snapshot.jobs)))

    @on(events.ScreenResume)
    def _keep_styles(self, event: events.ScreenResume) -> None:
        """Spare a screen pushed again the styles of all its widgets worked out again when nothing they are
        worked out from changed since (`style_state`).

        Textual (8.x) restyles every widget of a screen that is pushed (`Screen._on_screen_resume`, which
        handles the event after this handler, a base class's): styles are brought up to date only on the
        screens on the stack, so one pushed again may have missed a theme or CSS read meanwhile. Restyling a
        widget empties its caches of rendered lines whether or not its styles changed: the Job screen, kept
        by the app and pushed again for each job opened, drew its items table and its cascade tree again
        from nothing each time, most of what opening a job cost (bench/soak.py). Textual asks itself whether
        to restyle (`ScreenResume.refresh_styles`): told no when nothing changed, it does the rest as ever.
        """
        now = style_state(self.app)
        if event.refresh_styles and same_styles(self._styled_under, now):
            event.refresh_styles = False
        elif event.refresh_styles:
            self._styled_under = now

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

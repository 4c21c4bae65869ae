"""At most one refresh per interval: the engine reports changes ten times a second while a job runs, and a
screen re-reading the log that often would spend the loop the keys and the engine need."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic

from textual.timer import Timer
from textual.widget import Widget


class Throttle:
    """`request()` runs `action` now if it has not run for `interval` seconds, else once when they are up."""

    def __init__(self, owner: Widget, interval: float, action: Callable[[], None]) -> None:
        self._owner = owner
        self._interval = interval
        self._action = action
        self._last = float("-inf")
        self._timer: Timer | None = None

    def request(self) -> None:
        if self._timer is not None:
            return
        wait = self._last + self._interval - monotonic()
        if wait <= 0:
            self._run()
        else:
            self._timer = self._owner.set_timer(wait, self._run)

    def postpone(self) -> None:
        """Count the action as run just now: the next request runs it no sooner than `interval` from now."""
        self._last = monotonic()

    def _run(self) -> None:
        self._timer = None
        self._last = monotonic()
        self._action()

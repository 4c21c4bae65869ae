"""Timing what the console draws, for bench/console.py: when the first frame showing a change is composed.

Textual composes a frame (lays out and renders the changed widgets into strips) and hands it to
`App._display`, which a real terminal driver writes out and the headless driver drops. `FrameClock` wraps
that method: at each frame it checks the condition being waited for, against the very state the frame was
composed from (nothing runs in between), and notes the time of the first frame for which it holds. "On
screen" below means: composed into a frame handed to the terminal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.app import App

POLL_S = 0.001


class FrameClock:
    def __init__(self, app: App[Any]) -> None:
        self.frames = 0
        self._condition: Callable[[], bool] | None = None
        self._shown_at: float | None = None
        display = app._display

        def noted(screen: Any, renderable: Any) -> None:
            now = time.perf_counter()
            self.frames += 1
            if self._condition is not None and self._shown_at is None and self._condition():
                self._shown_at = now
            display(screen, renderable)

        app._display = noted  # type: ignore[method-assign]

    async def shown(self, condition: Callable[[], bool], limit_s: float = 60.0) -> float:
        """Wait for the first frame composed while `condition()` holds; the time it was handed over."""
        self._condition, self._shown_at = condition, None
        try:
            await until(lambda: self._shown_at is not None, limit_s)
        finally:
            self._condition = None
        assert self._shown_at is not None
        return self._shown_at


async def until(condition: Callable[[], bool], limit_s: float = 60.0) -> None:
    """Poll `condition` every millisecond (the loop runs the app in between); TimeoutError after `limit_s`."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > limit_s:
            raise TimeoutError(f"condition not met within {limit_s} s")
        await asyncio.sleep(POLL_S)

"""The garbage collector's policy while the console runs.

Textual and the engine share one thread: a full collection stops both, and one that traverses everything the
process holds (start-up's modules and widgets, the engine's plan of a large job) took 100-400 ms on a busy
machine, often in the middle of a key press. So, while the app runs: what start-up made is frozen (moved out
of the collector's reach: it lives as long as the app), and full collections are considered after every
100th middle-generation collection rather than every 10th. Young collections, which are short, are left as
they are. Unused garbage cycles wait longer; nothing else changes.
"""

from __future__ import annotations

import gc

FULL_AFTER = 100  # middle-generation collections between two full ones considered (Python's default: 10)


class CollectorPolicy:
    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    def apply(self) -> None:
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        young, middle, _ = self._saved
        gc.freeze()
        gc.set_threshold(young, middle, FULL_AFTER)

    def restore(self) -> None:
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        gc.unfreeze()
        self._saved = None

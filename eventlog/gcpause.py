"""Pausing Python's cyclic garbage collector while the log writes a backlog of events (or rebuilds).

Writing allocates many small objects that live until their transaction ends (encoded events, rows, stored
events, and the futures of the submissions still queued); every 700 of them set off a collection, and
every tenth of those walks the older ones again. None of that frees anything: they are freed by reference
counting. So the writer runs with the collector off while it has work queued (at most
`writer.MAX_GC_PAUSE_S`), and the collector catches up as soon as it is idle.

The switch is process-wide, so pauses are counted: the collector is turned back on when the last pause
that overlaps ends, and only if it was on when the first one began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cyclic garbage collector disabled (restored afterwards; see module doc)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()

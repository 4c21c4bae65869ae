"""Fixtures for the whole suite."""

from __future__ import annotations

import pytest
from trio.testing import MockClock

# How long (real seconds) trio must be idle before the mock clock jumps to the next deadline. At 0, trio's
# loop polls without ever sleeping while a task waits on a thread (the event log's writer, a read of the
# log), so it keeps the GIL busy and slows that very thread tenfold; a millisecond lets the thread run.
AUTOJUMP_THRESHOLD_S = 0.001


@pytest.fixture
def autojump_clock() -> MockClock:
    """trio's autojump clock (pytest-trio's fixture of the same name), with a threshold that does not spin."""
    return MockClock(autojump_threshold=AUTOJUMP_THRESHOLD_S)

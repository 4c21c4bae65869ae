from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from eventlog import EventLog


class TickingClock:
    """A clock that moves one second per reading, so tests can pin times without sleeping."""

    def __init__(self, start: datetime = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(seconds=1)
        return current


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "paydesk.sqlite"


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def log(log_path: Path, clock: TickingClock) -> Iterator[EventLog]:
    with EventLog(log_path, clock=clock) as opened:
        yield opened

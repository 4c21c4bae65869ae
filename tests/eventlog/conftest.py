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


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def log_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a log lives, once per backend: a SQLite file, and a fresh PostgreSQL database (the contract
    every backend passes)."""
    if request.param == "sqlite":
        return tmp_path / "paydesk.sqlite"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def log(log_location: str | Path, clock: TickingClock) -> Iterator[EventLog]:
    """A new log on each backend."""
    with EventLog(log_location, clock=clock) as opened:
        yield opened


@pytest.fixture
def sqlite_log(log_path: Path, clock: TickingClock) -> Iterator[EventLog]:
    """A new log in a SQLite file (for what only a file has: its mode, header, WAL, query plans)."""
    with EventLog(log_path, clock=clock) as opened:
        yield opened

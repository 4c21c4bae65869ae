"""Fixtures for the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from trio.testing import MockClock

from tests.pgserver import PgServer, Unavailable

# How long (real seconds) trio must be idle before the mock clock jumps to the next deadline. At 0, trio's
# loop polls without ever sleeping while a task waits on a thread (the event log's writer, a read of the
# log), so it keeps the GIL busy and slows that very thread tenfold; a millisecond lets the thread run.
AUTOJUMP_THRESHOLD_S = 0.001

# The long tests first (whole journeys through processes and sandboxes, then Pilot apps, then the engine's),
# the quick ones last: with several workers, a long test started near the end would leave the others idle.
LONGEST_FIRST = ("tests/e2e/", "tests/console/", "tests/engine/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the tests longest kind first (a stable sort: within a kind, the order they were collected in)."""

    def rank(item: pytest.Item) -> int:
        return next((n for n, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)), 99)

    items.sort(key=rank)


@pytest.fixture
def autojump_clock() -> MockClock:
    """trio's autojump clock (pytest-trio's fixture of the same name), with a threshold that does not spin."""
    return MockClock(autojump_threshold=AUTOJUMP_THRESHOLD_S)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    """One real PostgreSQL server for the session (each xdist worker starts its own, on its own port);
    the tests that need it are skipped, with the reason, where none can be started."""
    try:
        server = PgServer.start_new()
    except Unavailable as err:
        pytest.skip(f"PostgreSQL is not available: {err}")
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres_url(postgres_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, empty database on the session's server (dropped after the test)."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)

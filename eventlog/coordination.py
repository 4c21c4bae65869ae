"""Coordination on a team's PostgreSQL log: locks held by a live session, and the shared rate limit's
schedule, for every paydesk process on every machine that uses the log.

`SessionLocks` keeps one connection of its own. A lock is a session-level advisory lock (two-key form, in
a namespace of paydesk's own): PostgreSQL releases it when the session ends, so the locks of a process
that dies (kill -9, a machine that stops: TCP keepalives end its session within about half a minute) are
free again and its job can be resumed from another machine. Within one process the same session would be
granted a lock twice, so this process's own holds are counted here: an exclusive lock this process holds
is refused to it again, as an flock on another descriptor would be.

The schedule of send slots (`change_slots`) is one row per integration in `rate_slots`, changed in a
transaction under a row lock, on the database server's clock, so that machines whose clocks disagree share
one schedule.

psycopg is imported by the methods that use it: a command on a SQLite log starts without it (a fifth of
the command line's start-up).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from eventlog.errors import LogUnavailable
from eventlog.location import describe_location, scrub

T = TypeVar("T")
NAMESPACE = 0x50594C4B  # "PYLK": the first key of every paydesk lock (the log's own appenders use one bigint)
KEEPALIVE: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
Change = Callable[[float, float, int, float], tuple[float, float, int, T]]


def _key(name: str) -> int:
    """A signed 32-bit key for a lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


class SessionLocks:
    def __init__(self, url: str) -> None:
        import psycopg

        self._url = url
        self.where = describe_location(url)
        self._lock = threading.Lock()
        self._held: dict[str, tuple[bool, int]] = {}  # name -> (exclusive, holds)
        try:
            self._conn = psycopg.connect(url, autocommit=True, application_name="paydesk-locks", **KEEPALIVE)
            # the server notices a dead client too, not only the client a dead server
            self._conn.execute("SET tcp_keepalives_idle = 10")
            self._conn.execute("SET tcp_keepalives_interval = 5")
            self._conn.execute("SET tcp_keepalives_count = 3")
        except psycopg.Error as err:
            raise LogUnavailable(self.where, scrub(str(err).strip().splitlines()[0], url)) from None

    def close(self) -> None:
        self._conn.close()

    def _query(self, sql: str, params: tuple[Any, ...]) -> Any:
        import psycopg

        try:
            row = self._conn.execute(sql, params).fetchone()
        except psycopg.OperationalError as err:
            raise LogUnavailable(self.where, scrub(str(err).strip().splitlines()[0], self._url)) from None
        return None if row is None else row[0]

    def try_lock(self, name: str, *, exclusive: bool) -> bool:
        """Take the lock if nobody (no other session, and no other holder here) is in the way."""
        with self._lock:
            mine = self._held.get(name)
            if mine is not None:
                if exclusive or mine[0]:
                    return False
                self._held[name] = (False, mine[1] + 1)
                return True
            function = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
            if not self._query(f"SELECT {function}(%s, %s)", (NAMESPACE, _key(name))):
                return False
            self._held[name] = (exclusive, 1)
            return True

    def unlock(self, name: str) -> None:
        with self._lock:
            mine = self._held.get(name)
            if mine is None:
                return
            if mine[1] > 1:
                self._held[name] = (mine[0], mine[1] - 1)
                return
            del self._held[name]
            if self._conn.closed:
                return  # the session is gone, and its locks with it
            function = "pg_advisory_unlock" if mine[0] else "pg_advisory_unlock_shared"
            self._query(f"SELECT {function}(%s, %s)", (NAMESPACE, _key(name)))

    def is_free(self, name: str) -> bool:
        """Whether nobody holds the lock (here or in any session)."""
        with self._lock:
            if name in self._held:
                return False
            if not self._query("SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, _key(name))):
                return False
            self._query("SELECT pg_advisory_unlock(%s, %s)", (NAMESPACE, _key(name)))
            return True

    def alive(self) -> bool:
        """Whether the session (and so every lock it holds) is still there."""
        import psycopg

        with self._lock:
            try:
                self._conn.execute("SELECT 1")
            except psycopg.Error:
                return False
            return True

    def change_slots(self, integration: str, change: Change[T]) -> T:
        """Apply `change(tat, paused_until, generation, now)` -> (tat, paused_until, generation, result) to
        the integration's schedule in one transaction, `now` being the server's clock (seconds)."""
        import psycopg

        with self._lock:
            try:
                with self._conn.transaction():
                    self._conn.execute(
                        "INSERT INTO rate_slots (integration, tat, paused_until, generation) "
                        "VALUES (%s, '-Infinity', '-Infinity', 0) ON CONFLICT (integration) DO NOTHING",
                        (integration,),
                    )
                    row = self._conn.execute(
                        "SELECT tat, paused_until, generation, extract(epoch FROM clock_timestamp())::float8 "
                        "FROM rate_slots WHERE integration = %s FOR UPDATE",
                        (integration,),
                    ).fetchone()
                    assert row is not None
                    tat, paused_until, generation, result = change(row[0], row[1], row[2], row[3])
                    self._conn.execute(
                        "UPDATE rate_slots SET tat = %s, paused_until = %s, generation = %s "
                        "WHERE integration = %s",
                        (tat, paused_until, generation, integration),
                    )
            except psycopg.OperationalError as err:
                raise LogUnavailable(self.where, scrub(str(err).strip().splitlines()[0], self._url)) from None
            return result

"""Hearing of new events on a team's PostgreSQL log as they commit, on any machine: every append sends a
`NOTIFY` on `CHANNEL` with the new head's sequence number (delivered at commit), and a `LogListener`
waits for them. A console shows other operators' jobs live this way instead of polling the log. psycopg is
imported by the methods that use it, as in `eventlog.coordination`."""

from __future__ import annotations

from eventlog.errors import LogUnavailable
from eventlog.location import describe_location, scrub

CHANNEL = "paydesk_log"


class LogListener:
    """A connection of its own that LISTENs on the log's channel."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._url = url
        self.where = describe_location(url)
        try:
            self._conn = psycopg.connect(url, autocommit=True, application_name="paydesk-listen")
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as err:
            raise LogUnavailable(self.where, scrub(str(err).strip().splitlines()[0], url)) from None

    def wait(self, timeout: float) -> int | None:
        """The highest head announced within `timeout` seconds (all notifications then waiting are taken),
        or None when nothing was. Raises `LogUnavailable` when the connection is lost."""
        import psycopg

        newest: int | None = None
        try:
            for notify in self._conn.notifies(timeout=timeout, stop_after=1):
                newest = max(newest or 0, int(notify.payload or 0))
            for notify in self._conn.notifies(timeout=0):  # and any that came with it
                newest = max(newest or 0, int(notify.payload or 0))
        except psycopg.OperationalError as err:
            raise LogUnavailable(self.where, scrub(str(err).strip().splitlines()[0], self._url)) from None
        return newest

    def close(self) -> None:
        self._conn.close()

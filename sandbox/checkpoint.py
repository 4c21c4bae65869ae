"""Checkpointing a store's SQLite write-ahead log from a thread of its own, so that a commit never does.

SQLite in WAL mode appends each commit to the log and copies the log back into the database file (a
checkpoint) once it holds `wal_autocheckpoint` pages (1,000 by default), inside the commit that crosses
that size. For the server, that commit is a group commit run on the trio thread between two requests, so
about every 300 page writes one request waited for the copy and its two fsyncs (240 to 290 ms measured
on a shared disk). A `Checkpointer` does it instead: the store's own connection is set never to checkpoint,
and a daemon thread, over a connection of its own, checkpoints PASSIVE (never waiting for the committing
connection, never making it wait) every `interval` seconds in which something was committed.

Durability is SQLite's, unchanged: a commit is in the log when it returns (`synchronous=NORMAL`), a
checkpoint syncs the log before copying it and the database after, and a crash at any point leaves the
log and the database consistent. The log starts over from its beginning at the first commit after a
checkpoint that copied all of it, if no commit came in between: so the thread checkpoints just after a
commit (`committed`), when the next one is furthest, or at once if none comes within `GAP` seconds, and
tries again (up to `TRIES` times) when a commit landed during its checkpoint. A log that could not start
over only grows until a later checkpoint fits between two commits.
"""

from __future__ import annotations

import sqlite3
import threading

INTERVAL = 1.0  # seconds between two checkpoints while commits go on
GAP = 0.05  # seconds a due checkpoint waits for a commit to follow (more than the server's group commit)
TRIES = 3  # checkpoints in a row while commits land during them


class Checkpointer:
    """Checkpoints the SQLite database at `file` (in WAL mode) from a daemon thread, every `interval`
    seconds in which `committed` was called; `stop` ends the thread and closes its connection."""

    def __init__(self, file: str, interval: float = INTERVAL) -> None:
        self.file = file
        self.interval = interval
        self.checkpoints = 0  # checkpoints run
        self.complete = 0  # checkpoints that copied the whole log as it was when they started
        self.errors = 0  # checkpoints SQLite refused (the database locked by another process...)
        self._commits = 0  # commits announced (`committed`)
        self._copied = 0  # commits known to be in the database file
        self._wake = threading.Event()
        self._after_commit = threading.Event()
        self._armed = False  # the thread waits for the next commit
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """A commit went into the log (called by the committing thread, after each commit)."""
        self._commits += 1
        if self._armed:
            self._after_commit.set()

    def wake(self) -> None:
        """Checkpoint now rather than at the end of the interval, if anything was committed."""
        self._wake.set()

    def stop(self) -> None:
        """End the thread (after the checkpoint it may be running) and close its connection."""
        self._stopping = True
        self._wake.set()
        self._after_commit.set()
        self._thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self.file, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            while not self._stopping:
                self._wake.wait(self.interval)
                self._wake.clear()
                for _ in range(TRIES):
                    if self._stopping or self._commits == self._copied:
                        break
                    self._after_commit.clear()
                    self._armed = True
                    self._after_commit.wait(GAP)
                    self._armed = False
                    upto = self._commits
                    if self._checkpoint(conn):
                        self._copied = upto
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> bool:
        """One PASSIVE checkpoint; whether it copied the whole log as it was when it started."""
        self.checkpoints += 1
        try:
            busy, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            self.errors += 1
            return False
        if busy or log != copied:
            return False
        self.complete += 1
        return True

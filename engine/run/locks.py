"""Cross-process locks: one running copy of a job, and no two overlapping selections running at once; and
where the engine's coordination lives (`Coordination`): beside a SQLite log, or in a team's PostgreSQL log.

Beside a SQLite log, a lock is an `flock` on a small file in a directory beside the log, held for as long
as the job runs in this process. The operating system drops it when the process dies (even by kill -9), so
a job whose lock is free but whose log says "running" was interrupted, and can be resumed. Locks belong to
the log file itself, not to the path that named it: the directory is beside the log's resolved path
(symbolic links followed), so every path to one log meets the same locks. A log with more than one hard
link is refused (SQLite itself cannot keep such a database safe: its -wal is named after the path).

On PostgreSQL, a lock is held by this process's database session (`eventlog.SessionLocks`): every machine
using the log sees it, and it is released when the session ends (the process died, or its machine did and
keepalives noticed), after which the job can be resumed from any machine.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType
from typing import Protocol

from engine.run.selection import lock_names
from eventlog import Location, SessionLocks, is_url


class LockHeld(Exception):
    """Another process holds this lock."""


class LogLinked(Exception):
    """The event log has several hard links, so its locks (and SQLite's -wal) could be split."""


class Lock(Protocol):
    def acquire(self) -> None: ...

    def release(self) -> None: ...

    def is_free(self) -> bool: ...


class FileLock:
    def __init__(self, path: Path, *, shared: bool = False) -> None:
        self.path = path
        self.shared = shared
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(str(self.path)) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def is_free(self) -> bool:
        """True when nobody holds the lock (checked without keeping it)."""
        if self._fd is not None:
            return False
        try:
            self.acquire()
        except LockHeld:
            return False
        self.release()
        return True

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class SessionLock:
    """A lock held by this process's session on the team's PostgreSQL log."""

    def __init__(self, session: SessionLocks, name: str, *, shared: bool = False) -> None:
        self.session, self.name, self.shared = session, name, shared
        self._held = False

    def acquire(self) -> None:
        if not self.session.try_lock(self.name, exclusive=not self.shared):
            raise LockHeld(self.name)
        self._held = True

    def release(self) -> None:
        if self._held:
            self.session.unlock(self.name)
            self._held = False

    def is_free(self) -> bool:
        return not self._held and self.session.is_free(self.name)


def locks_dir(db_path: Path) -> Path:
    """Where the locks of the log at `db_path` live: beside its resolved path, whatever path named it."""
    real = db_path.resolve()
    try:
        links = real.stat().st_nlink
    except OSError:
        links = 1  # no log yet: nothing else can name it
    if links > 1:
        raise LogLinked(
            f"{real} has {links} hard links; paydesk (and SQLite) need one path to a log: "
            "remove the other links (a symbolic link is fine)"
        )
    return real.with_name(real.name + ".locks")


class Coordination:
    """The locks of the jobs on one log, wherever that log is. Close it when done (a PostgreSQL session)."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.session = SessionLocks(str(location)) if is_url(location) else None

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def _lock(self, name: str, file_name: str, *, shared: bool = False) -> Lock:
        if self.session is not None:
            return SessionLock(self.session, name, shared=shared)
        return FileLock(locks_dir(Path(self.location)) / file_name, shared=shared)

    def job_lock(self, job_id: str) -> Lock:
        return self._lock(f"job:{job_id}", f"job-{job_id}.lock")

    def selection_locks(self, selection_key: str) -> list[Lock]:
        """The locks a job on this selection holds while it runs (see engine.run.selection.lock_names)."""
        found = []
        for name, exclusive in lock_names(selection_key):
            digest = hashlib.sha256(name.encode()).hexdigest()[:24]
            found.append(self._lock(f"selection:{name}", f"selection-{digest}.lock", shared=not exclusive))
        return found

    def effective_status(self, job_id: str, logged: str) -> str:
        """A job the log calls created or running, but that no process holds, was interrupted (a crash)."""
        if logged in ("created", "running") and self.job_lock(job_id).is_free():
            return "interrupted"
        return logged


def effective_status(location: Location, job_id: str, logged: str) -> str:
    """`Coordination.effective_status` for one question, opening (and closing) the coordination."""
    if logged not in ("created", "running"):
        return logged
    coordination = Coordination(location)
    try:
        return coordination.effective_status(job_id, logged)
    finally:
        coordination.close()

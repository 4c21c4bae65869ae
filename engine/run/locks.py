"""Cross-process locks: one running copy of a job, and no two overlapping selections running at once.

A lock is an `flock` on a small file in a directory beside the event log, held for as long as the job runs
in this process. The operating system drops it when the process dies (even by kill -9), so a job whose
lock is free but whose log says "running" was interrupted, and can be resumed.

Locks belong to the log file itself, not to the path that named it: the directory is beside the log's
resolved path (symbolic links followed), so every path to one log meets the same locks. A log with more
than one hard link is refused (SQLite itself cannot keep such a database safe: its -wal is named after
the path).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType

from engine.run.selection import lock_names


class LockHeld(Exception):
    """Another process holds this lock."""


class LogLinked(Exception):
    """The event log has several hard links, so its locks (and SQLite's -wal) could be split."""


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


def job_lock(db_path: Path, job_id: str) -> FileLock:
    return FileLock(locks_dir(db_path) / f"job-{job_id}.lock")


def selection_locks(db_path: Path, selection_key: str) -> list[FileLock]:
    """The locks a job on this selection holds while it runs (see engine.run.selection.lock_names)."""
    found = []
    for name, exclusive in lock_names(selection_key):
        digest = hashlib.sha256(name.encode()).hexdigest()[:24]
        found.append(FileLock(locks_dir(db_path) / f"selection-{digest}.lock", shared=not exclusive))
    return found


def effective_status(db_path: Path, job_id: str, logged: str) -> str:
    """A job the log calls created or running, but that no process holds, was interrupted (a crash)."""
    if logged in ("created", "running") and job_lock(db_path, job_id).is_free():
        return "interrupted"
    return logged

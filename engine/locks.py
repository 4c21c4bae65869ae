"""Cross-process locks: one running copy of a job, one running job per selection.

A lock is an `flock` on a small file beside the event log, held for as long as the job runs in this
process. The operating system drops it when the process dies (even by kill -9), so a job whose lock is
free but whose log says "running" was interrupted, and can be resumed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType


class LockHeld(Exception):
    """Another process holds this lock."""


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
    return db_path.with_name(db_path.name + ".locks")


def job_lock(db_path: Path, job_id: str) -> FileLock:
    return FileLock(locks_dir(db_path) / f"job-{job_id}.lock")


def selection_lock(db_path: Path, selection_key: str) -> FileLock:
    digest = hashlib.sha256(selection_key.encode()).hexdigest()[:24]
    return FileLock(locks_dir(db_path) / f"selection-{digest}.lock")


def effective_status(db_path: Path, job_id: str, logged: str) -> str:
    """A job the log calls created or running, but that no process holds, was interrupted (a crash)."""
    if logged in ("created", "running") and job_lock(db_path, job_id).is_free():
        return "interrupted"
    return logged

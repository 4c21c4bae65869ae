"""Errors of the event log. Every message names the file or event at fault and never a secret value."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLiteError = sqlite3.Error
"""What SQLite itself raises when it cannot open a file (the log's own checks catch most bad files first)."""
SQLiteDatabaseError = sqlite3.DatabaseError
"""What SQLite itself raises when a page it reads turns out damaged, after the file was opened."""


class EventLogError(Exception):
    """Base class of everything the event log raises on purpose."""


class LogFileError(EventLogError):
    """The file at `path` cannot be used as an event log; `reason` says why. Nothing was written to it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = path
        self.reason = " ".join(reason.split())  # one line, whatever SQLite quoted (a damaged schema's SQL)
        super().__init__(self._describe())

    def _describe(self) -> str:
        return f"{self.path} is not a paydesk event log ({self.reason})"


class LogNotFound(LogFileError):
    """There is no event log at `path` yet (and the caller asked not to create one)."""

    def _describe(self) -> str:
        return f"there is no event log at {self.path} yet ({self.reason})"


class DamagedLog(LogFileError):
    """The file is not SQLite, is truncated, or its pages are damaged."""


class NotAnEventLog(LogFileError):
    """The file is a SQLite database that paydesk did not create."""


class OlderSchema(LogFileError):
    """The log was written by an earlier paydesk and must be migrated, which needs write access."""

    def _describe(self) -> str:
        return f"{self.path} was written by an earlier paydesk ({self.reason})"


class NewerSchema(LogFileError):
    """The log was written by a newer paydesk whose schema this version does not know."""

    def _describe(self) -> str:
        return f"{self.path} was written by a newer paydesk ({self.reason}); upgrade paydesk to open it"


class LogUnavailable(LogFileError):
    """The database server holding the log (PostgreSQL) cannot be used: the URL is malformed, the server
    cannot be reached, refused the credentials, or went away during a transaction (which then wrote
    nothing). `path` is the URL with its password replaced by ***; `reason` is one line."""

    def _describe(self) -> str:
        return f"the event log {self.path} is unavailable ({self.reason})"


class ReadOnlyLog(EventLogError):
    """The log was opened read-only (`read_only=True`) and something tried to append to it."""


class LogMoved(LogFileError):
    """The log file was renamed, deleted or replaced while it was being written: what is written to the
    file the writer holds open no longer reaches the log at `path`, so the writer stops."""

    def _describe(self) -> str:
        return f"the event log {self.path} was {self.reason} while paydesk was writing to it"


class DiskFull(LogFileError):
    """The disk holding the log has no room for the next transaction; nothing of it was written."""

    def __init__(self, path: Path | str, free_bytes: int) -> None:
        self.free_bytes = free_bytes
        super().__init__(path, f"{_size(free_bytes)} free")

    def _describe(self) -> str:
        return (
            f"the disk holding the event log {self.path} is full ({self.reason}); free at least "
            f"{_size(NEEDED_BYTES)} there"
        )


NEEDED_BYTES = 64 * 1024 * 1024  # what to ask for: room for a large job's events and the WAL's growth


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


class InvalidEvent(EventLogError, ValueError):
    """An event cannot be encoded: a missing key, a value that is not JSON, an unknown type."""


class SecretRejected(InvalidEvent):
    """An event would carry a secret (by key name or by a configured secret value); it was not written."""


class UnknownEventType(EventLogError, LookupError):
    """A stored event's type name (or version) is not registered, so it cannot be decoded."""


class WriterClosed(EventLogError, RuntimeError):
    """The group-commit writer was closed (or its thread died) before the submission could be written."""


class ExportError(EventLogError):
    """A file given as an export is not one paydesk wrote (or is cut short)."""

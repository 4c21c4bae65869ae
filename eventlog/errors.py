"""Errors of the event log. Every message names the file or event at fault and never a secret value."""

from __future__ import annotations

from pathlib import Path


class EventLogError(Exception):
    """Base class of everything the event log raises on purpose."""


class LogFileError(EventLogError):
    """The file at `path` cannot be used as an event log; `reason` says why. Nothing was written to it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
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


class NewerSchema(LogFileError):
    """The log was written by a newer paydesk whose schema this version does not know."""

    def _describe(self) -> str:
        return f"{self.path} was written by a newer paydesk ({self.reason}); upgrade paydesk to open it"


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

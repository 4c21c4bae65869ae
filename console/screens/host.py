"""What a screen needs from the app it runs in: the console's settings, the log reader, the engine's latest
snapshot, a way to send the engine a command, navigation, and the operator's actions shared by screens.

`PaydeskApp` (console.app) satisfies it; the screens know only this, so no screen imports the app (which
imports every screen).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from console.hosting import CommandAnswered, EngineSnapshot
from console.screens.data import LiveProgress, LogReader
from console.settings import ConsoleSettings
from engine import Engine
from eventlog import JobRow


class ConsoleHost(Protocol):
    @property
    def settings(self) -> ConsoleSettings: ...

    @property
    def reader(self) -> LogReader: ...

    @property
    def snapshot(self) -> EngineSnapshot | None:
        """The engine's latest snapshot (None before the first, and always in a read-only console)."""

    def send(
        self,
        command: Callable[[Engine], Any],
        describe: str,
        on_answer: Callable[[CommandAnswered], None] | None = None,
    ) -> bool:
        """Queue `command` for the engine; False (the operator told why) when it cannot be sent."""

    def live_progress(self) -> dict[str, LiveProgress]: ...

    def now(self) -> datetime: ...

    def today(self) -> str: ...

    def jobs_loaded(self, rows: list[JobRow]) -> None:
        """The Jobs screen read the log's jobs (the app offers to resume interrupted ones, once)."""

    def open_job(self, job_id: str, *, replace: bool = False) -> None: ...

    def open_item(self, job_id: str, item_key: str) -> None: ...

    def request_resume(self, job: JobRow) -> None: ...

    def request_cancel(self, job: JobRow) -> None: ...

    def request_discard(self, job: JobRow) -> None: ...

    def request_retry(
        self, job: JobRow, *, one: str | None, marked: tuple[str, ...], one_name: str | None = None
    ) -> None:
        """Offer to retry `one` item (named `one_name`, its business key), the `marked` ones, or all."""

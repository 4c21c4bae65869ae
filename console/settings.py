"""The console's settings: where the log is, the engine's configuration, and what the operator chose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.paths import data_dir
from engine import DEFAULT_PLAN_MAX_AGE, Config
from eventlog import Location, is_url


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConsoleSettings:
    db_path: Location  # a SQLite file, or a team's PostgreSQL URL
    config: Config | None  # None only for a read-only console
    read_only: bool = False
    default_month: str = ""
    clock: Callable[[], datetime] = utc_now
    export_dir: Path | None = None  # where Export writes; None: the data directory, beside the log
    offer_resume: bool = True

    @property
    def export_folder(self) -> Path:
        if self.export_dir is not None:
            return self.export_dir
        return self.db_path.parent if isinstance(self.db_path, Path) else data_dir()

    @property
    def team_mode(self) -> bool:
        """The log is a team's PostgreSQL database: other operators' jobs are heard of as they commit."""
        return is_url(self.db_path)

    @property
    def rate(self) -> float:
        return self.config.notion.rate if self.config is not None else 0.0

    @property
    def plan_max_age(self) -> timedelta:
        return self.config.plan_max_age if self.config is not None else DEFAULT_PLAN_MAX_AGE

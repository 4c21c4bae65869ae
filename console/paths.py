"""Where paydesk keeps its files: the event log, the demo workspace and its configuration."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "paydesk"


def data_dir() -> Path:
    """The user's paydesk data directory ($PAYDESK_HOME overrides it)."""
    override = os.environ.get("PAYDESK_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def default_db_path(explicit: str | None = None) -> Path:
    """The event log: `--db`, else $PAYDESK_DB, else `paydesk.sqlite` in the data directory."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("PAYDESK_DB")
    return Path(env) if env else data_dir() / "paydesk.sqlite"


def demo_dir() -> Path:
    """The demo workspace's sandbox data and configuration."""
    return data_dir() / "demo"


def default_config_path(explicit: str | None = None) -> Path:
    """The workspace configuration: `--config`, else $PAYDESK_CONFIG, else `paydesk.toml` in the data dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("PAYDESK_CONFIG")
    return Path(env) if env else data_dir() / "paydesk.toml"

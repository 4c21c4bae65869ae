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


def log_path(explicit: str | None = None) -> Path:
    """`default_db_path`, checked: it must name a file (existing or not) in a folder that exists. Raises
    CliError with one line saying what is wrong and what to do."""
    from console.errors import CliError

    path = default_db_path(explicit)
    where = f"--db {path}" if explicit else f"the event log {path}"
    if path.is_dir():
        raise CliError(f"{where} is a folder; name a file in it, e.g. {path / 'paydesk.sqlite'}")
    parent = path.resolve().parent
    if not parent.is_dir():
        if explicit or os.environ.get("PAYDESK_DB"):
            raise CliError(f"{where}: the folder {parent} does not exist; create it or choose another path")
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the default place: paydesk makes it
    return path


def demo_dir() -> Path:
    """The demo workspace's sandbox data and configuration."""
    return data_dir() / "demo"


def default_config_path(explicit: str | None = None) -> Path:
    """The workspace configuration: `--config`, else $PAYDESK_CONFIG, else `paydesk.toml` in the data dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("PAYDESK_CONFIG")
    return Path(env) if env else data_dir() / "paydesk.toml"

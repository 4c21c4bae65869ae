"""Where paydesk keeps its files: the event log, the demo workspace and its configuration."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs

from eventlog import Location, is_url

APP_NAME = "paydesk"


def data_dir() -> Path:
    """The user's paydesk data directory ($PAYDESK_HOME overrides it)."""
    override = os.environ.get("PAYDESK_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def default_db_path(explicit: str | None = None, config: str | None = None) -> Location:
    """The event log: `--db`, else $PAYDESK_DB, else the configuration's `[log] url` (a team's
    PostgreSQL log), else `paydesk.sqlite` in the data directory. A `postgresql://` URL stays a string."""
    chosen = explicit or os.environ.get("PAYDESK_DB") or _configured_log(config)
    if chosen and is_url(chosen):
        return chosen
    return Path(chosen) if chosen else data_dir() / "paydesk.sqlite"


def _configured_log(config: str | None) -> str | None:
    """`[log] url` of the configuration file, when it has one (its other problems are reported where the
    configuration is loaded for what needs it)."""
    try:
        with default_config_path(config).open("rb") as file:
            raw = tomllib.load(file)
    except (OSError, ValueError):  # unreadable, not UTF-8, not TOML: reported where it is loaded
        return None
    section = raw.get("log")
    url = section.get("url") if isinstance(section, dict) else None
    return url if isinstance(url, str) and url else None


def log_path(explicit: str | None = None, config: str | None = None) -> Location:
    """`default_db_path`, checked: a file (existing or not) in a folder that exists, or a PostgreSQL URL.
    Raises CliError with one line saying what is wrong and what to do."""
    from console.errors import CliError

    location = default_db_path(explicit, config)
    if not isinstance(location, Path):
        return location
    path = location
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

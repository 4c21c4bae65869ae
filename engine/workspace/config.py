"""The workspace configuration: a TOML file plus the token from the environment.

    [notion]
    base_url = "https://api.notion.com"   # or a sandbox's URL
    notion_version = "2025-09-03"
    rate = 3.0                             # requests per second for the whole integration
    burst = 3
    share_limit = true                     # one limit for every paydesk process paying this workspace
    token_file = "~/.config/paydesk/token" # optional; NOTION_TOKEN wins when set

    [engine]
    workers = 5                            # 1-20; values outside are clamped with a warning
    plan_max_age_minutes = 60              # a dry run's plan older than this is refused, not executed

    [limits]                               # optional: a plan moving more is not executed without
    max_per_job = { USD = "50000", VND = "1500000000" }   # --allow-over-limit (or the amount typed)

    [exchange]                             # optional: how many units of a currency make one USD; the
    per_usd = { VND = "25000" }            # ledger reconciles USD payables over payouts in other currencies

    [notify]                               # optional: a job ending with failures, blocked items or
    webhook_url = "https://hooks.slack.com/…"  # drift posts one message here (PAYDESK_WEBHOOK_URL wins);
    attempts = 5                           # a secret like the token, shown https://hooks.slack.com/***
    limit_s = 30                           # deliveries give up after this long (engine.run.notify)

    [data_sources]                         # logical name -> data source id, all ten required
    payables = "…"

    [properties.payables]                  # optional renames: default name -> name in your workspace
    "Payment Status" = "Status"

Loading is pure apart from reading the file and the environment; every problem is a `ConfigError` whose
message names the file, the key and what to do. The token and the webhook URL are never part of a message.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.workspace import money

LOGICAL_DATABASES: tuple[str, ...] = (
    "contractors",
    "rates",
    "deployments",
    "projects",
    "updates",
    "orders",
    "splits",
    "refunds",
    "payouts",
    "payables",
)
MIN_WORKERS, MAX_WORKERS, DEFAULT_WORKERS = 1, 20, 5
DEFAULT_RATE, DEFAULT_BURST = 3.0, 3
DEFAULT_BASE_URL = "https://api.notion.com"
DEFAULT_NOTION_VERSION = "2025-09-03"
DEFAULT_PLAN_MAX_AGE = timedelta(hours=1)
DEFAULT_NOTIFY_ATTEMPTS, DEFAULT_NOTIFY_LIMIT_S = 5, 30.0


class ConfigError(Exception):
    """The configuration cannot be used; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class NotionSettings:
    base_url: str = DEFAULT_BASE_URL
    notion_version: str = DEFAULT_NOTION_VERSION
    rate: float = DEFAULT_RATE
    burst: int = DEFAULT_BURST
    timeout_s: float = 60.0
    # One limit for every paydesk process paying this workspace (a schedule beside the log, or in a
    # team's PostgreSQL log); a configuration file turns it on unless `share_limit = false`.
    share_limit: bool = False


@dataclass(frozen=True)
class NotifySettings:
    """Where a job that needs people says so (engine.run.notify). No URL: nothing is sent."""

    webhook_url: str = field(default="", repr=False)  # a secret: never logged, exported or shown
    attempts: int = DEFAULT_NOTIFY_ATTEMPTS
    limit_s: float = DEFAULT_NOTIFY_LIMIT_S  # a delivery still failing after this long gives up
    base_delay_s: float = 1.0  # the first backoff (then doubled, with jitter, up to max_delay_s)
    max_delay_s: float = 8.0
    timeout_s: float = 10.0  # one request's


def redacted_url(url: str) -> str:
    """A webhook URL as it may be shown: its scheme and host, the rest hidden (`https://hooks.slack.com/***`)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}/***"


@dataclass(frozen=True)
class Config:
    notion: NotionSettings
    data_sources: Mapping[str, str]
    properties: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    workers: int = DEFAULT_WORKERS
    token: str = field(default="", repr=False)
    source: str = "<memory>"
    llm: Mapping[str, Any] = field(default_factory=dict)  # the raw [llm] table (see engine.kinds.sync.llm)
    warnings: tuple[str, ...] = ()
    plan_max_age: timedelta = DEFAULT_PLAN_MAX_AGE  # a dry run's plan older than this is not executed
    limits: Mapping[str, Decimal] = field(default_factory=dict)  # currency -> most a job may move
    per_usd: Mapping[str, Decimal] = field(default_factory=dict)  # currency -> units in one USD
    notify: NotifySettings = field(default_factory=NotifySettings)

    def prop(self, logical: str, default_name: str) -> str:
        """The workspace's name for a property known by its default name."""
        return self.properties.get(logical, {}).get(default_name, default_name)


def clamp_workers(value: int) -> tuple[int, str | None]:
    """Workers are allowed 1-20: anything outside is clamped, with the warning to record."""
    if value < MIN_WORKERS or value > MAX_WORKERS:
        clamped = min(MAX_WORKERS, max(MIN_WORKERS, value))
        return clamped, f"workers {value} is outside {MIN_WORKERS}-{MAX_WORKERS}; using {clamped}"
    return value, None


def parse_workers(text: str, origin: str) -> int:
    """A worker count from the command line or PAYDESK_WORKERS: an integer, or a ConfigError."""
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigError(f"{origin}: workers must be a whole number from 1 to 20, not {text!r}") from None


def load_config(path: Path, env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Config:
    """Read the TOML file at `path` and the token from `env` (default: os.environ)."""
    env = os.environ if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"no configuration at {path}; pass --config FILE or set PAYDESK_CONFIG "
            "(`paydesk demo` writes one for the local demo workspace)"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read configuration {path}: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML ({err}); fix the file and try again") from None
    return config_from_mapping(raw, env, source=str(path), require_token=require_token)


def config_from_mapping(
    raw: Mapping[str, Any], env: Mapping[str, str], *, source: str = "<memory>", require_token: bool = True
) -> Config:
    where = source
    notion_raw = _table(raw, "notion", where, required=False)
    engine_raw = _table(raw, "engine", where, required=False)
    sources_raw = _table(raw, "data_sources", where, required=True)
    properties_raw = _table(raw, "properties", where, required=False)
    llm_raw = _table(raw, "llm", where, required=False)
    limits_raw = _table(raw, "limits", where, required=False)
    exchange_raw = _table(raw, "exchange", where, required=False)
    notify_raw = _table(raw, "notify", where, required=False)

    notion = NotionSettings(
        base_url=_string(notion_raw, "base_url", f"{where} [notion]", DEFAULT_BASE_URL).rstrip("/"),
        notion_version=_string(notion_raw, "notion_version", f"{where} [notion]", DEFAULT_NOTION_VERSION),
        rate=_positive_number(notion_raw, "rate", f"{where} [notion]", DEFAULT_RATE),
        burst=int(_positive_number(notion_raw, "burst", f"{where} [notion]", DEFAULT_BURST, integer=True)),
        timeout_s=_positive_number(notion_raw, "timeout_s", f"{where} [notion]", 60.0),
        share_limit=_flag(notion_raw, "share_limit", f"{where} [notion]", default=True),
    )
    if not notion.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{where} [notion] base_url must start with http:// or https://")

    warnings: list[str] = []
    workers_value = engine_raw.get("workers", DEFAULT_WORKERS)
    if "PAYDESK_WORKERS" in env:
        workers_value = parse_workers(env["PAYDESK_WORKERS"], "PAYDESK_WORKERS")
    if isinstance(workers_value, bool) or not isinstance(workers_value, int):
        raise ConfigError(f"{where} [engine] workers must be a whole number from 1 to 20")
    workers, warning = clamp_workers(workers_value)
    if warning:
        warnings.append(warning)

    max_age = _positive_number(
        engine_raw, "plan_max_age_minutes", f"{where} [engine]", DEFAULT_PLAN_MAX_AGE.total_seconds() / 60
    )
    data_sources = _data_sources(sources_raw, where)
    properties = _properties(properties_raw, where)
    token = _token(notion_raw, env, where) if require_token else env.get("NOTION_TOKEN", "")
    return Config(
        notion=notion,
        data_sources=data_sources,
        properties=properties,
        workers=workers,
        token=token,
        source=source,
        warnings=tuple(warnings),
        llm=dict(llm_raw),
        plan_max_age=timedelta(minutes=max_age),
        limits=_amounts(limits_raw, "limits", "max_per_job", where, example='USD = "50000"', zero=True),
        per_usd=_amounts(exchange_raw, "exchange", "per_usd", where, example='VND = "25000"', zero=False),
        notify=_notify(notify_raw, env, where),
    )


def _notify(table: Mapping[str, Any], env: Mapping[str, str], where: str) -> NotifySettings:
    """`[notify]`; PAYDESK_WEBHOOK_URL wins over `webhook_url`. A bad URL is named only by its host."""
    url = env.get("PAYDESK_WEBHOOK_URL", "").strip()
    origin = "PAYDESK_WEBHOOK_URL"
    if not url:
        value = table.get("webhook_url", "")
        if not isinstance(value, str):
            raise ConfigError(f"{where} [notify] webhook_url must be a string (an https:// URL)")
        url, origin = value.strip(), f"{where} [notify] webhook_url"
    if url and (not url.startswith(("http://", "https://")) or not url.split("://", 1)[1].split("/")[0]):
        raise ConfigError(f"{origin} ({redacted_url(url)}) must be an https:// URL, e.g. a Slack webhook's")
    attempts = int(
        _positive_number(table, "attempts", f"{where} [notify]", DEFAULT_NOTIFY_ATTEMPTS, integer=True)
    )
    limit_s = _positive_number(table, "limit_s", f"{where} [notify]", DEFAULT_NOTIFY_LIMIT_S)
    return NotifySettings(webhook_url=url, attempts=attempts, limit_s=limit_s)


def _amounts(
    table: Mapping[str, Any], section: str, key: str, where: str, *, example: str, zero: bool
) -> dict[str, Decimal]:
    """A table of amounts per currency code, such as `[limits] max_per_job = { USD = "50000" }` or
    `[exchange] per_usd = { VND = "25000" }` (where 0 makes no sense)."""
    raw = table.get(key, {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} [{section}] {key} must be a table, e.g. {{ {example} }}")
    amounts: dict[str, Decimal] = {}
    for currency, value in raw.items():
        try:
            number = money.amount(value)
        except money.NotAnAmount:
            number = Decimal(-1)
        if number < 0 or (number == 0 and not zero) or not currency.isalpha():
            raise ConfigError(
                f"{where} [{section}] {key} {currency} = {value!r}: write "
                f"{'an amount' if zero else 'a positive amount'} per currency code, e.g. {example}"
            )
        amounts[currency.upper()] = number
    return amounts


def _flag(table: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where} {key} must be true or false, not {value!r}")
    return value


def _table(raw: Mapping[str, Any], key: str, where: str, *, required: bool) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where} has no [{key}] table; add it (see README: configuration)")
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {key} must be a table ([{key}])")
    return value


def _string(table: Mapping[str, Any], key: str, where: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} {key} must be a non-empty string")
    return value.strip()


def _positive_number(
    table: Mapping[str, Any], key: str, where: str, default: float, *, integer: bool = False
) -> float:
    value = table.get(key, default)
    valid = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not valid or value <= 0 or (integer and int(value) != value):
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{where} {key} must be {kind} greater than 0, not {value!r}")
    return float(value)


def _data_sources(table: Mapping[str, Any], where: str) -> dict[str, str]:
    unknown = sorted(set(table) - set(LOGICAL_DATABASES))
    if unknown:
        raise ConfigError(
            f"{where} [data_sources] has unknown name(s) {', '.join(unknown)}; "
            f"known: {', '.join(LOGICAL_DATABASES)}"
        )
    missing = [name for name in LOGICAL_DATABASES if not table.get(name)]
    if missing:
        raise ConfigError(
            f"{where} [data_sources] is missing {', '.join(missing)}; "
            "give each the id of its Notion data source"
        )
    result: dict[str, str] = {}
    for name in LOGICAL_DATABASES:
        value = table[name]
        if not isinstance(value, str):
            raise ConfigError(f"{where} [data_sources] {name} must be a string id")
        result[name] = value.strip()
    return result


def _properties(table: Mapping[str, Any], where: str) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for logical, renames in table.items():
        if logical not in LOGICAL_DATABASES:
            raise ConfigError(f"{where} [properties.{logical}]: unknown database name {logical!r}")
        if not isinstance(renames, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in renames.items()
        ):
            raise ConfigError(f"{where} [properties.{logical}] must map property names to names")
        result[logical] = dict(renames)
    return result


def _token(notion_raw: Mapping[str, Any], env: Mapping[str, str], where: str) -> str:
    token = env.get("NOTION_TOKEN", "").strip()
    if token:
        return token
    token_file = env.get("NOTION_TOKEN_FILE") or notion_raw.get("token_file")
    if isinstance(token_file, str) and token_file:
        path = Path(token_file).expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(f"cannot read the token file {path}: {err.strerror}") from None
        if token:
            return token
        raise ConfigError(f"the token file {path} is empty")
    raise ConfigError(
        "no Notion token: set NOTION_TOKEN (or NOTION_TOKEN_FILE, or token_file in "
        f"{where} [notion]); it is never read from the command line"
    )

"""How a sandbox server is set up: the knobs `paydesk sandbox serve` and the tests turn."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOKEN = "secret_sandbox_token"
NOTION_VERSION = "2025-09-03"


@dataclass(frozen=True)
class SandboxOptions:
    """Settings fixed for the life of one server.

    `rps` 0 disables the rate limit (the CLI defaults to 3, as Notion does); `faults` is a spec such as
    ``"500:0.05,429:0.02,timeout:0.01,reset:0.01"``; `random_seed` makes faults and jitter repeatable;
    `query_lag_ms` hides a newly created page from queries (not from retrieve) for that long.
    """

    token: str = DEFAULT_TOKEN
    rps: float = 0.0
    burst: int = 3
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    faults: str = ""
    random_seed: int = 0
    query_lag_ms: int = 0

"""The admin routes under ``/_sandbox/``: read and reset the request counters, read and replace the faults.

- ``GET /_sandbox/stats`` → the counters (`RequestStats.to_json`);
- ``POST /_sandbox/stats/reset`` → zero them, answer the zeroed counters;
- ``GET /_sandbox/faults`` → ``{"spec", "random_seed", "query_lag_ms", "targeted", "rate_limit", "latency"}``;
- ``POST /_sandbox/faults`` with any of ``{"spec", "random_seed", "query_lag_ms", "targeted"}``: each key
  given replaces that part (a new `random_seed` restarts the random stream); the whole body is checked before
  anything changes; a bad body is a 400 ``validation_error`` naming the bad part. ``targeted`` is a list of
  ``{"page_id": …, "status": …, "count": K}`` (the next K writes to that page) or
  ``{"create_in": <data_source_id>, "status": …, "count": K}`` (the next K page creations in that data
  source), where ``status`` is an error status, ``"timeout"``, ``"reset"`` or ``"applied_reset"`` (the
  request is applied, then the connection drops instead of the answer).

They need no token and are neither limited, delayed, faulted nor counted.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from starlette.types import Receive, Scope, Send

from sandbox.asgi_io import read_body, send_envelope, send_json
from sandbox.errors import NotionError, validation
from sandbox.faults import FaultInjector, parse_fault_spec, parse_targeted
from sandbox.latency import Latency
from sandbox.ratelimit import RateLimiter
from sandbox.stats import RequestStats

FAULT_KEYS = frozenset({"spec", "random_seed", "query_lag_ms", "targeted"})


class SandboxLimits(Protocol):
    """What the admin routes read and change of the limits around a running sandbox (`sandbox.limits`)."""

    stats: RequestStats
    limiter: RateLimiter
    latency: Latency
    faults: FaultInjector

    def query_lag_ms(self) -> int: ...

    def set_query_lag_ms(self, value: int) -> None: ...


def describe_faults(limits: SandboxLimits) -> dict[str, Any]:
    return {
        **limits.faults.describe(),
        "query_lag_ms": limits.query_lag_ms(),
        "rate_limit": {"rps": limits.limiter.rate, "burst": limits.limiter.burst},
        "latency": {"latency_ms": limits.latency.latency_ms, "jitter_ms": limits.latency.jitter_ms},
    }


def configure_faults(limits: SandboxLimits, body: Any) -> None:
    """Apply a ``POST /_sandbox/faults`` body, all or nothing; raise ValueError naming the bad part."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    unknown = set(body) - FAULT_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} (allowed: {sorted(FAULT_KEYS)})")
    rules = parse_fault_spec(_typed(body, "spec", str)) if "spec" in body else None
    seed = _typed(body, "random_seed", int) if "random_seed" in body else None
    lag = _typed(body, "query_lag_ms", int) if "query_lag_ms" in body else None
    if lag is not None and lag < 0:
        raise ValueError(f"query_lag_ms must not be negative, got {lag}")
    targeted = parse_targeted(body["targeted"]) if "targeted" in body else None
    if rules is not None:
        limits.faults.rules = rules
    if seed is not None:
        limits.faults.reseed(seed)
    if targeted is not None:
        limits.faults.targeted = targeted
    if lag is not None:
        limits.set_query_lag_ms(lag)


def _typed(body: dict[str, Any], key: str, kind: type[Any]) -> Any:
    value = body[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{key} must be a {kind.__name__}, got {value!r}")
    return value


async def handle_admin(limits: SandboxLimits, scope: Scope, receive: Receive, send: Send) -> None:
    method: str = scope["method"]
    path: str = scope["path"].rstrip("/")
    if path == "/_sandbox/stats" and method == "GET":
        await send_json(send, 200, limits.stats.to_json())
    elif path == "/_sandbox/stats/reset" and method == "POST":
        await read_body(receive)
        limits.stats.reset()
        await send_json(send, 200, limits.stats.to_json())
    elif path == "/_sandbox/faults" and method == "GET":
        await send_json(send, 200, describe_faults(limits))
    elif path == "/_sandbox/faults" and method == "POST":
        raw = await read_body(receive)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            await send_envelope(send, NotionError(400, "invalid_json", "Error parsing JSON body."))
            return
        try:
            configure_faults(limits, body)
        except ValueError as err:
            await send_envelope(send, validation(f"body failed validation: {err}"))
            return
        await send_json(send, 200, describe_faults(limits))
    elif path in ("/_sandbox/stats", "/_sandbox/stats/reset", "/_sandbox/faults"):
        await read_body(receive)
        await send_envelope(send, NotionError(405, "invalid_request", f"{method} is not allowed on {path}."))
    else:
        await read_body(receive)
        await send_envelope(send, NotionError(404, "invalid_request_url", f"No sandbox admin route {path}."))

"""What makes the sandbox behave like the real service under load: stats, rate limit, latency and faults.

`wrap(app, options, store)` returns an ASGI app that serves the admin routes under ``/_sandbox/`` itself
(no auth, no limit, no latency, no faults, not counted) and sends every other HTTP request through, in order:

1. stats: the request is counted at arrival, its outcome when known;
2. rate limit: one token bucket per integration token (the `Authorization` header); over it, a 429
   ``rate_limited`` envelope with `Retry-After` (the 429 is counted too);
3. latency: `trio.sleep` for the fixed delay plus jitter (concurrent requests overlap);
4. faults: targeted, then random from the spec and seed: an error envelope, a request that is never
   answered (`timeout`), a dropped connection (`reset`), or a request applied by the app whose answer is
   replaced by a dropped connection (`applied_reset`);
5. the app.

Times come from `trio.current_time()`, so tests drive the limiter with trio's autojump clock.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.admin import handle_admin
from sandbox.asgi_io import ClientDisconnected, read_body, read_complete_body, send_envelope, send_truncated
from sandbox.completions import LLM_PREFIX, stub_for
from sandbox.errors import NotionError
from sandbox.faults import (
    ERRORS,
    INJECTED_RETRY_AFTER,
    RETRY_AFTER_STATUSES,
    Fault,
    FaultInjector,
    parse_fault_spec,
)
from sandbox.ids import maybe_id
from sandbox.latency import Latency
from sandbox.options import SandboxOptions
from sandbox.ratelimit import RateLimiter
from sandbox.stats import RequestStats

__all__ = ["ADMIN_PREFIX", "ASGIApp", "SandboxLimits", "limits_for", "wrap"]

ADMIN_PREFIX = "/_sandbox"
# store id -> the SandboxLimits wrapped around it (the limits keep the store alive, so the id stays valid).
_BY_STORE: weakref.WeakValueDictionary[int, SandboxLimits] = weakref.WeakValueDictionary()


def wrap(app: ASGIApp, options: SandboxOptions, store: Any) -> ASGIApp:
    """The sandbox app with its admin routes and the stats → rate limit → latency → faults chain."""
    return SandboxLimits(app, options, store)


def limits_for(store: Any) -> SandboxLimits | None:
    """The `SandboxLimits` most recently wrapped around `store`, if it is still alive: lets the code that
    owns a running sandbox reach its stats and faults in-process, and `close()` it before shutdown."""
    return _BY_STORE.get(id(store))


def _token_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return bytes(value).decode("latin-1")
    return ""


class SandboxLimits:
    """The ASGI app `wrap` returns; its parts (`stats`, `limiter`, `latency`, `faults`) are public so that
    in-process callers can read or change them as the admin routes do.

    Raises ValueError at construction if `options.faults` is not a valid spec.
    """

    def __init__(
        self,
        app: ASGIApp,
        options: SandboxOptions,
        store: Any,
        *,
        clock: Callable[[], float] = trio.current_time,
    ) -> None:
        self.app = app
        self.options = options
        self.store = store
        self.stats = RequestStats()
        self.limiter = RateLimiter(options.rps, options.burst)
        self.latency = Latency(options.latency_ms, options.jitter_ms, options.random_seed)
        self.faults = FaultInjector(parse_fault_spec(options.faults), options.random_seed)
        self._clock = clock
        self._held: set[trio.CancelScope] = set()
        self._held_changed = trio.Event()
        self._closed = False
        store.query_lag_ms = options.query_lag_ms
        _BY_STORE[id(store)] = self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"].startswith(LLM_PREFIX + "/"):
            await stub_for(self)(scope, receive, send)
        elif scope["path"] == ADMIN_PREFIX or scope["path"].startswith(ADMIN_PREFIX + "/"):
            await handle_admin(self, scope, receive, send)
        else:
            await self._notion(scope, receive, send)

    def close(self) -> None:
        """Let go of requests held by a `timeout` fault (they end as dropped connections), now and from
        now on. Call it before shutting the server down so that shutdown does not wait for them."""
        self._closed = True
        for cancel_scope in self._held:
            cancel_scope.cancel()

    @property
    def held_requests(self) -> int:
        """How many requests a `timeout` fault is holding right now."""
        return len(self._held)

    async def wait_held_requests(self, count: int) -> None:
        """Wait until exactly `count` requests are held by a `timeout` fault (for tests and tools)."""
        while len(self._held) != count:
            await self._held_changed.wait()

    def _note_held_change(self) -> None:
        self._held_changed.set()
        self._held_changed = trio.Event()

    def set_query_lag_ms(self, value: int) -> None:
        self.store.query_lag_ms = value

    def query_lag_ms(self) -> int:
        return int(getattr(self.store, "query_lag_ms", 0))

    async def _notion(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        route = self.stats.record_request(method, path)

        retry_after = self.limiter.admit_nowait(_token_of(scope), self._clock())
        if retry_after is not None:
            self.stats.rate_limited += 1
            self.stats.record_outcome(route, "429")
            await read_body(receive)
            code, message = ERRORS[429]
            await send_envelope(send, NotionError(429, code, message), retry_after=retry_after)
            return

        delay = self.latency.next_delay()
        if delay > 0:
            await trio.sleep(delay)

        created_in: str | None = None
        if self.faults.aims_at_creations(method, path):
            try:
                body = await read_complete_body(receive)
            except ClientDisconnected:
                return  # gone before its body arrived: not applied, not answered
            created_in = _created_in(self.store, body)
            receive = _replaying(body, receive)
        fault = self.faults.choose(method, path, created_in)
        if fault is not None:
            self.stats.faults += 1
            self.stats.record_outcome(route, fault.label)
            if fault.kind == "applied_reset":
                await self.app(scope, receive, _discard)
                await send_truncated(send)
            else:
                await self._inject(fault, receive, send)
            return

        await self.app(scope, receive, _outcome_recorder(send, lambda status: self._record(route, status)))

    def _record(self, route: str, status: int) -> None:
        self.stats.record_outcome(route, str(status))

    async def _inject(self, fault: Fault, receive: Receive, send: Send) -> None:
        await read_body(receive)
        if fault.kind == "status":
            code, message = ERRORS[fault.status]
            retry_after = INJECTED_RETRY_AFTER if fault.status in RETRY_AFTER_STATUSES else None
            await send_envelope(send, NotionError(fault.status, code, message), retry_after=retry_after)
        elif fault.kind == "reset" or await self._hold_until_disconnect(receive):
            await send_truncated(send)

    async def _hold_until_disconnect(self, receive: Receive) -> bool:
        """Never answer: wait until the client goes away. Return True if `close()` ended the wait instead.

        Cancellation (e.g. the server's own shutdown deadline) ends the wait as usual."""
        if self._closed:
            return True
        with trio.CancelScope() as cancel_scope:
            self._held.add(cancel_scope)
            self._note_held_change()
            try:
                while (await receive())["type"] != "http.disconnect":
                    pass
            finally:
                self._held.discard(cancel_scope)
                self._note_held_change()
        return cancel_scope.cancelled_caught


def _created_in(store: Any, body: bytes) -> str | None:
    """The data source a ``POST /v1/pages`` body creates its page in (a database parent with one data
    source counts as that data source), or None if the body names none."""
    try:
        parent = json.loads(body).get("parent")
    except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        return None
    if not isinstance(parent, dict):
        return None
    source_id = maybe_id(parent.get("data_source_id"))
    if source_id is not None:
        return source_id
    database = getattr(store, "databases", {}).get(maybe_id(parent.get("database_id")))
    ids = getattr(database, "data_source_ids", [])
    return str(ids[0]) if len(ids) == 1 else None


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the already-read `body` again, then whatever the client sends next."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def _discard(message: Message) -> None:
    """The `send` of a request whose answer an `applied_reset` fault drops."""


def _outcome_recorder(send: Send, record: Callable[[int], None]) -> Callable[[Message], Awaitable[None]]:
    async def recording_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            record(int(message["status"]))
        await send(message)

    return recording_send

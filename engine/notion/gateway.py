"""The Notion gateway: the only code in paydesk that talks to Notion.

It owns one notion-client `AsyncClient` (its own retries off: they sleep with asyncio, see NOTION.md) over
one shared httpx client, one token bucket for the whole integration, and the retry policy: a 429 or 529
pauses every request for `Retry-After` plus jitter; 5xx, timeouts and dropped connections back off
exponentially with jitter, a bounded number of times; anything else fails at once as a `NotionFailure`.
Every request is counted against the job that asked for it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
import trio
from notion_client import AsyncClient

from engine.notion.failures import Disposition, NotionFailure, ResponseShapeError, classify
from engine.notion.ratelimit import SlotStore, TokenBucket
from engine.notion.transport import LifoTransport
from engine.workspace.config import NotionSettings

T = TypeVar("T")
Kind = Literal["read", "write"]
Page = dict[str, Any]

_QUIET_LOGGER = logging.getLogger("paydesk.notion_client")
_QUIET_LOGGER.addHandler(logging.NullHandler())
_QUIET_LOGGER.propagate = False


@dataclass
class RequestCounters:
    """Requests made for one job (mutable; read `snapshot()` for a stable copy)."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    throttles: int = 0
    wait_s: float = 0.0

    def snapshot(self) -> dict[str, float | int]:
        return {
            "reads": self.reads,
            "writes": self.writes,
            "retries": self.retries,
            "throttles": self.throttles,
            "wait_ms": round(self.wait_s * 1000),
        }


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6  # for 5xx, timeouts and dropped connections
    base_delay: float = 0.5
    max_delay: float = 16.0
    max_throttles: int = 50  # 429/529 in a row for one request before giving up
    throttle_jitter: float = 0.25


class NotionGateway:
    def __init__(
        self,
        client: AsyncClient,
        bucket: TokenBucket,
        *,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self.totals = RequestCounters()
        self.in_flight = 0  # requests sent, their answer awaited
        self.waiting = 0  # requests waiting for a token of the rate limit
        self.refused: NotionFailure | None = None  # once Notion refuses the token, nothing more is sent
        self.validation_errors = 0  # requests Notion found invalid (a schema changed under paydesk?)

    async def call(
        self,
        kind: Kind,
        request: Callable[[], Awaitable[T]],
        counters: RequestCounters | None = None,
        *,
        idempotent: bool = True,
    ) -> T:
        """Send one request under the rate limit, retrying as the policy allows.

        A request that is not idempotent (a create) is retried only when the failure proves it was not
        applied; otherwise the `NotionFailure` (with `maybe_applied`) reaches the caller, who must look the
        record up before creating it again. Cancellation abandons the request; nothing is retried after it.
        """
        job = counters or RequestCounters()
        attempts = throttles = 0
        while True:
            if self.refused is not None:
                raise self.refused
            self.waiting += 1
            try:
                waited = await self.bucket.acquire()
            finally:
                self.waiting -= 1
            if self.refused is not None:
                raise self.refused
            job.wait_s += waited
            self.totals.wait_s += waited
            for c in (job, self.totals):
                if kind == "read":
                    c.reads += 1
                else:
                    c.writes += 1
            self.in_flight += 1
            try:
                return await request()
            except Exception as error:
                failure = classify(error)
                if failure is None:
                    raise
            finally:
                self.in_flight -= 1
            if failure.disposition is Disposition.REFUSED:
                self.refused = failure
                raise failure
            if failure.disposition is Disposition.THROTTLED and throttles < self.policy.max_throttles:
                throttles += 1
                job.throttles += 1
                self.totals.throttles += 1
                pause = (failure.retry_after or 1.0) + self._rng.uniform(0, self.policy.throttle_jitter)
                await self.bucket.pause(pause)
                continue
            may_retry = idempotent or not failure.maybe_applied
            if failure.disposition is Disposition.TRANSIENT and may_retry:
                attempts += 1
                if attempts < self.policy.max_attempts:
                    job.retries += 1
                    self.totals.retries += 1
                    ceiling = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempts - 1))
                    await trio.sleep(self._rng.uniform(ceiling / 2, ceiling))
                    continue
            if failure.code == "validation_error":
                self.validation_errors += 1
            raise failure

    # ---- typed operations -------------------------------------------------------------------------

    async def retrieve_page(self, page_id: str, counters: RequestCounters | None = None) -> Page:
        return _object(await self.call("read", lambda: self.client.pages.retrieve(page_id), counters), "page")

    async def update_page(
        self, page_id: str, properties: dict[str, Any], counters: RequestCounters | None = None
    ) -> Page:
        async def send() -> Any:
            return await self.client.pages.update(page_id, properties=properties)

        return _object(await self.call("write", send, counters), "page")

    async def create_page(
        self, data_source_id: str, properties: dict[str, Any], counters: RequestCounters | None = None
    ) -> Page:
        parent = {"type": "data_source_id", "data_source_id": data_source_id}

        async def send() -> Any:
            return await self.client.pages.create(parent=parent, properties=properties)

        return _object(await self.call("write", send, counters, idempotent=False), "page")

    async def update_data_source_description(
        self, data_source_id: str, description: list[dict[str, Any]], counters: RequestCounters | None = None
    ) -> Page:
        """PATCH a data source's description (the client's `data_sources.update` does not pass it on)."""

        async def send() -> Any:
            return await self.client.request(
                path=f"data_sources/{data_source_id}", method="PATCH", body={"description": description}
            )

        return _object(await self.call("write", send, counters), "data_source")

    async def retrieve_data_source(
        self, data_source_id: str, counters: RequestCounters | None = None
    ) -> Page:
        async def send() -> Any:
            return await self.client.data_sources.retrieve(data_source_id)

        return _object(await self.call("read", send, counters), "data_source")

    async def me(self) -> Page:
        return _object(await self.call("read", self.client.users.me), "user")

    async def query_all(
        self,
        data_source_id: str,
        filter: dict[str, Any] | None = None,
        counters: RequestCounters | None = None,
        *,
        sorts: list[dict[str, Any]] | None = None,
    ) -> tuple[list[Page], int]:
        """Every page of a data source matching `filter`, in ⌈n/100⌉ requests; returns (pages, requests)."""
        pages: list[Page] = []
        cursor: str | None = None
        requests = 0
        while True:
            body: dict[str, Any] = {"page_size": 100}
            if filter is not None:
                body["filter"] = filter
            if sorts:
                body["sorts"] = sorts
            if cursor:
                body["start_cursor"] = cursor

            async def send(body: dict[str, Any] = body) -> Any:
                return await self.client.data_sources.query(data_source_id, **body)

            answer = _list(await self.call("read", send, counters))
            requests += 1
            pages.extend(answer["results"])
            if not answer["has_more"]:
                return pages, requests
            cursor = answer["next_cursor"]

    async def property_items(
        self, page_id: str, property_id: str, counters: RequestCounters | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Every item of a paginated page property (a relation beyond 25 references); (items, requests)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        requests = 0
        while True:
            kwargs: dict[str, Any] = {"page_size": 100}
            if cursor:
                kwargs["start_cursor"] = cursor

            async def send(kwargs: dict[str, Any] = kwargs) -> Any:
                return await self.client.pages.properties.retrieve(page_id, property_id, **kwargs)

            answer = _list(await self.call("read", send, counters))
            requests += 1
            items.extend(answer["results"])
            if not answer["has_more"]:
                return items, requests
            cursor = answer["next_cursor"]


def _object(answer: Any, expected: str) -> Page:
    if not isinstance(answer, dict) or answer.get("object") != expected:
        got = answer.get("object") if isinstance(answer, dict) else type(answer).__name__
        raise ResponseShapeError(f"expected a {expected} object, got {got!r}")
    return answer


def _list(answer: Any) -> Page:
    if not isinstance(answer, dict) or answer.get("object") != "list":
        raise ResponseShapeError("expected a list object")
    results, has_more, cursor = answer.get("results"), answer.get("has_more"), answer.get("next_cursor")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise ResponseShapeError("a list without a results array of objects")
    if not isinstance(has_more, bool) or (has_more and not isinstance(cursor, str)):
        raise ResponseShapeError("a list without has_more / next_cursor")
    return answer


@asynccontextmanager
async def open_gateway(
    settings: NotionSettings,
    token: str,
    *,
    policy: RetryPolicy | None = None,
    rng: random.Random | None = None,
    slots: SlotStore | None = None,
) -> AsyncIterator[NotionGateway]:
    """A gateway with its own httpx client, closed on exit (in-flight requests are cancelled with it).
    `slots` is where its token bucket's schedule lives (shared with other processes), else in memory."""
    http = httpx.AsyncClient(transport=LifoTransport(max_connections=32))
    client = AsyncClient(
        client=http,
        auth=token,
        base_url=settings.base_url,
        notion_version=settings.notion_version,
        timeout_ms=int(settings.timeout_s * 1000),
        retry=False,
        logger=_QUIET_LOGGER,
    )
    try:
        # A shared schedule keeps one request of Notion's burst in hand: requests of several processes that
        # reach Notion late and together (one process was busy) would otherwise find the bucket empty.
        burst = settings.burst if slots is None else max(1, settings.burst - 1)
        bucket = TokenBucket(settings.rate, burst, slots)
        yield NotionGateway(client, bucket, policy=policy, rng=rng)
    finally:
        with trio.CancelScope(shield=True):
            await client.aclose()

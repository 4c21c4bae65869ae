"""The integration-wide token bucket, on trio's autojump clock (no real sleeping)."""

from __future__ import annotations

from typing import Any, cast

import pytest
import trio
import trio.testing

from engine.notion.gateway import NotionGateway
from engine.notion.ratelimit import TokenBucket


async def take(bucket: TokenBucket, n: int, stamps: list[float]) -> None:
    for _ in range(n):
        await bucket.acquire()
        stamps.append(trio.current_time())


@pytest.mark.trio
async def test_a_full_bucket_serves_its_burst_at_once_then_the_steady_rate(autojump_clock: object) -> None:
    bucket = TokenBucket(rate=3.0, burst=3)
    start = trio.current_time()
    stamps: list[float] = []
    await take(bucket, 9, stamps)
    offsets = [s - start for s in stamps]
    assert offsets[:3] == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)
    assert offsets[3:] == pytest.approx([1 / 3, 2 / 3, 1.0, 4 / 3, 5 / 3, 2.0], abs=1e-6)


@pytest.mark.trio
async def test_concurrent_takers_share_one_rate(autojump_clock: object) -> None:
    bucket = TokenBucket(rate=5.0, burst=1)
    start = trio.current_time()
    stamps: list[float] = []
    async with trio.open_nursery() as nursery:
        for _ in range(4):
            nursery.start_soon(take, bucket, 5, stamps)
    assert len(stamps) == 20
    # 20 tokens at 5/s with one in hand: the last is taken 19/5 s after the start.
    assert max(stamps) - start == pytest.approx(19 / 5, abs=1e-6)


@pytest.mark.trio
async def test_a_pause_holds_every_taker_and_resumes_without_a_burst(autojump_clock: object) -> None:
    bucket = TokenBucket(rate=2.0, burst=4)
    await bucket.acquire()
    await bucket.pause(3.0)
    paused_at = trio.current_time()
    assert bucket.statistics().paused_for == pytest.approx(3.0)
    stamps: list[float] = []
    await take(bucket, 3, stamps)
    assert [round(s - paused_at, 3) for s in stamps] == [3.5, 4.0, 4.5]


@pytest.mark.trio
async def test_cancelling_a_waiter_takes_no_token(autojump_clock: object) -> None:
    bucket = TokenBucket(rate=1.0, burst=1)
    await bucket.acquire()
    with trio.move_on_after(0.5):
        await bucket.acquire()
    assert bucket.statistics().taken == 1
    await bucket.acquire()
    assert bucket.statistics().taken == 2


def test_a_bucket_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, burst=0)


@pytest.mark.trio
async def test_the_gateway_counts_requests_sent_and_those_waiting_for_a_token(
    autojump_clock: trio.abc.Clock,
) -> None:
    """The console's status bar showed "0 busy workers" beside a job running at the limit: it counted
    only requests sent, and at 3 requests/s against a quick server nearly none is ever in flight. It now
    also shows those waiting for the rate limit; a request cancelled while it waits is no longer counted."""
    gateway = NotionGateway(cast(Any, None), TokenBucket(rate=1.0, burst=1))
    answer = trio.Event()

    async def request() -> dict[str, Any]:
        await answer.wait()
        return {}

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(gateway.call, "read", request)
        await trio.sleep(0.5)  # the first took the only token; the others wait for the next ones
        assert (gateway.in_flight, gateway.waiting) == (1, 2)
        await trio.sleep(1.0)
        assert (gateway.in_flight, gateway.waiting) == (2, 1)
        answer.set()
        await trio.sleep(0.1)
        assert (gateway.in_flight, gateway.waiting) == (0, 1)
        nursery.cancel_scope.cancel()  # the last one gives up waiting
    assert (gateway.in_flight, gateway.waiting) == (0, 0)

"""Token buckets, one per integration token, as Notion limits each integration.

Pure and clock-injected: every method takes the current time (seconds, any monotonic origin), so the same
code runs under `trio.current_time()` in the server and under a hand-driven clock in tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketStatistics:
    """A snapshot of one bucket: how many whole requests it would let through right now."""

    tokens: float
    capacity: float
    rate: float


class TokenBucket:
    """Holds up to `capacity` tokens and refills `rate` tokens per second; a request takes one token.

    The first request finds a full bucket, so a client may burst `capacity` requests and is then held to
    `rate` per second on average, however fast it fires.
    """

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._updated = now

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def take_nowait(self, now: float) -> float:
        """Take one token if there is one and return 0.0; otherwise take nothing and return the seconds
        until a token will be available."""
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    def statistics(self, now: float) -> BucketStatistics:
        self._refill(now)
        return BucketStatistics(tokens=self._tokens, capacity=self.capacity, rate=self.rate)


def retry_after_seconds(wait: float) -> int:
    """The `Retry-After` value for a wait: whole seconds, rounded up, never less than 1."""
    return max(1, math.ceil(wait))


class RateLimiter:
    """One `TokenBucket` per key (the integration token). `rate` 0 disables the limit."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate < 0:
            raise ValueError(f"rps must be 0 (no limit) or positive, got {rate}")
        self.rate = rate
        self.burst = max(1, burst)
        self._buckets: dict[str, TokenBucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def admit_nowait(self, key: str, now: float) -> int | None:
        """Admit one request for `key`: None if it may pass, else the `Retry-After` seconds to answer."""
        if not self.enabled:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, now)
        wait = bucket.take_nowait(now)
        return None if wait == 0.0 else retry_after_seconds(wait)

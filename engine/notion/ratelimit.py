"""One token bucket for the whole Notion integration, shared by every job of an engine.

Requests take a token each, first come first served. A 429 or 529 from Notion pauses the whole bucket
until its `Retry-After` has passed: every job waits, because the limit is the integration's, not a job's.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

_EPSILON = 1e-9  # a refill that lands a hair under one token is a token (floating point)
_MIN_SLEEP = 1e-6


@dataclass(frozen=True)
class BucketStatistics:
    """A snapshot for display: the level now, how long a pause still lasts, what was taken so far."""

    rate: float
    burst: int
    tokens: float
    paused_for: float
    taken: int
    waited_s: float


class TokenBucket:
    """`rate` tokens per second, holding at most `burst`. Starts full."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp: float | None = None
        self._paused_until = 0.0
        self._lock = trio.Lock()  # fair: waiters are served in arrival order
        self._taken = 0
        self._waited = 0.0

    def _refill(self, now: float) -> None:
        if self._stamp is None:
            self._stamp = now
        if now > self._stamp:  # the stamp is in the future while a pause lasts
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    async def acquire(self) -> float:
        """Wait for a token and take it; returns the seconds spent waiting.

        Cancellation while waiting takes no token.
        """
        start = trio.current_time()
        async with self._lock:
            while True:
                now = trio.current_time()
                self._refill(now)
                if now < self._paused_until:
                    await trio.sleep_until(self._paused_until)
                    continue
                if self._tokens >= 1.0 - _EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    break
                await trio.sleep(max(_MIN_SLEEP, (1.0 - self._tokens) / self.rate))
        waited = trio.current_time() - start
        self._taken += 1
        self._waited += waited
        return waited

    def pause(self, seconds: float) -> None:
        """Hold every request back for `seconds` from now (Notion said Retry-After), and drain the bucket
        so that requests resume at the steady rate rather than in a burst."""
        now = trio.current_time()
        self._refill(now)
        self._paused_until = max(self._paused_until, now + seconds)
        self._tokens = 0.0
        self._stamp = self._paused_until

    def statistics(self) -> BucketStatistics:
        now = trio.current_time()
        if self._stamp is not None and now >= self._stamp:
            level = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        else:
            level = self._tokens
        return BucketStatistics(
            rate=self.rate,
            burst=self.burst,
            tokens=level,
            paused_for=max(0.0, self._paused_until - now),
            taken=self._taken,
            waited_s=self._waited,
        )

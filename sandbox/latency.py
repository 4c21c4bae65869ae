"""Emulated round-trip time: a fixed delay plus a uniform jitter, repeatable from a seed."""

from __future__ import annotations

import random


class Latency:
    """Draws each request's delay in seconds: ``(latency_ms + uniform(0, jitter_ms)) / 1000``.

    Its random stream is separate from the fault injector's, so turning jitter on or off never changes which
    requests fail.
    """

    def __init__(self, latency_ms: float = 0.0, jitter_ms: float = 0.0, random_seed: int = 0) -> None:
        if latency_ms < 0 or jitter_ms < 0:
            raise ValueError(f"latency and jitter must not be negative, got {latency_ms} and {jitter_ms}")
        self.latency_ms = latency_ms
        self.jitter_ms = jitter_ms
        self._random = random.Random(f"latency:{random_seed}")

    @property
    def enabled(self) -> bool:
        return self.latency_ms > 0 or self.jitter_ms > 0

    def next_delay(self) -> float:
        """The next request's delay in seconds (0.0 when latency is off; no draw is consumed then)."""
        if not self.enabled:
            return 0.0
        jitter = self._random.uniform(0.0, self.jitter_ms) if self.jitter_ms > 0 else 0.0
        return (self.latency_ms + jitter) / 1000.0

"""The sandbox's token buckets, driven by a hand-held clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.ratelimit import RateLimiter, TokenBucket, retry_after_seconds


def test_a_full_bucket_lets_a_burst_through_then_refuses() -> None:
    bucket = TokenBucket(rate=3, capacity=3, now=0.0)
    assert [bucket.take_nowait(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take_nowait(0.0) == pytest.approx(1 / 3)


def test_the_bucket_refills_at_its_rate_and_never_beyond_its_capacity() -> None:
    bucket = TokenBucket(rate=2, capacity=2, now=0.0)
    bucket.take_nowait(0.0)
    bucket.take_nowait(0.0)
    assert bucket.take_nowait(0.25) == pytest.approx(0.25)
    assert bucket.take_nowait(0.5) == 0.0
    assert bucket.statistics(100.0).tokens == 2


def test_a_refused_request_takes_no_token() -> None:
    bucket = TokenBucket(rate=1, capacity=1, now=0.0)
    bucket.take_nowait(0.0)
    for _ in range(5):
        assert bucket.take_nowait(0.5) > 0
    assert bucket.take_nowait(1.0) == 0.0


@pytest.mark.parametrize(("wait", "seconds"), [(0.001, 1), (0.5, 1), (1.0, 1), (1.01, 2), (7.2, 8)])
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one(wait: float, seconds: int) -> None:
    assert retry_after_seconds(wait) == seconds


def test_each_token_has_its_own_bucket() -> None:
    limiter = RateLimiter(rate=1, burst=1)
    assert limiter.admit_nowait("Bearer a", 0.0) is None
    assert limiter.admit_nowait("Bearer a", 0.0) == 1
    assert limiter.admit_nowait("Bearer b", 0.0) is None


def test_rate_zero_disables_the_limit() -> None:
    limiter = RateLimiter(rate=0, burst=1)
    assert not limiter.enabled
    assert all(limiter.admit_nowait("t", 0.0) is None for _ in range(1000))


def test_retry_after_tells_when_the_next_token_comes() -> None:
    limiter = RateLimiter(rate=0.25, burst=1)
    limiter.admit_nowait("t", 0.0)
    assert limiter.admit_nowait("t", 0.0) == 4
    assert limiter.admit_nowait("t", 3.5) == 1
    assert limiter.admit_nowait("t", 4.0) is None


@pytest.mark.parametrize(("rate", "burst"), [(-1, 3)])
def test_a_negative_rate_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rps"):
        RateLimiter(rate, burst)


@given(
    rate=st.floats(min_value=0.5, max_value=50),
    burst=st.integers(min_value=1, max_value=20),
    gaps=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=300),
)
def test_no_client_gets_more_than_burst_plus_rate_times_elapsed(
    rate: float, burst: int, gaps: list[float]
) -> None:
    limiter = RateLimiter(rate, burst)
    now = 0.0
    admitted = 0
    for gap in gaps:
        now += gap
        if limiter.admit_nowait("t", now) is None:
            admitted += 1
    assert admitted <= burst + rate * now + 1e-6


@given(rate=st.floats(min_value=0.5, max_value=50), burst=st.integers(min_value=1, max_value=20))
def test_a_client_that_waits_as_told_is_always_admitted(rate: float, burst: int) -> None:
    limiter = RateLimiter(rate, burst)
    now = 0.0
    while limiter.admit_nowait("t", now) is None:
        pass
    retry_after = limiter.admit_nowait("t", now)
    assert retry_after is not None
    assert limiter.admit_nowait("t", now + retry_after) is None

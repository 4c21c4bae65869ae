"""The rate limit's schedule shared through a file: two stores on one file (two processes) hand out one
sequence of slots, a pause from either holds back both, and a file from an earlier boot or a damaged one
starts afresh. The machine's clock is replaced by a hand-driven one: nothing sleeps."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from engine.notion import ratelimit
from engine.notion.ratelimit import FileSlots, Schedule

RATE, BURST = 4.0, 2  # a slot every 0.25 s, two at once


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ratelimit.time, "monotonic", clock)
    return clock


def test_two_stores_on_one_file_hand_out_one_sequence(tmp_path: Path, clock: Clock) -> None:
    a, b = FileSlots(tmp_path / "s.slots"), FileSlots(tmp_path / "s.slots")
    delays = [store.reserve(RATE, BURST).delay for store in (a, b, a, b, a, b)]
    assert delays == pytest.approx([0.0, 0.0, 0.25, 0.5, 0.75, 1.0])
    clock.now += 10  # idle: the burst is back, in both
    assert [b.reserve(RATE, BURST).delay, a.reserve(RATE, BURST).delay] == [0.0, 0.0]
    assert a.level(RATE, BURST).tokens == pytest.approx(0.0)
    a.close()
    b.close()


def test_a_pause_from_one_process_holds_back_the_other(tmp_path: Path, clock: Clock) -> None:
    a, b = FileSlots(tmp_path / "s.slots"), FileSlots(tmp_path / "s.slots")
    waiting = b.reserve(RATE, BURST)
    a.pause(3.0, RATE, BURST)
    assert not b.still_valid(waiting)  # b reserves again, after the pause
    after = b.reserve(RATE, BURST)
    assert after.delay == pytest.approx(3.0 + 0.25) and b.still_valid(after)
    assert b.level(RATE, BURST).paused_for == pytest.approx(3.0)


def test_a_cancelled_slot_is_given_back_only_when_nobody_reserved_after_it(
    tmp_path: Path, clock: Clock
) -> None:
    a, b = FileSlots(tmp_path / "s.slots"), FileSlots(tmp_path / "s.slots")
    for _ in range(BURST):
        a.reserve(RATE, BURST)
    mine = a.reserve(RATE, BURST)
    a.give_back(mine, RATE)
    assert b.reserve(RATE, BURST).delay == pytest.approx(mine.delay)  # the same slot, taken by b
    theirs = b.reserve(RATE, BURST)
    later = a.reserve(RATE, BURST)
    a.give_back(theirs, RATE)  # somebody reserved after it: kept
    assert a.reserve(RATE, BURST).delay == pytest.approx(later.delay + 0.25)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 5,
        struct.pack("<ddq", float("nan"), 0.0, 0),
        struct.pack("<ddq", 1000.0 + 10 * 3600, 0.0, 3),  # written before the machine booted again
    ],
)
def test_a_damaged_or_stale_file_starts_afresh(tmp_path: Path, clock: Clock, content: bytes) -> None:
    path = tmp_path / "s.slots"
    path.write_bytes(content)
    store = FileSlots(path)
    assert store.reserve(RATE, BURST).delay == 0.0


def test_the_schedule_drains_after_a_pause() -> None:
    schedule = Schedule()
    schedule.pause(0.0, 2.0, 2.0, 4)
    sends = [schedule.reserve(0.0, 2.0, 4).delay for _ in range(3)]
    assert sends == pytest.approx([2.5, 3.0, 3.5])

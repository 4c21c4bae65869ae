"""One token bucket for the whole Notion integration, shared by every job of an engine and, through a shared
slot store, by every paydesk process that pays the same workspace.

Notion's limit (about 3 requests per second) belongs to the integration, not to a process. The bucket is
kept as a schedule of send slots (the generic cell rate algorithm): a request reserves the next free slot
in one short, atomic step, then waits for it. `rate` slots a second, `burst` of them at once when the bucket
has been idle. A 429 or 529 from Notion pauses the whole bucket until its `Retry-After` has passed: every
waiter of every process sharing the store waits, then requests resume at the steady rate, not in a burst.

Where the schedule lives is a `SlotStore`:
- `LocalSlots` keeps it in memory on trio's clock (one process; tests on the autojump clock);
- `FileSlots` keeps it in a small file under an exclusive `flock`, on the machine's monotonic clock, so that
  every process on the machine that opens the same file shares one limit (the file sits beside the log,
  one per integration);
- a team's log on PostgreSQL keeps it in a row of the database, on the server's clock (`eventlog`).

The state is three numbers: `tat`, the theoretical arrival time (the bucket is full again from
`tat - burst / rate` on); `paused_until`; and a pause generation, which a waiter compares after its sleep to
learn that a pause came after it reserved (it then reserves again, after the pause).
"""

from __future__ import annotations

import fcntl
import math
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

import trio

T = TypeVar("T")


@dataclass(frozen=True)
class BucketStatistics:
    """A snapshot for display: the level now, how long a pause still lasts, what was taken so far."""

    rate: float
    burst: int
    tokens: float
    paused_for: float
    taken: int
    waited_s: float


@dataclass(frozen=True)
class Slot:
    """A reserved send slot: wait `delay` seconds, then send (unless the pause generation moved)."""

    delay: float
    tat: float  # the schedule after this reservation (to give the slot back when cancelled)
    generation: int


@dataclass(frozen=True)
class Level:
    tokens: float
    paused_for: float


class SlotStore(Protocol):
    """Where the schedule lives; each method is one atomic step on the store's own clock."""

    blocking: bool  # True when a step may wait on I/O (run it in a thread)

    def reserve(self, rate: float, burst: int) -> Slot: ...

    def still_valid(self, slot: Slot) -> bool: ...

    def give_back(self, slot: Slot, rate: float) -> None: ...

    def pause(self, seconds: float, rate: float, burst: int) -> None: ...

    def level(self, rate: float, burst: int) -> Level: ...


class Schedule:
    """The schedule's arithmetic, shared by every store (pure: the store supplies `now` and keeps it)."""

    def __init__(self, tat: float = float("-inf"), paused_until: float = float("-inf"), generation: int = 0):
        self.tat, self.paused_until, self.generation = tat, paused_until, generation

    def reserve(self, now: float, rate: float, burst: int) -> Slot:
        interval = 1.0 / rate
        tolerance = (burst - 1) * interval
        send = max(now, self.tat - tolerance, self.paused_until)
        self.tat = max(self.tat, now) + interval
        return Slot(send - now, self.tat, self.generation)

    def give_back(self, slot: Slot, rate: float) -> None:
        if self.tat == slot.tat and slot.generation == self.generation:  # nobody reserved after it
            self.tat -= 1.0 / rate

    def pause(self, now: float, seconds: float, rate: float, burst: int) -> None:
        """Nothing is sent before `now + seconds`; then one slot every 1/rate, beginning one interval later
        (the bucket is drained, so requests do not resume in a burst)."""
        until = now + seconds
        interval = 1.0 / rate
        self.paused_until = max(self.paused_until, until)
        self.tat = max(self.tat, self.paused_until + burst * interval)
        self.generation += 1

    def level(self, now: float, rate: float, burst: int) -> Level:
        interval = 1.0 / rate
        behind = max(0.0, self.tat - now)  # how far the schedule runs ahead of now
        tokens = min(float(burst), max(0.0, burst - behind / interval))
        return Level(tokens, max(0.0, self.paused_until - now))


class LocalSlots:
    """The schedule in this process's memory, on trio's clock."""

    blocking = False

    def __init__(self) -> None:
        self._schedule = Schedule()

    def reserve(self, rate: float, burst: int) -> Slot:
        return self._schedule.reserve(trio.current_time(), rate, burst)

    def still_valid(self, slot: Slot) -> bool:
        return slot.generation == self._schedule.generation

    def give_back(self, slot: Slot, rate: float) -> None:
        self._schedule.give_back(slot, rate)

    def pause(self, seconds: float, rate: float, burst: int) -> None:
        self._schedule.pause(trio.current_time(), seconds, rate, burst)

    def level(self, rate: float, burst: int) -> Level:
        return self._schedule.level(trio.current_time(), rate, burst)


_STATE = struct.Struct("<ddq")  # tat, paused_until, generation: on the machine's monotonic clock


class FileSlots:
    """The schedule in a file every process on the machine can open, changed under an exclusive `flock`
    (held for a read and a write of 24 bytes). The clock is CLOCK_MONOTONIC, which every process of one
    machine shares; a file written before the machine booted again is read as empty (its times are
    ahead of the clock by more than any pause Notion asks for, or it holds nothing sensible)."""

    blocking = False  # a lock held for microseconds, by design

    STALE_S = 3600.0  # a schedule further ahead than this is from an earlier boot

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def close(self) -> None:
        os.close(self._fd)

    def _change(self, change: _Change) -> object:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            now = time.monotonic()
            schedule = self._read(now)
            result = change(schedule, now)
            os.pwrite(self._fd, _STATE.pack(schedule.tat, schedule.paused_until, schedule.generation), 0)
            return result
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _read(self, now: float) -> Schedule:
        raw = os.pread(self._fd, _STATE.size, 0)
        if len(raw) != _STATE.size:
            return Schedule()
        tat, paused_until, generation = _STATE.unpack(raw)
        if any(math.isnan(value) or value - now > self.STALE_S for value in (tat, paused_until)):
            return Schedule(generation=generation)  # damaged, or from before the machine booted again
        return Schedule(tat, paused_until, generation)

    def reserve(self, rate: float, burst: int) -> Slot:
        slot = self._change(lambda schedule, now: schedule.reserve(now, rate, burst))
        assert isinstance(slot, Slot)
        return slot

    def still_valid(self, slot: Slot) -> bool:
        return bool(self._change(lambda schedule, _now: schedule.generation == slot.generation))

    def give_back(self, slot: Slot, rate: float) -> None:
        self._change(lambda schedule, _now: schedule.give_back(slot, rate))

    def pause(self, seconds: float, rate: float, burst: int) -> None:
        self._change(lambda schedule, now: schedule.pause(now, seconds, rate, burst))

    def level(self, rate: float, burst: int) -> Level:
        level = self._change(lambda schedule, now: schedule.level(now, rate, burst))
        assert isinstance(level, Level)
        return level


class SessionSlots:
    """The schedule in a row of a team's PostgreSQL log, on the database server's clock: every process on
    every machine using the log shares it (see `eventlog.SessionLocks.change_slots`)."""

    blocking = True  # a round trip to the database

    def __init__(self, session: SlotsSession, integration: str) -> None:
        self.session, self.integration = session, integration

    def _change(self, change: Callable[[Schedule, float], T]) -> T:
        def step(tat: float, paused: float, generation: int, now: float) -> tuple[float, float, int, T]:
            schedule = Schedule(tat, paused, generation)
            result = change(schedule, now)
            return schedule.tat, schedule.paused_until, schedule.generation, result

        return self.session.change_slots(self.integration, step)

    def reserve(self, rate: float, burst: int) -> Slot:
        return self._change(lambda schedule, now: schedule.reserve(now, rate, burst))

    def still_valid(self, slot: Slot) -> bool:
        return self._change(lambda schedule, _now: schedule.generation == slot.generation)

    def give_back(self, slot: Slot, rate: float) -> None:
        self._change(lambda schedule, _now: schedule.give_back(slot, rate))

    def pause(self, seconds: float, rate: float, burst: int) -> None:
        self._change(lambda schedule, now: schedule.pause(now, seconds, rate, burst))

    def level(self, rate: float, burst: int) -> Level:
        return self._change(lambda schedule, now: schedule.level(now, rate, burst))


class SlotsSession(Protocol):
    def change_slots(
        self, integration: str, change: Callable[[float, float, int, float], tuple[float, float, int, T]]
    ) -> T: ...


class _Change(Protocol):
    def __call__(self, schedule: Schedule, now: float, /) -> object: ...


class TokenBucket:
    """`rate` tokens per second, holding at most `burst`; starts full. The schedule lives in `store`
    (this process's memory unless given)."""

    def __init__(self, rate: float, burst: int, store: SlotStore | None = None) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.store: SlotStore = store if store is not None else LocalSlots()
        self._taken = 0
        self._waited = 0.0
        self._level = Level(float(burst), 0.0)

    async def _step(self, step: Callable[[], T]) -> T:
        if self.store.blocking:
            return await trio.to_thread.run_sync(step)
        return step()

    async def acquire(self) -> float:
        """Wait for a slot and take it; returns the seconds spent waiting. Cancellation while waiting gives
        the slot back when nobody reserved after it (so it takes no token)."""
        start = trio.current_time()
        while True:
            slot = await self._step(lambda: self.store.reserve(self.rate, self.burst))
            if slot.delay > 0:
                try:
                    await trio.sleep(slot.delay)
                except trio.Cancelled:
                    with trio.CancelScope(shield=True):
                        await self._step(partial(self.store.give_back, slot, self.rate))
                    raise
                if not await self._step(partial(self.store.still_valid, slot)):
                    continue  # a 429 paused the bucket while this waited: take a slot after the pause
            break
        waited = trio.current_time() - start
        self._taken += 1
        self._waited += waited
        return waited

    async def pause(self, seconds: float) -> None:
        """Hold every request back for `seconds` from now (Notion said Retry-After), and drain the bucket
        so that requests resume at the steady rate rather than in a burst."""
        await self._step(lambda: self.store.pause(seconds, self.rate, self.burst))

    def statistics(self) -> BucketStatistics:
        if not self.store.blocking:
            self._level = self.store.level(self.rate, self.burst)
        return BucketStatistics(
            rate=self.rate,
            burst=self.burst,
            tokens=self._level.tokens,
            paused_for=self._level.paused_for,
            taken=self._taken,
            waited_s=self._waited,
        )

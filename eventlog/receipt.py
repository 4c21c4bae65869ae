"""`Receipt`: the future `GroupCommitWriter.submit` hands back, one per submission.

It answers like a `concurrent.futures.Future` (`result`, `exception`, `done`, `cancel`, `cancelled`,
`running`, `add_done_callback`, with the same meaning and errors) but costs a fraction of one: the engine
submits tens of thousands of events a minute, and a standard future (a condition variable, a re-entrant
lock, a list of waiters each) took as long to make and resolve as the events took to write. Here a
receipt is five slots; every state change takes one module-wide lock for a few instructions, and a
thread that blocks in `result` gets its own `threading.Event` only then.

Only the writer moves a receipt to running and resolves it (`claim`, `settle`); anyone may cancel it
while it is pending. `concurrent.futures.wait` and `as_completed` do not take receipts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError
from typing import Generic, TypeVar

T = TypeVar("T")

_PENDING, _RUNNING, _FINISHED, _CANCELLED = range(4)
_lock = threading.Lock()
_log = logging.getLogger(__name__)


class Receipt(Generic[T]):
    __slots__ = ("_callbacks", "_error", "_result", "_state", "_waiter")

    def __init__(self) -> None:
        self._state = _PENDING
        self._result: T | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Receipt[T]], object]] | None = None
        self._waiter: threading.Event | None = None

    def __repr__(self) -> str:
        state = ("pending", "running", "finished", "cancelled")[self._state]
        return f"<Receipt {state}>"

    # --- the caller's side -------------------------------------------------------------------------------

    def done(self) -> bool:
        """Resolved (written or failed) or cancelled."""
        return self._state >= _FINISHED

    def running(self) -> bool:
        """Taken by the writer and not resolved yet: it can no longer be cancelled."""
        return self._state == _RUNNING

    def cancelled(self) -> bool:
        return self._state == _CANCELLED

    def cancel(self) -> bool:
        """Withdraw the submission if the writer has not taken it yet; True if it is (now) cancelled."""
        with _lock:
            if self._state == _CANCELLED:
                return True
            if self._state != _PENDING:
                return False
            self._state = _CANCELLED
            callbacks, self._callbacks = self._callbacks, None
            waiter = self._waiter
        self._wake(waiter, callbacks)
        return True

    def add_done_callback(self, fn: Callable[[Receipt[T]], object]) -> None:
        """Call `fn(receipt)` once it is done: at once (on this thread) if it is, else on the writer's thread
        when it resolves (or on the cancelling thread). An exception `fn` raises is logged and dropped."""
        with _lock:
            if self._state < _FINISHED:
                if self._callbacks is None:
                    self._callbacks = [fn]
                else:
                    self._callbacks.append(fn)
                return
        _call(fn, self)

    def result(self, timeout: float | None = None) -> T:
        """The stored events once written; raises what made the submission fail, `CancelledError`, or
        `TimeoutError` after `timeout` seconds."""
        self._wait(timeout)
        if self._state == _CANCELLED:
            raise CancelledError()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """What made the submission fail, or None once it is written (waiting like `result`)."""
        self._wait(timeout)
        if self._state == _CANCELLED:
            raise CancelledError()
        return self._error

    def _wait(self, timeout: float | None) -> None:
        if self._state >= _FINISHED:
            return
        with _lock:
            if self._state >= _FINISHED:
                return
            if self._waiter is None:
                self._waiter = threading.Event()
            waiter = self._waiter
        if not waiter.wait(timeout):
            raise TimeoutError(f"the submission was not written within {timeout} s")

    # --- the writer's side ---------------------------------------------------------------------------------

    def claim(self) -> bool:
        """The writer takes the submission: False if it was cancelled first (then it is not written)."""
        with _lock:
            if self._state == _CANCELLED:
                return False
            self._state = _RUNNING
            return True

    def settle(self, result: T | None, error: BaseException | None) -> None:
        with _lock:
            self._result, self._error = result, error
            self._state = _FINISHED
            callbacks, self._callbacks = self._callbacks, None
            waiter = self._waiter
        self._wake(waiter, callbacks)

    def _wake(
        self, waiter: threading.Event | None, callbacks: list[Callable[[Receipt[T]], object]] | None
    ) -> None:
        if waiter is not None:
            waiter.set()
        if callbacks is not None:
            for fn in callbacks:
                _call(fn, self)


def _call(fn: Callable[[Receipt[T]], object], receipt: Receipt[T]) -> None:
    try:
        fn(receipt)
    except Exception:
        _log.exception("a callback of %r raised", receipt)

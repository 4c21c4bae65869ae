"""`Receipt`, the writer's light future: the answers of a `concurrent.futures.Future`, at any moment."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import CancelledError

import pytest

from eventlog import Receipt


def test_a_pending_receipt_is_not_done_and_times_out() -> None:
    receipt: Receipt[int] = Receipt()
    assert not receipt.done() and not receipt.running() and not receipt.cancelled()
    with pytest.raises(TimeoutError):
        receipt.result(timeout=0)
    with pytest.raises(TimeoutError):
        receipt.exception(timeout=0)


def test_a_settled_receipt_gives_its_result_and_runs_callbacks_once() -> None:
    receipt: Receipt[int] = Receipt()
    seen: list[int] = []
    receipt.add_done_callback(lambda r: seen.append(r.result()))
    assert receipt.claim() and receipt.running()
    assert not receipt.cancel()  # taken by the writer: too late to withdraw
    receipt.settle(7, None)
    assert receipt.done() and receipt.result() == 7 and receipt.exception() is None
    receipt.add_done_callback(lambda r: seen.append(r.result() * 2))  # already done: called at once
    assert seen == [7, 14]


def test_a_failed_receipt_raises_its_error() -> None:
    receipt: Receipt[int] = Receipt()
    receipt.claim()
    receipt.settle(None, ValueError("refused"))
    with pytest.raises(ValueError, match="refused"):
        receipt.result()
    assert isinstance(receipt.exception(), ValueError)


def test_cancelling_before_the_writer_takes_it_withdraws_it() -> None:
    receipt: Receipt[int] = Receipt()
    called: list[bool] = []
    receipt.add_done_callback(lambda r: called.append(r.cancelled()))
    assert receipt.cancel() and receipt.cancel()  # twice: still cancelled
    assert called == [True]
    assert not receipt.claim()  # the writer skips it
    with pytest.raises(CancelledError):
        receipt.result()
    with pytest.raises(CancelledError):
        receipt.exception()


def test_a_thread_waiting_on_result_wakes_when_another_settles_it() -> None:
    receipt: Receipt[str] = Receipt()
    got: list[str] = []
    waiting = threading.Thread(target=lambda: got.append(receipt.result(timeout=30)))
    waiting.start()
    receipt.claim()
    receipt.settle("written", None)
    waiting.join(timeout=30)
    assert got == ["written"]


def test_a_callback_that_raises_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    receipt: Receipt[int] = Receipt()
    later: list[int] = []

    def broken(_: Receipt[int]) -> None:
        raise RuntimeError("callback bug")

    receipt.add_done_callback(broken)
    receipt.add_done_callback(lambda r: later.append(r.result()))
    receipt.claim()
    with caplog.at_level(logging.ERROR, logger="eventlog.receipt"):
        receipt.settle(1, None)
    assert later == [1]
    assert "callback bug" in caplog.text

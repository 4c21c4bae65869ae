"""Recording events from trio: the bridge from the engine to the event log's group-commit writer.

The writer owns a thread and answers with receipts (light futures, `eventlog.Receipt`); `record` waits for
one without blocking the trio loop (and so without freezing a console that hosts the engine as a guest): the
receipt's callback wakes the waiting task through the trio token. `record` returns once the events are
durable, which is what a step's `started` event needs before its request is sent. `record_nowait` queues
events whose durability nobody waits for (an outcome lost in a crash leaves the step in doubt, which
recovery resolves by reading the target); `flush` waits for everything queued so far.
"""

from __future__ import annotations

import contextlib
import dataclasses
from decimal import Decimal
from typing import Any, TypeVar

import trio

from eventlog import Event, GroupCommitWriter, Receipt, StoredEvent

T = TypeVar("T")


class Recorder:
    def __init__(self, writer: GroupCommitWriter) -> None:
        self.writer = writer
        self._pending: list[Receipt[list[StoredEvent]]] = []

    async def record(self, *events: Event) -> list[StoredEvent]:
        """Append `events` in one group and wait until they are durable.

        Cancellation stops the wait, not the write: the events are still committed.
        """
        return await wait_future(self.writer.submit(tuple(map(json_ready, events))))

    def record_nowait(self, *events: Event) -> None:
        future = self.writer.submit(tuple(map(json_ready, events)))
        self._pending.append(future)
        if len(self._pending) > 256:
            self._pending = [f for f in self._pending if not f.done() or f.exception() is not None]

    async def flush(self) -> None:
        """Wait for every `record_nowait` so far; re-raises the first failure among them."""
        pending, self._pending = self._pending, []
        for future in pending:
            await wait_future(future)


def json_ready(event: Event) -> Event:
    """The event with its exact amounts (`Decimal`, see engine.workspace.money) as decimal strings
    (Decimal("25.30") is logged "25.30", never 25.299999999999997; see eventlog.amounts). A step's `write`
    is the request body Notion is sent: its numbers stay JSON numbers whose text is their digits."""
    changes = {
        f.name: _plain(value, as_text=f.name != "write")
        for f in dataclasses.fields(event)
        if _holds_decimal(value := getattr(event, f.name))
    }
    return dataclasses.replace(event, **changes) if changes else event


def _holds_decimal(value: Any) -> bool:
    if isinstance(value, Decimal):
        return True
    if isinstance(value, dict):
        return any(_holds_decimal(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_decimal(v) for v in value)
    return False


def _plain(value: Any, *, as_text: bool) -> Any:
    if isinstance(value, Decimal):
        if as_text:
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v, as_text=as_text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, as_text=as_text) for v in value]
    return value


async def wait_future(future: Receipt[T]) -> T:
    """Wait for a concurrent future from trio without a thread."""
    if not future.done():
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()

        def wake(_: Receipt[T]) -> None:
            # If the engine stopped first, nobody is waiting any more.
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(done.set)

        future.add_done_callback(wake)
        await done.wait()
    return future.result()

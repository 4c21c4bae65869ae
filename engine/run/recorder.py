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
from typing import TypeVar

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
        return await wait_future(self.writer.submit(events))

    def record_nowait(self, *events: Event) -> None:
        future = self.writer.submit(events)
        self._pending.append(future)
        if len(self._pending) > 256:
            self._pending = [f for f in self._pending if not f.done() or f.exception() is not None]

    async def flush(self) -> None:
        """Wait for every `record_nowait` so far; re-raises the first failure among them."""
        pending, self._pending = self._pending, []
        for future in pending:
            await wait_future(future)


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

"""One engine = one trio run: the config, the event log writer, the Notion gateway, and log reads.

SQLite is blocking, so every read of the log runs in a worker thread, and writes go through the
group-commit writer's own thread: the trio loop (which may be a Textual console's, in guest mode) never
waits on the disk.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import trio

from engine.notion.gateway import NotionGateway, RetryPolicy, open_gateway
from engine.notion.ratelimit import FileSlots, SessionSlots, SlotStore
from engine.run.locks import Coordination, locks_dir
from engine.run.notify import Notifier, open_notifier
from engine.run.recorder import Recorder
from engine.workspace.config import Config
from eventlog import EventLog, GroupCommitWriter, Location

T = TypeVar("T")


def current_operator() -> str:
    name = os.environ.get("PAYDESK_OPERATOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


@dataclass
class Runtime:
    config: Config
    db_path: Location  # a SQLite file, or a team's PostgreSQL URL
    gateway: NotionGateway
    recorder: Recorder
    operator: str
    coordination: Coordination
    log_id: str | None = None  # the log's identity, once read (engine.run.binding)
    store_id: str | None = None  # this store of it (a copy has its own), once read
    notifier: Notifier | None = None  # tells the webhook of jobs that need people (engine.run.notify)
    # the data sources whose schema this run found as paydesk needs them, by logical name, and the
    # gateway's count of validation errors then: one more, and they are checked again (engine.run.jobs)
    checked: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    checked_at_errors: int = 0

    async def read_log(self, query: Callable[[EventLog], T]) -> T:
        """Run `query` on a read-only view of the log, in a worker thread."""

        def run() -> T:
            with EventLog(self.db_path, read_only=True) as log:
                return query(log)

        return await trio.to_thread.run_sync(run)


@asynccontextmanager
async def open_runtime(
    config: Config,
    db_path: Location,
    *,
    operator: str | None = None,
    policy: RetryPolicy | None = None,
    secrets: Sequence[str] = (),
) -> AsyncIterator[Runtime]:
    """`secrets` (e.g. an LLM key) join the Notion token and the webhook's URL among the values the log
    refuses to hold. Leaving waits for notifications still being delivered (engine.run.notify)."""
    secrets = [s for s in (config.token, config.notify.webhook_url, *secrets) if s]
    writer = await trio.to_thread.run_sync(lambda: GroupCommitWriter(db_path, secrets=secrets))
    coordination: Coordination | None = None
    slots: SlotStore | None = None
    try:
        coordination = await trio.to_thread.run_sync(lambda: Coordination(db_path))
        slots = shared_slots(config, coordination) if config.notion.share_limit else None
        async with open_gateway(config.notion, config.token, policy=policy, slots=slots) as gateway:
            rt = Runtime(
                config, db_path, gateway, Recorder(writer), operator or current_operator(), coordination
            )
            async with open_notifier(rt) as rt.notifier:
                yield rt
    finally:
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(writer.close)
            if isinstance(slots, FileSlots):
                slots.close()
            if coordination is not None:
                coordination.close()


def shared_slots(config: Config, coordination: Coordination) -> SlotStore:
    """The rate limit's schedule that every paydesk process paying this workspace through this log meets:
    a file beside a SQLite log, or a row of the team's PostgreSQL log; one per integration (named by a
    digest of the API's address and the token, never the token)."""
    integration = hashlib.sha256(f"{config.notion.base_url}\0{config.token}".encode()).hexdigest()[:20]
    if coordination.session is not None:
        return SessionSlots(coordination.session, integration)
    return FileSlots(locks_dir(Path(coordination.location)) / f"notion-{integration}.slots")

"""Serving the sandbox: the store, the Notion app, the limits middleware, and Hypercorn's trio worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from sandbox import limits
from sandbox.app import DEFAULT_OPTIONS, build_app
from sandbox.options import SandboxOptions
from sandbox.query_upkeep import warm
from sandbox.store import SandboxStore, flush_open_stores

ASGIApp = Any
FLUSH_INTERVAL = 0.02


@dataclass
class RunningSandbox:
    base_url: str
    token: str
    port: int
    store: SandboxStore
    notion_app: ASGIApp


@asynccontextmanager
async def open_sandbox(
    data_dir: Path,
    options: SandboxOptions = DEFAULT_OPTIONS,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
) -> AsyncIterator[RunningSandbox]:
    """Serve a sandbox over the workspace in ``data_dir`` (created if absent) until the block exits.

    With ``port=0`` the system picks a free port (``RunningSandbox.port``). Leaving the block stops the
    server gracefully (in-flight requests end, connections close), writes what is pending and closes the
    store; cancelling the enclosing scope does the same.

    Writes are group-committed (``store.deferred_flush``): answered at once, committed to SQLite within
    FLUSH_INTERVAL seconds, and always before the store closes. Another ``SandboxStore.open`` on the same
    directory in this process flushes this store first, so it sees every answered write; another process
    may lag by up to FLUSH_INTERVAL (and a killed server loses at most that much). The SQLite log is
    checkpointed by a thread of the store's (`SandboxStore.checkpoint_in_background`), never by a commit.
    """
    flush_open_stores(data_dir)  # here, in the trio thread that owns those stores
    store = await trio.to_thread.run_sync(_open_store, data_dir)
    store.query_lag_ms = options.query_lag_ms
    store.deferred_flush = True
    notion_app = build_app(store, options)
    app = limits.wrap(notion_app, options, store)
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = None
    config.include_server_header = False
    config.graceful_timeout = 1.0
    config.keep_alive_timeout = 75.0
    stop = trio.Event()

    async def shutdown_trigger() -> None:
        await stop.wait()

    try:
        async with trio.open_nursery() as nursery:
            binds: list[str] = await nursery.start(_serve, app, config, shutdown_trigger)
            nursery.start_soon(_flush_periodically, store, stop)
            bound = urlsplit(binds[0])
            real_port = bound.port or port
            try:
                yield RunningSandbox(
                    base_url=f"http://{host}:{real_port}",
                    token=options.token,
                    port=real_port,
                    store=store,
                    notion_app=notion_app,
                )
            finally:
                wrapper = limits.limits_for(store)
                if wrapper is not None:  # let requests held by a `timeout` fault go, so shutdown is prompt
                    wrapper.close()
                stop.set()
    finally:
        store.close()


def _open_store(data_dir: Path) -> SandboxStore:
    """The store, its query indexes built (`sandbox.query_upkeep.warm`), so that the first query of each
    kind is as fast as the next ones, its log checkpointed by a thread of its own."""
    store = SandboxStore.open(data_dir, flush_open=False)
    try:
        warm(store)
        store.checkpoint_in_background()
    except BaseException:
        store.close()
        raise
    return store


async def _flush_periodically(store: SandboxStore, stop: trio.Event) -> None:
    """Group commit: write what changed every FLUSH_INTERVAL seconds (and once more at shutdown)."""
    while not stop.is_set():
        with trio.move_on_after(FLUSH_INTERVAL):
            await stop.wait()
        store.flush()


async def _serve(
    app: ASGIApp,
    config: Config,
    shutdown_trigger: Any,
    *,
    task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
) -> None:
    await serve(app, config, shutdown_trigger=shutdown_trigger, task_status=task_status)

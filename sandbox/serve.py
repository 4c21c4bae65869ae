"""The serve loop behind `paydesk sandbox serve`: check the settings, open the sandbox, seed the demo
workspace if asked, write the paydesk configuration, announce the URL, and serve until SIGINT or SIGTERM.

`check_settings` is synchronous and raises `ServeError` (one line: what is wrong and what to do) for
anything the operator can fix before a server starts; `serve_sandbox` raises it for what only shows when
starting (a port in use). The command line turns `ServeError` into its own error type.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import notion_client
import trio

from sandbox.demo import DemoWorkspace, find_demo_workspace, render_config, seed_demo
from sandbox.demo.month import WorkMonth
from sandbox.demo.shape import SIZES
from sandbox.faults import parse_fault_spec
from sandbox.limits import limits_for
from sandbox.options import SandboxOptions

if TYPE_CHECKING:  # the server (Hypercorn, the routes) loads only when a sandbox is served, not for --help
    from sandbox.server import RunningSandbox

SEEDS = ("demo",)
DEFAULT_PORT = 8765
DEFAULT_RPS = 3.0
_SEED_LOGGER = logging.getLogger("sandbox.serve.seed")


class ServeError(Exception):
    """Something the operator can fix: the message names what is wrong and what to do."""


def current_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


@dataclass(frozen=True)
class ServeSettings:
    """Everything `paydesk sandbox serve` was asked to do."""

    data_dir: Path
    options: SandboxOptions = field(default_factory=lambda: SandboxOptions(rps=DEFAULT_RPS))
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    seed: str | None = None
    size: str = "small"
    month: str = field(default_factory=current_month)
    write_config: Path | None = None


def check_settings(settings: ServeSettings) -> None:
    """Refuse, with a `ServeError`, settings that cannot work; create the data directory if needed."""
    options = settings.options
    if not 0 <= settings.port <= 65535:
        raise ServeError(f"port {settings.port} is out of range: use 1-65535 (or 0 for any free port)")
    if settings.seed is not None and settings.seed not in SEEDS:
        raise ServeError(f"unknown seed {settings.seed!r}: use --seed {' or '.join(SEEDS)}")
    if settings.size not in SIZES:
        raise ServeError(f"unknown size {settings.size!r}: use one of {', '.join(SIZES)}")
    try:
        WorkMonth.parse(settings.month)
    except ValueError:
        raise ServeError(f"bad month {settings.month!r}: write it as YYYY-MM, e.g. 2026-01") from None
    try:
        parse_fault_spec(options.faults)
    except ValueError as err:
        raise ServeError(f"{err}; write faults as e.g. 500:0.05,429:0.02,timeout:0.01") from None
    for name, value, least in (
        ("--rps", options.rps, 0.0),
        ("--burst", options.burst, 1),
        ("--latency-ms", options.latency_ms, 0.0),
        ("--jitter-ms", options.jitter_ms, 0.0),
        ("--query-lag-ms", options.query_lag_ms, 0),
    ):
        if value < least:
            raise ServeError(f"{name} must be at least {least}, got {value}")
    _check_writable_dir(settings.data_dir, "data directory", "--data")
    if settings.write_config is not None:
        _check_writable_dir(settings.write_config.parent, "config directory", "--write-config")


def _check_writable_dir(path: Path, what: str, flag: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ServeError(f"cannot create the {what} {path}: {err.strerror}; pick another {flag}") from None
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        raise ServeError(f"the {what} {path} is not a writable directory; pick another {flag}")


def write_config_file(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600), also when the file already existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


async def ensure_demo_workspace(running: RunningSandbox, settings: ServeSettings) -> DemoWorkspace | None:
    """The demo workspace in the store: the one already there, else (with `--seed demo`) a new one seeded
    in-process, around the rate limit and the faults. None without a workspace and without `--seed`."""
    existing = find_demo_workspace(running.store)
    if existing is not None or settings.seed is None:
        return existing
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=running.notion_app), base_url="http://sandbox")
    client = notion_client.AsyncClient(
        auth=running.token, base_url="http://sandbox", client=http, retry=False, logger=_SEED_LOGGER
    )
    try:
        return await seed_demo(
            client,
            running.store,
            size=settings.size,
            month=settings.month,
            random_seed=settings.options.random_seed,
        )
    finally:
        await client.aclose()
        await http.aclose()


def ready_line(base_url: str, config: Path | None, token: str) -> str:
    """The one ready line: where it serves, the token it accepts (a local sandbox's token is no secret) and
    where the configuration was written."""
    line = f"paydesk sandbox serving at {base_url} (token {token}"
    return f"{line}; config written to {config})" if config is not None else f"{line})"


async def serve_sandbox(settings: ServeSettings, *, announce: Callable[[str], None] | None = None) -> None:
    """Serve until SIGINT or SIGTERM, then shut down gracefully. A signal during seeding stops it early.

    `announce` gets the one ready line (default: print it to stdout and flush). Raises `ServeError` if the
    port is taken or the configuration cannot be written.
    """
    say = announce or _print_flush
    stop = trio.Event()
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:

            async def watch_signals() -> None:
                async for _ in signals:
                    stop.set()
                    return

            nursery.start_soon(watch_signals)
            try:
                await _serve_until(stop, settings, say)
            finally:
                nursery.cancel_scope.cancel()


async def _serve_until(stop: trio.Event, settings: ServeSettings, say: Callable[[str], None]) -> None:
    try:
        from sandbox.server import open_sandbox

        async with open_sandbox(
            settings.data_dir, settings.options, host=settings.host, port=settings.port
        ) as running:
            try:
                await _start_and_wait(stop, running, settings, say)
            finally:
                limits = limits_for(running.store)
                if limits is not None:
                    limits.close()  # held `timeout` requests end now rather than at the shutdown deadline
    except* OSError as group:
        raise _port_error(group, settings) from None


async def _start_and_wait(
    stop: trio.Event, running: RunningSandbox, settings: ServeSettings, say: Callable[[str], None]
) -> None:
    with trio.CancelScope() as seeding:

        async def cancel_on_stop() -> None:
            await stop.wait()
            seeding.cancel()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(cancel_on_stop)
            workspace = await ensure_demo_workspace(running, settings)
            nursery.cancel_scope.cancel()
    if seeding.cancelled_caught:
        return
    config_path: Path | None = None
    if settings.write_config is not None:
        if workspace is None:
            raise ServeError(
                f"no demo workspace in {settings.data_dir} to write a configuration for: add --seed demo"
            )
        config_path = settings.write_config.resolve()
        text = render_config(running.base_url, workspace)
        try:
            await trio.to_thread.run_sync(write_config_file, config_path, text)
        except OSError as err:
            raise ServeError(
                f"cannot write {config_path}: {err.strerror}; pick another --write-config"
            ) from None
    say(ready_line(running.base_url, config_path, settings.options.token))
    await stop.wait()


def _port_error(group: BaseExceptionGroup[OSError], settings: ServeSettings) -> BaseException:
    first = group.exceptions[0]
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    if isinstance(first, OSError) and first.errno == errno.EADDRINUSE:
        return ServeError(f"port {settings.port} is already in use: stop what uses it or pick another --port")
    if isinstance(first, OSError) and first.errno == errno.EADDRNOTAVAIL:
        return ServeError(f"cannot listen on {settings.host}: it is not an address of this machine")
    return first


def _print_flush(line: str) -> None:
    print(line, file=sys.stdout, flush=True)


def _freeze_and_print(line: str) -> None:
    """Ready: what the process holds now (the workspace, its query indexes) is left out of the garbage
    collector's passes from here on (`gc.freeze`), which would otherwise stop a request for a full pass over
    it now and then (about 0.5 s at 100,000 pages); then the ready line."""
    gc.freeze()
    _print_flush(line)


def run_serve(settings: ServeSettings) -> int:
    """Check the settings, serve until a signal, and return exit code 0; `ServeError` for operator errors.
    For the process that serves only (`paydesk sandbox serve`): it freezes the garbage collector's view of
    the workspace once ready."""
    check_settings(settings)
    try:
        trio.run(partial(serve_sandbox, settings, announce=_freeze_and_print))
    except BaseExceptionGroup as group:
        raise _first_serve_error(group) or group from None
    return 0


def _first_serve_error(group: BaseExceptionGroup[BaseException]) -> ServeError | None:
    """The ServeError inside nested exception groups (trio nurseries wrap what crosses them), if any."""
    found: BaseException | None = group.split(ServeError)[0]
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found if isinstance(found, ServeError) else None

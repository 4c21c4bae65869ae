"""The server's store never checkpoints its SQLite log in a commit (the trio thread's): a thread of its own
does (`sandbox.checkpoint`), and every committed write survives a crash and a reopen as before."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from sandbox.checkpoint import Checkpointer
from sandbox.pages import create_page, update_page
from sandbox.server import open_sandbox
from sandbox.store import DB_FILE, SandboxStore

HOUR = 3_600.0  # an interval the tests never reach: the thread checkpoints only when woken


def workspace(path: Path) -> tuple[SandboxStore, list[str]]:
    store = SandboxStore.open(path)
    properties = {"Name": {"title": {}}, "Amount": {"number": {}}}
    source = store.create_data_source(store.create_database("Rows"), "Rows", properties)
    ids = [create_page(store, {"parent": {"data_source_id": source}, "properties": {}}).id for _ in range(20)]
    return store, ids


def log_frames(path: Path) -> int:
    """The frames in the SQLite log now (asked of a connection of its own, which then checkpoints it)."""
    raw = sqlite3.connect(str(path / DB_FILE))
    try:
        _, frames, _ = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(frames)
    finally:
        raw.close()


def write(store: SandboxStore, ids: list[str], writes: int, start: int = 0) -> None:
    for index in range(start, start + writes):  # each committed at once (no deferred flush)
        update_page(store, store.pages[ids[index % len(ids)]], {"properties": {"Amount": {"number": index}}})


def wait_for(checkpointer: Checkpointer, complete: int) -> None:
    """Until the thread has run `complete` complete checkpoints (synchronisation only: no timing measured)."""
    deadline = time.monotonic() + 30
    while checkpointer.complete < complete:
        assert time.monotonic() < deadline, "the checkpoint thread never checkpointed"
        time.sleep(0.01)


def test_commits_never_checkpoint_the_log_once_a_thread_does(tmp_path: Path) -> None:
    store, ids = workspace(tmp_path)
    checkpointer = store.checkpoint_in_background(interval=HOUR)
    try:
        assert store._conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        write(store, ids, 800)
        # SQLite's own checkpoint in the commit that crosses 1,000 frames would have started the log over
        assert log_frames(tmp_path) >= 1_600
        assert checkpointer.checkpoints == 0
    finally:
        store.close()
    assert not checkpointer._thread.is_alive()


def test_the_thread_checkpoints_what_was_committed_and_the_log_then_starts_over(tmp_path: Path) -> None:
    store, ids = workspace(tmp_path)
    checkpointer = store.checkpoint_in_background(interval=HOUR)
    try:
        write(store, ids, 800)
        checkpointer.wake()
        wait_for(checkpointer, 1)
        raw = sqlite3.connect(str(tmp_path / DB_FILE))
        try:  # everything the log held is in the database file: nothing left to copy
            _, frames, copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            assert frames == copied >= 1_600
        finally:
            raw.close()
        write(store, ids, 1, start=800)
        assert log_frames(tmp_path) < 10  # the next commit started the log over from its beginning
    finally:
        store.close()


def test_every_commit_survives_a_crash_whether_checkpointed_or_still_in_the_log(tmp_path: Path) -> None:
    store, ids = workspace(tmp_path / "live")
    checkpointer = store.checkpoint_in_background(interval=HOUR)
    try:
        write(store, ids, 300)
        checkpointer.wake()
        wait_for(checkpointer, 1)
        write(store, ids, 30, start=300)  # in the log only
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for suffix in ("", "-wal"):  # the files as a killed server leaves them (no close, no checkpoint)
            shutil.copy(tmp_path / "live" / (DB_FILE + suffix), crashed / (DB_FILE + suffix))
    finally:
        store.close()
    for path in (crashed, tmp_path / "live"):
        again = SandboxStore.open(path)
        try:
            (source,) = again.sources.values()
            amount = source.properties["Amount"]["id"]
            amounts = sorted(page.values[amount] for page in again.pages.values())
            assert amounts == list(range(310, 330))  # the last write to each of the 20 pages
        finally:
            again.close()


@pytest.mark.trio
async def test_the_served_store_checkpoints_in_a_thread_that_ends_with_it(tmp_path: Path) -> None:
    async with open_sandbox(tmp_path / "served") as sandbox:
        checkpointer = sandbox.store.checkpointer
        assert checkpointer is not None and checkpointer._thread.is_alive()
        assert sandbox.store._conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    assert not checkpointer._thread.is_alive()

"""One workspace, one log: the workspace records which paydesk log pays it, and no other log writes to it.

The mark is one line in the description of the workspace's payables data source, which every job already
reads with its schema check:

    paydesk log 3f9c…e1 at ops-server:/srv/paydesk/log.sqlite pays this workspace (`paydesk bind` moves it)

A log is known by the hash of its first event (`log_id`): it never changes, and a log copied elsewhere with
its chain (`paydesk log copy`, to PostgreSQL, say) keeps it. Each store of a log — the file or database it
was first written in, and each copy — has an identity of its own too (`EventLog.store_id`), and the mark
names both:

    paydesk log 3f9c…e1 store 8b07…4d at ops-server:/srv/paydesk/log.sqlite pays this workspace (…)

so a log and its copy never both pay the workspace (both running the same generate made every payout
twice): the copy's jobs are refused, naming the store that pays, until `paydesk bind --take-over` on the
copy moves the workspace to it. A mark written before stores were named (no `store`) names every store of
its log; the first job that executes from one of them writes its store into it, as a claim.

- A job that will write claims an unbound workspace before it plans (writes the mark, records
  `WorkspaceBound`), and executes only if the mark still names its log when execution begins: of two logs
  that claimed one workspace at once, only the last writer's executes. A dry run claims nothing.
- A workspace bound to another log refuses the job, naming that log; this log records `WorkspaceLost` the
  first time it finds itself taken over.
- `take_over` moves the mark to this log on purpose (`paydesk bind --take-over`), recorded in this log with
  the log it was taken from, and in that log too when it is at hand.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import trio

from engine.notion.gateway import NotionGateway, RequestCounters
from engine.run.locks import effective_status
from engine.run.runtime import Runtime
from eventlog import (
    EventLog,
    EventLogError,
    GroupCommitWriter,
    LogFileError,
    LogStarted,
    WorkspaceBound,
    WorkspaceLost,
    describe_location,
    is_url,
    printable,
)

BINDING_SOURCE = "payables"
SETTLE_MAX_S = 10.0  # the longest a claim waits before it reads its mark again
_MARK = re.compile(r"paydesk log ([0-9a-f]{32})(?: store ([0-9a-f]{32}))? at (.*?) pays this workspace")
ID_CHARS = 32
LIVE = ("created", "running")  # a job's statuses while a process holds it (`effective_status`)


class NotBound(Exception):
    """The workspace is bound to another log; the message names it and what to do."""


class CopyNotBound(NotBound):
    """The workspace is paid from another store of this very log (a copy, or the log this one copies).
    A job refused so records nothing here: a copy still being topped up (`paydesk log copy` again) must
    stay the beginning of the log it copies."""


@dataclass(frozen=True)
class Owner:
    log_id: str
    label: str
    store: str | None = None  # None: a mark written before stores were named

    def describe(self) -> str:
        return f"the paydesk log at {printable(self.label)} (log {self.log_id[:12]})"

    def is_exactly(self, me: Owner) -> bool:
        return self.log_id == me.log_id and self.store == me.store

    def copy_of(self, me: Owner) -> bool:
        """Whether this mark names another store of `me`'s log (a copy, or the log `me` was copied from)."""
        return self.log_id == me.log_id and self.store not in (None, me.store)


def log_label(location: object) -> str:
    """Where this log lives, as its mark in the workspace shows it: host:path for a file, the URL
    without its password for a database."""
    if is_url(str(location)):
        return describe_location(str(location))
    return f"{socket.gethostname()}:{location}"


def mark_text(owner: Owner) -> str:
    store = f" store {owner.store}" if owner.store else ""
    return f"paydesk log {owner.log_id}{store} at {owner.label} pays this workspace (`paydesk bind` moves it)"


def owner_of(source: Mapping[str, Any]) -> Owner | None:
    """The log a data source's description names, if any."""
    match = _MARK.search(_plain(source.get("description")))
    return Owner(match.group(1), match.group(3), match.group(2)) if match else None


def _copy_refusal(owner: Owner, me: Owner) -> str:
    return (
        f"this workspace is paid from {owner.describe()}, another copy of this log (`paydesk log copy`), "
        f"not from this one ({printable(me.label)}); run paydesk on that copy (--db), or move the "
        "workspace to this one with `paydesk bind --take-over` (that copy's jobs are refused from then on)"
    )


def _plain(rich: object) -> str:
    if not isinstance(rich, list):
        return ""
    return "".join(str(part.get("plain_text", "")) for part in rich if isinstance(part, Mapping))


def _description_with(source: Mapping[str, Any], owner: Owner) -> list[dict[str, Any]]:
    """The description's own text kept, its old mark (if any) replaced by `owner`'s."""
    kept: list[dict[str, Any]] = []
    for part in source.get("description") or []:
        if not isinstance(part, Mapping):
            continue
        text = str(part.get("plain_text", ""))
        if _MARK.search(text):
            continue
        if text:
            kept.append({"type": "text", "text": {"content": text}})
    if kept and not str(kept[-1]["text"]["content"]).endswith("\n"):
        kept.append({"type": "text", "text": {"content": "\n"}})
    kept.append({"type": "text", "text": {"content": mark_text(owner)}})
    return kept


def log_id_of(log: EventLog) -> str | None:
    """The log's identity: the hash of its first event (None while it has none)."""
    first = log.events_after(0, limit=1)
    return first[0].hash[:ID_CHARS] if first else None


LOG_EVENTS_JOB = "log"  # the job_id of events about the log itself, not a job


async def this_log(rt: Runtime) -> Owner:
    """This log's identity and label (a log without any event yet is given its first, `LogStarted`)."""
    label = log_label(rt.db_path)
    await _read_identity(rt)
    if rt.log_id is None:
        await rt.recorder.record(LogStarted(job_id=LOG_EVENTS_JOB, operator=rt.operator, label=label))
        rt.log_id = await rt.read_log(log_id_of)
        assert rt.log_id is not None
    return Owner(rt.log_id, label, rt.store_id)


async def _read_identity(rt: Runtime) -> None:
    """Read this log's identity and this store's into `rt`, once."""
    if rt.log_id is None or rt.store_id is None:
        rt.log_id, rt.store_id = await rt.read_log(lambda log: (log_id_of(log), log.store_id()))


async def read_owner(
    gateway: NotionGateway, rt: Runtime, counters: RequestCounters
) -> tuple[Any, Owner | None]:
    source_id = rt.config.data_sources[BINDING_SOURCE]
    source = await gateway.retrieve_data_source(source_id, counters)
    return source, owner_of(source)


async def ensure_owner(
    rt: Runtime,
    job_id: str,
    counters: RequestCounters,
    *,
    claim: bool,
    source: Mapping[str, Any] | None = None,
) -> bool:
    """Whether this store of the log owns the workspace (False: nobody does, or a mark older than stores
    names this log, and `claim` was not asked); raises NotBound when another log, or another store of this
    one, owns it. With `claim`, an unbound workspace is claimed: the mark is written, and read
    again after a settling time long enough for a log that claimed at the same moment to have written its
    own; the last writer owns it, the other is refused. `source` is the payables data source when the
    caller has just read it (a claim always reads afresh). A mark older than stores names this log's every
    store: it is claimed like an unbound workspace, with this store's identity."""
    me = await this_log(rt)
    if source is None or claim:
        source, owner = await read_owner(rt.gateway, rt, counters)
    else:
        owner = owner_of(source)
    if owner is not None and owner.is_exactly(me):
        return True
    if owner is not None and owner.copy_of(me):
        raise CopyNotBound(_copy_refusal(owner, me))
    if owner is not None and owner.log_id != me.log_id:
        lost = await rt.read_log(lambda log: _was_bound(log, me.log_id))
        if lost:
            await rt.recorder.record(
                WorkspaceLost(
                    job_id=job_id,
                    operator=rt.operator,
                    data_source=rt.config.data_sources[BINDING_SOURCE],
                    log_id=me.log_id,
                    owner=owner.log_id,
                    owner_label=owner.label,
                )
            )
        raise NotBound(
            f"this workspace is paid from {owner.describe()}, not from this log ({printable(me.label)}); "
            "run paydesk with that log (--db), or move the workspace here with `paydesk bind --take-over`"
        )
    if not claim:  # unbound, or bound by a mark older than stores: claimed when the job executes
        return False
    started, waited = trio.current_time(), counters.wait_s
    await _write_mark(rt, job_id, source, me, counters, previous=None)
    round_trip = max(0.0, trio.current_time() - started - (counters.wait_s - waited))
    # a log that read the workspace unbound just before our mark landed writes its own within one slot of
    # the rate limit and a round trip; wait that (twice the round trip, and a margin), then read again
    settle = 1.0 / rt.config.notion.rate + 2 * round_trip + 0.1
    await trio.sleep(min(SETTLE_MAX_S, settle))
    _, owner = await read_owner(rt.gateway, rt, counters)
    if owner is None or not owner.is_exactly(me):
        who = owner.describe() if owner is not None else "nobody (its mark was removed)"
        raise NotBound(
            f"this workspace is paid from {who}: that log claimed it at the same moment as this one"
        )
    return True


async def refuse_copy(
    rt: Runtime, seen: Mapping[str, Mapping[str, Any]], counters: RequestCounters
) -> Mapping[str, Any]:
    """The payables data source (from `seen`, the schema check's reads, or read now); raises CopyNotBound
    when its mark names another store of this log as the one that pays: checked before a job records
    anything. A log without events is no copy (and is not given its first event here)."""
    source = seen.get(BINDING_SOURCE) or (await read_owner(rt.gateway, rt, counters))[0]
    owner = owner_of(source)
    if owner is None:
        return source
    await _read_identity(rt)
    me = Owner(rt.log_id or "", log_label(rt.db_path), rt.store_id)
    if owner.copy_of(me):
        raise CopyNotBound(_copy_refusal(owner, me))
    return source


async def take_over(rt: Runtime, job_id: str, counters: RequestCounters) -> tuple[Owner, Owner | None]:
    """Move the workspace's mark to this log; (this log, the owner before)."""
    me = await this_log(rt)
    source, owner = await read_owner(rt.gateway, rt, counters)
    if owner is None or not owner.is_exactly(me):
        await _write_mark(rt, job_id, source, me, counters, previous=owner)
    return me, owner


async def _write_mark(
    rt: Runtime,
    job_id: str,
    source: Mapping[str, Any],
    me: Owner,
    counters: RequestCounters,
    *,
    previous: Owner | None,
) -> None:
    source_id = rt.config.data_sources[BINDING_SOURCE]
    await rt.gateway.update_data_source_description(source_id, _description_with(source, me), counters)
    await rt.recorder.record(
        WorkspaceBound(
            job_id=job_id,
            operator=rt.operator,
            data_source=source_id,
            log_id=me.log_id,
            label=me.label,
            previous=previous.log_id if previous else None,
            previous_label=previous.label if previous else None,
        )
    )


def _was_bound(log: EventLog, log_id: str) -> bool:
    """Whether this log held the workspace and has not yet recorded losing it."""
    held = False
    for record in log.records_of_types(("workspace.bound", "workspace.lost")):
        held = record.type == "workspace.bound" and log_id in record.payload
    return held


@dataclass(frozen=True)
class Binding:
    """What `paydesk bind` found and did."""

    me: Owner
    before: Owner | None  # the log that owned the workspace before (None: nobody)
    moved: bool  # this call wrote the mark
    released: bool  # the former owner's log recorded that it lost the workspace


async def bind_workspace(rt: Runtime, *, take_over: bool, former: str | None = None) -> Binding:
    """Bind the workspace to this log: when it is unbound, or, with `take_over`, when another log owns it.
    `former` is that log's location: it records `WorkspaceLost` there too (its identity must match).
    Without it, a take-over looks for that log where the mark says it is, when that is a file on this
    machine holding it; either way, one found with a job running refuses the take-over.
    Raises NotBound when another log owns it and `take_over` is not given, or `former` is another log."""
    counters = RequestCounters()
    me = await this_log(rt)
    source, owner = await read_owner(rt.gateway, rt, counters)
    if owner is not None and owner.is_exactly(me):
        return Binding(me, owner, moved=False, released=False)
    if owner is not None and owner.copy_of(me) and not take_over:
        raise CopyNotBound(_copy_refusal(owner, me))
    if owner is not None and owner.log_id != me.log_id and not take_over:
        raise NotBound(
            f"this workspace is paid from {owner.describe()}; `paydesk bind --take-over` moves it to this "
            "log (then that log's jobs are refused)"
        )
    at_hand = await _former_at_hand(rt, owner, former) if former is not None or take_over else None
    await _write_mark(rt, LOG_EVENTS_JOB, source, me, counters, previous=owner)
    released = False
    if at_hand is not None and owner is not None:
        lost = WorkspaceLost(
            job_id=LOG_EVENTS_JOB,
            operator=rt.operator,
            data_source=rt.config.data_sources[BINDING_SOURCE],
            log_id=owner.log_id,
            owner=me.log_id,
            owner_label=me.label,
        )
        try:
            await trio.to_thread.run_sync(lambda: _append_to(at_hand, lost))
            released = True
        except (EventLogError, OSError, sqlite3.Error):
            if former is not None:
                raise
            # found, not named: it records the move at its next job instead (as when it is elsewhere)
    return Binding(me, owner, moved=True, released=released)


async def _former_at_hand(rt: Runtime, owner: Owner | None, named: str | None) -> str | None:
    """The former owner's log, to check for a running job and to record the move in: `named` (--from),
    which must hold the owner's log; else the file the mark names, when it is on this machine and holds
    that log (None when it is not at hand). Raises NotBound while a job runs on it: that job checked the
    mark when it began and would go on paying beside this log."""
    if named is not None:
        at: str | None = named
    elif owner is not None:
        mark = owner
        at = await trio.to_thread.run_sync(lambda: _former_here(mark, rt.db_path))
    else:
        return None
    if at is None:
        return None
    try:
        log_id, running = await trio.to_thread.run_sync(lambda: _former_at(at))
    except LogFileError:
        if named is not None:
            raise
        return None
    if owner is None or log_id != owner.log_id:
        if named is None:
            return None  # another log is there now: the mark's log is not at hand
        raise NotBound(
            f"{printable(named)} is not the log that owns the workspace "
            f"({owner.describe() if owner else 'nobody does'}); leave --from out or name that log"
        )
    if running is not None:
        raise NotBound(
            f"job {running} is running on {printable(at)}, and would go on paying beside this log; "
            f"wait for it to end, or stop it (`paydesk --db {printable(at)} cancel {running}`), "
            "then take the workspace over"
        )
    return at


def _former_here(owner: Owner, mine: object) -> str | None:
    """The file the owner's mark names, when it is on this machine and is not this log's (None otherwise).
    Found walking: a take-over without --from could not see a job still running on the former log, though
    the mark said where it was; that job would go on paying beside this log."""
    host, colon, path = owner.label.partition(":")
    if not colon or host != socket.gethostname() or not os.path.isfile(path):
        return None
    if not is_url(str(mine)):
        try:
            if os.path.samefile(path, str(mine)):
                return None
        except OSError:
            return None
    return path


def _former_at(location: str) -> tuple[str | None, str | None]:
    """The identity of the log at `location`, and a job running on it now (None: none is)."""
    with EventLog(location, read_only=True) as log:
        log_id, jobs = log_id_of(log), log.jobs()
    live = (job.job_id for job in jobs if effective_status(location, job.job_id, job.status) in LIVE)
    return log_id, next(live, None)


def _append_to(location: str, event: WorkspaceLost) -> None:
    with GroupCommitWriter(location) as writer:
        writer.submit([event]).result()

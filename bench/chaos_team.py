"""The chaos run's team mode (`bench/chaos.py --team`): two paydesk "machines" on one PostgreSQL log.

A machine is what paydesk can tell apart: its own home directory (`PAYDESK_HOME`) and its own processes;
both name the same database (`PAYDESK_DB`). Every process a machine starts gets an operator name of its
own (`machine-a-3`: the third process of machine A), so the log says which process wrote each event.

Per seed, from the seed alone (a stream of its own, so that the seed's other draws stay those of the
SQLite run): the machine that starts the job; for each recovery round, whether the other machine or a
restart of the same one runs it; and, for some seeds, one resume tried by both machines at once.

What this module checks in the log (`runs_that_overlap`): a job is run by one process at a time. A run
begins with `job.started`, `job.resumed` or `job.retry_requested`; from then on until the next such event,
every event of the job is the runner's. An event of the job by any other process (a killed one whose
writes landed late, or a second machine running it too) is a violation; so is a run begun after the job
finished `completed`.

The PostgreSQL side: `open_team_server` starts a server from tests/pgserver.py for the run (or uses the
one given by its admin URL), and `seed_database` gives each seed a fresh database, dropped after it.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from eventlog import EventLog, EventRecord
from tests.pgserver import PgServer

MACHINES = ("a", "b")
RUN_STARTS = ("job.started", "job.resumed", "job.retry_requested")
CONCURRENT_SHARE = 0.35
ROUNDS = 6


@dataclass(frozen=True)
class TeamChoices:
    starter: str  # the machine that starts the job ("a" or "b")
    recoveries: tuple[str, ...]  # per recovery round: "other" machine, or the "same" one restarted
    concurrent: bool  # the first recovery round that is not killed is tried by both machines at once


def choose_team(seed: int) -> TeamChoices:
    rng = random.Random(f"chaos-team-{seed}")
    starter = rng.choice(MACHINES)
    recoveries = tuple(rng.choice(("other", "same")) for _ in range(ROUNDS))
    return TeamChoices(starter, recoveries, rng.random() < CONCURRENT_SHARE)


class Machines:
    """The two machines of one seed: their environments, and who runs the next command."""

    def __init__(self, base_env: dict[str, str], url: str, workdir: Path, choices: TeamChoices) -> None:
        self.base_env, self.url, self.choices = base_env, url, choices
        self.homes = {m: workdir / f"home-{m}" for m in MACHINES}
        for home in self.homes.values():
            home.mkdir(parents=True, exist_ok=True)
        self.processes: Counter[str] = Counter()
        self.last = choices.starter
        self._round = 0

    @staticmethod
    def other(machine: str) -> str:
        return MACHINES[1 - MACHINES.index(machine)]

    def next_recovery(self) -> str:
        """The machine that runs the next recovery command (and is the last one from then on)."""
        pick = self.choices.recoveries[self._round % len(self.choices.recoveries)]
        self._round += 1
        self.last = self.other(self.last) if pick == "other" else self.last
        return self.last

    def env(self, machine: str) -> tuple[str, dict[str, str]]:
        """A new process of `machine`: its operator name and its environment."""
        self.processes[machine] += 1
        operator = f"machine-{machine}-{self.processes[machine]}"
        return operator, {
            **self.base_env,
            "PAYDESK_DB": self.url,
            "PAYDESK_HOME": str(self.homes[machine]),
            "PAYDESK_OPERATOR": operator,
        }


# ---- what the log says about who ran what ----------------------------------------------------------------


def job_records(url: str) -> dict[str, list[EventRecord]]:
    """Every job's events, in order."""
    with EventLog(url, read_only=True) as log:
        return {job.job_id: list(log.records_of_job(job.job_id)) for job in log.jobs()}


def runs_that_overlap(records: dict[str, list[EventRecord]]) -> list[str]:
    """Events of a job written by a process other than the one running it, and runs begun on a job that
    had finished completed (see the module docstring)."""
    problems: list[str] = []
    for job_id, events in records.items():
        runner: str | None = None
        completed = False
        for record in events:
            if record.type in RUN_STARTS:
                if completed:
                    problems.append(
                        f"job {job_id} completed, then {record.operator} ran it again ({record.type} "
                        f"#{record.seq})"
                    )
                runner, completed = record.operator, False
            elif runner is not None and record.operator != runner:
                problems.append(
                    f"job {job_id}: {record.type} #{record.seq} by {record.operator} while {runner} ran it"
                )
                runner = record.operator  # one report per intrusion
            if record.type == "job.finished" and json.loads(record.payload).get("status") == "completed":
                completed = True
    return problems


def starts_by(records: dict[str, list[EventRecord]], job_id: str, operators: set[str]) -> list[str]:
    """The operators among `operators` that began a run of `job_id`, in the order of their first start."""
    found = [r.operator for r in records.get(job_id, []) if r.type in RUN_STARTS and r.operator in operators]
    return list(dict.fromkeys(found))


REFUSAL = re.compile(r"^paydesk: error: .+")


def refusal_line(stderr: str) -> str | None:
    """The one line `paydesk: error: …` of a refused command (progress lines aside), or None when the
    command said more or other than one such line (a traceback, two errors, nothing)."""
    rest = [line for line in stderr.splitlines() if line.strip() and not line.startswith("paydesk: job ")]
    if len(rest) != 1 or not REFUSAL.match(rest[0]) or "Traceback" in stderr:
        return None
    return rest[0]


# ---- the PostgreSQL server and one database per seed ------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def open_team_server(admin_url: str | None) -> Iterator[str]:
    """The admin URL of a PostgreSQL server for the run: `admin_url`, or a server started from the tests'
    binaries (tests/pgserver.py) and removed after the run."""
    if admin_url is not None:
        yield admin_url
        return
    server = PgServer.start_new()
    try:
        yield server.url()
    finally:
        server.remove()


@contextmanager
def seed_database(admin_url: str, seed: int) -> Iterator[str]:
    """A fresh database for one seed, dropped after it (one left by a killed run is dropped first)."""
    name = f"chaos_team_{os.getpid()}_{seed}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

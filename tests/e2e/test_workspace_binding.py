"""One workspace, one log. Two operators with separate logs on one workspace: the first log that writes
marks the workspace as its own; the other's jobs (dry runs included) are refused, naming the owner; a
take-over moves the workspace on purpose and is recorded in both logs; two logs running the same generate
at once create each payout once (measured before: 96 payouts for 48 orders)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from engine.run.locks import Coordination
from eventlog import EventLog, JobCreated, JobStarted
from tests.cli_output import one_error
from tests.e2e.served import Served, finish, open_served
from tests.engine.conftest import MONTH

pytestmark = pytest.mark.trio

COMMIT_15 = ("run", "commit", "--month", MONTH, "--batch", "15")
COMMIT_1 = ("run", "commit", "--month", MONTH, "--batch", "1")
REFUNDS = ("run", "generate", "--type", "refund", "--month", MONTH)
PAYROLL = ("run", "generate", "--type", "payroll", "--month", MONTH)


def other_operator(served: Served, name: str) -> dict[str, str]:
    """The environment of a second operator: their own log and home, the same workspace."""
    root = served.root / name
    root.mkdir()
    return {**served.env, "PAYDESK_DB": str(root / "log.sqlite"), "PAYDESK_HOME": str(root / "home")}


async def description(served: Served) -> str:
    async with served.hand() as hand:
        answer = await hand.http.get(f"/v1/data_sources/{served.workspace.data_sources['payables']}")
    return "".join(part["plain_text"] for part in answer.json()["description"])


def types_in(db: str | Path) -> list[dict[str, Any]]:
    with EventLog(db, read_only=True) as log:
        return [
            {"type": r.type, **json.loads(r.payload)}
            for r in log.records_of_types(("workspace.bound", "workspace.lost", "log.started"))
        ]


async def test_a_second_log_is_refused_until_it_takes_the_workspace_over(served: Served) -> None:
    async with served.hand() as hand:
        answer = await hand.http.patch(
            f"/v1/data_sources/{served.workspace.data_sources['payables']}",
            json={"description": [{"type": "text", "text": {"content": "Contractor payables. Ask Ana."}}]},
        )
        assert answer.status_code == 200, answer.text
    first = await served.paydesk(*COMMIT_15)
    assert first.returncode == 0, first.stderr.decode()
    marked = await description(served)
    assert marked.startswith("Contractor payables. Ask Ana.\n") and "paydesk log " in marked
    assert str(served.db) in marked

    bob = other_operator(served, "bob")
    for attempt in (REFUNDS, (*REFUNDS, "--dry-run")):
        refused = await served.paydesk(*attempt, env=bob)
        assert refused.returncode == 1
        line = one_error(refused.stderr.decode())
        assert "this workspace is paid from the paydesk log at" in line and str(served.db) in line, line
        assert "paydesk bind --take-over" in line
    asked = await served.paydesk("bind", env=bob)
    assert asked.returncode == 1 and "--take-over" in one_error(asked.stderr.decode())

    moved = await served.paydesk("bind", "--take-over", "--from", str(served.db), "--json", env=bob)
    assert moved.returncode == 0, moved.stderr.decode()
    answer = json.loads(moved.stdout)
    assert answer["moved"] and answer["recorded_in_previous"] and answer["label"].endswith(bob["PAYDESK_DB"])
    assert (await description(served)).count("paydesk log ") == 1  # the mark replaced, the text kept
    assert (await served.paydesk(*REFUNDS, env=bob)).returncode == 0

    back = await served.paydesk(*COMMIT_1)
    assert back.returncode == 1 and bob["PAYDESK_DB"] in one_error(back.stderr.decode())
    alice_log, bob_log = types_in(served.db), types_in(bob["PAYDESK_DB"])
    assert [e["type"] for e in alice_log] == ["workspace.bound", "workspace.lost"]
    assert alice_log[1]["owner"] == answer["log_id"]
    assert [e["type"] for e in bob_log if e["type"] != "log.started"] == ["workspace.bound"]
    assert bob_log[-1]["previous"] == alice_log[0]["log_id"]


async def test_two_logs_running_the_same_generate_at_once_create_each_payout_once(served: Served) -> None:
    bob = other_operator(served, "bob")
    alice_run = await served.start(*PAYROLL)
    bob_run = await served.start(*PAYROLL, env=bob)
    results: dict[str, tuple[int, str, str]] = {}

    async def wait(name: str, process: trio.Process) -> None:
        results[name] = await finish(process)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(wait, "alice", alice_run)
        nursery.start_soon(wait, "bob", bob_run)
    codes = sorted(code for code, _, _ in results.values())
    assert codes == [0, 1], results
    refused = next(err for code, _, err in results.values() if code == 1)
    assert "this workspace is paid from the paydesk log at" in one_error(refused)
    async with served.hand() as hand:
        linked = await hand.payouts_linking("00 Task Order")
    assert linked and all(len(payouts) == 1 for payouts in linked.values()), linked


async def run_both(served: Served, args: tuple[str, ...], envs: dict[str, dict[str, str]]) -> dict[str, int]:
    """Start `paydesk ARGS` in every environment at once; each one's exit code (and every error line)."""
    results: dict[str, tuple[int, str, str]] = {}

    async def wait(name: str, process: trio.Process) -> None:
        results[name] = await finish(process)

    started = {name: await served.start(*args, env=env) for name, env in envs.items()}
    async with trio.open_nursery() as nursery:
        for name, process in started.items():
            nursery.start_soon(wait, name, process)
    for code, _, err in results.values():
        if code == 1:
            assert "another copy of this log (`paydesk log copy`)" in one_error(err), err
    return {name: code for name, (code, _, _) in results.items()}


async def test_a_log_and_its_copy_never_both_pay_the_workspace(served: Served) -> None:
    """Found walking: `paydesk log copy` keeps the log's identity, so a generate run at once from the log
    and from its copy (a cron left on the old file after the team moved to PostgreSQL) made every payout
    twice. Each store of a log has its own identity now, and the workspace's mark names it."""
    assert (await served.paydesk(*COMMIT_15)).returncode == 0
    copy = served.root / "copy.sqlite"
    copied = await served.paydesk("log", "copy", "--to", str(copy))
    assert copied.returncode == 0, copied.stderr.decode()
    assert f"paydesk --db {copy} bind --take-over" in copied.stdout.decode()
    on_copy = {**served.env, "PAYDESK_DB": str(copy)}

    codes = await run_both(served, PAYROLL, {"log": served.env, "copy": on_copy})
    assert codes == {"log": 0, "copy": 1}, codes
    async with served.hand() as hand:
        linked = await hand.payouts_linking("00 Task Order")
    assert linked and all(len(payouts) == 1 for payouts in linked.values()), linked

    # Found walking: the refused job was recorded in the copy, which then was no longer the beginning of
    # the log: the last copy before the move ("copy again, stop, copy once more") was refused. A refusal
    # on a copy records nothing there; the copy still tops up.
    refused = await served.paydesk(*REFUNDS, "--dry-run", env=on_copy)
    assert refused.returncode == 1 and "another copy of this log" in one_error(refused.stderr.decode())
    topped = await served.paydesk("log", "copy", "--to", str(copy))
    assert topped.returncode == 0, topped.stderr.decode()
    with EventLog(copy, read_only=True) as there, EventLog(served.db, read_only=True) as here:
        assert there.head() == here.head()

    # A job still running on the old log would go on paying beside the copy: the take-over waits for it.
    with EventLog(served.db) as log:
        log.append(
            [
                JobCreated(job_id="cron", operator="cron", kind="commit", params={}, selection_key="cron"),
                JobStarted(job_id="cron", operator="cron", workers=1),
            ]
        )
    running = Coordination(served.db).job_lock("cron")
    running.acquire()
    try:
        held = await served.paydesk("bind", "--take-over", "--from", str(served.db), env=on_copy)
        # Found walking: without --from the take-over did not look, though the mark names the old log's
        # file, here on this machine.
        unnamed = await served.paydesk("bind", "--take-over", env=on_copy)
    finally:
        running.release()
    for refused in (held, unnamed):
        assert refused.returncode == 1 and "job cron is running on" in one_error(refused.stderr.decode())
    assert "paydesk log " in await description(served) and str(copy) not in await description(served)

    moved = await served.paydesk("bind", "--take-over", "--json", env=on_copy)
    assert moved.returncode == 0, moved.stderr.decode()
    answer = json.loads(moved.stdout)
    assert answer["moved"] and answer["previous"]["log_id"] == answer["log_id"]
    assert answer["previous"]["store"] != answer["store"]
    assert answer["recorded_in_previous"], "the old log, found where the mark said, records the move"
    codes = await run_both(served, REFUNDS, {"log": served.env, "copy": on_copy})
    assert codes == {"log": 1, "copy": 0}, codes


async def test_a_mark_older_than_stores_is_claimed_by_the_first_store_that_executes(served: Served) -> None:
    """A workspace bound before stores were named: the mark names the log alone, so it names the log and
    its copies alike. The first of them to execute a job writes its store into the mark; the others are
    refused from then on."""
    assert (await served.paydesk(*COMMIT_15)).returncode == 0
    marked = await description(served)
    old = re.sub(r" store [0-9a-f]{32}", "", marked)
    assert old != marked and " store " not in old
    async with served.hand() as hand:
        answer = await hand.http.patch(
            f"/v1/data_sources/{served.workspace.data_sources['payables']}",
            json={"description": [{"type": "text", "text": {"content": old}}]},
        )
        assert answer.status_code == 200, answer.text
    copy = served.root / "copy.sqlite"
    assert (await served.paydesk("log", "copy", "--to", str(copy))).returncode == 0
    on_copy = {**served.env, "PAYDESK_DB": str(copy)}
    dry = await served.paydesk(*REFUNDS, "--dry-run", env=on_copy)  # planning claims nothing
    assert dry.returncode == 0, dry.stderr.decode()
    assert await description(served) == old

    assert (await served.paydesk(*REFUNDS, env=on_copy)).returncode == 0
    assert " store " in await description(served)
    refused = await served.paydesk(*PAYROLL)
    assert refused.returncode == 1 and "another copy of this log" in one_error(refused.stderr.decode())


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path) as served:
        yield served

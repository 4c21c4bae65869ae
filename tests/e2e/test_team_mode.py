"""Team mode: paydesk processes with separate homes (two machines, as far as paydesk can tell) on one
PostgreSQL log. Jobs run, list, show, verify, replay and export from either; one running copy of a job and
one running job per selection hold across them (session locks); a job whose process is killed is seen as
interrupted by the other and resumed there; the rate limit's schedule is one row of the log."""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
import trio

from tests.cli_output import one_error
from tests.e2e.served import Served, finish, open_served
from tests.engine.conftest import MONTH
from tests.pgserver import GUARDED_ROLE, PgServer

pytestmark = pytest.mark.trio

COMMIT_15 = ("run", "commit", "--month", MONTH, "--batch", "15")
REFUNDS = ("run", "generate", "--type", "refund", "--month", MONTH)


def machine(served: Served, name: str, url: str) -> dict[str, str]:
    root = served.root / name
    root.mkdir()
    return {**served.env, "PAYDESK_DB": url, "PAYDESK_HOME": str(root), "PAYDESK_OPERATOR": name}


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path) as served:
        yield served


async def test_two_machines_share_one_log_and_its_audit_trail(served: Served, postgres_url: str) -> None:
    ana, ben = machine(served, "ana", postgres_url), machine(served, "ben", postgres_url)
    paid = await served.paydesk(*COMMIT_15, env=ana)
    assert paid.returncode == 0, paid.stderr.decode()
    refunds = await served.paydesk(*REFUNDS, env=ben)  # the same log: the workspace is its own
    assert refunds.returncode == 0, refunds.stderr.decode()
    listed = await served.paydesk("jobs", "--json", env=ana)
    jobs = json.loads(listed.stdout)
    assert {(j["kind"], j["operator"], j["status"]) for j in jobs} >= {
        ("commit", "ana", "completed"),
        ("generate", "ben", "completed"),
    }
    for check in (("verify",), ("replay", "--check")):
        done = await served.paydesk(*check, env=ben)
        assert done.returncode == 0, done.stderr.decode()
    export = served.root / "trail.jsonl"
    assert (await served.paydesk("export", "-o", str(export), env=ana)).returncode == 0
    assert (await served.paydesk("verify", "--against", str(export), env=ben)).returncode == 0
    with psycopg.connect(postgres_url) as conn:
        (slots,) = conn.execute("SELECT count(*) FROM rate_slots").fetchone() or (0,)
    assert slots == 1, "both machines took their requests from one schedule"


async def test_a_job_killed_on_one_machine_is_resumed_on_the_other(tmp_path: Path, postgres_url: str) -> None:
    async with open_served(tmp_path, rate=5.0) as served:  # slow enough to be killed half-way, even when busy
        await killed_and_resumed(served, postgres_url)


async def killed_and_resumed(served: Served, postgres_url: str) -> None:
    ana, ben = machine(served, "ana", postgres_url), machine(served, "ben", postgres_url)
    running = await served.start(*COMMIT_15, env=ana)
    await served.wait_for_writes(running, 3)
    # Every Notion request is throttled while the second machine tries, so the first run cannot finish
    # before it starts however slowly its process comes up (the gateway waits out up to 50 429s in a row).
    await served.faults(spec="429:1.0")
    again = await served.paydesk(*COMMIT_15, env=ben)  # the same selection, while it runs elsewhere
    await served.faults(spec="")
    assert again.returncode == 1
    refusal = one_error(again.stderr.decode())
    assert "a commit job on an overlapping selection, is running" in refusal, refusal
    running.send_signal(signal.SIGKILL)
    await finish(running)
    job = await commit_once_settled(served, ben)
    assert job["status"] == "interrupted", job  # its session ended with its process: the lock is free
    assert f"stop it with `paydesk cancel {job['job_id']}`" in refusal, "the other machine's job is named"
    resumed = await served.paydesk("resume", job["job_id"], env=ben)
    assert resumed.returncode == 0, resumed.stderr.decode()
    listed = json.loads((await served.paydesk("jobs", "--json", env=ana)).stdout)
    assert [j["status"] for j in listed if j["job_id"] == job["job_id"]] == ["completed"]
    assert (await served.paydesk("verify", env=ana)).returncode == 0


async def commit_once_settled(served: Served, env: dict[str, str]) -> dict[str, object]:
    """The commit job as `jobs --json` lists it once the server has noticed a killed machine's session
    end: the process is gone at once, its backend (and the session's lock) a moment later, longer on a busy
    machine. Asked too early, the job is still honestly `running`."""
    for _ in range(100):
        listed = json.loads((await served.paydesk("jobs", "--json", env=env)).stdout)
        (job,) = [j for j in listed if j["kind"] == "commit"]
        if job["status"] != "running":
            break
        await trio.sleep(0.1)
    return dict(job)


async def test_a_bad_log_url_is_one_line(served: Served, postgres_url: str) -> None:
    wrong = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    for url in (wrong, "postgresql://nobody:hunter2@127.0.0.1:1/paydesk"):
        env = {**served.env, "PAYDESK_DB": url}
        refused = await served.paydesk(*COMMIT_15, env=env)
        assert refused.returncode == 1
        line = one_error(refused.stderr.decode())
        assert "hunter2" not in line and "postgresql://" in line, line


async def test_a_server_that_goes_away_mid_job_interrupts_it_and_resume_finishes_it(
    tmp_path: Path, postgres_server: PgServer, postgres_url: str
) -> None:
    async with open_served(tmp_path, rate=15.0) as served:
        ana = machine(served, "ana", postgres_url)
        running = await served.start(*COMMIT_15, env=ana)
        await served.wait_for_writes(running, 3)
        with postgres_server.stopped():
            code, _, err = await finish(running)
            assert code != 0
            line = one_error(err)
            assert "postgresql://" in line and "resume" in line, line
            sent = await served.writes()
            await trio.sleep(0.5)  # nothing is sent once the log is gone
            assert await served.writes() == sent
        listed = json.loads((await served.paydesk("jobs", "--json", env=ana)).stdout)
        (job,) = [j for j in listed if j["kind"] == "commit"]
        assert job["status"] == "interrupted", job
        resumed = await served.paydesk("resume", job["job_id"], env=ana)
        assert resumed.returncode == 0, resumed.stderr.decode()
        assert (await served.paydesk("verify", env=ana)).returncode == 0
        async with served.hand() as hand:
            payables = await hand.query("payables")
        batch = [p for p in payables if p["properties"]["Period"]["date"]["start"].endswith("-15")]
        statuses = {(p["properties"]["Payment Status"]["status"] or {}).get("name") for p in batch}
        assert statuses == {"Paid"}, statuses


async def test_cancel_reaches_a_job_on_another_machine(tmp_path: Path, postgres_url: str) -> None:
    # The job runs at one request a second (half a minute of writes after its reads), so that the other
    # machine's `jobs` and `cancel` (two processes started one after the other) reach it before it ends even
    # on a machine under heavy load: at 2 requests/s it ended first once, in a full suite beside benchmarks.
    async with open_served(tmp_path, rate=1.0) as served:
        ana, ben = machine(served, "ana", postgres_url), machine(served, "ben", postgres_url)
        running = await served.start(*COMMIT_15, env=ana)
        await served.wait_for_writes(running, 2)
        listed = json.loads((await served.paydesk("jobs", "--json", env=ben)).stdout)
        (job,) = [j for j in listed if j["kind"] == "commit"]
        cancelled = await served.paydesk("cancel", job["job_id"], env=ben)
        assert cancelled.returncode == 0, cancelled.stderr.decode()
        code, _, _ = await finish(running)
        assert code != 0  # it stopped before finishing
        listed = json.loads((await served.paydesk("jobs", "--json", env=ana)).stdout)
        (job,) = [j for j in listed if j["job_id"] == job["job_id"]]
        assert job["status"] == "cancelled", job


async def test_a_wrong_password_is_one_line_without_the_password(
    served: Served, postgres_server: PgServer
) -> None:
    url = postgres_server.url("postgres", user=GUARDED_ROLE, password="wrong-secret-123")
    refused = await served.paydesk("jobs", env={**served.env, "PAYDESK_DB": url})
    assert refused.returncode == 1
    line = one_error(refused.stderr.decode())
    assert "password authentication failed" in line and "wrong-secret-123" not in line, line
    assert url.replace("wrong-secret-123", "***") in line

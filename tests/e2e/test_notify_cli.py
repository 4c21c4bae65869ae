"""`paydesk run` from cron with a `[notify]` webhook: a job that ends with a failure posts exactly one message
to a real receiver on localhost (after the receiver's 500s) before the command exits 2, and the webhook's URL
appears nowhere: not in the command's output, the log's file or its export."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.served import Served, open_served
from tests.engine.conftest import MONTH
from tests.engine.receiver import SECRET_PATH, Answer, serve_receiver

pytestmark = pytest.mark.trio


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path) as served:
        yield served


async def test_a_run_with_a_failure_tells_the_webhook_once_and_never_shows_its_url(served: Served) -> None:
    payouts = served.workspace.data_sources["payouts"]
    await served.faults(targeted=[{"create_in": payouts, "status": 400, "count": 1}])
    with serve_receiver(Answer(500, "busy"), Answer(503, "busy")) as receiver:
        served.config.write_text(
            served.config.read_text() + f'\n[notify]\nwebhook_url = "{receiver.url}"\nattempts = 5\n'
        )
        env = {**served.env, "PAYDESK_OPERATOR": "cron"}
        done = await served.paydesk("run", "generate", "--type", "refund", "--month", MONTH, env=env)
        assert done.returncode == 2, done.stderr.decode()
        (job_id,) = {message["job_id"] for message in receiver.messages}
        assert f"job {job_id}" in done.stderr.decode()
        assert len(receiver.messages) == 3, "one message, taken at the third attempt before the command ended"
        exported = await served.paydesk("export", "--format", "jsonl")
    assert len({json.dumps(m, sort_keys=True) for m in receiver.messages}) == 1
    message = receiver.messages[0]
    assert message["job_id"] == job_id and message["operator"] == "cron" and message["kind"] == "generate"
    assert message["status"] == "completed_with_failures" and message["counts"]["failed"] == 1
    assert f"`paydesk retry {job_id}`" in message["text"] and "run by cron" in message["text"]

    delivered = [
        json.loads(line)
        for line in exported.stdout.decode().splitlines()
        if '"notification.delivered"' in line
    ]
    assert len(delivered) == 1 and delivered[0]["job_id"] == job_id
    files = [p.read_bytes() for p in served.root.glob("log.sqlite*") if p.is_file()]  # the log, its WAL
    outputs = b"".join([*served.outputs, *files]).decode("latin-1")
    assert receiver.url not in outputs and SECRET_PATH not in outputs
    assert exported.returncode == 0 and SECRET_PATH not in exported.stdout.decode()

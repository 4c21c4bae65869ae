"""A full disk under a running job: the job stops in one line naming the log and the free space needed,
sends nothing more to Notion, and resumes where it stopped once there is room. The disk is a real tmpfs of
a few megabytes, mounted in a mount namespace of its own (`unshare`), filled while the job runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from tests.cli_output import without_progress
from tests.e2e.served import Served, finish, open_served
from tests.engine.conftest import MONTH

pytestmark = pytest.mark.trio

COMMIT = ("run", "commit", "--month", MONTH, "--batch", "15", "--workers", "1")


def _namespaces_work() -> str | None:
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "unshare and nsenter (util-linux) are not installed"
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k none /mnt"],
        capture_output=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"cannot mount a tmpfs here: {probe.stderr.decode().strip()}"


SKIP = _namespaces_work()


@pytest.fixture
async def slow(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path, latency_ms=250) as value:
        yield value


@pytest.mark.skipif(SKIP is not None, reason=SKIP or "")
async def test_a_full_disk_stops_the_job_in_one_line_and_it_resumes_once_there_is_room(
    slow: Served, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    holder = await trio.lowlevel.open_process(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=4m none {disk} && echo up && exec sleep 600"],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.receive_some(16)).strip() == b"up"
        inside = ["nsenter", "-t", str(holder.pid), "-U", "-m", "--preserve-credentials"]
        seen = Path(f"/proc/{holder.pid}/root") / str(disk).lstrip("/")
        slow.env["PAYDESK_DB"] = str(disk / "log.sqlite")
        process = await slow.start(*COMMIT, prefix=inside)
        await slow.wait_for_writes(process, count=2)
        filler = seen / "filler"
        with filler.open("wb") as out:  # fill what is left of the disk
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        stopped_at = await slow.writes()
        code, _, err = await finish(process)
        assert code == 1, err
        line = without_progress(err)
        assert line.count("\n") == 1 and "Traceback" not in err, err
        assert f"the disk holding the event log {disk / 'log.sqlite'} is full" in line
        assert "free at least 64 MB" in line and "paydesk resume" in line
        assert await slow.writes() <= stopped_at + 1, "nothing is sent once the log cannot take it"
        job = line.split("`paydesk resume ")[1].split("`")[0]
        filler.unlink()
        resumed = await slow.paydesk("resume", job, "--json", prefix=inside)
        assert resumed.returncode == 0, resumed.stderr.decode()
        assert json.loads(resumed.stdout)["failed"] == 0
        verified = await slow.paydesk("verify", prefix=inside)
        assert verified.returncode == 0, verified.stdout.decode()
    finally:
        holder.kill()
        await holder.wait()

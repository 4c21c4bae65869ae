"""The chaos driver's team mode in short, run with the suite on its PostgreSQL server: two paydesk machines
(homes of their own) share one log per seed. A commit killed mid-job on one machine is resumed on the
other; a payroll generation killed mid-job is then resumed by both machines at once (one runs it, the other
is refused in one line); a commit killed after two reads is resumed by both at once too. Every invariant of
the chaos run holds, and no job ran in two processes at once. `make chaos-team` runs 100 seeds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.chaos_team import runs_that_overlap
from eventlog import EventRecord
from tests.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[2]
# From the seeds' own draws: 49 is a commit killed after 2 writes on machine B, resumed on A; 88 a payroll
# generation killed after 8 writes on B, then resumed by both machines at once (and a permanent fault
# retried); 43 a commit killed after 2 reads on A, then resumed by both at once.
SEEDS = {49: "commit", 88: "generate:payroll", 43: "commit"}
CONCURRENT = {88, 43}


def test_chaos_on_two_machines_sharing_one_postgresql_log_keeps_every_invariant(
    tmp_path: Path, postgres_server: PgServer
) -> None:
    report_path = tmp_path / "chaos_team.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "chaos.py"),
            "--team-url",
            postgres_server.url(),
            "--seed-list",
            ",".join(map(str, SEEDS)),
            "--output",
            str(report_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    results = {r["seed"]: r for r in report["results"]}
    assert {seed: r["flow"] for seed, r in results.items()} == SEEDS
    assert report["invariant_failures"] == 0 and report["seeds_failed"] == []
    assert all(r["kill_at"] for r in results.values())
    assert report["kills"] >= 2 and report["writes_applied"] > 0 and report["faults_injected"] > 0
    assert results[49]["elsewhere"] >= 1, results[49]  # resumed on the machine that did not start it
    assert {seed for seed, r in results.items() if r["concurrent"]} == CONCURRENT
    # Both processes start at the same moment: the one that comes second finds the job running (or, at
    # worst, completed) and is refused in one line.
    assert report["team"]["concurrent_refused"] >= 1, report["team"]
    for r in results.values():
        assert len({operator.rsplit("-", 1)[0] for operator in r["machines"]}) == 2, r["machines"]


def record(seq: int, type_: str, operator: str, payload: str = "{}") -> EventRecord:
    return EventRecord(seq, "", "job-1", None, None, type_, 1, operator, payload, "")


def test_the_team_check_finds_a_job_written_by_two_processes_at_once() -> None:
    killed_then_resumed = [
        record(1, "job.created", "machine-a-1"),
        record(2, "job.started", "machine-a-1"),
        record(3, "step.started", "machine-a-1"),
        record(4, "job.resumed", "machine-b-1"),
        record(5, "step.succeeded", "machine-b-1"),
        record(6, "job.finished", "machine-b-1", '{"error":null,"status":"completed"}'),
    ]
    assert runs_that_overlap({"job-1": killed_then_resumed}) == []
    late_write = [*killed_then_resumed[:4], record(5, "step.succeeded", "machine-a-1")]
    (problem,) = runs_that_overlap({"job-1": late_write})
    assert "by machine-a-1 while machine-b-1 ran it" in problem
    again = [*killed_then_resumed, record(7, "job.resumed", "machine-a-2")]
    (problem,) = runs_that_overlap({"job-1": again})
    assert "completed, then machine-a-2 ran it again" in problem

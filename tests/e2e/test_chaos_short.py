"""The chaos driver's short form, run with the suite: one seed per flow (commit, generate payroll, sync),
each under random faults, each killed with SIGKILL mid-job and resumed; the sync is planned first, then an
Order it would create is made by hand before the plan is executed, and two of its writes meet a permanent
fault (400, 404) that `retry` gets past. Every invariant is required to hold. `make chaos` runs the full
200 seeds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Chosen from the seeds' own draws among the quicker ones of the 200-seed run: 39 is a commit, 88 a payroll
# generation, 35 a sync with a hand edit between plan and execution and two permanent faults; all three are
# killed mid-job.
SEEDS = {39: "commit", 88: "generate:payroll", 35: "sync"}


def test_one_seed_per_flow_of_chaos_with_kills_keeps_every_invariant(tmp_path: Path) -> None:
    report_path = tmp_path / "chaos.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "chaos.py"),
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
    assert {r["seed"]: r["flow"] for r in report["results"]} == SEEDS
    assert all(r["kill_at"] for r in report["results"])
    assert report["kills"] >= 2 and report["writes_applied"] > 0 and report["faults_injected"] > 0
    assert report["invariant_failures"] == 0 and report["seeds_failed"] == []
    sync = next(r for r in report["results"] if r["seed"] == 35)
    assert sync["hand_edit"] and len(sync["permanent"]) == 2
    # The refused writes end the job with failures that a retry finishes, unless the kill (its read count
    # depends on the machine's load: throttled reads count too) lands after a refused write was sent and
    # before its failure was logged: that write is then in doubt, re-read and sent again by the resume.
    assert sync["retries"] >= 1 or sync["kills"] >= 1, sync

"""The soak's short form, run with the suite: a commit of at least 300 entries under 5 % injected faults,
as a `paydesk` subprocess against a sandbox served over HTTP, with the read-only console driven alongside.
Every entry must settle with none failed, every target must be Paid, verify and replay check must pass,
and the console must have answered its keys. Figures (memory, latency) are recorded, not asserted on.
`make chaos` runs the full soak (10,000 entries)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_soak_settles_every_entry_under_faults_with_the_console_open(tmp_path: Path) -> None:
    report_path = tmp_path / "soak.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), "--entries", "300", "--output", str(report_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    job = report["job"]
    assert report["ok"] and job["status"] == "completed"
    assert job["entries_settled"] == job["entries_planned"] >= 300
    assert job["entries_failed"] == job["entries_blocked"] == 0
    assert (
        report["every_target_paid"]["paid"]
        == report["every_target_paid"]["targets"]
        == job["entries_planned"]
    )
    assert report["sandbox"]["faults_injected"] > 0
    assert report["checks"]["verify_exit"] == report["checks"]["replay_check_exit"] == 0
    console = report["console"]
    assert console["errors"] == [] and console["latency_all"]["count"] >= 4
    assert report["memory"]["samples"] > 0 and report["memory"]["peak_rss_mb"] > 0

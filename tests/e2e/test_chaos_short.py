"""The chaos driver's short form, run with the suite: two seeds whose run is killed with SIGKILL mid-job,
under random faults, then resumed; every invariant must hold. `make chaos` runs the full 200 seeds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_seeds_of_chaos_with_kills_keep_every_invariant(tmp_path: Path) -> None:
    report_path = tmp_path / "chaos.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "chaos.py"),
            "--first-seed",
            "8",
            "--seeds",
            "2",
            "--output",
            str(report_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["seeds_run"] == 2
    assert report["kills_planned"] >= 1
    assert report["invariant_failures"] == 0 and report["seeds_failed"] == []

"""The command line starts without what only some of its commands need: psycopg is imported when a team's
(PostgreSQL) log is opened, and the console's Textual when the console opens, not when `paydesk` starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_command_line_imports_neither_psycopg_nor_textual_to_start() -> None:
    probe = (
        "import sys\n"
        "from console.cli import main\n"
        "print(sorted(m for m in ('psycopg', 'textual') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr

"""The command line starts without what only some of its commands need: psycopg is imported when a team's
(PostgreSQL) log is opened, and the console's Textual when the console opens, not when `paydesk` starts;
nor httpx's own command line (click, rich, pygments), which paydesk never runs (console.startup)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_command_line_imports_neither_psycopg_nor_textual_to_start() -> None:
    probe = (
        "import sys\n"
        "from console.cli import main\n"
        "print(sorted(m for m in ('psycopg', 'textual', 'click', 'rich', 'pygments') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_collector_runs_again_once_the_command_line_is_imported_and_httpx_works() -> None:
    probe = (
        "import gc, httpx._main as cli\n"
        "import console.cli, httpx\n"
        "assert gc.isenabled() and gc.get_freeze_count() > 50_000, gc.get_freeze_count()\n"
        "print(httpx.Client, httpx.main is cli.main)\n"  # imported first: httpx's own command line is kept
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "<class 'httpx.Client'> True", done.stdout + done.stderr
    probe = "import gc; gc.disable()\nimport console.cli\nprint(gc.isenabled())\n"  # as it was before
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stdout + done.stderr


def test_a_ctrl_c_while_the_command_line_loads_is_one_line_and_exit_130() -> None:
    """Most of a command's first half second is importing its modules: a Ctrl-C then (here: the signal sent
    as the engine's modules are looked up) ends it with one line, not a traceback of the import machinery."""
    probe = (
        "import os, signal, sys\n"
        "class CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'engine':\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        "from console.cli import run\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, "jobs"], cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr, done.stdout) == (130, "paydesk: interrupted\n", "")

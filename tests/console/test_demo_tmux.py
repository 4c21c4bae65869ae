"""`paydesk demo` in a real terminal (tmux) of the smallest size it supports, 80x24: the console opens on the
seeded workspace, and an operator's journey holds: New job, plan, read the plan, execute it after the
confirmation, watch the Job screen follow it to completed, back to the jobs, help, and quit cleanly,
stopping its sandbox. `make test` installs tmux first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

SESSION_LIMIT_S = 60.0
pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (make test installs it)"
)


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=True)
    return done.stdout


def screen_until(session: str, text: str, limit_s: float = SESSION_LIMIT_S) -> str:
    deadline = time.monotonic() + limit_s
    shown = ""
    while time.monotonic() < deadline:
        shown = tmux("capture-pane", "-p", "-t", session)
        if text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never showed; the screen was:\n{shown}")


def screen_without(session: str, text: str, limit_s: float = 10.0) -> None:
    deadline = time.monotonic() + limit_s
    while text in tmux("capture-pane", "-p", "-t", session):
        assert time.monotonic() < deadline, f"{text!r} stayed on the screen"
        time.sleep(0.1)


def test_demo_opens_the_console_answers_keys_and_quits_cleanly(tmp_path: Path) -> None:
    session = f"paydesk-smoke-{os.getpid()}"
    home = tmp_path / "home"
    done = tmp_path / "exit-code"
    command = (
        f"PAYDESK_HOME={home} TERM=xterm-256color {sys.executable} -m console.cli demo; echo $? > {done}"
    )
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        shown = screen_until(session, "No jobs yet")
        assert "Jobs" in shown
        tmux("send-keys", "-t", session, "n")
        shown = screen_until(session, "Plan (dry run")
        assert "Work month" in shown
        tmux("send-keys", "-t", session, "F5")
        shown = screen_until(session, "money moved")
        job = next(word for word in shown.split() if word.startswith("commit-"))
        tmux("send-keys", "-t", session, "C-e")
        screen_until(session, "Execute this plan?")
        tmux("send-keys", "-t", session, "C-y")
        shown = screen_until(session, f"Job {job}")
        shown = screen_until(session, "status completed")  # the same screen follows it to its end
        assert "0 failed" in shown
        tmux("send-keys", "-t", session, "g")
        screen_until(session, "of 1 jobs")
        shown = screen_until(session, "completed")  # the list's row catches up within its refresh
        assert job in shown
        tmux("send-keys", "-t", session, "?")
        screen_until(session, "Actions and keys")
        tmux("send-keys", "-t", session, "Escape")
        screen_without(session, "Actions and keys")
        tmux("send-keys", "-t", session, "C-q")
        deadline = time.monotonic() + 30
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
    assert (home / "demo" / "sandbox").is_dir()
    assert (home / "demo" / "paydesk.toml").exists()

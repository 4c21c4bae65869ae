"""Reading what the command line printed on standard error: progress lines (`paydesk: job … started`, one per
run, naming its job id) apart from warnings and the one-line error."""

from __future__ import annotations

PROGRESS = "paydesk: job "


def without_progress(err: str) -> str:
    """Standard error without its progress lines (each line kept with its newline)."""
    return "".join(line for line in err.splitlines(keepends=True) if not line.startswith(PROGRESS))


def progress_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(PROGRESS)]


def one_error(err: str) -> str:
    """The one line `paydesk: error: …` a refused command prints (progress lines aside), no traceback."""
    rest = without_progress(err)
    assert rest.count("\n") == 1 and rest.startswith("paydesk: error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    return rest

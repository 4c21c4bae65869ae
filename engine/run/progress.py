"""Live progress of a running job: steps settled so far, by outcome (for a progress bar or a console)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class JobProgress:
    total: int = 0  # steps this run has to settle
    settled: dict[str, int] = field(default_factory=dict)  # outcome -> count

    def record(self, outcome: str) -> None:
        self.settled[outcome] = self.settled.get(outcome, 0) + 1

    @property
    def done(self) -> int:
        return sum(self.settled.values())

    def line(self, width: int = 30) -> str:
        """`[#######.......]  12/40 steps  (1 failed)` for a terminal."""
        filled = width if self.total == 0 else min(width, width * self.done // self.total)
        trouble = {k: v for k, v in self.settled.items() if k in ("failed", "blocked", "cancelled")}
        extra = ", ".join(f"{v} {k}" for k, v in sorted(trouble.items()))
        return f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} steps" + (
            f"  ({extra})" if extra else ""
        )

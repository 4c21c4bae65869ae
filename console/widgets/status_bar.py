"""The status bar: the token bucket, requests per second (a sparkline), a throttle countdown, busy workers."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline

from console.hosting import EngineSnapshot


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar { height: 1; dock: bottom; background: $panel; }
    StatusBar Label { padding: 0 1; }
    StatusBar Sparkline { width: 30; }
    StatusBar #throttle { color: $warning; }
    """

    def __init__(self, read_only: bool = False, *, id: str | None = "status") -> None:
        super().__init__(id=id)
        self.read_only = read_only
        self._waiting: EngineSnapshot | None = None  # a snapshot that came before the labels existed

    def on_mount(self) -> None:
        if self._waiting is not None:
            self.show(self._waiting)

    def compose(self) -> ComposeResult:
        if self.read_only:
            yield Label("read-only: looking, never writing", id="bucket")
            return
        yield Label("engine starting…", id="bucket")
        yield Label("req/s", id="rate")
        yield Sparkline([0.0], id="rps")
        yield Label("", id="throttle")
        yield Label("", id="workers")

    def show(self, snapshot: EngineSnapshot) -> None:
        if self.read_only:
            return
        if not self.query("#rps"):  # not composed yet: draw it once mounted
            self._waiting = snapshot
            return
        self._waiting = None
        bucket = snapshot.stats.bucket
        self.query_one("#bucket", Label).update(f"bucket {bucket.tokens:.1f}/{bucket.burst}")
        latest = snapshot.rps[-1] if snapshot.rps else 0.0
        self.query_one("#rate", Label).update(f"{latest:5.1f} req/s (limit {bucket.rate:g})")
        self.query_one("#rps", Sparkline).data = list(snapshot.rps) or [0.0]
        paused = bucket.paused_for
        self.query_one("#throttle", Label).update(f"Notion throttles: {paused:.0f} s" if paused > 0 else "")
        running = snapshot.stats.running_jobs
        jobs = f"{running} job{'s' if running != 1 else ''} running"
        self.query_one("#workers", Label).update(f"{snapshot.stats.in_flight} busy workers, {jobs}")

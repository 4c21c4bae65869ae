"""The status bar: the token bucket, requests per second (a sparkline), a throttle countdown, the requests
sent (their answer awaited) and queued (waiting for the rate limit)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline

from console.hosting import EngineSnapshot


class StatusBar(Horizontal):
    # In the flow, last (the key bar is docked below it: two widgets docked bottom would overlap, and the
    # key bar hid this one). Fixed widths: a label that keeps its size is repainted alone when it changes (ten
    # times a second while a job runs); one that resizes lays the whole screen out, redrawing all of it.
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    StatusBar Label { padding: 0 1; }
    StatusBar #bucket { width: 20; }
    StatusBar #rate { width: 27; }
    StatusBar Sparkline { width: 28; }
    StatusBar #throttle { width: 25; color: $warning; }
    StatusBar #workers { width: 36; }
    """

    def __init__(self, read_only: bool = False, *, id: str | None = "status") -> None:
        super().__init__(id=id)
        self.read_only = read_only
        self._waiting: EngineSnapshot | None = None  # a snapshot that came before the labels existed
        self._shown: dict[str, str] = {}

    def on_mount(self) -> None:
        if self._waiting is not None:
            self.show(self._waiting)

    def compose(self) -> ComposeResult:
        if self.read_only:
            yield Label("read-only: looking, never writing", id="mode")
            return
        yield Label("engine starting…", id="bucket")
        yield Label("req/s", id="rate")
        yield Sparkline([], id="rps")
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
        self._label("#bucket", f"bucket {bucket.tokens:.1f}/{bucket.burst}")
        latest = snapshot.rps[-1] if snapshot.rps else 0.0
        self._label("#rate", f"{latest:5.1f} req/s (limit {bucket.rate:g})")
        rps = list(snapshot.rps) if len(snapshot.rps) > 1 else []  # one value draws as a full bar
        sparkline = self.query_one("#rps", Sparkline)
        if sparkline.data != rps:
            sparkline.data = rps
        paused = bucket.paused_for
        self._label("#throttle", f"Notion throttles: {paused:.0f} s" if paused > 0 else "")
        running = snapshot.stats.running_jobs
        jobs = f"{running} job{'s' if running != 1 else ''} running"
        stats = snapshot.stats
        self._label("#workers", f"{stats.in_flight} sent, {stats.waiting} queued · {jobs}")

    def _label(self, selector: str, text: str) -> None:
        if self._shown.get(selector) != text:
            self._shown[selector] = text
            self.query_one(selector, Label).update(text, layout=False)

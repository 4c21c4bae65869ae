"""A job's report as one self-contained HTML page (no script, no network, no external file): totals per
currency and per contractor, outcomes, failures with Notion's reasons, a chart of the job's progress and of
its writes per second over its life (inline SVG), and the log's chain head.

Pure over the log's named reads; every text from Notion or the log is HTML-escaped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from html import escape

from engine.workspace import money
from eventlog import EventLog, ItemRow, JobRow, StepRow, json_object

CHART_WIDTH, CHART_HEIGHT = 720, 220
PROGRESS_COLOR = "#1f6feb"  # the progress line (tests look for it in a screenshot)
RATE_COLOR = "#d2691e"  # the writes-per-second bars


class NoSuchJob(LookupError):
    pass


@dataclass(frozen=True)
class _Point:
    seconds: float
    value: float


def job_page(log: EventLog, job_id: str) -> str:
    """The report of `job_id` as HTML text; `NoSuchJob` when the log has no such job."""
    job = log.job(job_id)
    if job is None:
        raise NoSuchJob(job_id)
    items = log.items(job_id)
    steps = log.steps(job_id)
    head = log.head()
    sections = [
        _header(job),
        _totals(job, items),
        _outcomes(items, steps),
        _chart(steps),
        _failures(items, steps),
        f"<footer>Chain head: event {head.seq}, hash <code>{escape(head.hash)}</code></footer>",
    ]
    return _PAGE.format(title=escape(f"paydesk report {job_id}"), body="\n".join(sections))


def _header(job: JobRow) -> str:
    params = ", ".join(f"{k} {v}" for k, v in json_object(job.params).items() if v not in (None, "", []))
    return (
        f"<h1>{escape(job.kind)} job {escape(job.job_id)}</h1>"
        f"<p class=meta>{escape(params)} · status <b>{escape(job.status)}</b> · operator "
        f"{escape(job.operator)} · created {escape(job.created_at or '')} · finished "
        f"{escape(job.finished_at or '—')}</p>"
    )


def _totals(job: JobRow, items: list[ItemRow]) -> str:
    planned = money.decoded(json_object(job.totals))
    by_contractor: dict[str, money.Totals] = {}
    for item in items:
        data = json_object(item.data)
        contractor = str(data.get("contractor") or "—")
        amount = data.get("amount", data.get("total"))
        currency = data.get("currency")
        if amount is not None and isinstance(currency, str):
            money.add(by_contractor.setdefault(contractor, {}), currency, money.amount(amount))
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td class=num>{escape(money.totals_text(totals))}</td></tr>"
        for name, totals in sorted(by_contractor.items())
    )
    return (
        f"<h2>Money</h2><p>The plan moves <b>{escape(money.totals_text(planned, 'nothing'))}</b>.</p>"
        f"<table><tr><th>Contractor</th><th>Amount of their items</th></tr>{rows}</table>"
    )


def _outcomes(items: list[ItemRow], steps: list[StepRow]) -> str:
    item_counts = Counter(item.status for item in items)
    step_counts = Counter(step.status for step in steps)

    def cells(counts: Counter[str]) -> str:
        return "".join(f"<td>{escape(k)} <b>{v}</b></td>" for k, v in sorted(counts.items()))

    return (
        "<h2>Outcomes</h2><table>"
        f"<tr><th>items ({len(items)})</th>{cells(item_counts)}</tr>"
        f"<tr><th>writes ({len(steps)})</th>{cells(step_counts)}</tr></table>"
    )


def _failures(items: list[ItemRow], steps: list[StepRow]) -> str:
    labels = {item.item_key: item.label for item in items}
    failed = [s for s in steps if s.status in ("failed", "blocked")]
    if not failed:
        return "<h2>Failures</h2><p>None.</p>"
    rows = "".join(
        f"<tr><td>{escape(labels.get(s.item_key, s.item_key))}</td><td>{escape(s.label)}</td>"
        f"<td>{escape(s.status)}</td><td>{escape(s.error_code or '')}</td>"
        f"<td>{escape(s.last_error or s.reason or '')}</td>"
        f"<td><code>{escape(s.request_id or '')}</code></td></tr>"
        for s in failed
    )
    return (
        "<h2>Failures</h2><table><tr><th>Item</th><th>Write</th><th>Outcome</th><th>Notion's code</th>"
        f"<th>Notion's message</th><th>Request</th></tr>{rows}</table>"
    )


def _chart(steps: list[StepRow]) -> str:
    """Steps settled (the line) and writes started per second (the bars) over the job's life."""
    settled = sorted(t for s in steps if (t := _time(s.finished_at)) is not None)
    started = sorted(t for s in steps if (t := _time(s.started_at)) is not None)
    if not settled and not started:
        return "<h2>Progress</h2><p>The job wrote nothing yet: no chart.</p>"
    origin = min(settled[:1] + started[:1])
    end = max(settled[-1:] + started[-1:])
    span = max((end - origin).total_seconds(), 1.0)
    total = max(len(steps), 1)
    width, height = CHART_WIDTH, CHART_HEIGHT

    def x(seconds: float) -> float:
        return 40 + (width - 80) * seconds / span

    line = [_Point(0.0, 0.0)] + [
        _Point((t - origin).total_seconds(), n) for n, t in enumerate(settled, start=1)
    ]
    path = " ".join(f"{x(p.seconds):.1f},{height - 30 - (height - 60) * p.value / total:.1f}" for p in line)
    per_second = Counter(int((t - origin).total_seconds()) for t in started)
    peak = max(per_second.values(), default=1)
    bar_width = max((width - 80) / (span + 1), 2.0)
    bars = "".join(
        f'<rect x="{x(second):.1f}" y="{height - 30 - (height - 60) * count / peak / 2:.1f}" '
        f'width="{bar_width:.1f}" height="{(height - 60) * count / peak / 2:.1f}" fill="{RATE_COLOR}" />'
        for second, count in sorted(per_second.items())
    )
    return (
        "<h2>Progress</h2>"
        f'<svg id=chart width="{width}" height="{height}" viewBox="0 0 {width} {height}" role=img '
        f'aria-label="steps settled and writes per second over the job">'
        f'<rect width="{width}" height="{height}" fill="#ffffff" />{bars}'
        f'<polyline points="{path}" fill="none" stroke="{PROGRESS_COLOR}" stroke-width="4" />'
        f'<line x1="40" y1="{height - 30}" x2="{width - 40}" y2="{height - 30}" stroke="#444" />'
        f'<text x="40" y="18" font-size="13">steps settled: {len(settled)} of {len(steps)} '
        f"(line) · writes started per second, peak {peak} (bars)</text>"
        f'<text x="40" y="{height - 10}" font-size="12">0 s</text>'
        f'<text x="{width - 80}" y="{height - 10}" font-size="12">{span:.0f} s</text></svg>'
    )


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


_PAGE = """<!doctype html>
<html lang=en><head><meta charset=utf-8><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }}
td.num {{ text-align: right; }}
.meta {{ color: #555; }}
footer {{ margin-top: 2em; color: #555; }}
</style></head>
<body>
{body}
</body></html>
"""

__all__ = ["NoSuchJob", "job_page"]

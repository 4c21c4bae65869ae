"""`paydesk report JOB -o FILE.html`: one self-contained page (no script, nothing fetched) with totals,
outcomes, failures in Notion's words and a chart of the job's life, rendered by a real headless Chromium
(`make test` installs Debian's chromium) whose screenshot shows the chart."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.run.job_page import PROGRESS_COLOR, RATE_COLOR
from tests.e2e.served import Served, open_served
from tests.engine.conftest import MONTH

pytestmark = pytest.mark.trio
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path, latency_ms=20, rate=20.0) as value:
        yield value


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGBA or RGB pixels) of an 8-bit, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks += body
        offset += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and color in (2, 6)
    channels = 4 if color == 6 else 3
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    position = 0
    for _ in range(height):
        kind, line = raw[position], bytearray(raw[position + 1 : position + 1 + stride])
        position += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min(
                    (abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner)
                )
                line[i] = (line[i] + near[2]) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r) for r in rows] + [bytes([channels])]


def count_color(path: Path, color: str) -> int:
    width, _height, rows = png_pixels(path)
    channels = rows.pop()[0]
    want = bytes.fromhex(color.lstrip("#"))
    found = 0
    for row in rows:
        for x in range(width):
            pixel = row[x * channels : x * channels + 3]
            if all(abs(a - b) <= 8 for a, b in zip(pixel, want, strict=True)):
                found += 1
    return found


async def test_a_job_report_is_one_self_contained_page_whose_chart_a_browser_draws(
    served: Served, tmp_path: Path
) -> None:
    payouts = served.workspace.data_sources["payouts"]
    await served.faults(targeted=[{"create_in": payouts, "status": 400, "count": 1}])
    done = await served.paydesk("run", "generate", "--type", "refund", "--month", MONTH, "--json")
    assert done.returncode == 2, done.stderr.decode()
    job = json.loads(done.stdout)["job_id"]
    page = tmp_path / "report.html"
    written = await served.paydesk("report", job, "-o", str(page))
    assert written.returncode == 0, written.stderr.decode()
    assert page.stat().st_mode & 0o777 == 0o600
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and not re.search(r"""(src|href)\s*=|url\(""", html)  # nothing fetched
    assert "<svg id=chart" in html and "Chain head: event " in html
    assert "validation_error" in html and "body failed validation" in html  # the failure in Notion's words
    assert "The plan moves <b>" in html

    refused = await served.paydesk("report", job, "-o", str(page))
    assert refused.returncode == 1 and "already exists" in refused.stderr.decode()

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make test installs it)")
    shot = tmp_path / "report.png"
    await trio.run_process(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=900,1100",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_stdout=True,
        capture_stderr=True,
        check=True,
    )
    assert count_color(shot, PROGRESS_COLOR) > 200, "the progress line is drawn"
    assert count_color(shot, RATE_COLOR) > 200, "the writes-per-second bars are drawn"

"""Recorded traffic with api.notion.com, read into one shape whatever its format.

Two formats are read (see ../recordings/SOURCES.md for where each comes from):

- vcrpy cassettes (YAML): one file per test, a session of interactions in order;
- curl pairs: ``name.sh`` holds one ``curl`` command, ``name.json`` what it printed (the response body; the
  status is the body's ``status`` for an error envelope, else 200). One pair is one session.

Only requests to api.notion.com with ``Notion-Version: 2025-09-03`` are kept.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

VERSION = "2025-09-03"
HOST = "api.notion.com"
RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"


@dataclass(frozen=True)
class Interaction:
    """One recorded request and its answer (bodies parsed from JSON; None when empty)."""

    source: str
    session: str
    index: int
    method: str
    path: str
    query: str
    body: Any
    status: int
    response: Any

    @property
    def label(self) -> str:
        return f"{self.source}/{self.session}#{self.index} {self.method} {self.path}"


def _json(text: Any) -> Any:
    if text is None or (isinstance(text, str | bytes) and not text.strip()):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _header(headers: dict[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return ""


def read_cassette(path: Path, source: str) -> list[Interaction]:
    """The Notion interactions of one vcrpy cassette, in order."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    found: list[Interaction] = []
    for number, item in enumerate(data.get("interactions") or []):
        request, response = item["request"], item["response"]
        url = urlsplit(request["uri"])
        if url.hostname != HOST or _header(request.get("headers") or {}, "notion-version") != VERSION:
            continue
        body = (response.get("body") or {}).get("string", response.get("content"))
        found.append(
            Interaction(
                source=source,
                session=path.stem,
                index=number,
                method=request["method"].upper(),
                path=url.path,
                query=url.query,
                body=_json(request.get("body")),
                status=int(response["status"]["code"]),
                response=_json(body),
            )
        )
    return found


def read_curl_pair(script: Path, source: str) -> Interaction | None:
    """The interaction of one ``curl`` script and the body it printed, or None if it is not one we keep."""
    words = shlex.split(script.read_text(encoding="utf-8").replace("\\\n", " "), comments=True)
    method, url, body, version = "GET", "", None, ""
    at = 0
    while at < len(words):
        word = words[at]
        if word in ("-X", "--request"):
            method, at = words[at + 1].upper(), at + 1
        elif word in ("-H", "--header"):
            name, _, value = words[at + 1].partition(":")
            version = value.strip() if name.strip().lower() == "notion-version" else version
            at += 1
        elif word in ("-d", "--data", "--data-raw", "--data-binary"):
            body, at = words[at + 1], at + 1
            method = "POST" if method == "GET" else method
        elif word.startswith("http"):
            url = word
        at += 1
    answer = script.with_suffix(".json")
    parts = urlsplit(url)
    if parts.hostname != HOST or version != VERSION or not answer.exists():
        return None
    response = _json(answer.read_text(encoding="utf-8"))
    status = 200
    if isinstance(response, dict) and response.get("object") == "error":
        status = int(response.get("status", 400))
    return Interaction(source, script.stem, 0, method, parts.path, parts.query, _json(body), status, response)


def sessions(source: str) -> Iterator[list[Interaction]]:
    """Every session of the recordings of `source` (a folder of ../recordings), in name order."""
    folder = RECORDINGS / source
    for path in sorted(folder.iterdir()):
        if path.suffix == ".yaml":
            session = read_cassette(path, source)
            if session:
                yield session
        elif path.suffix == ".sh":
            pair = read_curl_pair(path, source)
            if pair is not None:
                yield [pair]


SOURCES = ("notion-sdk-py", "notion_ruby_mapping")

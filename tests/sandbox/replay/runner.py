"""Replaying recorded sessions against the sandbox app, in process, and scoring how its answers compare.

Each session runs in a workspace of its own (`SandboxStore.open_memory`), seeded with what the session
needs (`sandbox.replay.seeding`); requests go straight into the ASGI app. An interaction is *applicable*
unless it uses something the sandbox does not do (`unsupported`, listed in the README) or depends on
something the replay could not reproduce; the match rate is over applicable interactions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import trio

from sandbox.app import build_app
from sandbox.options import SandboxOptions
from sandbox.store import SandboxStore
from tests.sandbox.replay.catalog import Catalog, created_in, objects_in, references
from tests.sandbox.replay.compare import Verdict, judge
from tests.sandbox.replay.mapping import IdMapping, Unreproducible
from tests.sandbox.replay.recordings import SOURCES, Interaction, sessions
from tests.sandbox.replay.seeding import Seeder

OPTIONS = SandboxOptions()
# What the sandbox does not do (README, "The sandbox"): endpoints, and request parts that need them.
UNSUPPORTED_PATHS = (
    (re.compile(r"^/v1/file_uploads"), "file uploads"),
    (re.compile(r"^/v1/views"), "views"),
    (re.compile(r"^/v1/data_sources/[^/]+/templates"), "templates"),
    (re.compile(r"^/v1/pages/[^/]+/move"), "moving pages"),
    (re.compile(r"^/v1/pages/[^/]+/markdown"), "markdown"),
    (re.compile(r"^/v1/custom_emojis"), "custom emojis"),
    (re.compile(r"^/v1/async_tasks"), "async tasks"),
    (re.compile(r"^/v1/blocks/meeting_notes"), "meeting notes"),
    (re.compile(r"^/v1/oauth"), "oauth"),
)
UNSUPPORTED_BODY = (("template", "templates"), ("markdown", "markdown"), ("file_upload", "file uploads"))


def unsupported(interaction: Interaction) -> str | None:
    """Why the sandbox cannot answer this interaction as Notion does, or None."""
    for pattern, reason in UNSUPPORTED_PATHS:
        if pattern.match(interaction.path):
            return reason
    text = json.dumps(interaction.body) if interaction.body is not None else ""
    for key, reason in UNSUPPORTED_BODY:
        if f'"{key}"' in text:
            return reason
    return None


@dataclass(frozen=True)
class Outcome:
    interaction: Interaction
    verdict: Verdict | None
    skipped: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def applicable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict is not None]

    @property
    def matched(self) -> int:
        return sum(1 for o in self.applicable if o.verdict is not None and o.verdict.matches)

    @property
    def rate(self) -> float:
        return self.matched / len(self.applicable) if self.applicable else 0.0

    def by_source(self) -> dict[str, tuple[int, int, int]]:
        """source → (interactions, applicable, matched)."""
        out: dict[str, tuple[int, int, int]] = {}
        for o in self.outcomes:
            total, applicable, matched = out.get(o.interaction.source, (0, 0, 0))
            ok = o.verdict is not None and o.verdict.matches
            out[o.interaction.source] = (total + 1, applicable + (o.verdict is not None), matched + ok)
        return out

    def summary(self, details: int = 0) -> str:
        lines = [f"replayed {len(self.outcomes)} interactions, {len(self.applicable)} applicable, "
                 f"{self.matched} match ({self.rate:.1%})"]  # fmt: skip
        for source, (total, applicable, matched) in sorted(self.by_source().items()):
            share = matched / applicable if applicable else 0.0
            lines.append(
                f"  {source}: {total} interactions, {applicable} applicable, {matched} match ({share:.1%})"
            )
        skipped = Counter(o.skipped for o in self.outcomes if o.verdict is None)
        lines += [f"  not applicable, {reason}: {count}" for reason, count in skipped.most_common()]
        if details:
            causes = Counter(
                re.sub(r"\[\d+\]", "[]", o.verdict.differences[0])
                for o in self.applicable
                if o.verdict is not None and not o.verdict.matches
            )
            lines += [f"  {count:4d}  {cause}" for cause, count in causes.most_common(details)]
        return "\n".join(lines)


async def _call(app: Any, method: str, path: str, query: str, body: Any, token: str) -> tuple[int, Any]:
    raw = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"notion-version", b"2025-09-03")]
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": headers,
    }
    sent: list[bytes] = []
    status = 0
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            await trio.sleep_forever()
        delivered = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        else:
            sent.append(message.get("body", b""))

    await app(scope, receive, send)
    text = b"".join(sent)
    return status, json.loads(text) if text else None


async def replay_session(session: list[Interaction], catalog: Catalog) -> list[Outcome]:
    created = created_in(session)
    store = SandboxStore.open_memory()
    local = Catalog()
    for interaction in session:
        local.add(interaction)
    seeder = Seeder(store, catalog, created, local)
    missing = {ref for i in session if i.status == 404 for ref, _kind in references(i)}
    for interaction in session:
        for ref, kind in references(interaction):
            if ref not in missing:
                seeder.ensure(ref, kind)
        for obj in objects_in(interaction.response):
            seeder.ensure(obj["id"], str(obj["object"]))
    seeder.finish()
    app = build_app(store, OPTIONS)
    mapping = IdMapping(created)
    outcomes: list[Outcome] = []
    try:
        for interaction in session:
            reason = unsupported(interaction)
            if reason is not None:
                outcomes.append(Outcome(interaction, None, reason))
                continue
            try:
                path, query, body = mapping.rewrite(interaction.path, interaction.query, interaction.body)
            except Unreproducible as why:
                outcomes.append(Outcome(interaction, None, f"unreproducible: {str(why).split(' ', 1)[-1]}"))
                continue
            # recordings scrub tokens; an answer of 401 tells that the request carried a wrong one
            token = "not-the-token" if interaction.status == 401 else OPTIONS.token
            status, answer = await _call(app, interaction.method, path, query, body, token)
            mapping.learn(interaction.response, answer)
            outcomes.append(
                Outcome(interaction, judge(interaction.status, interaction.response, status, answer))
            )
    finally:
        store.close()
    return outcomes


def replay(sources: tuple[str, ...] = SOURCES) -> Report:
    """Replay every session of `sources`; the report of how each interaction compared."""
    report = Report()

    async def run() -> None:
        for source in sources:
            recorded = list(sessions(source))
            catalog = Catalog()
            for session in recorded:
                for interaction in session:
                    catalog.add(interaction)
            for session in recorded:
                report.outcomes.extend(await replay_session(session, catalog))

    trio.run(run)
    return report

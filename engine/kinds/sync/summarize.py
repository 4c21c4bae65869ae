"""Proof of works: a project's month of updates condensed to at most two lines "• Scope: item, item, item".

`Summarizer` is the interface the sync job uses; `BuiltinSummarizer` is the deterministic default: each
non-empty entry's Key deliverables are split into items (on ";" and new lines), every item weighs the
hours of the entries that name it, and the heaviest six (ties in alphabetical order) fill two lines of
three. `engine.kinds.sync.llm.LLMSummarizer` is the other implementation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

MAX_LINES = 2
PER_LINE = 3
_SEPARATORS = re.compile(r"[;\n]+")
_BULLETS = " \t•*-–"


@dataclass(frozen=True)
class Entry:
    """One project update: its Key deliverables and its hours (Appx. effort)."""

    text: str
    hours: Decimal


class Summarizer(Protocol):
    async def summarize(self, scope: str, entries: Sequence[Entry]) -> str:
        """The proof of works for `scope` (a project) from its updates; never raises for bad input."""
        ...


def items_of(text: str) -> list[str]:
    """The deliverables listed in one entry, trimmed, without bullets or empties."""
    return [part.strip(_BULLETS) for part in _SEPARATORS.split(text) if part.strip(_BULLETS)]


def condense(scope: str, entries: Sequence[Entry]) -> str:
    """The deterministic summary: at most two lines of three items, heaviest first ('' when nothing)."""
    weights: dict[str, float] = {}
    spelling: dict[str, str] = {}
    for entry in entries:
        for item in items_of(entry.text):
            folded = item.casefold()
            spelling.setdefault(folded, item)
            weights[folded] = weights.get(folded, 0.0) + max(float(entry.hours), 0.0)
    ranked = sorted(weights, key=lambda folded: (-weights[folded], folded))[: MAX_LINES * PER_LINE]
    label = scope.strip() or "Work"
    lines = [
        f"• {label}: {', '.join(spelling[f] for f in ranked[i : i + PER_LINE])}"
        for i in range(0, len(ranked), PER_LINE)
    ]
    return "\n".join(lines)


def raw_text(entries: Sequence[Entry]) -> str:
    """The entries' own words, one per line: what a summary falls back to when no model answers."""
    return "\n".join(entry.text.strip() for entry in entries if entry.text.strip())


class BuiltinSummarizer:
    """The deterministic summarizer (no I/O)."""

    async def summarize(self, scope: str, entries: Sequence[Entry]) -> str:
        return condense(scope, entries)

"""Comparing the sandbox's answer with the recorded one: status, error code and shape.

Shape: every key of the recorded answer is in ours, recursively, with a value of the same JSON type (any two
numbers match; null matches only null, except for the keys in `WORLD_DEPENDENT`, whose being set depends on
the workspace rather than on the API). A list matches when both are empty or both are not; their items are
compared pairwise (by id when they are objects with ids). Texts, ids, times and extra keys are not compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Set or null depending on the workspace, not on the request: a published page, a user's picture, whether
# more results follow than the replayed workspace holds.
WORLD_DEPENDENT = frozenset({"public_url", "avatar_url", "next_cursor", "expiry_time", "next_url"})


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


Translate = Callable[[str], str]


def _paired(real: list[Any], ours: list[Any], translate: Translate) -> list[tuple[Any, Any]]:
    """Items paired by id when both lists hold objects with distinct ids (in any order), else by position."""
    if not all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in [*real, *ours]):
        return list(zip(real, ours, strict=False))
    if len({item["id"] for item in real}) < len(real) or len({item["id"] for item in ours}) < len(ours):
        return list(zip(real, ours, strict=False))
    by_id = {item["id"]: item for item in ours}
    rest = [item for item in ours if item["id"] not in {translate(one["id"]) for one in real}]
    pairs: list[tuple[Any, Any]] = []
    for one in real:
        other = by_id.get(translate(one["id"]))
        if other is None and rest:
            other = rest.pop(0)
        if other is not None:
            pairs.append((one, other))
    return pairs


def shape_differences(real: Any, ours: Any, where: str = "$", translate: Translate = str) -> list[str]:
    """Where `ours` does not have the shape of `real` (an empty list when it does). List items are paired by
    id when they have ids (`translate` gives our id for a recorded one), else by position."""
    key = where.rsplit(".", 1)[-1]
    real_kind, our_kind = _kind(real), _kind(ours)
    if real_kind != our_kind:
        if key in WORLD_DEPENDENT and "null" in (real_kind, our_kind):
            return []
        return [f"{where}: {real_kind} vs {our_kind}"]
    if isinstance(real, dict):
        found = [f"{where}.{name}: missing" for name in real if name not in ours]
        for name in real:
            if name in ours:
                found += shape_differences(real[name], ours[name], f"{where}.{name}", translate)
        return found
    if isinstance(real, list):
        if bool(real) != bool(ours):
            return [f"{where}: {len(real)} items vs {len(ours)}"]
        found = []
        for index, (one, other) in enumerate(_paired(real, ours, translate)):
            found += shape_differences(one, other, f"{where}[{index}]", translate)
        return found
    return []


@dataclass(frozen=True)
class Verdict:
    """How one replayed interaction compares: `differences` empty means it matches."""

    differences: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.differences


def judge(real_status: int, real: Any, our_status: int, ours: Any, translate: Translate = str) -> Verdict:
    """Status, then the error code of an error, then the shape."""
    if real_status != our_status:
        return Verdict((f"status {real_status} vs {our_status} {_code(ours)}".rstrip(),))
    if real_status >= 400 and _code(real) != _code(ours):
        return Verdict((f"code {_code(real)} vs {_code(ours)}",))
    return Verdict(tuple(shape_differences(real, ours, "$", translate)))


def _code(body: Any) -> str:
    return str(body.get("code", "")) if isinstance(body, dict) else ""

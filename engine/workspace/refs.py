"""References between the steps of one plan: `{"$step": KEY}` stands for the page create step KEY made."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class _Made(Protocol):
    page_id: str | None


def resolve(value: Any, states: Mapping[str, _Made], *, bare: bool = False) -> Any:
    """`value` with every `{"$step": KEY}` replaced by the page KEY made: `{"id": …}` in a write payload,
    the bare id with `bare` (in a filter, e.g. `{"relation": {"contains": {"$step": KEY}}}`)."""
    if isinstance(value, dict):
        if set(value) == {"$step"}:
            made = states[value["$step"]].page_id
            if made is None:
                raise KeyError(value["$step"])
            return made if bare else {"id": made}
        return {k: resolve(v, states, bare=bare) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, states, bare=bare) for v in value]
    return value

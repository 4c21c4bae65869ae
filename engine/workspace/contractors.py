"""A `--contractor NAME` must name a contractor: a name matching none is refused with the closest names,
rather than planning nothing and looking like success."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from engine.workspace import props
from engine.workspace.config import Config


class UnknownContractor(Exception):
    """No contractor has this Full Name; the message names the closest ones."""


def require_contractor(
    name: str | None, contractors: Mapping[str, Mapping[str, Any]], config: Config
) -> None:
    """Raise `UnknownContractor` unless some contractor's Full Name is `name` (ignoring case)."""
    if name is None or not name.strip():
        return
    names = sorted(
        {props.title(page, config.prop("contractors", "Full Name")) for page in contractors.values()} - {""}
    )
    wanted = name.strip().casefold()
    if any(known.casefold() == wanted for known in names):
        return
    folded = {known.casefold(): known for known in names}
    close = [folded[f] for f in difflib.get_close_matches(wanted, list(folded), n=3, cutoff=0.6)]
    hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(names)} contractors are known"
    raise UnknownContractor(f"no contractor is named {name!r} (--contractor takes a Full Name){hint}")

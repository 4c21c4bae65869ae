"""A contractor's rate valid on a day. There are two rules, and they are kept apart on purpose.

- `rate_on` (generate, sync): the contractor's rate whose Status is Active (or empty) and whose Start and
  End Dates hold `day`; when several do, the one that started latest (then the higher page id). None
  when no rate is valid: generate then skips the source ("no valid rate"), as it cannot price the work.
- `payday_on` (commit): the Payday of the first of the contractor's rates, in the order given, whose
  dates hold `day`, else the Payday of any of their rates. A payable already exists and the question is
  only which batch it is paid in, so a rate that no longer covers the day still answers it. The rates
  it is given are the Active ones (commit preloads no other), so Status is not looked at again.

They agree whenever a contractor has one rate valid on a day, which is how the workspace is kept. They
differ when rates overlap (first given against latest start) and when none is valid (fallback against
None). Making commit use `rate_on` would move such a payable to another batch or out of every batch: a
change of behaviour, not of layout, so it is not made here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.workspace import props
from engine.workspace.config import Config

Page = Mapping[str, Any]


def _dates_hold(rate: Page, day: str, config: Config) -> tuple[bool, str | None]:
    start = props.date_start(rate, config.prop("rates", "Start Date"))
    end = props.date_start(rate, config.prop("rates", "End Date"))
    return (start is None or start <= day) and (end is None or day <= end), start


def _of(rate: Page, contractor_id: str, config: Config) -> bool:
    ids, _ = props.relation(rate, config.prop("rates", "Contractor"))
    return contractor_id in ids


def rate_on(contractor_id: str, day: str, rates: Sequence[Page], config: Config) -> Page | None:
    """The contractor's Active rate valid on `day` (the latest to start when several are)."""
    valid: list[tuple[str, str, Page]] = []
    for rate in rates:
        if not _of(rate, contractor_id, config):
            continue
        status = props.option(rate, config.prop("rates", "Status"), "status")
        holds, start = _dates_hold(rate, day, config)
        if status in (None, "Active") and holds:
            valid.append((start or "", props.page_id(rate), rate))
    return max(valid, key=lambda found: found[:2])[2] if valid else None


def payday_on(contractor_id: str, day: str, rates: Sequence[Page], config: Config) -> str | None:
    """The Payday of the contractor's first rate valid on `day` (else of any of their rates)."""
    fallback: str | None = None
    for rate in rates:
        if not _of(rate, contractor_id, config):
            continue
        payday = props.option(rate, config.prop("rates", "Payday"), "select")
        holds, _ = _dates_hold(rate, day, config)
        if holds:
            return payday
        fallback = fallback or payday
    return fallback

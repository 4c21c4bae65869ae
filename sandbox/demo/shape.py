"""How big the demo workspace is: a frozen shape, and the three named sizes that map onto it."""

from __future__ import annotations

from dataclasses import dataclass

MAX_RELATION_PER_REQUEST = 100


@dataclass(frozen=True)
class DemoShape:
    """Exact record counts for one seeded work month.

    Contractors are numbered from 0. With `awkward`, the last contractor has no rate valid in the month
    (and an Approved order all the same), and a handful of deliberately broken records are added; otherwise
    every contractor has a valid rate.

    - `projects` distinct projects; each contractor is deployed on `projects_per_contractor` of them and
      files `updates_per_deployment` Reviewed project updates per deployment (plus a few Draft/Completed).
    - `approved_orders`: contractors 0.. with an Approved Order for the month, one Timesheet line item per
      deployment (contractors beyond have no Order yet, so the sync flow creates one).
    - `payables`: contractors 0.. with a Pending payable for their rate's payday batch, each with
      `payout_items_per_payable` Pending payout items, except the first, which has `big_payable_items`
      when that is not 0 (more than 25 exercises the truncated relation in page objects).
    - `free_splits` / `free_refunds`: Pending paying splits / Approved refunds that no payout links yet
      (work for the generate flow).
    """

    contractors: int
    projects: int
    projects_per_contractor: int = 2
    updates_per_deployment: int = 2
    approved_orders: int = 0
    payables: int = 0
    payout_items_per_payable: int = 3
    big_payable_items: int = 30
    free_splits: int = 0
    free_refunds: int = 0
    awkward: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.contractors < 1:
            problems.append("contractors must be at least 1")
        if self.projects < 1:
            problems.append("projects must be at least 1")
        if not 0 <= self.projects_per_contractor <= self.projects:
            problems.append("projects_per_contractor must be from 0 to projects")
        for name in ("updates_per_deployment", "payout_items_per_payable", "free_splits", "free_refunds"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must not be negative")
        if not 0 <= self.approved_orders <= self.contractors:
            problems.append("approved_orders must be from 0 to contractors")
        if not 0 <= self.payables <= self.rated_contractors:
            problems.append(f"payables must be from 0 to {self.rated_contractors} (contractors with a rate)")
        for name in ("updates_per_deployment", "payout_items_per_payable", "big_payable_items"):
            if getattr(self, name) > MAX_RELATION_PER_REQUEST:
                problems.append(f"{name} must be at most {MAX_RELATION_PER_REQUEST}")
        if self.big_payable_items < 0:
            problems.append("big_payable_items must not be negative")
        if problems:
            raise ValueError("invalid demo shape: " + "; ".join(problems))

    @property
    def rated_contractors(self) -> int:
        """Contractors with a rate valid in the month (all but the awkward last one)."""
        return self.contractors - 1 if self.awkward and self.contractors > 1 else self.contractors

    @property
    def no_rate_contractor(self) -> int | None:
        """The index of the contractor without a valid rate, if there is one."""
        return self.contractors - 1 if self.rated_contractors < self.contractors else None


SIZES: dict[str, DemoShape] = {
    "small": DemoShape(
        contractors=8,
        projects=6,
        projects_per_contractor=2,
        updates_per_deployment=2,
        approved_orders=6,
        payables=7,
        payout_items_per_payable=3,
        big_payable_items=30,
        free_splits=6,
        free_refunds=4,
    ),
    "medium": DemoShape(
        contractors=50,
        projects=25,
        projects_per_contractor=2,
        updates_per_deployment=3,
        approved_orders=48,
        payables=49,
        payout_items_per_payable=3,
        big_payable_items=30,
        free_splits=25,
        free_refunds=15,
    ),
    "large": DemoShape(
        contractors=500,
        projects=150,
        projects_per_contractor=3,
        updates_per_deployment=3,
        approved_orders=480,
        payables=499,
        payout_items_per_payable=3,
        big_payable_items=30,
        free_splits=250,
        free_refunds=150,
    ),
}


def shape_for(size: str) -> DemoShape:
    """The shape behind a size name (small, medium, large); a ValueError names the known ones."""
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown demo size {size!r}; known: {', '.join(SIZES)}") from None

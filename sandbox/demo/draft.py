"""The generator's working state: records so far, plus the facts later records are built from."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sandbox.demo.month import WorkMonth
from sandbox.demo.records import DemoData, Properties, Record
from sandbox.demo.shape import DemoShape

VND_PER_USD = 25_000  # the demo's exchange rate; its configuration tells paydesk's ledger the same


@dataclass(frozen=True)
class RateFacts:
    key: str
    billing: str
    currency: str
    payday: str
    hourly: int | None
    monthly: int | None
    start: date
    end: date | None


@dataclass(frozen=True)
class ProjectFacts:
    key: str
    codename: str
    title: str


@dataclass(frozen=True)
class UpdateFacts:
    key: str
    date: date
    hours: float
    deliverables: str


@dataclass
class DeploymentFacts:
    key: str
    contractor: int
    project: ProjectFacts
    reviewed: list[UpdateFacts] = field(default_factory=list)


@dataclass
class ContractorFacts:
    index: int
    key: str
    full_name: str
    discord: str
    positions: list[str]
    rate: RateFacts | None = None  # the rate valid in the work month
    currency: str = "USD"
    deployments: list[DeploymentFacts] = field(default_factory=list)
    order: str | None = None  # key of the month's Order, if any


class Draft:
    """Accumulates records with sequential keys (`<database>/00000`) in the order they were drafted."""

    def __init__(self, shape: DemoShape, month: WorkMonth, rng: random.Random) -> None:
        self.shape = shape
        self.month = month
        self.rng = rng
        self.contractors: list[ContractorFacts] = []
        self.projects: list[ProjectFacts] = []
        self.deployments: list[DeploymentFacts] = []
        self._records: list[Record] = []
        self._counts: Counter[str] = Counter()

    def add(
        self, database: str, properties: Properties, relations: dict[str, list[str]] | None = None
    ) -> str:
        key = f"{database}/{self._counts[database]:05d}"
        self._counts[database] += 1
        kept = {name: tuple(keys) for name, keys in (relations or {}).items() if keys}
        self._records.append(Record(key, database, properties, kept))
        return key

    def count(self, database: str) -> int:
        return self._counts[database]

    def day_in_month(self) -> date:
        return self.month.day(self.rng.randint(1, self.month.last.day))

    def data(self) -> DemoData:
        return DemoData(f"{self.month.year:04d}-{self.month.month:02d}", tuple(self._records))


def to_usd(amount: float, currency: str) -> Decimal:
    """A payout's amount in USD, the payables' currency: converted at VND_PER_USD and rounded once, half-up,
    to the cent (the rule paydesk's ledger reconciles payables by)."""
    exact = Decimal(str(amount))
    if currency == "VND":
        exact /= VND_PER_USD
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

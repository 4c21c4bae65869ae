"""The request floor of a benchmark: the fewest requests any correct implementation needs, computed from the
workspace as it is before a side runs (read through the bare, uncounted client).

- reads: per job and per data source it must know, ⌈pages needed ÷ 100⌉ paginated reads (a query whose
  answer may be empty still costs one when the job cannot know the answer otherwise);
- writes: one per record not yet at its target (the plan's, paydesk's pure planner over the same workspace);
- start-up: DOMAIN.md has every engine run check the schema of each data source it uses before any write:
  one read per data source per engine run (each `paydesk run` is one engine run);
- binding (engine.run.binding): the workspace's mark read once per job (the payables schema read serves when
  the run checks payables), and, for the first job of a log on an unbound workspace, the claim: a read, a
  write and a read again after settling.

The ratio is reported against the whole floor, and against its reads and writes alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CLAIM = 3  # the first job of a log on an unbound workspace: read the mark, write it, read it again


def pages_of(count: int, *, at_least_one: bool = False) -> int:
    """Paginated requests to read `count` pages (100 a request)."""
    return max(1 if at_least_one else 0, -(-count // 100))


@dataclass
class RequestFloor:
    reads: dict[str, int] = field(default_factory=dict)  # "job: data source" -> paginated reads
    writes: int = 0
    startup: int = 0  # schema reads, one per data source per engine run
    binding: int = 0  # the mark's reads per job and the first job's claim

    def add_job(
        self,
        name: str,
        needed: Mapping[str, int],
        writes: int,
        *,
        data_sources: Sequence[str],
        first_of_run: bool,
        first_of_log: bool,
        must_query: Sequence[str] = (),
    ) -> None:
        """One job: `needed` pages per data source (those in `must_query` cost a read even when none is
        needed), `writes` records to write, the start-up checks of a new engine run, the binding."""
        for logical, count in needed.items():
            self.reads[f"{name}: {logical}"] = pages_of(count, at_least_one=logical in must_query)
        self.writes += writes
        if first_of_run:
            self.startup += len(data_sources)
        mark_read_shared = first_of_run and "payables" in data_sources
        self.binding += (0 if mark_read_shared else 1) + (CLAIM if first_of_log else 0)

    @property
    def data(self) -> int:
        return sum(self.reads.values()) + self.writes

    @property
    def total(self) -> int:
        return self.data + self.startup + self.binding

    def summary(self) -> dict[str, Any]:
        return {
            "reads": dict(self.reads),
            "paginated_reads": sum(self.reads.values()),
            "writes": self.writes,
            "startup_checks": self.startup,
            "binding": self.binding,
            "total": self.total,
        }

    def describe(self) -> str:
        return (
            f"{sum(self.reads.values())} paginated reads + {self.writes} writes + {self.startup} start-up "
            f"schema checks + {self.binding} binding = {self.total}"
        )


def report_floor(ours: dict[str, Any], floor: RequestFloor, bar: float) -> bool:
    """Add the floor and the ratios to `ours`, print them, and say whether the bar is met."""
    ours["request_floor"] = floor.summary()
    ours["requests_over_floor"] = round(ours["requests"] / floor.total, 3)
    ours["requests_over_data_floor"] = round(ours["requests"] / floor.data, 3)
    print(f"request floor: {floor.describe()}")
    print(
        f"paydesk requests / floor = {ours['requests']} / {floor.total} = {ours['requests_over_floor']:.3f} "
        f"(bar ≤ {bar}); / reads and writes alone ({floor.data}) = {ours['requests_over_data_floor']:.3f}"
    )
    return bool(ours["requests_over_floor"] <= bar)

"""The contract every job kind of the registry keeps, checked on the seeded demo workspace.

For each kind of `engine.kinds.KINDS`, run on copies of one seeded small demo (served in-process, under the
autojump clock):

- planning is pure: planning twice on an unchanged workspace gives equal plans, and sends no write;
- a job run again after it completed writes nothing;
- a job whose process dies half-way through its writes (its log stops taking events, as after kill -9)
  and is then resumed ends with the workspace an uninterrupted run leaves;
- 1, 5 or 20 workers end with the same workspace.

A kind added to the registry must add its demo parameters to `DEMO_PARAMS`, or the suite fails.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trio

from engine.kinds import KINDS, JobKind
from engine.notion.gateway import RequestCounters
from engine.run.locks import Coordination
from engine.run.preload import Preloader, PreloadFact
from engine.run.recorder import Recorder
from engine.run.recovery import resume_job
from engine.run.report import JobReport
from engine.run.runtime import Runtime
from engine.workspace import props
from engine.workspace.config import Config, NotionSettings
from eventlog import Event, EventLog, GroupCommitWriter, StoredEvent
from sandbox.demo import find_demo_workspace
from sandbox.render import full_page
from tests.engine.conftest import MONTH
from tests.engine.helpers import PATIENT, TODAY, LocalNotion, open_local_notion, seed_local_demo

pytestmark = pytest.mark.trio

DEMO_PARAMS: dict[str, dict[str, Any]] = {
    "commit": {"month": MONTH, "batch": 15, "today": TODAY},
    "generate": {"type": "payroll", "month": MONTH},
    "sync": {"month": MONTH},
    "reconcile": {"month": MONTH},
}
COMPARED = (
    "status",
    "select",
    "multi_select",
    "number",
    "date",
    "title",
    "rich_text",
    "relation",
    "checkbox",
)
Snapshot = list[tuple[str, str, tuple[tuple[str, Any], ...]]]


async def test_every_registered_kind_has_demo_parameters() -> None:
    assert set(DEMO_PARAMS) == set(KINDS)


# ---- a workspace per run, copied from one seeded template -----------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo workspace, seeded once into a sandbox file that each run starts from a copy of."""
    directory = tmp_path_factory.mktemp("contract-template")

    async def seed() -> None:
        async with open_local_notion(directory) as notion:
            await seed_local_demo(notion)
            notion.store.flush()

    trio.run(seed)
    return directory / "local-sandbox" / "sandbox.sqlite"


@dataclass
class Side:
    """One copy of the demo workspace and an event log of its own."""

    notion: LocalNotion
    config: Config
    db: Path
    seeded: frozenset[str]  # the pages the template held

    def writes(self) -> int:
        """Page creates and updates the sandbox was sent so far."""
        return sum(
            1
            for e in self.notion.tap.seen
            if e.method == "PATCH" or (e.method == "POST" and e.path.rstrip("/") == "/v1/pages")
        )

    @asynccontextmanager
    async def runtime(self, recorder: type[Recorder] = Recorder, **options: Any) -> AsyncIterator[Runtime]:
        writer = await trio.to_thread.run_sync(lambda: GroupCommitWriter(self.db))
        try:
            gateway = self.notion.gateway(policy=PATIENT)
            yield Runtime(
                self.config, self.db, gateway, recorder(writer, **options), "contract", Coordination(self.db)
            )
        finally:
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(writer.close)

    def snapshot(self) -> Snapshot:
        """Every page of the workspace by its compared properties, the pages a run made told apart by
        content (their ids differ from copy to copy; a relation to one of them reads as "new")."""
        store = self.notion.store
        found: Snapshot = []
        for logical, source in sorted(self.config.data_sources.items()):
            for page_id in sorted(store.pages_by_source.get(source, ())):
                page = full_page(store, store.pages[page_id])
                if props.trashed(page):
                    continue
                values = tuple(
                    (name, self._known(props.plain(page, name)))
                    for name, prop in sorted(page["properties"].items())
                    if prop.get("type") in COMPARED
                )
                found.append((logical, page_id if page_id in self.seeded else "new", values))
        return sorted(found, key=repr)

    def _known(self, value: Any) -> Any:
        if isinstance(value, list):
            return sorted(v if v in self.seeded else "new" for v in value)
        return value


@asynccontextmanager
async def open_side(template: Path, directory: Path) -> AsyncIterator[Side]:
    (directory / "local-sandbox").mkdir(parents=True)
    shutil.copyfile(template, directory / "local-sandbox" / "sandbox.sqlite")
    async with open_local_notion(directory) as notion:
        workspace = find_demo_workspace(notion.store)
        assert workspace is not None
        config = Config(
            notion=NotionSettings(base_url="http://sandbox.local", rate=1000.0, burst=1000, timeout_s=10.0),
            data_sources=dict(workspace.data_sources),
            token=notion.token,
        )
        yield Side(notion, config, directory / "log.sqlite", frozenset(notion.store.pages))


async def run(side: Side, name: str, *, workers: int | None = None) -> JobReport:
    kind: JobKind[Any, Any] = KINDS[name]
    async with side.runtime() as rt:
        return await kind.run(rt, kind.parse(DEMO_PARAMS[name]), kind.setup(rt.config, {}), workers=workers)


async def plan(side: Side, name: str) -> Any:
    kind: JobKind[Any, Any] = KINDS[name]
    facts: list[PreloadFact] = []

    async def report(fact: PreloadFact) -> None:
        facts.append(fact)

    async with side.runtime() as rt:
        loader = Preloader(rt.gateway, rt.config, RequestCounters(), report, rt.read_log)
        return await kind.planner(kind.parse(DEMO_PARAMS[name]), kind.setup(rt.config, {}))(loader)


# ---- a process that dies: its log takes no more events --------------------------------------------------


class Died(BaseException):
    """The paydesk process was killed: nothing more reaches its log."""


class DyingRecorder(Recorder):
    """A recorder that takes `events` events, then dies (every later record raises `Died`)."""

    def __init__(self, writer: GroupCommitWriter, *, events: int) -> None:
        super().__init__(writer)
        self.left = events

    def _take(self, events: tuple[Event, ...]) -> None:
        if self.left < len(events):
            self.left = 0
            raise Died()
        self.left -= len(events)

    async def record(self, *events: Event) -> list[StoredEvent]:
        self._take(events)
        return await super().record(*events)

    def record_nowait(self, *events: Event) -> None:
        self._take(events)
        super().record_nowait(*events)

    async def flush(self) -> None:
        if self.left == 0:
            raise Died()
        await super().flush()


def died(error: BaseException) -> bool:
    """Whether `error` is the death (alone, or among the errors a nursery gathered)."""
    if isinstance(error, BaseExceptionGroup):
        return error.subgroup(Died) is not None
    return isinstance(error, Died)


def events_in(db: Path) -> list[str]:
    with EventLog(db, read_only=True) as log:
        return [record.type for record in log.records_after(0, limit=1_000_000)]


# ---- the contract ----------------------------------------------------------------------------------------


@pytest.fixture(params=sorted(name for name in DEMO_PARAMS if not KINDS[name].plans_only))
def kind(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(params=sorted(name for name in DEMO_PARAMS if KINDS[name].plans_only))
def planning_kind(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


async def test_a_kind_that_only_plans_never_writes_and_plans_alike_twice(
    template: Path, tmp_path: Path, planning_kind: str, autojump_clock: trio.abc.Clock
) -> None:
    async with open_side(template, tmp_path) as side:
        assert (await run(side, "commit")).status == "completed"  # something for it to look at
        sent, after = side.writes(), side.snapshot()
        assert await plan(side, planning_kind) == await plan(side, planning_kind)
        report = await run(side, planning_kind)
        assert report.status in ("planned", "discarded")
        assert side.writes() == sent and side.snapshot() == after


async def test_planning_twice_on_an_unchanged_workspace_gives_equal_plans_and_writes_nothing(
    template: Path, tmp_path: Path, kind: str, autojump_clock: trio.abc.Clock
) -> None:
    async with open_side(template, tmp_path) as side:
        before = side.snapshot()
        first = await plan(side, kind)
        second = await plan(side, kind)
        assert first == second
        assert first.writes_needed() > 0, "the demo gives the kind something to do"
        assert side.writes() == 0
        assert side.snapshot() == before


async def test_a_job_run_again_after_it_completed_writes_nothing(
    template: Path, tmp_path: Path, kind: str, autojump_clock: trio.abc.Clock
) -> None:
    async with open_side(template, tmp_path) as side:
        done = await run(side, kind)
        assert done.status == "completed"
        assert side.writes() > 0
        after = side.snapshot()
        sent = side.writes()
        again = await run(side, kind)
        assert again.status == "completed"
        assert side.writes() == sent
        assert side.snapshot() == after


async def test_a_job_killed_half_way_then_resumed_ends_as_an_uninterrupted_run(
    template: Path, tmp_path: Path, kind: str, autojump_clock: trio.abc.Clock
) -> None:
    async with open_side(template, tmp_path / "whole") as whole:
        assert (await run(whole, kind)).status == "completed"
        expected = whole.snapshot()
        recorded = events_in(whole.db)
    started = recorded.index("job.started") + 1
    half_way = started + (len(recorded) - started) // 2
    assert recorded[started:half_way].count("step.succeeded") > 0, "the kill falls among the writes"

    async with open_side(template, tmp_path / "killed") as killed:
        params = KINDS[kind].parse(DEMO_PARAMS[kind])
        with pytest.raises(BaseException) as caught:
            async with killed.runtime(DyingRecorder, events=half_way) as rt:
                await KINDS[kind].run(rt, params, KINDS[kind].setup(rt.config, {}))
        assert died(caught.value)
        with EventLog(killed.db, read_only=True) as log:
            (job,) = log.jobs()
        assert job.status == "running" and killed.writes() > 0
        async with killed.runtime() as rt:
            resumed = await resume_job(rt, job.job_id)
        assert resumed.status == "completed"
        assert killed.snapshot() == expected


async def test_one_five_or_twenty_workers_end_with_the_same_workspace(
    template: Path, tmp_path: Path, kind: str, autojump_clock: trio.abc.Clock
) -> None:
    ends: dict[int, Snapshot] = {}
    for workers in (1, 5, 20):
        async with open_side(template, tmp_path / f"workers-{workers}") as side:
            assert (await run(side, kind, workers=workers)).status == "completed"
            ends[workers] = side.snapshot()
    assert ends[1] == ends[5] == ends[20]

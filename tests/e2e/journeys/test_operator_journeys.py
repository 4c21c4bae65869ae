"""Operators' journeys as a state machine: the functions the command line calls (run, dry run, resume, retry,
discard, cancel), for every job kind and for selections that overlap, in any order, with a crash (kill -9)
between any two writes, two runs at once, edits made by hand in Notion between any two steps (a child set
back, a payout linked, a record moved to the trash, a source rejected, hours changed) and permanent faults
(400/404) followed by a retry.

After every step: no source has two non-cancelled payouts; no contractor has two Orders for a month; no
payable paydesk paid stands over an unpaid child (unless a hand edit made it so afterwards); no write went
to a record already at its target; the workspace equals the reference model's (tests/e2e/journeys/model.py);
and the log verifies and replays.

`make test` runs a short form; `PAYDESK_JOURNEYS=long` (`make chaos`) a long one.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import trio
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from trio.testing import MockClock

from engine.kinds.commit.kind import commit_planner, commit_spec
from engine.kinds.commit.params import CommitParams
from engine.kinds.generate.kind import generate_planner, generate_spec
from engine.kinds.generate.params import GenerateParams
from engine.kinds.sync.kind import sync_planner, sync_spec
from engine.kinds.sync.params import SyncParams
from engine.run.jobs import JobRefused, JobSpec, Planner, new_job_id, run_job
from engine.run.recovery import discard_job, load_job, resume_job, retry_job
from engine.workspace import props
from eventlog import EventLog, GroupCommitWriter, JobCancelRequested, JobFinished
from tests.conftest import AUTOJUMP_THRESHOLD_S
from tests.e2e.journeys import checks
from tests.e2e.journeys.model import MJob, Model, Refused, Selection
from tests.e2e.journeys.world import MONTH, SimulatedCrash, World, open_world, seed_template

LONG = os.environ.get("PAYDESK_JOURNEYS") == "long"
# Rules to leave out (comma-separated names), e.g. to walk these journeys on a release that had no
# `discard`, or to see what else they find once one finding is known.
SKIP = frozenset(filter(None, os.environ.get("PAYDESK_JOURNEYS_SKIP", "").split(",")))
NO_DISCARD = "discard" in SKIP
TODAY = "2026-01-20"
SCRATCH = Path(tempfile.mkdtemp(prefix="paydesk-journeys-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
TEMPLATE = trio.run(seed_template, SCRATCH)

# (kind, params) of the selections a journey may run: overlapping ones (a whole batch and one contractor of
# it) and others; the contractor is picked among the workspace's names.
SELECTIONS = (
    ("commit", {"batch": 15}),
    ("commit", {"batch": 15, "contractor": 0}),
    ("commit", {"batch": 1}),
    ("generate", {"type": "refund"}),
    ("generate", {"type": "invoice_split"}),
    ("generate", {"type": "payroll"}),
    ("sync", {}),
    ("sync", {"contractor": 1}),
)
CRASH = st.one_of(st.none(), st.integers(min_value=1, max_value=6))
PICK = st.integers(min_value=0, max_value=10_000)


def run_trio(body: Callable[[], Awaitable[Any]]) -> Any:
    return trio.run(body, clock=MockClock(autojump_threshold=AUTOJUMP_THRESHOLD_S))


def _crashed(error: BaseException) -> bool:
    if isinstance(error, SimulatedCrash):
        return True
    if isinstance(error, BaseExceptionGroup):
        return error.subgroup(SimulatedCrash) is not None
    return False


def _refusal(error: BaseException) -> str | None:
    if isinstance(error, JobRefused):
        return str(error)
    if isinstance(error, BaseExceptionGroup):
        found = error.subgroup(JobRefused)
        while isinstance(found, BaseExceptionGroup):
            found = found.exceptions[0]  # type: ignore[assignment]
        return str(found) if found is not None else None
    return None


class OperatorJourneys(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        directory = Path(tempfile.mkdtemp(dir=SCRATCH))
        self.world: World = open_world(TEMPLATE, directory)
        self.model = Model(self.world.shadow, self.world.workspace.data_sources)
        self.step = 0
        self.paid_by_paydesk: dict[str, int] = {}  # payable -> journey step paydesk paid it at
        self.touched: dict[str, int] = {}  # payable -> last journey step a hand edit touched its cascade
        self.names = sorted(
            props.plain(page, "Full Name")
            for page in self.world.sut.pages(self.world.workspace.data_sources["contractors"])
        )
        ds = self.world.workspace.data_sources
        self.excused_twice = checks.paid_twice(self.world.sut, ds["payouts"])
        self.excused_orders = checks.orders_twice(self.world.sut, ds["orders"])
        self.excused_paid = set(checks.paid_over_unpaid(self.world.sut, ds["payables"]))

    def teardown(self) -> None:
        self.world.close()

    # ---- building a job as the command line does --------------------------------------------------------

    def _spec(self, choice: int) -> tuple[JobSpec, Planner, Selection]:
        kind, raw = SELECTIONS[choice]
        params = {k: (self.names[v % len(self.names)] if k == "contractor" else v) for k, v in raw.items()}
        contractor = params.get("contractor")
        if kind == "commit":
            cp = CommitParams(month=MONTH, batch=params["batch"], today=TODAY, contractor=contractor)
            return commit_spec(cp), commit_planner(cp), Selection("commit", MONTH, cp.batch, contractor)
        if kind == "generate":
            gp = GenerateParams(type=params["type"], month=MONTH)
            payroll = gp.type == "payroll"
            selection = Selection(f"generate:{gp.type}", MONTH if payroll else None, None, None)
            return generate_spec(gp), generate_planner(gp), selection
        sp = SyncParams(month=MONTH, contractor=contractor)
        return sync_spec(sp), sync_planner(sp), Selection("sync", MONTH, None, contractor)

    # ---- running the SUT and the model side by side --------------------------------------------------------

    def _sut(self, work: Callable[[Any], Awaitable[Any]], crash: int | None) -> tuple[str, Any]:
        """Run `work(runtime)` in a fresh paydesk process on the SUT: ("ok", result), ("refused", why) or
        ("crashed", None)."""

        async def body() -> Any:
            async with self.world.runtime(crash_after=crash) as rt:
                return await work(rt)

        try:
            return "ok", run_trio(body)
        except BaseException as error:
            if _crashed(error):
                return "crashed", None
            why = _refusal(error)
            if why is None:
                raise
            return "refused", why

    def _logged(self, job_id: str) -> tuple[str, dict[str, tuple[str, int, str | None]]]:
        with EventLog(self.world.db, read_only=True) as log:
            row = log.job(job_id)
            steps = {s.step_key: (s.status, s.attempts, s.page_id) for s in log.steps(job_id)}
        assert row is not None
        return row.status, steps

    def _stored_items(self, job_id: str) -> Any:
        with EventLog(self.world.db, read_only=True) as log:
            stored = load_job(log, job_id)
        assert stored is not None
        return stored.items

    def _agree(self, job: MJob, outcome: str, result: Any) -> None:
        """After the SUT ran `job`, the model runs or adopts it; their step outcomes must be the same."""
        status, logged = self._logged(job.job_id)
        if outcome == "crashed":
            run_trio(lambda: self.model.adopt(job, logged, self.world.sut))
            assert status == "running", f"a crashed run leaves {job.job_id} running, not {status}"
        else:
            mine = {k: s.status for k, s in job.states.items()}
            theirs = {k: state.status for k, state in result.states.items()}
            wrong = {k: (theirs.get(k), v) for k, v in mine.items() if theirs.get(k) != v}
            assert not wrong, f"{job.job_id}: (paydesk, model) step outcomes differ: {wrong}"
            assert result.status == job.status, f"{job.job_id}: paydesk {result.status}, model {job.status}"
        self._pair_made(job, logged)
        self._note_paid(job, logged)

    def _pair_made(self, job: MJob, logged: dict[str, tuple[str, int, str | None]]) -> None:
        for key, state in job.states.items():
            made = logged.get(key, ("", 0, None))[2]
            if made is not None and state.page is not None:
                self.model.pair(made, state.page)

    def _note_paid(self, job: MJob, logged: dict[str, tuple[str, int, str | None]]) -> None:
        for step in job.steps():
            if step.logical == "payables" and logged.get(step.key, ("",))[0] == "succeeded":
                self.paid_by_paydesk.setdefault(step.target, self.step)

    def _job(self, pick: int) -> MJob | None:
        jobs = sorted(self.model.jobs)
        return self.model.jobs[jobs[pick % len(jobs)]] if jobs else None

    # ---- rules: commands ---------------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        self.step = 0

    @rule(choice=st.integers(0, len(SELECTIONS) - 1), dry=st.booleans(), crash=CRASH)
    def run(self, choice: int, dry: bool, crash: int | None) -> None:
        self.step += 1
        spec, planner, selection = self._spec(choice)
        job_id = new_job_id(spec.kind)
        try:
            self.model.refuse_run(selection)
            expected = None
        except Refused as why:
            expected = str(why)

        async def work(rt: Any) -> Any:
            return await run_job(rt, spec, planner, dry_run=dry, job_id=job_id)

        outcome, result = self._sut(work, None if dry else crash)
        if expected is not None and "refusals" in SKIP and outcome != "refused":
            expected = None
        if expected is not None:
            assert outcome == "refused", f"a run while {expected} must be refused, it was {outcome}"
            return
        assert outcome != "refused", f"paydesk refused a run the model allows: {result}"
        job = self.model.planned(job_id, selection, self.step, self._stored_items(job_id))
        if dry:
            job.status = "discarded" if not job.items else "planned"
            if "empty_dry_run" in SKIP:  # a release that left empty dry runs planned
                job.status = result.status
            assert result.status == job.status, (
                f"dry run {job_id}: paydesk {result.status}, model {job.status}"
            )
            return
        if outcome == "ok":
            run_trio(lambda: self.model.execute(job, self.step))
        self._agree(job, outcome, result)

    @rule(pick=PICK, crash=CRASH)
    def resume(self, pick: int, crash: int | None) -> None:
        job = self._job(pick)
        if job is None:
            return  # nothing to resume yet (no precondition: which jobs exist depends on crash timing)
        self.step += 1
        try:
            self.model.refuse_resume(job)
            expected = None
        except Refused as why:
            expected = str(why)
        outcome, result = self._sut(lambda rt: resume_job(rt, job.job_id), crash)
        if expected is not None and "refusals" in SKIP and outcome != "refused":
            expected = None  # a release without this refusal: hold what it did to the other rules
        if expected is not None:
            assert outcome == "refused", f"resume of {job.job_id} must be refused ({expected}): {outcome}"
            return
        assert outcome != "refused", f"paydesk refused to resume {job.job_id}: {result}"

        async def model() -> None:
            self.model.resumable(job)
            await self.model.resolve_in_doubt(job)
            if outcome == "ok":
                await self.model.execute(job, self.step)

        job.started_at = self.step
        run_trio(model)
        self._agree(job, outcome, result)

    @rule(pick=PICK, crash=CRASH)
    def retry(self, pick: int, crash: int | None) -> None:
        job = self._job(pick)
        if job is None:
            return  # nothing to retry yet (no precondition: which jobs exist depends on crash timing)
        self.step += 1
        try:
            self.model.refuse_retry(job)
            expected = None
        except Refused as why:
            expected = str(why)
        outcome, result = self._sut(lambda rt: retry_job(rt, job.job_id), crash)
        if expected is not None and "refusals" in SKIP and outcome != "refused":
            expected = None  # a release without this refusal: hold what it did to the other rules
        if expected is not None:
            assert outcome == "refused", f"retry of {job.job_id} must be refused ({expected}): {outcome}"
            return
        assert outcome != "refused", f"paydesk refused to retry {job.job_id}: {result}"

        async def model() -> None:
            items = self.model.retried(job)
            await self.model.resolve_in_doubt(job)
            if outcome == "ok":
                await self.model.execute(job, self.step, items)

        job.started_at = self.step
        run_trio(model)
        self._agree(job, outcome, result)

    @precondition(lambda self: not NO_DISCARD)
    @rule(pick=PICK)
    def discard(self, pick: int) -> None:
        job = self._job(pick)
        if job is None:
            return
        self.step += 1
        try:
            self.model.discard(job)
            allowed = True
        except Refused:
            allowed = False
        outcome, _ = self._sut(lambda rt: discard_job(rt, job.job_id), None)
        assert (outcome == "ok") == allowed, f"discard of {job.job_id}: paydesk {outcome}, model {allowed}"

    @rule(pick=PICK)
    def cancel_interrupted(self, pick: int) -> None:
        """`paydesk cancel` of a job a crash interrupted: nobody runs it, so it ends cancelled."""
        running = sorted(j for j, job in self.model.jobs.items() if job.status == "running")
        if not running:
            return  # rules have no precondition on state that crash timing decides: hypothesis replays them
        self.step += 1
        job = self.model.jobs[running[pick % len(running)]]
        with GroupCommitWriter(self.world.db) as writer:
            events = [
                JobCancelRequested(job_id=job.job_id, operator="journey", reason="given up"),
                JobFinished(job_id=job.job_id, operator="journey", status="cancelled", error=None),
            ]
            writer.submit(events).result()
        job.status = "cancelled"

    @precondition(lambda self: "two_runs_at_once" not in SKIP)
    @rule(choice=st.sampled_from([0, 1, 3, 5, 6, 7]))
    def two_runs_at_once(self, choice: int) -> None:
        """A second run on an overlapping selection while the first runs: exactly one of them runs."""
        self.step += 1
        partner = {0: 1, 1: 0, 3: 3, 5: 5, 6: 7, 7: 6}[choice]
        specs = [self._spec(choice), self._spec(partner)]
        try:
            for _, _, selection in specs:
                self.model.refuse_run(selection)
        except Refused:
            return  # an interrupted job blocks both: covered by `run`
        ids = [new_job_id(spec.kind) for spec, _, _ in specs]
        outcomes: list[str] = []

        async def body() -> None:
            # The first run holds its locks (they are taken before planning) until the second has ended,
            # so the two overlap whatever the machine's speed.
            first_holds, second_done = trio.Event(), trio.Event()

            async def one(index: int) -> None:
                spec, planner, _ = specs[index]

                async def gated(preloader: Any) -> Any:
                    first_holds.set()
                    await second_done.wait()
                    return await planner(preloader)

                async with self.world.runtime() as rt:
                    try:
                        await run_job(rt, spec, gated if index == 0 else planner, job_id=ids[index])
                        outcomes.append("ok")
                    except JobRefused:
                        outcomes.append("refused")
                    finally:
                        if index == 1:
                            second_done.set()
                        first_holds.set()  # the first ended early (refused): let the second go

            async with trio.open_nursery() as nursery:
                nursery.start_soon(one, 0)
                await first_holds.wait()
                nursery.start_soon(one, 1)

        run_trio(body)
        assert sorted(outcomes) == ["ok", "refused"], f"overlapping runs at once: {outcomes}"
        with EventLog(self.world.db, read_only=True) as log:
            (winner,) = [i for i in ids if log.job(i) is not None]  # the refused one never got a job
        selection = specs[ids.index(winner)][2]
        job = self.model.planned(winner, selection, self.step, self._stored_items(winner))
        run_trio(lambda: self.model.execute(job, self.step))
        status, logged = self._logged(winner)
        wrong = {k: (logged.get(k, ("planned",))[0], s.status) for k, s in job.states.items()}
        wrong = {k: v for k, v in wrong.items() if v[0] != v[1]}
        assert not wrong and status == job.status, f"{winner}: {wrong} {status} vs {job.status}"
        self._pair_made(job, logged)
        self._note_paid(job, logged)

    # ---- rules: faults and hand edits ---------------------------------------------------------------------

    def _pages(self, logical: str, **where: str) -> list[dict[str, Any]]:
        found = []
        for page in self.world.sut.pages(self.world.workspace.data_sources[logical]):
            if checks.live(page) and all(props.plain(page, k) == v for k, v in where.items()):
                found.append(page)
        return found

    def _touch(self, page_id: str) -> None:
        """Note that a hand edit changed the cascade of every payable above `page_id`."""
        for payable in self._pages("payables"):
            linked = props.relation(payable, "Payout Items")[0]
            below = set(linked)
            for payout_id in linked:
                payout = self.world.sut.page(payout_id)
                if payout is not None:
                    below |= set(props.relation(payout, "01 Refund")[0])
                    below |= set(props.relation(payout, "02 Invoice Split")[0])
            if page_id == payable["id"] or page_id in below:
                self.touched[payable["id"]] = self.step

    def _hand(self, page_id: str, body: dict[str, Any]) -> None:
        """The same edit, by hand, in the workspace and in the model's shadow."""
        self._touch(page_id)

        async def edit() -> None:
            for side, target, sent in (
                (self.world.sut, page_id, body),
                (self.world.shadow, self.model.shadow_id(page_id), self.model.to_shadow_ids(body)),
            ):
                async with side.http(hand=True) as http:
                    answer = await http.patch(f"/v1/pages/{target}", json=sent)
                    assert answer.status_code == 200, answer.text

        run_trio(edit)

    @rule(pick=PICK, logical=st.sampled_from(["refunds", "splits", "payouts"]))
    def set_a_child_back(self, pick: int, logical: str) -> None:
        self.step += 1
        paid = self._pages(logical, Status="Paid")
        if not paid:
            return
        page = paid[pick % len(paid)]
        kind = page["properties"]["Status"]["type"]
        back = {"refunds": "Approved", "splits": "Pending", "payouts": "Pending"}[logical]
        self._hand(page["id"], {"properties": {"Status": {kind: {"name": back}}}})

    @rule(pick=PICK, logical=st.sampled_from(["refunds", "payouts", "splits", "payables"]))
    def pay_by_hand(self, pick: int, logical: str) -> None:
        self.step += 1
        prop = "Payment Status" if logical == "payables" else "Status"
        unpaid = [p for p in self._pages(logical) if props.plain(p, prop) not in ("Paid", "Cancelled")]
        if not unpaid:
            return
        page = unpaid[pick % len(unpaid)]
        kind = page["properties"][prop]["type"]
        self._hand(page["id"], {"properties": {prop: {kind: {"name": "Paid"}}}})

    @rule(pick=PICK)
    def link_a_payout(self, pick: int) -> None:
        """Another tool makes a Pending payout and links it to a payable."""
        self.step += 1
        payables = self._pages("payables")
        payable = payables[pick % len(payables)]
        body = {
            "Name": {"title": [{"text": {"content": f"linked by hand at step {self.step}"}}]},
            "Amount": {"number": 12},
            "Status": {"status": {"name": "Pending"}},
        }
        made: list[str] = []

        async def create() -> None:
            for side in (self.world.sut, self.world.shadow):
                parent = {
                    "type": "data_source_id",
                    "data_source_id": self.world.workspace.data_sources["payouts"],
                }
                async with side.http(hand=True) as http:
                    answer = await http.post("/v1/pages", json={"parent": parent, "properties": body})
                    assert answer.status_code == 200, answer.text
                    made.append(answer.json()["id"])

        run_trio(create)
        self.model.pair(made[0], made[1])
        linked = props.relation(payable, "Payout Items")[0]
        self._hand(
            payable["id"],
            {"properties": {"Payout Items": {"relation": [{"id": i} for i in [*linked, made[0]]]}}},
        )

    @rule(pick=PICK, logical=st.sampled_from(["refunds", "payouts", "splits", "orders"]))
    def trash(self, pick: int, logical: str) -> None:
        self.step += 1
        pages = self._pages(logical)
        if pages:
            self._hand(pages[pick % len(pages)]["id"], {"in_trash": True})

    @rule(pick=PICK)
    def reject_a_refund(self, pick: int) -> None:
        self.step += 1
        approved = self._pages("refunds", Status="Approved")
        if approved:
            self._hand(
                approved[pick % len(approved)]["id"],
                {"properties": {"Status": {"status": {"name": "Rejected"}}}},
            )

    @rule(pick=PICK)
    def change_hours(self, pick: int) -> None:
        self.step += 1
        lines = self._pages("orders", Type="Timesheet")
        if lines:
            page = lines[pick % len(lines)]
            hours = float((props.plain(page, "Line Item Hours") or 0) + 1)
            self._hand(page["id"], {"properties": {"Line Item Hours": {"number": hours}}})

    @rule(pick=PICK, status=st.sampled_from([400, 404]), count=st.integers(1, 2))
    def arm_a_permanent_fault(self, pick: int, status: int, count: int) -> None:
        """The next writes to one record fail with a 400 or 404 (until `clear_faults`)."""
        self.step += 1
        targets = sorted(
            {s.target for j in self.model.jobs.values() for s in j.steps() if s.kind == "update"}
        )
        if not targets:
            return
        target = targets[pick % len(targets)]

        async def arm() -> None:
            async with self.world.sut.http() as http:
                faults = [{"page_id": target, "status": status, "count": count}]
                (await http.post("/_sandbox/faults", json={"targeted": faults})).raise_for_status()

        run_trio(arm)
        self.model.faults = {target: count}

    @rule()
    def clear_faults(self) -> None:
        self.step += 1

        async def clear() -> None:
            async with self.world.sut.http() as http:
                (await http.post("/_sandbox/faults", json={"targeted": []})).raise_for_status()

        run_trio(clear)
        self.model.faults = {}

    # ---- what must hold after every step -------------------------------------------------------------------

    @invariant()
    def nothing_is_paid_twice(self) -> None:
        if "nothing_is_paid_twice" in SKIP:
            return
        ds = self.world.workspace.data_sources
        twice = checks.paid_twice(self.world.sut, ds["payouts"]) - self.excused_twice
        assert not twice, f"sources with two non-cancelled payouts: {sorted(twice)}"
        orders = checks.orders_twice(self.world.sut, ds["orders"]) - self.excused_orders
        assert not orders, f"contractor-months with two Orders: {sorted(orders)}"

    @invariant()
    def no_parent_paid_over_an_unpaid_child(self) -> None:
        if "no_parent_paid_over_an_unpaid_child" in SKIP:
            return
        found = checks.paid_over_unpaid(self.world.sut, self.world.workspace.data_sources["payables"])
        blamed = {
            payable: why
            for payable, why in found.items()
            if payable in self.paid_by_paydesk
            and payable not in self.excused_paid
            and self.touched.get(payable, -1) < self.paid_by_paydesk[payable]
        }
        assert not blamed, f"payables paydesk paid over an unpaid child: {blamed}"

    @invariant()
    def no_write_to_a_record_already_at_its_target(self) -> None:
        if "no_write_to_a_record_already_at_its_target" in SKIP:
            return
        assert not self.world.audit.idle_writes, self.world.audit.idle_writes

    @invariant()
    def the_workspace_is_the_models(self) -> None:
        if "the_workspace_is_the_models" in SKIP:
            return
        problems = checks.differences(
            self.world.sut, self.world.shadow, self.world.workspace.data_sources, self.model.shadow_id
        )
        assert not problems, "\n".join(problems[:20])

    @invariant()
    def the_log_verifies_and_replays(self) -> None:
        if "the_log_verifies_and_replays" in SKIP:
            return
        problems = checks.log_problems(self.world.db)
        assert not problems, problems


OperatorJourneys.TestCase.settings = settings(
    max_examples=400 if LONG else 40,
    stateful_step_count=30 if LONG else 20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=not LONG,
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    if os.environ.get("PAYDESK_JOURNEYS_NO_SHRINK")
    else list(Phase),
)
TestOperatorJourneys = OperatorJourneys.TestCase

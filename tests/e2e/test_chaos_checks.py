"""The chaos driver's invariant checks catch what they are meant to catch (they would otherwise pass
vacuously): a changed property, an extra or missing page, a duplicate payout, Order or line item, a parent
Paid over an unpaid child, and a write the sandbox applied without its event in the log. The write
recorder is checked on a served sandbox: it sees applied writes (also one whose answer a fault dropped),
and no read and no write a fault stopped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import trio

from bench.chaos import (
    Record,
    Snapshot,
    Write,
    WriteRecorder,
    differences,
    direct,
    duplicates,
    normalized,
    parents_paid_too_early,
    read_snapshot,
    seed_workspace,
    texts_not_as_planned,
    writes_without_events,
)
from sandbox.demo import DemoWorkspace
from sandbox.limits import limits_for
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox


def new_id() -> str:
    return str(uuid.uuid4())


def workspace(ids: dict[str, str]) -> Snapshot:
    """A contractor, a refund, a payout for it and a payable over the payout; `ids` names the pages."""
    return Snapshot(
        {
            ids["ann"]: Record("contractors", "Ann", {"Full Name": "Ann"}, {"Payouts": (ids["payout"],)}),
            ids["refund"]: Record("refunds", "R-1", {"Refund ID": "R-1", "Status": "Approved"}, {}),
            ids["payout"]: Record(
                "payouts",
                "Refund - laptop",
                {"Name": "Refund - laptop", "Status": "Pending", "Amount": 120.0},
                {"Person": (ids["ann"],), "01 Refund": (ids["refund"],), "02 Invoice Split": ()},
            ),
            ids["payable"]: Record(
                "payables",
                "INV Ann",
                {"Payable Title": "INV Ann", "Payment Status": "Pending", "Payment Date": None},
                {"Payout Items": (ids["payout"],)},
            ),
        }
    )


def fresh_ids() -> dict[str, str]:
    return {name: new_id() for name in ("ann", "refund", "payout", "payable")}


def test_two_workspaces_alike_but_for_their_ids_do_not_differ() -> None:
    assert differences(workspace(fresh_ids()), workspace(fresh_ids())) == []


def test_a_changed_property_an_extra_page_and_a_relation_to_another_page_are_differences() -> None:
    reference, ids = workspace(fresh_ids()), fresh_ids()

    changed = workspace(ids)
    changed.pages[ids["payout"]].values["Status"] = "Paid"
    (problem,) = differences(changed, reference)
    assert problem.startswith("payouts differs from the fault-free run: 1 page(s) not in it, 1 of its")

    extra = workspace(ids)
    extra.pages[new_id()] = extra.pages[ids["payout"]]
    assert [p.split(":")[0] for p in differences(extra, reference)] == [
        "payouts differs from the fault-free run"
    ]

    relinked = workspace(ids)
    other = new_id()
    relinked.pages[other] = Record("refunds", "R-2", {"Refund ID": "R-2", "Status": "Approved"}, {})
    relinked.pages[ids["payout"]].relations["01 Refund"] = (other,)
    found = differences(relinked, reference)
    assert any(p.startswith("payouts differs") for p in found), found


def test_a_second_payout_for_one_source_is_a_duplicate_unless_it_was_there_before() -> None:
    ids = fresh_ids()
    before = workspace(ids)
    now = workspace(ids)
    second = new_id()
    now.pages[second] = now.pages[ids["payout"]]
    reference = workspace(fresh_ids())
    found = duplicates(before, now, reference, "generate:refund")
    assert f"duplicate: payout for 01 Refund {ids['refund']}" in found
    assert any(p.startswith("page counts") for p in found)
    assert duplicates(now, now, now, "generate:refund") == []  # already there: not the job's doing

    cancelled = workspace(ids)
    cancelled.pages[second] = Record("payouts", "x", {"Status": "Cancelled"}, {"01 Refund": (ids["refund"],)})
    assert not any(p.startswith("duplicate") for p in duplicates(before, cancelled, reference, "generate"))


def test_a_second_order_for_a_month_and_a_second_line_item_for_one_deployment_are_duplicates() -> None:
    order, deployment = new_id(), new_id()
    pages = {
        order: Record("orders", "ORD :: ann :: 202601", {"Type": "Order"}, {"Parent item": ()}),
        new_id(): Record(
            "orders",
            "web :: ann :: 202601",
            {"Type": "Timesheet"},
            {"Parent item": (order,), "Project Deployment": (deployment,)},
        ),
    }
    before = Snapshot(dict(pages))
    now = Snapshot(dict(pages))
    now.pages[new_id()] = Record("orders", "ORD :: Ann :: 202601", {"Type": "Order"}, {"Parent item": ()})
    now.pages[new_id()] = Record(
        "orders",
        "web :: ann :: 202601",
        {"Type": "Timesheet"},
        {"Parent item": (order,), "Project Deployment": (deployment,)},
    )
    found = [p for p in duplicates(before, now, now, "sync") if p.startswith("duplicate")]
    assert found == [
        "duplicate: Order ord :: ann :: 202601",
        f"duplicate: line item {[order]} {[deployment]}",
    ]


def test_a_parent_paid_over_an_unpaid_child_is_caught_but_not_one_paid_before() -> None:
    ids = fresh_ids()
    before = workspace(ids)
    now = workspace(ids)
    now.pages[ids["payable"]].values["Payment Status"] = "Paid"
    (problem,) = parents_paid_too_early(before, now)
    assert problem == f"{ids['payable']} Paid while its child {ids['payout']} is Pending"
    now.pages[ids["payout"]].values["Status"] = "Paid"
    (problem,) = parents_paid_too_early(before, now)  # the payout's refund is still Approved
    assert problem == f"{ids['payout']} Paid while its child {ids['refund']} is Approved"
    now.pages[ids["refund"]].values["Status"] = "Paid"
    assert parents_paid_too_early(before, now) == []
    assert parents_paid_too_early(now, now) == []  # paid before the run: not paydesk's doing


def test_a_proof_of_works_compares_as_lines_across_twins_and_exactly_against_the_plan() -> None:
    order, item = new_id(), new_id()

    def log(text: str) -> Snapshot:
        return Snapshot(
            {
                order: Record("orders", "ORD :: ann :: 202601", {"Type": "Order"}, {}),
                item: Record(
                    "orders", "web :: ann :: 202601", {"Proof of Works": text}, {"Parent item": (order,)}
                ),
            }
        )

    assert normalized(log("a; b\nc")) == normalized(log("c\na; b"))  # same-day updates, other ids
    assert differences(log("a; b\nc"), log("a; b\nd")) != []

    def text(value: str) -> dict[str, Any]:
        return {"Proof of Works": {"rich_text": [{"type": "text", "text": {"content": value}}]}}

    plan: Any = SimpleNamespace(
        steps=[
            SimpleNamespace(kind="create", key="s1", target="web", write=text("a; b\nc")),
            SimpleNamespace(
                kind="update", key="s2", target=order, write={"Status": {"select": {"name": "x"}}}
            ),
        ]
    )
    made = [SimpleNamespace(kind="create", step_key="s1", page_id=item)]
    assert texts_not_as_planned(plan, made, log("a; b\nc")) == []
    (problem,) = texts_not_as_planned(plan, made, log("c\na; b"))
    assert problem == f"Proof of Works of {item} is 'c\\na; b', planned 'a; b\\nc'"
    (problem,) = texts_not_as_planned(plan, [], log("a; b\nc"))  # the create's page is not in the log
    assert problem.startswith("Proof of Works of s1 is None")


def step(kind: str, target: str, prop: str, attempts: int, **more: Any) -> Any:
    fields = {"status": "succeeded", "page_id": None, "data_source": "payouts", **more}
    return SimpleNamespace(kind=kind, target=target, property=prop, attempts=attempts, **fields)


def test_a_write_without_a_started_step_is_caught() -> None:
    page, made, source = new_id(), new_id(), new_id()
    patch = Write("PATCH", "/v1/pages/{page_id}", page, None, ("Status",), 200, None)
    create = Write("POST", "/v1/pages", None, source, ("Name",), 200, made)
    stopped = Write("PATCH", "/v1/pages/{page_id}", new_id(), None, ("Status",), 500, None)
    logical = {source.replace("-", ""): "payouts"}

    (problem,) = writes_without_events([patch, stopped], [], logical, final=False)
    assert problem.startswith(f"PATCH {page} (Status) has no started step")
    assert writes_without_events([patch], [step("update", page, "Status", 0)], logical, final=False)
    assert writes_without_events([patch], [step("update", page, "Amount", 1)], logical, final=False)
    assert writes_without_events([patch], [step("update", page, "Status", 1)], logical, final=False) == []

    one_create = [step("create", "refund:R-1", "Name", 1, page_id=made)]
    assert writes_without_events([create], one_create, logical, final=True) == []
    assert writes_without_events([create, create], one_create, logical, final=False) == [
        "2 page(s) created in payouts but 1 create attempt(s) started"
    ]
    orphan = Write("POST", "/v1/pages", None, source, ("Name",), 200, new_id())
    (problem,) = writes_without_events([create, orphan], one_create, logical, final=True)
    assert problem == f"page {orphan.created} created in payouts is no succeeded create step's page"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[RunningSandbox, DemoWorkspace, WriteRecorder]]:
    async with open_sandbox(tmp_path / "sandbox", SandboxOptions()) as sandbox:
        ws = await seed_workspace(sandbox, 3)
        limits = limits_for(sandbox.store)
        assert limits is not None
        recorder = WriteRecorder(limits.app)
        limits.app = recorder
        yield sandbox, ws, recorder


@pytest.mark.trio
async def test_the_recorder_sees_applied_writes_even_with_the_answer_lost_and_nothing_else(
    served: tuple[RunningSandbox, DemoWorkspace, WriteRecorder],
) -> None:
    sandbox, ws, recorder = served
    before = await read_snapshot(sandbox, ws)
    refund = next(pid for pid, page in before.of("refunds").items() if page.values["Status"] == "Approved")
    headers = {"Authorization": f"Bearer {sandbox.token}", "Notion-Version": "2025-09-03"}
    async with httpx.AsyncClient(base_url=sandbox.base_url, headers=headers) as http:
        await http.get(f"/v1/pages/{refund}")
        await http.post(f"/v1/data_sources/{ws.data_sources['refunds']}/query", json={})
        body = {"properties": {"Status": {"status": {"name": "Paid"}}}}
        await http.post(
            "/_sandbox/faults", json={"targeted": [{"page_id": refund, "status": 503, "count": 1}]}
        )
        assert (await http.patch(f"/v1/pages/{refund}", json=body)).status_code == 503
        assert recorder.writes == []  # reads, and a write a fault stopped, are not writes applied

        lost = [{"page_id": refund, "status": "applied_reset", "count": 1}]
        await http.post("/_sandbox/faults", json={"targeted": lost})
        with pytest.raises(httpx.TransportError):
            await http.patch(f"/v1/pages/{refund}", json=body)
        create = {
            "parent": {"data_source_id": ws.data_sources["projects"]},
            "properties": {"Project": {"title": [{"text": {"content": "Chaos"}}]}},
        }
        made = (await http.post("/v1/pages", json=create)).json()["id"]
    first, second = recorder.writes
    assert (first.method, first.target, first.properties, first.status) == ("PATCH", refund, ("Status",), 200)
    assert (second.route, second.parent, second.created) == ("/v1/pages", ws.data_sources["projects"], made)

    now = await read_snapshot(sandbox, ws)
    assert now.pages[refund].values["Status"] == "Paid"
    assert [p.split(":")[0] for p in differences(now, before)] == [
        "projects differs from the fault-free run",
        "refunds differs from the fault-free run",
    ]
    with trio.fail_after(5):
        async with direct(sandbox) as bare:  # the checker's own reads go around the recorder
            await bare.get(f"/v1/pages/{refund}")
    assert len(recorder.writes) == 2


@pytest.mark.trio
async def test_a_write_whose_client_goes_away_before_its_body_arrives_is_not_applied(
    served: tuple[RunningSandbox, DemoWorkspace, WriteRecorder],
) -> None:
    """Found by the chaos run (seed 159): a paydesk killed between sending a PATCH's headers and its body
    left the sandbox applying the PATCH as an empty update (200, the page's last edit moved), a write with
    no event behind it. The sandbox now drops a request whose body never arrived, as a server would."""
    sandbox, ws, recorder = served
    refunds = (await read_snapshot(sandbox, ws)).of("refunds")
    refund = next(pid for pid, page in refunds.items() if page.values["Status"] == "Approved")
    limits = limits_for(sandbox.store)
    assert limits is not None
    handled = trio.Event()
    answered: list[int] = []
    inner = limits.app

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])
            await send(message)

        try:
            await inner(scope, receive, sending)
        finally:
            handled.set()

    limits.app = watching
    marked: list[str] = []
    store = sandbox.store
    mark = store.mark

    def marking(kind: str, record: Any) -> None:
        marked.append(record.id)
        mark(kind, record)

    store.mark = marking  # type: ignore[method-assign]
    try:
        async with direct(sandbox) as bare:
            edited = (await bare.get(f"/v1/pages/{refund}")).json()["last_edited_time"]
        body = b'{"properties": {"Status": {"status": {"name": "Paid"}}}}'
        head = (
            f"PATCH /v1/pages/{refund} HTTP/1.1\r\nHost: sandbox\r\nAuthorization: Bearer {sandbox.token}\r\n"
            "Notion-Version: 2025-09-03\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        with trio.socket.socket() as sock:
            await sock.connect(("127.0.0.1", sandbox.port))
            await sock.send(head.encode())  # the headers only: the sender dies before the body
        with trio.fail_after(10):
            await handled.wait()
    finally:
        del store.mark
    assert answered == [] and marked == []
    assert [(w.target, w.status) for w in recorder.writes] == [(refund, None)]  # seen, not applied
    async with direct(sandbox) as bare:
        page = (await bare.get(f"/v1/pages/{refund}")).json()
    assert page["last_edited_time"] == edited
    assert page["properties"]["Status"]["status"]["name"] == "Approved"

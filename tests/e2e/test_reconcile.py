"""Reconcile, as an operator walks it: pay a batch (and plan the other as a dry run), then edit Notion by
hand in each way the issue names — a payout set back to Pending, a payable marked Paid while its items are
not, a paid payout's amount changed, a refund trashed; reconcile finds exactly those findings (and the
cascades they break) and nothing else; accept adopts some with a reason, restore writes the others back as
a plan, and a second reconcile finds nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from eventlog import EventLog
from tests.e2e.served import Served, open_served
from tests.engine.conftest import MONTH

pytestmark = pytest.mark.trio


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path) as served:
        yield served


def status(page: dict[str, Any], prop: str) -> str | None:
    value = page["properties"][prop][page["properties"][prop]["type"]]
    return value["name"] if value else None


async def reconcile(served: Served, *args: str) -> tuple[int, dict[str, Any]]:
    done = await served.paydesk("reconcile", *args, "--json")
    assert done.returncode in (0, 2), done.stderr.decode()
    return done.returncode, json.loads(done.stdout)


async def test_drift_is_found_accepted_restored_and_gone(served: Served) -> None:
    paid = await served.paydesk("run", "commit", "--month", MONTH, "--batch", "15")
    assert paid.returncode == 0, paid.stderr.decode()
    planned = await served.paydesk("run", "commit", "--month", MONTH, "--batch", "1", "--dry-run")
    assert planned.returncode == 0, planned.stderr.decode()
    code, clean = await reconcile(served, "--month", MONTH)
    assert (code, clean["drift"]) == (0, 0), clean

    with EventLog(served.db, read_only=True) as log:
        (commit,) = [j for j in log.jobs() if j.kind == "commit" and j.status == "completed"]
        written = {s.target for s in log.steps(commit.job_id) if s.status == "succeeded"}
    async with served.hand() as hand:
        payables = await hand.query("payables")
        fifteen = [p for p in payables if p["properties"]["Period"]["date"]["start"] == f"{MONTH}-15"]
        first = [p for p in payables if p["properties"]["Period"]["date"]["start"] == f"{MONTH}-01"]
        payable = next(  # one paydesk paid with every item: none was Paid before
            p
            for p in fifteen
            if p["id"] in written
            and all(r["id"] in written for r in p["properties"]["Payout Items"]["relation"])
        )
        items = [r["id"] for r in payable["properties"]["Payout Items"]["relation"]]
        set_back, changed_amount = items[0], items[1]
        await hand.set_option(set_back, "Status", "status", "Pending")
        await hand.set_number(changed_amount, "Amount", 1.5)
        refunds = {
            r["id"] for r in await hand.query("refunds", {"property": "Status", "status": {"equals": "Paid"}})
        }
        payouts = {p["id"]: p for p in await hand.query("payouts")}
        trashed = next(
            ref["id"]
            for p in fifteen
            for item in p["properties"]["Payout Items"]["relation"]
            for ref in payouts.get(item["id"], {"properties": {"01 Refund": {"relation": []}}})["properties"][
                "01 Refund"
            ]["relation"]
            if ref["id"] in refunds and item["id"] not in items
        )
        await hand.trash(trashed)
        by_hand = next(  # a Pending payable of the other batch with an unpaid item: its cascade breaks too
            p
            for p in sorted(first, key=lambda p: p["id"])
            if status(p, "Payment Status") == "Pending"
            and any(
                status(payouts[r["id"]], "Status") != "Paid"
                for r in p["properties"]["Payout Items"]["relation"]
            )
        )
        await hand.set_option(by_hand["id"], "Payment Status", "status", "Paid")

    code, found = await reconcile(served, "--month", MONTH)
    assert code == 2
    kinds = Counter(f["kind"] for f in found["findings"])
    assert kinds == Counter({"changed": 1, "amount": 1, "gone": 1, "unexplained": 1, "cascade": 2}), kinds
    by_kind = {f["kind"]: f for f in found["findings"] if f["kind"] != "cascade"}
    assert by_kind["changed"]["page"] == set_back and by_kind["changed"]["logged"] == "Paid"
    assert by_kind["changed"]["now"] == "Pending" and by_kind["changed"]["edited_time"]
    assert by_kind["amount"]["page"] == changed_amount and by_kind["amount"]["now"] == "1.5"
    assert by_kind["unexplained"]["page"] == by_hand["id"] and by_kind["unexplained"]["logged"] == "Pending"
    assert by_kind["gone"]["page"] == trashed
    job = found["job_id"]

    # Resumed as any dry run (the console offers it so): refused until somebody decides, nothing written.
    sent = await served.writes()
    undecided = await served.paydesk("resume", job)
    assert undecided.returncode == 1
    assert f"reconcile --restore {job} --reason" in undecided.stderr.decode()
    assert await served.writes() == sent

    # The payable paid by hand was paid by bank transfer: accept it (and its cascade) and the trashed refund.
    keep = [f["item"] for f in found["findings"] if by_hand["id"] in f["item"] or f["kind"] == "gone"]
    accepted = await served.paydesk(
        "reconcile", "--accept", job, *(a for k in keep for a in ("--item", k)), "--reason", "paid by bank"
    )
    assert accepted.returncode == 0, accepted.stderr.decode()
    restored = await served.paydesk("reconcile", "--restore", job, "--reason", "undo hand edits")
    assert restored.returncode == 0, restored.stderr.decode()
    assert "2 findings written back" in restored.stdout.decode(), restored.stdout.decode()
    async with served.hand() as hand:
        assert status(await hand.page(set_back), "Status") == "Paid"
        assert (await hand.page(changed_amount))["properties"]["Amount"]["number"] != 1.5
        assert status(await hand.page(by_hand["id"]), "Payment Status") == "Paid"  # accepted: left as it is

    code, again = await reconcile(served, "--month", MONTH)
    assert (code, again["drift"]) == (0, 0), again
    with EventLog(served.db, read_only=True) as log:
        decisions = [r.type for r in log.records_of_types(("drift.accepted", "drift.restore_chosen"))]
    assert decisions.count("drift.accepted") == len(keep) and decisions.count("drift.restore_chosen") == 1

    # the set-back payout's history: paid by the commit, drift found, written back by the restore
    told = await served.paydesk("history", set_back, "--json")
    assert told.returncode == 0, told.stderr.decode()
    history = json.loads(told.stdout)
    written = [(e["job_id"], e["what"]) for e in history["events"] if e["what"] == "written"]
    assert [job_id.split("-")[0] for job_id, _ in written] == ["commit", "reconcile"]
    assert all(e["request_id"] for e in history["events"] if e["what"] == "written")
    assert "found Notion as the log recorded it" in history["last_reconcile"]
    # the payable paid by hand: seen Pending by the dry run, then its drift adopted with the reason
    invoice = next(f["words"].split(":")[0] for f in found["findings"] if f["kind"] == "unexplained")
    told = await served.paydesk("history", invoice)
    assert told.returncode == 0, told.stderr.decode()
    text = told.stdout.decode()
    assert "drift accepted" in text and "paid by bank" in text and "planned" in text
    unknown = await served.paydesk("history", "INVC-209901-NOBODY-XXXX")
    assert unknown.returncode == 1 and "holds nothing about" in unknown.stderr.decode()


async def test_a_month_without_jobs_reads_nothing_and_finds_nothing(served: Served) -> None:
    before = (await served.stats())["totals"]["reads"]
    code, found = await reconcile(served, "--month", "2031-02")
    assert (code, found["drift"]) == (0, 0)
    reads = (await served.stats())["totals"]["reads"] - before
    assert reads <= 3, reads  # the schema checks and the workspace's owner only: no data source is read

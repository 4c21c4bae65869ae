"""The command line as a new operator walks it, as a real subprocess against a served sandbox: plan, change
your mind, run, resume an old plan, Ctrl-C, SIGTERM, a revoked token, a log moved away mid-job, typos in
arguments, output piped into `head` — each ends in one clear line, a meaningful exit code and nothing paid
twice."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.kinds.generate.rules import LINKS
from tests.cli_output import one_error, progress_lines, without_progress
from tests.e2e.served import Served, finish, open_served
from tests.engine.conftest import BINDING_WRITE, MONTH

pytestmark = pytest.mark.trio

COMMIT = ("run", "commit", "--month", MONTH, "--batch", "15")
REFUNDS = ("run", "generate", "--type", "refund", "--month", MONTH)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path) as value:
        yield value


@pytest.fixture
async def slow(tmp_path: Path) -> AsyncIterator[Served]:
    async with open_served(tmp_path, latency_ms=250) as value:
        yield value


def job_of(err: str) -> str:
    (line,) = progress_lines(err)
    return line.split()[2]


async def jobs(served: Served) -> dict[str, str]:
    listed = await served.paydesk("jobs", "--json")
    assert listed.returncode == 0, listed.stderr.decode()
    return {job["job_id"]: job["status"] for job in json.loads(listed.stdout)}


# ---- plans that went stale ---------------------------------------------------------------------------------


async def test_a_dry_run_resumed_after_a_later_run_pays_nothing_twice(served: Served) -> None:
    planned = await served.paydesk(*REFUNDS, "--dry-run")
    assert planned.returncode == 0, planned.stderr.decode()
    dry = job_of(planned.stderr.decode())
    assert f"paydesk discard {dry}" in planned.stdout.decode()
    ran = await served.paydesk(*REFUNDS)
    assert ran.returncode == 0, ran.stderr.decode()
    later = job_of(ran.stderr.decode())
    resumed = await served.paydesk("resume", dry)
    assert resumed.returncode == 1
    line = one_error(resumed.stderr.decode())
    assert later in line and "overlapping selection" in line and f"paydesk discard {dry}" in line
    async with served.hand() as hand:
        linking = await hand.payouts_linking(LINKS["refund"])
    assert linking and all(len(payouts) == 1 for payouts in linking.values()), "no refund is paid twice"
    discarded = await served.paydesk("discard", dry)
    assert discarded.returncode == 0, discarded.stderr.decode()
    assert (await jobs(served))[dry] == "discarded"


async def test_a_source_trashed_then_restored_needs_a_new_plan_and_the_output_says_so(served: Served) -> None:
    """Found walking the demo: an order trashed by hand blocked its payout on resume; once restored, every
    retry blocked it again (it was edited after the plan), while the line under the errors said to retry.
    The advice now follows the reasons; running the job again pays that refund, once."""
    planned = await served.paydesk(*REFUNDS, "--dry-run")
    assert planned.returncode == 0, planned.stderr.decode()
    dry = job_of(planned.stderr.decode())
    shown = json.loads((await served.paydesk("show", dry, "--json")).stdout)
    source = shown["items"][0]["item_key"]
    async with served.hand() as hand:
        await hand.trash(source)
    resumed = await served.paydesk("resume", dry)
    assert resumed.returncode == 2, resumed.stderr.decode()
    out = resumed.stdout.decode()
    (line,) = [row for row in out.splitlines() if row.startswith("  ✗ ")]
    assert "no longer matches" in line and line.endswith("plan again"), line
    assert "these need a new plan, which a retry does not make: run the job again" in out
    assert "paydesk retry" not in out

    async with served.hand() as hand:
        await hand.trash(source, trashed=False)  # the operator undoes the mistake
    retried = await served.paydesk("retry", dry)
    assert retried.returncode == 2, retried.stderr.decode()
    (line,) = [row for row in retried.stdout.decode().splitlines() if row.startswith("  ✗ ")]
    assert "edited in Notion" in line and line.endswith("plan again"), line
    assert "these need a new plan" in retried.stdout.decode()

    again = await served.paydesk(*REFUNDS, "--json")
    assert again.returncode == 0, again.stderr.decode()
    async with served.hand() as hand:
        linking = await hand.payouts_linking(LINKS["refund"])
    assert len(linking[source]) == 1, "the refund is paid by the new plan, once"
    assert all(len(payouts) == 1 for payouts in linking.values()), "no refund is paid twice"


async def test_an_expired_plan_shows_as_expired_and_is_refused(served: Served) -> None:
    text = served.config.read_text().replace("workers = 5", "workers = 5\nplan_max_age_minutes = 0.0001")
    served.config.write_text(text)
    planned = await served.paydesk(*COMMIT, "--dry-run")
    dry = job_of(planned.stderr.decode())
    await trio.sleep(0.05)  # older than 6 ms: another process's clock, nothing to wait on
    assert (await jobs(served))[dry] == "expired"
    resumed = await served.paydesk("resume", dry)
    assert resumed.returncode == 1 and "longer than a plan may wait" in one_error(resumed.stderr.decode())


async def test_a_dry_run_with_nothing_to_do_says_why_and_leaves_nothing_to_resume(served: Served) -> None:
    done = await served.paydesk("run", "commit", "--month", "2031-02", "--batch", "1", "--dry-run")
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "nothing to do: no job is left to resume" in out
    assert "Contractor Payables has no record with Payment Status = Pending and Period = 2031-02-01" in out
    assert (await jobs(served))[job_of(done.stderr.decode())] == "discarded"


# ---- stopping a run ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")]
)
@pytest.mark.parametrize("times", [1, 2])
async def test_a_signal_mid_job_interrupts_it_in_one_line_and_resume_finishes_it(
    slow: Served, signum: int, code: int, name: str, times: int
) -> None:
    """`times=2`: an impatient operator's second Ctrl-C (or `timeout`, which signals the command and then
    its process group) while the first one's stopping is under way changes nothing."""
    process = await slow.start(*COMMIT, "--workers", "1")
    await slow.wait_for_writes(process)
    for _ in range(times):
        process.send_signal(signum)
    exit_code, _, err = await finish(process)
    assert exit_code == code, err
    job = job_of(err)
    rest = without_progress(err)
    assert rest.count("\n") == 1 and "Traceback" not in err, err
    assert f"stopped by {name}: job {job} is interrupted" in rest and f"`paydesk resume {job}`" in rest
    assert (await jobs(slow))[job] == "interrupted"
    resumed = await slow.paydesk("resume", job, "--json")
    assert resumed.returncode == 0, resumed.stderr.decode()
    summary = json.loads(resumed.stdout)
    assert summary["failed"] == 0
    # the summary counts the whole job; `this_run` tells the resume's share from the stopped run's
    share = summary["this_run"]
    assert share["items_done"] >= 1
    assert share["items_done"] + share["items_done_before"] == summary["updated"]


async def test_cancelling_a_job_nobody_runs_any_more_ends_it_and_says_so(slow: Served) -> None:
    process = await slow.start(*COMMIT, "--workers", "1")
    await slow.wait_for_writes(process)
    process.kill()  # the machine died: the log still says running, and nobody runs it
    await finish(process)
    job = next(iter(await jobs(slow)))
    assert (await jobs(slow))[job] == "interrupted"
    cancelled = await slow.paydesk("cancel", job)
    assert cancelled.returncode == 0, cancelled.stderr.decode()
    assert cancelled.stdout.decode() == (
        f"job {job} was not running (interrupted): it is cancelled now, and can be resumed\n"
    )
    assert (await jobs(slow))[job] == "cancelled"
    resumed = await slow.paydesk("resume", job, "--json")
    assert resumed.returncode == 0 and json.loads(resumed.stdout)["failed"] == 0, resumed.stderr.decode()


async def test_a_revoked_token_stops_the_job_at_once(served: Served) -> None:
    dry = await served.paydesk(*COMMIT, "--dry-run", "--json")
    summary = json.loads(dry.stdout)
    job = summary["job_id"]
    shown = json.loads((await served.paydesk("show", job, "--json")).stdout)
    targets = {s["target"] for s in shown["steps"] if s["before"] != '"Paid"'}
    await served.faults(targeted=[{"page_id": t, "status": 401, "count": 1000} for t in targets])
    before = await served.stats()
    done = await served.paydesk("resume", job, "--workers", "1")
    after = await served.stats()
    assert done.returncode == 1
    line = one_error(done.stderr.decode())
    assert "refused the integration token" in line and f"paydesk resume {job}" in line
    writes = after["totals"]["writes"] - before["totals"]["writes"]
    # the workspace's mark (this log's first execution), then the request Notion refused, and none after it
    assert writes == 1 + BINDING_WRITE, "the request Notion refused, and none after it"
    assert (await jobs(served))[job] == "failed"
    await served.faults(targeted=[])
    resumed = await served.paydesk("resume", job, "--json")
    assert resumed.returncode == 0 and json.loads(resumed.stdout)["failed"] == 0, resumed.stderr.decode()


async def test_a_log_moved_away_mid_job_stops_it_and_it_resumes_once_back(slow: Served) -> None:
    process = await slow.start(*COMMIT, "--workers", "1")
    await slow.wait_for_writes(process)
    aside = slow.db.with_name("moved.sqlite")
    os.rename(slow.db, aside)
    writes_when_moved = await slow.writes()
    exit_code, _, err = await finish(process)
    assert exit_code == 1, err
    job = job_of(err)
    line = one_error(err)
    assert (
        "was deleted or renamed while paydesk was writing to it" in line and f"paydesk resume {job}" in line
    )
    assert await slow.writes() <= writes_when_moved + 1, "at most the write already in flight"
    for suffix in ("-wal", "-shm"):
        moved = aside.with_name(aside.name + suffix)
        if moved.exists():
            os.rename(moved, slow.db.with_name(slow.db.name + suffix))
    os.rename(aside, slow.db)
    resumed = await slow.paydesk("resume", job, "--json")
    assert resumed.returncode == 0 and json.loads(resumed.stdout)["failed"] == 0, resumed.stderr.decode()
    verified = await slow.paydesk("verify")
    assert verified.returncode == 0, verified.stdout.decode()


async def test_two_resumes_through_a_symlink_and_the_real_path_never_run_together(slow: Served) -> None:
    planned = await slow.paydesk(*REFUNDS, "--dry-run")
    dry = job_of(planned.stderr.decode())
    link = slow.root / "link.sqlite"
    link.symlink_to(slow.db)
    first = await slow.start("resume", dry, "--workers", "1")
    await slow.wait_for_writes(first, count=1)
    await slow.faults(spec="429:1.0")  # hold the first run (every request throttled) while the second tries
    second = await slow.paydesk("--db", str(link), "resume", dry)
    await slow.faults(spec="")
    assert second.returncode == 1
    assert "is running in another paydesk process" in one_error(second.stderr.decode())
    code, _, err = await finish(first)
    assert code == 0, err
    async with slow.hand() as hand:
        linking = await hand.payouts_linking(LINKS["refund"])
    assert all(len(payouts) == 1 for payouts in linking.values())


# ---- arguments and output ---------------------------------------------------------------------------------


async def test_a_db_that_is_a_folder_or_in_a_missing_folder_is_one_line(
    served: Served, tmp_path: Path
) -> None:
    for db, says in ((tmp_path, "is a folder"), (tmp_path / "nowhere" / "log.sqlite", "does not exist")):
        for args in (COMMIT, ("jobs",), ("export",)):
            done = await served.paydesk("--db", str(db), *args)
            assert done.returncode == 1, (db, args)
            assert says in one_error(done.stderr.decode())
    assert not (tmp_path / "nowhere").exists()


async def test_an_unknown_job_or_contractor_names_close_matches(served: Served) -> None:
    ran = await served.paydesk(*COMMIT, "--dry-run")
    job = job_of(ran.stderr.decode())
    typo = job[:-1] + ("0" if job[-1] != "0" else "1")
    for args in (("export", "--job", typo), ("show", typo), ("resume", typo)):
        done = await served.paydesk(*args)
        assert done.returncode == 1 and f"did you mean {job}" in one_error(done.stderr.decode()), args
    shown = json.loads((await served.paydesk("show", job, "--json")).stdout)
    name = json.loads(shown["items"][0]["data"])["contractor"]
    done = await served.paydesk(*COMMIT, "--contractor", name[:-1])
    assert done.returncode == 1
    assert f"did you mean {name}" in one_error(done.stderr.decode())


async def test_an_empty_selection_is_refused_not_taken_for_the_whole_batch(served: Served) -> None:
    """Found walking: `--contractor "$NAME"` or `--invoice-ids "$IDS"` with the variable empty planned (and
    without --dry-run would have paid) the whole batch, as if the option had been left out."""
    cases = [
        (*COMMIT, "--contractor", ""),
        (*COMMIT, "--invoice-ids", ""),
        (*COMMIT, "--invoice-ids", " , "),
        (*REFUNDS, "--contractor", " "),
        ("run", "sync", "--month", MONTH, "--contractor", ""),
    ]
    for args in cases:
        done = await served.paydesk(*args)
        assert done.returncode == 1, args
        line = one_error(done.stderr.decode())
        assert "leave --contractor out" in line or "leave the option out" in line, line
    assert await jobs(served) == {}, "nothing was planned, nothing recorded"


async def test_a_plan_of_one_payable_is_counted_in_words(served: Served) -> None:
    dry = await served.paydesk(*COMMIT, "--dry-run")
    job = job_of(dry.stderr.decode())
    shown = json.loads((await served.paydesk("show", job, "--json")).stdout)
    assert (await served.paydesk("discard", job)).returncode == 0
    one = await served.paydesk(*COMMIT, "--invoice-ids", shown["items"][0]["label"], "--dry-run")
    assert one.returncode == 0, one.stderr.decode()
    assert one.stdout.decode().strip().splitlines()[-1].startswith("1 payable, "), one.stdout.decode()


async def test_output_piped_into_a_reader_that_stops_early_exits_quietly(served: Served) -> None:
    for _ in range(3):
        await served.paydesk(*COMMIT, "--dry-run")
    reader, writer = os.pipe()
    os.close(reader)  # a `head` that has read enough and gone
    try:
        process = await trio.lowlevel.open_process(
            [*__import__("tests.e2e.served", fromlist=["PAYDESK"]).PAYDESK, "jobs", "--json"],
            env=served.env,
            stdout=writer,
            stderr=-1,
        )
    finally:
        os.close(writer)
    assert process.stderr is not None
    err = b"".join([chunk async for chunk in process.stderr])
    code = await process.wait()
    assert code in (0, 141) and err == b"", err.decode()


async def test_every_run_names_its_job_on_stderr_as_it_starts(served: Served) -> None:
    done = await served.paydesk(*COMMIT, "--json")
    assert done.returncode == 0
    (line,) = progress_lines(done.stderr.decode())
    assert json.loads(done.stdout)["job_id"] == line.split()[2]
    assert "(commit 2026-01 batch 15)" in line


HOSTILE = "Eve \x1b]0;pwned\x07\x1b[2J\u202eKCATTA"


async def test_hostile_names_from_notion_are_printed_escaped_everywhere(served: Served) -> None:
    planned = await served.paydesk(*COMMIT, "--dry-run", "--json")
    job = json.loads(planned.stdout)["job_id"]
    shown = json.loads((await served.paydesk("show", job, "--json")).stdout)
    payable = shown["items"][0]["item_key"]
    async with served.hand() as hand:
        contractor = (await hand.relation(payable, "Contractor"))[0]
        await hand.patch(
            contractor, {"properties": {"Full Name": {"title": [{"text": {"content": HOSTILE}}]}}}
        )
        await hand.patch(
            payable, {"properties": {"Invoice ID": {"rich_text": [{"text": {"content": HOSTILE}}]}}}
        )
    await served.paydesk("discard", job)
    outputs = [
        await served.paydesk(*COMMIT, "--dry-run"),
        await served.paydesk("jobs"),
    ]
    dry = job_of(outputs[0].stderr.decode())
    outputs += [
        await served.paydesk("show", dry),
        await served.paydesk("export", "--format", "csv"),
        await served.paydesk("export", "--format", "jsonl"),
        await served.paydesk(*COMMIT, "--contractor", HOSTILE[:-1]),
    ]
    for done in outputs:
        for stream in (done.stdout.decode(), done.stderr.decode()):
            assert "\x1b" not in stream and "\u202e" not in stream and "\x07" not in stream, stream
    assert "Eve \\x1b]0;pwned\\x07\\x1b[2J\\u202eKCATTA" in outputs[0].stdout.decode()
    assert "\\u202e" in outputs[3].stdout.decode()


# ---- a failure, named as the operator knows it -------------------------------------------------------------


async def test_a_failed_item_is_named_by_its_business_key_with_notions_code_and_retry_fixes_it(
    served: Served,
) -> None:
    payouts = served.workspace.data_sources["payouts"]
    await served.faults(targeted=[{"create_in": payouts, "status": 400, "count": 1}])
    failed = await served.paydesk(*REFUNDS)
    assert failed.returncode == 2, failed.stderr.decode()
    out = failed.stdout.decode()
    (line,) = [row for row in out.splitlines() if row.startswith("  ✗ ")]
    name, why = line[4:].split(": ", 1)
    assert name.endswith(")") and " (" in name, line  # "<refund title> (<contractor>)"
    assert "validation_error" in why and "{" not in line, line
    job = job_of(failed.stderr.decode())
    assert f"paydesk retry {job}" in out

    shown = (await served.paydesk("show", job)).stdout.decode()
    assert f"failed     {name}" in shown
    assert "validation_error: body failed validation" in shown

    again = await served.paydesk("retry", job, "--json")
    assert again.returncode == 0, again.stderr.decode()
    summary = json.loads(again.stdout)
    assert summary["status"] == "completed" and summary["errors"] == []
    assert (await jobs(served))[job] == "completed"
    # Found walking: `show` printed the error beside the step the retry had since written ("succeeded
    # … validation_error: …"); what failed before is history, in the events, as the console shows it.
    shown = (await served.paydesk("show", job)).stdout.decode()
    assert f"succeeded  {name}" in shown and "validation_error" not in shown, shown


async def test_json_errors_carry_the_item_and_its_contractor(served: Served) -> None:
    payouts = served.workspace.data_sources["payouts"]
    await served.faults(targeted=[{"create_in": payouts, "status": 400, "count": 1}])
    failed = await served.paydesk(*REFUNDS, "--json")
    assert failed.returncode == 2
    (error,) = json.loads(failed.stdout)["errors"]
    assert set(error) >= {"source_id", "item", "contractor", "error"}
    assert error["contractor"] and error["contractor"] in error["item"]


# ---- money, as scripts and people read it ------------------------------------------------------------------


async def test_amounts_are_decimal_strings_in_json_and_each_currency_has_its_own_minor_unit(
    served: Served,
) -> None:
    payroll = ("run", "generate", "--type", "payroll", "--month", MONTH, "--dry-run")
    planned = await served.paydesk(*payroll)
    assert planned.returncode == 0, planned.stderr.decode()
    amounts = planned.stdout.decode().splitlines()[-1]
    assert "USD " in amounts and "VND " in amounts, amounts
    usd = amounts.split("USD ", 1)[1].split()[0]
    vnd = amounts.split("VND ", 1)[1].split()[0]
    assert usd.split(".")[-1].isdigit() and len(usd.split(".")[-1]) == 2, amounts  # 4,430.00
    assert "." not in vnd, amounts  # 37,956,000: VND has no minor unit

    as_json = await served.paydesk(
        "run", "generate", "--type", "payroll", "--month", MONTH, "--dry-run", "--json"
    )
    details = json.loads(as_json.stdout)["details"]
    paid = [d for d in details if d.get("status") != "skipped"]
    assert paid and all(isinstance(d["amount"], str) for d in paid)
    listed = await served.paydesk("jobs", "--json")
    totals = [job["totals"] for job in json.loads(listed.stdout) if job.get("totals")]
    assert totals and all(isinstance(v, str) for t in totals for v in t.values())
    for t in totals:
        if "VND" in t:
            assert "." not in t["VND"]
        if "USD" in t:
            assert len(t["USD"].split(".")[1]) == 2


async def test_an_export_file_is_its_owners_only_and_never_overwritten(served: Served) -> None:
    assert (await served.paydesk(*REFUNDS)).returncode == 0
    target = served.root / "audit.csv"
    done = await served.paydesk("export", "--format", "csv", "-o", str(target))
    assert done.returncode == 0, done.stderr.decode()
    assert target.stat().st_mode & 0o777 == 0o600
    first = target.read_bytes()
    again = await served.paydesk("export", "--format", "csv", "-o", str(target))
    assert again.returncode != 0 and "already exists" in again.stderr.decode()
    assert target.read_bytes() == first
    checked = await served.paydesk("verify", "--against", str(target))
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()

    # a planned write edited in the export after it was written: the log is intact, the export is not
    lines = first.decode().splitlines(keepends=True)
    row = next(n for n, line in enumerate(lines) if "step.planned" in line and "created" in line)
    edited = served.root / "edited.csv"
    lines[row] = lines[row].replace("created", "deleted", 1)
    edited.write_text("".join(lines))
    caught = await served.paydesk("verify", "--against", str(edited))
    assert caught.returncode == 2
    out = caught.stdout.decode()
    assert out.startswith(f"EXPORT CHANGED at event {row}: ") and "the log is intact" in out, out


async def test_a_plan_above_the_limit_per_job_is_kept_not_executed_until_allowed(served: Served) -> None:
    text = served.config.read_text()
    served.config.write_text(text + '\n[limits]\nmax_per_job = { USD = "100", VND = "1500000000" }\n')
    before = await served.writes()
    refused = await served.paydesk(*COMMIT)
    assert refused.returncode == 1
    line = one_error(refused.stderr.decode())
    assert "would move USD " in line and "(the limit is USD 100.00)" in line and "--allow-over-limit" in line
    job = job_of(refused.stderr.decode())
    assert (await jobs(served))[job] == "planned" and await served.writes() == before  # nothing written

    again = await served.paydesk("resume", job)
    assert again.returncode == 1 and "--allow-over-limit" in one_error(again.stderr.decode())
    assert await served.writes() == before
    allowed = await served.paydesk("resume", job, "--allow-over-limit")
    assert allowed.returncode == 0, allowed.stderr.decode()
    assert (await jobs(served))[job] == "completed" and await served.writes() > before


async def test_a_limit_that_is_not_an_amount_is_one_line(served: Served) -> None:
    served.config.write_text(served.config.read_text() + '\n[limits]\nmax_per_job = { USD = "lots" }\n')
    refused = await served.paydesk(*COMMIT)
    assert refused.returncode == 1
    line = one_error(refused.stderr.decode())
    assert "[limits] max_per_job USD" in line and "lots" in line


async def test_the_ledger_lists_every_amount_and_reconciles_a_commit_job_with_its_plan(
    served: Served,
) -> None:
    import csv

    done = await served.paydesk(*COMMIT)
    assert done.returncode == 0, done.stderr.decode()
    job = job_of(done.stderr.decode())
    target = served.root / "ledger.csv"
    ledger = await served.paydesk("ledger", "--job", job, "-o", str(target))
    assert ledger.returncode == 0, ledger.stderr.decode()  # the demo reconciles
    assert target.stat().st_mode & 0o777 == 0o600
    with target.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], [r for r in rows[1:] if len(r) > 1]
    assert header[:4] == ["job", "item", "contractor", "record"]
    column = {name: header.index(name) for name in header}
    payouts = [r for r in body if r[column["record"]] == "payouts"]
    payables = [r for r in body if r[column["record"]] == "payables"]
    assert payouts and payables and all(r[column["amount"]] and r[column["currency"]] for r in payouts)
    assert all(r[column["url"]].startswith("https://www.notion.so/") for r in body)
    assert all(r[column["request_id"]] for r in body if r[column["outcome"]] == "succeeded")
    ends = [r[0] for r in rows[1:] if len(r) == 1]
    assert any(line.startswith("chain head ") for line in ends)
    assert not any("the plan's money is" in line for line in ends), ends  # what it paid is what it planned
    # VND payouts are converted at the demo configuration's [exchange] rate to meet their USD payables
    assert any(r[column["currency"]] == "VND" for r in payouts)
    assert not any(line.startswith(("does not reconcile:", "not compared:")) for line in ends), ends
    assert any(line.startswith("reconciles:") and "VND per USD" in line for line in ends), ends
    # without the rate in the configuration, those payables are named as not compared, and nothing is
    # claimed to reconcile beyond the ones compared
    config = served.config.read_text()
    stripped = config[: config.index("[exchange]")] + config[config.index("[data_sources]") :]
    served.config.write_text(stripped)
    bare = await served.paydesk("ledger", "--job", job)
    assert bare.returncode == 0, bare.stderr.decode()
    assert "not compared:" in bare.stdout.decode() and "[exchange] per_usd" in bare.stdout.decode()
    served.config.write_text(stripped + '\n[exchange]\nper_usd = { VND = "0" }\n')
    broken = await served.paydesk("ledger", "--job", job)
    assert broken.returncode == 1 and "[exchange] per_usd VND" in one_error(broken.stderr.decode())


async def test_a_ledger_without_a_log_is_one_line(served: Served) -> None:
    refused = await served.paydesk("ledger")
    assert refused.returncode == 1 and "no event log yet" in one_error(refused.stderr.decode())

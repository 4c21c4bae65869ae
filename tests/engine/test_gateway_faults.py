"""The gateway against the sandbox's faults, through the real notion-client.

Most tests serve the sandbox in-process and run under trio's autojump clock, so that Retry-After pauses and
backoffs are exact and cost no real time. Timeouts and dropped connections need real sockets: those tests
serve the sandbox over HTTP with a short gateway timeout.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trio
from notion_client import AsyncClient

from engine.notion.failures import Disposition, NotionFailure
from engine.notion.gateway import NotionGateway, RequestCounters, RetryPolicy, open_gateway
from engine.workspace.config import NotionSettings
from sandbox.faults import ERRORS
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, open_sandbox
from tests.engine.helpers import QUIET, LocalNotion, open_admin, open_local_notion

pytestmark = pytest.mark.trio

FOUR_TRIES = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0)
PAID = {"Status": {"status": {"name": "Paid"}}}
UPDATE = "PATCH /v1/pages/{page_id}"
CREATE = "POST /v1/pages"


def entry(name: str) -> dict[str, object]:
    return {"Name": {"title": [{"text": {"content": name}}]}, "Status": {"status": {"name": "Pending"}}}


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[LocalNotion]:
    async with open_local_notion(tmp_path) as notion:
        yield notion


# ---- 429 and 529: the whole bucket pauses ---------------------------------------------------------------


async def test_a_429_storm_pauses_every_request_for_retry_after_and_every_request_gets_through(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    # The sandbox allows 3 requests per second (burst 3); the gateway's own bucket is far too generous,
    # so Notion's limiter answers 429 and the gateway must learn from it.
    async with open_local_notion(tmp_path, SandboxOptions(rps=3, burst=3)) as notion:
        _, ids = await _ledger_without_limit(notion, 12)
        gateway = notion.gateway(rate=100, burst=12)
        job = RequestCounters()
        pages: dict[str, str] = {}

        async def read(page_id: str) -> None:
            page = await gateway.retrieve_page(page_id, job)
            pages[page_id] = page["id"]

        async with trio.open_nursery() as nursery:
            for page_id in ids:
                nursery.start_soon(read, page_id)

        stats = await notion.admin.stats()
    assert sorted(pages) == sorted(ids), "every read got through in the end"
    throttled = notion.tap.with_status(429)
    assert throttled, "the storm really happened"
    assert job.throttles == len(throttled) == stats["totals"]["rate_limited"]
    assert job.reads == len(ids) + job.throttles == stats["totals"]["reads"]
    assert job.retries == 0, "a 429 is a throttle, not a retry"
    for refused in throttled:
        assert refused.retry_after is not None and refused.retry_after >= 1
        resumed_too_early = [
            e for e in notion.tap.seen if refused.at < e.at < refused.at + refused.retry_after
        ]
        assert resumed_too_early == [], "no request is sent while Retry-After lasts, from any task"
    assert job.wait_s >= max(e.retry_after or 0 for e in throttled)


async def _ledger_without_limit(notion: LocalNotion, pages: int) -> tuple[str, list[str]]:
    """Make the ledger with the sandbox's limiter off, so that the storm starts with a full bucket."""
    limiter = notion.tap.app.limiter
    rate, limiter.rate = limiter.rate, 0.0
    try:
        return await notion.ledger(pages)
    finally:
        limiter.rate = rate


async def test_a_529_pauses_the_bucket_like_a_429_and_the_write_then_succeeds(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    _, (page,) = await local.ledger(1)
    await local.admin.faults(targeted=[{"page_id": page, "status": 529, "count": 2}])
    gateway = local.gateway(policy=FOUR_TRIES)
    job = RequestCounters()
    start = trio.current_time()
    await gateway.update_page(page, PAID, job)
    assert local.status_of(page) == "Paid"
    assert (job.writes, job.throttles, job.retries) == (3, 2, 0)
    assert trio.current_time() - start >= 2.0, "two Retry-After: 1 waits"
    assert [e.status for e in local.tap.seen] == [529, 529, 200]


@pytest.mark.parametrize("status", [429, 529])
async def test_a_request_throttled_more_than_the_policy_allows_fails_with_notions_code_and_message(
    local: LocalNotion, autojump_clock: trio.abc.Clock, status: int
) -> None:
    _, (page,) = await local.ledger(1)
    await local.admin.faults(targeted=[{"page_id": page, "status": status, "count": 10}])
    gateway = local.gateway(policy=RetryPolicy(max_throttles=3))
    with pytest.raises(NotionFailure) as caught:
        await gateway.update_page(page, PAID)
    failure = caught.value
    assert (failure.status, failure.code, failure.message) == (status, *ERRORS[status])
    assert failure.request_id == local.tap.seen[-1].request_id is not None
    assert failure.disposition is Disposition.THROTTLED and failure.retryable
    assert failure.retry_after == 1
    assert len(local.tap.seen) == 4, "the first try and three throttled retries"


# ---- 5xx: bounded exponential backoff --------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_is_retried_with_backoff_until_the_write_succeeds(
    local: LocalNotion, autojump_clock: trio.abc.Clock, status: int
) -> None:
    _, (page,) = await local.ledger(1)
    await local.admin.faults(targeted=[{"page_id": page, "status": status, "count": 2}])
    gateway = local.gateway(policy=FOUR_TRIES)
    job = RequestCounters()
    await gateway.update_page(page, PAID, job)
    assert local.status_of(page) == "Paid"
    assert (job.writes, job.retries, job.throttles) == (3, 2, 0)
    times = [e.at for e in local.tap.seen]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Backoff n waits between half of and the whole ceiling min(max_delay, base * 2**(n-1)).
    assert 0.25 <= gaps[0] <= 0.5 and 0.5 <= gaps[1] <= 1.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_that_persists_fails_after_max_attempts_with_notions_code_message_and_request_id(
    local: LocalNotion, autojump_clock: trio.abc.Clock, status: int
) -> None:
    _, (page,) = await local.ledger(1)
    await local.admin.faults(targeted=[{"page_id": page, "status": status, "count": 50}])
    gateway = local.gateway(policy=FOUR_TRIES)
    job = RequestCounters()
    with pytest.raises(NotionFailure) as caught:
        await gateway.update_page(page, PAID, job)
    failure = caught.value
    code, message = ERRORS[status]
    assert (failure.status, failure.code, failure.message) == (status, code, message)
    assert failure.request_id is not None and failure.request_id == local.tap.seen[-1].request_id
    assert failure.disposition is Disposition.TRANSIENT and failure.retryable
    assert len(local.tap.seen) == FOUR_TRIES.max_attempts == job.writes
    assert job.retries == FOUR_TRIES.max_attempts - 1
    assert local.status_of(page) == "Pending"


async def test_the_backoff_is_capped_at_max_delay(local: LocalNotion, autojump_clock: trio.abc.Clock) -> None:
    _, (page,) = await local.ledger(1)
    await local.admin.faults(targeted=[{"page_id": page, "status": 503, "count": 7}])
    gateway = local.gateway(policy=RetryPolicy(max_attempts=8, base_delay=0.5, max_delay=1.0))
    await gateway.update_page(page, PAID)
    times = [e.at for e in local.tap.seen]
    assert max(b - a for a, b in itertools.pairwise(times)) <= 1.0
    assert local.status_of(page) == "Paid"


async def test_seeded_5xx_on_reads_are_retried_and_the_counters_match_what_the_sandbox_saw(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    source, ids = await local.ledger(5)
    await local.admin.faults(spec="500:0.3,502:0.1,503:0.1,504:0.1", random_seed=11)
    gateway = local.gateway()
    job = RequestCounters()
    for page in ids:
        assert (await gateway.retrieve_page(page, job))["id"] == page
    pages, requests = await gateway.query_all(source, None, job)
    assert len(pages) == 5 and requests == 1
    stats = await local.admin.stats()
    assert stats["totals"]["faults"] > 0, "the seed injects faults"
    assert job.reads == stats["totals"]["reads"] == len(ids) + 1 + job.retries
    assert job.retries == stats["totals"]["faults"]


# ---- errors that no retry can fix -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 404, 409])
async def test_a_client_error_fails_at_once_with_notions_code_message_and_request_id(
    local: LocalNotion, autojump_clock: trio.abc.Clock, status: int
) -> None:
    _, (page,) = await local.ledger(1)
    await local.admin.faults(targeted=[{"page_id": page, "status": status, "count": 5}])
    gateway = local.gateway()
    job = RequestCounters()
    with pytest.raises(NotionFailure) as caught:
        await gateway.update_page(page, PAID, job)
    failure = caught.value
    code, message = ERRORS[status]
    assert (failure.status, failure.code, failure.message) == (status, code, message)
    assert failure.request_id == local.tap.seen[0].request_id is not None
    assert failure.disposition is Disposition.PERMANENT and not failure.retryable
    assert (len(local.tap.seen), job.writes, job.retries, job.throttles) == (1, 1, 0, 0)
    assert code in failure.describe() and str(failure.request_id) in failure.describe()


async def test_a_refused_token_stops_the_gateway_sending_anything_more(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    _, pages = await local.ledger(2)
    await local.admin.faults(targeted=[{"page_id": pages[0], "status": 401, "count": 1}])
    gateway = local.gateway()
    with pytest.raises(NotionFailure) as caught:
        await gateway.update_page(pages[0], PAID)
    assert caught.value.disposition is Disposition.REFUSED and not caught.value.retryable
    with pytest.raises(NotionFailure) as again:
        await gateway.update_page(pages[1], PAID)
    assert again.value is caught.value
    assert len(local.tap.seen) == 1, "nothing is sent once Notion has refused the token"


async def test_a_missing_page_is_notions_object_not_found_naming_the_page(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    missing = "0a1b2c3d-0000-4000-8000-000000000001"
    with pytest.raises(NotionFailure) as caught:
        await local.gateway().retrieve_page(missing)
    assert (caught.value.status, caught.value.code) == (404, "object_not_found")
    assert missing in caught.value.message and caught.value.request_id
    assert len(local.tap.seen) == 1


async def test_an_unknown_status_option_is_a_validation_error_and_is_not_retried(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    _, (page,) = await local.ledger(1)
    with pytest.raises(NotionFailure) as caught:
        await local.gateway().update_page(page, {"Status": {"status": {"name": "Settled"}}})
    assert (caught.value.status, caught.value.code) == (400, "validation_error")
    assert "Settled" in caught.value.message
    assert len(local.tap.seen) == 1 and local.status_of(page) == "Pending"


async def test_a_wrong_token_is_unauthorized_and_is_not_retried(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    _, (page,) = await local.ledger(1)
    stranger = AsyncClient(
        client=local.client.client,
        auth="secret_wrong",
        base_url="http://sandbox.local",
        retry=False,
        logger=QUIET,
    )
    gateway = NotionGateway(stranger, local.gateway().bucket)
    with pytest.raises(NotionFailure) as caught:
        await gateway.retrieve_page(page)
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")
    assert len(local.tap.seen) == 1


# ---- creates: retried only when the failure proves nothing was applied ---------------------------------


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_a_create_is_not_retried_after_a_5xx_that_may_have_been_applied(
    local: LocalNotion, autojump_clock: trio.abc.Clock, status: int
) -> None:
    source, _ = await local.ledger(0)
    await local.admin.faults(targeted=[{"create_in": source, "status": status, "count": 1}])
    job = RequestCounters()
    with pytest.raises(NotionFailure) as caught:
        await local.gateway().create_page(source, entry("new"), job)
    assert caught.value.status == status and caught.value.maybe_applied
    assert (len(local.tap.seen), job.writes, job.retries) == (1, 1, 0), "one create sent, none repeated"


@pytest.mark.parametrize("status", [429, 529])
async def test_a_create_is_retried_after_a_throttle_and_creates_one_page(
    local: LocalNotion, autojump_clock: trio.abc.Clock, status: int
) -> None:
    source, _ = await local.ledger(0)
    await local.admin.faults(targeted=[{"create_in": source, "status": status, "count": 2}])
    job = RequestCounters()
    created = await local.gateway().create_page(source, entry("new"), job)
    assert local.pages_in(source) == 1 and created["object"] == "page"
    assert (job.writes, job.throttles, job.retries) == (3, 2, 0)


async def test_a_create_is_retried_after_a_503_which_means_it_was_not_applied(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    source, _ = await local.ledger(0)
    await local.admin.faults(targeted=[{"create_in": source, "status": 503, "count": 1}])
    job = RequestCounters()
    await local.gateway().create_page(source, entry("new"), job)
    assert local.pages_in(source) == 1 and (job.writes, job.retries) == (2, 1)


# ---- counters -------------------------------------------------------------------------------------------


async def test_each_jobs_counters_add_up_to_the_gateways_totals_and_to_what_the_sandbox_saw(
    local: LocalNotion, autojump_clock: trio.abc.Clock
) -> None:
    source, ids = await local.ledger(6)
    await local.admin.faults(
        spec="500:0.2,503:0.1,429:0.1",
        random_seed=5,
        targeted=[{"page_id": ids[0], "status": 529, "count": 1}],
    )
    gateway = local.gateway(rate=20, burst=2)
    first, second = RequestCounters(), RequestCounters()

    async def job(counters: RequestCounters, pages: list[str]) -> None:
        await gateway.query_all(source, None, counters)
        for page in pages:
            await gateway.update_page(page, PAID, counters)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(job, first, ids[:3])
        nursery.start_soon(job, second, ids[3:])
    stats = await local.admin.stats()
    totals = gateway.totals
    for name in ("reads", "writes", "retries", "throttles"):
        assert getattr(first, name) + getattr(second, name) == getattr(totals, name), name
    assert first.wait_s + second.wait_s == pytest.approx(totals.wait_s)
    assert totals.reads == stats["totals"]["reads"] and totals.writes == stats["totals"]["writes"]
    assert totals.retries + totals.throttles == stats["totals"]["faults"] >= 2
    assert totals.throttles == len(local.tap.with_status(429)) + len(local.tap.with_status(529))
    assert totals.writes == len(ids) + sum(
        1 for e in local.tap.seen if e.method == "PATCH" and e.status != 200
    )
    assert first.snapshot()["wait_ms"] > 0, "the throttles and the bucket made the jobs wait"
    assert all(local.status_of(page) == "Paid" for page in ids)


# ---- over real HTTP: timeouts and dropped connections ---------------------------------------------------


@dataclass
class Served:
    sandbox: RunningSandbox
    gateway: NotionGateway
    source: str
    pages: list[str]

    def status_of(self, page_id: str) -> str | None:
        page = self.sandbox.store.pages[page_id]
        source = self.sandbox.store.sources[self.source]
        value = page.values.get(source.properties["Status"]["id"])
        return value.get("name") if isinstance(value, dict) else None

    def pages_in_source(self) -> int:
        return len(self.sandbox.store.pages_by_source.get(self.source, ()))


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """A sandbox over HTTP with a 2-page ledger, and a gateway that gives up on a request after 0.3 s."""
    async with open_sandbox(tmp_path / "served") as sandbox:
        settings = NotionSettings(base_url=sandbox.base_url, rate=1000.0, burst=100, timeout_s=0.3)
        policy = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02)
        async with open_gateway(settings, sandbox.token, policy=policy, rng=random.Random(3)) as gateway:
            database = await gateway.client.databases.create(
                parent={"type": "workspace", "workspace": True},
                title=[{"type": "text", "text": {"content": "Ledger"}}],
                initial_data_source={"properties": {"Name": {"title": {}}, **_status_property()}},
            )
            source = database["data_sources"][0]["id"]
            pages = [(await gateway.create_page(source, entry(f"entry {n}")))["id"] for n in range(2)]
            async with open_admin(sandbox.base_url) as admin:
                await admin.reset_stats()
            yield Served(sandbox, gateway, source, pages)


def _status_property() -> dict[str, object]:
    options = [{"name": "Pending", "color": "yellow"}, {"name": "Paid", "color": "green"}]
    return {"Status": {"status": {"options": options}}}


@pytest.mark.parametrize("fault", ["timeout", "reset", "applied_reset"])
async def test_an_update_that_times_out_or_loses_its_connection_is_retried_and_lands(
    served: Served, fault: str
) -> None:
    page = served.pages[0]
    async with open_admin(served.sandbox.base_url) as admin:
        await admin.faults(targeted=[{"page_id": page, "status": fault, "count": 2}])
        job = RequestCounters()
        await served.gateway.update_page(page, PAID, job)
        outcomes = await admin.route_outcomes(UPDATE)
    assert served.status_of(page) == "Paid"
    assert (job.writes, job.retries) == (3, 2)
    assert outcomes == {fault: 2, "200": 1}


@pytest.mark.parametrize(("fault", "code"), [("timeout", "timeout"), ("reset", "connection_error")])
async def test_an_update_that_keeps_timing_out_fails_after_max_attempts(
    served: Served, fault: str, code: str
) -> None:
    page = served.pages[0]
    async with open_admin(served.sandbox.base_url) as admin:
        await admin.faults(targeted=[{"page_id": page, "status": fault, "count": 10}])
        with pytest.raises(NotionFailure) as caught:
            await served.gateway.update_page(page, PAID)
        outcomes = await admin.route_outcomes(UPDATE)
    assert caught.value.code == code and caught.value.status is None and caught.value.retryable
    assert outcomes == {fault: served.gateway.policy.max_attempts}


@pytest.mark.parametrize(("fault", "code"), [("timeout", "timeout"), ("reset", "connection_error")])
async def test_a_create_is_not_retried_after_a_timeout_or_a_dropped_connection(
    served: Served, fault: str, code: str
) -> None:
    async with open_admin(served.sandbox.base_url) as admin:
        await admin.faults(targeted=[{"create_in": served.source, "status": fault, "count": 1}])
        job = RequestCounters()
        with pytest.raises(NotionFailure) as caught:
            await served.gateway.create_page(served.source, entry("new"), job)
        outcomes = await admin.route_outcomes(CREATE)
    assert caught.value.code == code and caught.value.maybe_applied
    assert outcomes == {fault: 1} and (job.writes, job.retries) == (1, 0)
    assert served.pages_in_source() == 2, "this fault dropped the create before it was applied"


async def test_a_create_whose_answer_is_lost_is_not_repeated_so_no_duplicate_page_appears(
    served: Served,
) -> None:
    async with open_admin(served.sandbox.base_url) as admin:
        await admin.faults(targeted=[{"create_in": served.source, "status": "applied_reset", "count": 1}])
        with pytest.raises(NotionFailure) as caught:
            await served.gateway.create_page(served.source, entry("new"))
        outcomes = await admin.route_outcomes(CREATE)
    assert caught.value.maybe_applied, "the caller must look the record up before creating it again"
    assert outcomes == {"applied_reset": 1}
    assert served.pages_in_source() == 3, "applied once, and only once"


async def test_seeded_timeouts_and_resets_on_reads_are_retried_until_the_query_succeeds(
    served: Served,
) -> None:
    async with open_admin(served.sandbox.base_url) as admin:
        await admin.faults(spec="timeout:0.2,reset:0.2", random_seed=7)
        job = RequestCounters()
        for _ in range(4):
            pages, _ = await served.gateway.query_all(served.source, None, job)
            assert len(pages) == 2
        stats = await admin.stats()
    assert stats["totals"]["faults"] == job.retries > 0
    assert job.reads == stats["totals"]["reads"] == 4 + job.retries

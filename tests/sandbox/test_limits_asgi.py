"""The middleware chain driven in-process under trio's autojump clock: stats → rate limit → latency →
faults → app, and the admin routes beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import trio
from starlette.types import Message, Receive, Scope, Send

from sandbox.limits import SandboxLimits, limits_for, wrap
from sandbox.options import SandboxOptions

pytestmark = pytest.mark.trio

PAGE = "59833787-2cf9-4fdf-8782-e53db20768a5"
RATE_LIMITED = "You have been rate limited. Please try again in a few minutes."


class FakeStore:
    query_lag_ms = 0


@dataclass
class FakeApp:
    """Answers 200 with the path, and remembers what reached it."""

    seen: list[tuple[str, str, bytes]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            self.seen.append((scope["type"], "", b""))
            return
        message = await receive()
        self.seen.append((scope["method"], scope["path"], message.get("body", b"")))
        body = json.dumps({"object": "page", "path": scope["path"]}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": body})


@dataclass
class Reply:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    finished_at: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


async def call(
    app: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str = "Bearer t",
    disconnect: trio.Event | None = None,
) -> Reply:
    """One request through `app`; the client 'disconnects' when `disconnect` is set."""
    raw = json.dumps(body).encode() if body is not None else b""
    sent_body = False
    reply = Reply()

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await (disconnect if disconnect is not None else trio.Event()).wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            reply.body += message.get("body", b"")

    headers = [(b"authorization", token.encode())] if token else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers, "query_string": b""}
    await app(scope, receive, send)
    reply.finished_at = trio.current_time()
    return reply


def make(**options: Any) -> tuple[SandboxLimits, FakeApp]:
    app = FakeApp()
    limits = wrap(app, SandboxOptions(**options), FakeStore())
    assert isinstance(limits, SandboxLimits)
    return limits, app


async def stats(limits: SandboxLimits) -> Any:
    return (await call(limits, "GET", "/_sandbox/stats", token="")).json()


# --- rate limit ---------------------------------------------------------------------------------------------


async def test_over_the_burst_a_request_gets_the_real_429_envelope() -> None:
    limits, app = make(rps=3, burst=3)
    replies = [await call(limits, "GET", f"/v1/pages/{PAGE}") for _ in range(5)]
    assert [r.status for r in replies] == [200, 200, 200, 429, 429]
    refused = replies[3]
    envelope = refused.json()
    assert envelope == {
        "object": "error",
        "status": 429,
        "code": "rate_limited",
        "message": RATE_LIMITED,
        "request_id": refused.headers["x-notion-request-id"],
    }
    assert refused.headers["retry-after"] == "1"
    assert len(app.seen) == 3


async def test_a_client_that_waits_retry_after_gets_through(autojump_clock: trio.abc.Clock) -> None:
    limits, _ = make(rps=0.5, burst=1)
    assert (await call(limits, "GET", "/v1/users/me")).status == 200
    refused = await call(limits, "GET", "/v1/users/me")
    assert refused.headers["retry-after"] == "2"
    await trio.sleep(int(refused.headers["retry-after"]))
    assert (await call(limits, "GET", "/v1/users/me")).status == 200


async def test_the_limiter_holds_its_rate_against_a_client_firing_flat_out(
    autojump_clock: trio.abc.Clock,
) -> None:
    limits, app = make(rps=10, burst=10)
    start = trio.current_time()
    while trio.current_time() - start < 30:
        await call(limits, "GET", f"/v1/pages/{PAGE}")
        await trio.sleep(0.01)
    # The burst, then 10 per second for the 30 seconds (the token due at exactly 30 s may or may not land).
    assert 10 + 299 <= len(app.seen) <= 10 + 300
    assert (await stats(limits))["totals"]["rate_limited"] > 0


async def test_each_integration_token_has_its_own_bucket() -> None:
    limits, _ = make(rps=1, burst=1)
    assert (await call(limits, "GET", "/v1/users/me", token="Bearer a")).status == 200
    assert (await call(limits, "GET", "/v1/users/me", token="Bearer a")).status == 429
    assert (await call(limits, "GET", "/v1/users/me", token="Bearer b")).status == 200


async def test_rps_zero_disables_the_limit() -> None:
    limits, app = make(rps=0, burst=1)
    for _ in range(100):
        await call(limits, "GET", "/v1/users/me")
    assert len(app.seen) == 100


async def test_a_rate_limited_request_is_counted_and_never_faulted() -> None:
    limits, _ = make(rps=1, burst=1, faults="500:1")
    first = await call(limits, "PATCH", f"/v1/pages/{PAGE}", {"properties": {}})
    second = await call(limits, "PATCH", f"/v1/pages/{PAGE}", {"properties": {}})
    assert (first.json()["code"], second.json()["code"]) == ("internal_server_error", "rate_limited")
    totals = (await stats(limits))["totals"]
    assert totals == {"reads": 0, "writes": 2, "total": 2, "rate_limited": 1, "faults": 1}


# --- latency ------------------------------------------------------------------------------------------------


async def test_latency_delays_each_request_and_concurrent_requests_overlap(
    autojump_clock: trio.abc.Clock,
) -> None:
    limits, _ = make(latency_ms=100)
    start = trio.current_time()
    replies: list[Reply] = []

    async def one() -> None:
        replies.append(await call(limits, "GET", f"/v1/pages/{PAGE}"))

    async with trio.open_nursery() as nursery:
        for _ in range(10):
            nursery.start_soon(one)
    assert [r.status for r in replies] == [200] * 10
    assert {round(r.finished_at - start, 6) for r in replies} == {0.1}


async def test_jitter_stays_within_its_bound_and_repeats_with_the_seed(
    autojump_clock: trio.abc.Clock,
) -> None:
    async def delays(seed: int) -> list[float]:
        limits, _ = make(latency_ms=50, jitter_ms=20, random_seed=seed)
        out = []
        for _ in range(20):
            start = trio.current_time()
            await call(limits, "GET", "/v1/users/me")
            out.append(round(trio.current_time() - start, 9))
        return out

    first = await delays(1)
    assert all(0.05 <= d <= 0.07 + 1e-9 for d in first)
    assert len(set(first)) > 1
    assert first == await delays(1)
    assert first != await delays(2)


async def test_a_rate_limited_request_is_answered_without_latency(autojump_clock: trio.abc.Clock) -> None:
    limits, _ = make(rps=1, burst=1, latency_ms=500)
    await call(limits, "GET", "/v1/users/me")
    start = trio.current_time()
    assert (await call(limits, "GET", "/v1/users/me")).status == 429
    assert trio.current_time() == start


# --- faults -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "retry_after"),
    [
        (500, "internal_server_error", None),
        (502, "bad_gateway", None),
        (503, "service_unavailable", None),
        (504, "gateway_timeout", None),
        (529, "service_overload", "1"),
        (429, "rate_limited", "1"),
    ],
)
async def test_a_status_fault_answers_the_real_envelope_and_spares_the_app(
    status: int, code: str, retry_after: str | None
) -> None:
    limits, app = make(faults=f"{status}:1")
    reply = await call(limits, "PATCH", f"/v1/pages/{PAGE}", {"properties": {}})
    assert reply.status == status
    envelope = reply.json()
    assert envelope["object"] == "error"
    assert (envelope["status"], envelope["code"]) == (status, code)
    assert envelope["request_id"] == reply.headers["x-notion-request-id"]
    assert reply.headers.get("retry-after") == retry_after
    assert app.seen == []
    assert (await stats(limits))["totals"]["faults"] == 1


async def test_the_same_seed_and_requests_give_the_same_statuses() -> None:
    async def statuses(seed: int) -> list[int | None]:
        limits, _ = make(faults="500:0.2,503:0.2,reset:0.1", random_seed=seed)
        return [(await call(limits, "GET", f"/v1/pages/{PAGE}")).status for _ in range(60)]

    first = await statuses(11)
    assert first == await statuses(11)
    assert {200, 500, 503} <= set(first)


async def test_a_reset_promises_a_body_it_never_sends() -> None:
    limits, app = make(faults="reset:1")
    reply = await call(limits, "GET", f"/v1/pages/{PAGE}")
    assert reply.status == 200
    assert int(reply.headers["content-length"]) > len(reply.body) == 0
    assert app.seen == []
    assert (await stats(limits))["by_status"] == {"reset": 1}


async def test_a_timeout_never_answers_until_the_client_leaves(autojump_clock: trio.abc.Clock) -> None:
    limits, app = make(faults="timeout:1")
    gone = trio.Event()
    replies: list[Reply] = []
    async with trio.open_nursery() as nursery:

        async def client() -> None:
            replies.append(await call(limits, "GET", f"/v1/pages/{PAGE}", disconnect=gone))

        nursery.start_soon(client)
        await trio.sleep(3600)
        assert replies == []
        assert limits.held_requests == 1
        gone.set()
    assert replies[0].status is None
    assert limits.held_requests == 0
    assert app.seen == []


async def test_close_lets_go_of_held_requests_now_and_later(autojump_clock: trio.abc.Clock) -> None:
    limits, _ = make(faults="timeout:1")
    replies: list[Reply] = []
    async with trio.open_nursery() as nursery:

        async def client() -> None:
            replies.append(await call(limits, "GET", f"/v1/pages/{PAGE}"))

        nursery.start_soon(client)
        await trio.sleep(10)
        limits.close()
    later = await call(limits, "GET", f"/v1/pages/{PAGE}")
    for reply in [*replies, later]:
        assert reply.status == 200 and reply.body == b""  # a dropped connection, not an answer


async def test_targeted_faults_hit_the_next_writes_to_that_page() -> None:
    limits, app = make()
    posted = await call(
        limits,
        "POST",
        "/_sandbox/faults",
        {"targeted": [{"page_id": PAGE, "status": 409, "count": 2}]},
        token="",
    )
    assert posted.json()["targeted"] == [{"page_id": PAGE, "status": 409, "count": 2}]
    codes = [(await call(limits, "PATCH", f"/v1/pages/{PAGE}", {"properties": {}})).status for _ in range(3)]
    assert codes == [409, 409, 200]
    assert (await call(limits, "GET", "/_sandbox/faults", token="")).json()["targeted"] == []
    assert len(app.seen) == 1


async def test_a_bad_fault_spec_in_the_options_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="'503:x'"):
        make(faults="500:0.1,503:x")


# --- admin routes -------------------------------------------------------------------------------------------


async def test_stats_count_by_method_route_and_status() -> None:
    limits, _ = make(rps=2, burst=2)
    await call(limits, "GET", f"/v1/pages/{PAGE}")
    await call(limits, "PATCH", f"/v1/pages/{PAGE}", {"properties": {}})
    await call(limits, "POST", f"/v1/data_sources/{PAGE}/query", {})
    snapshot = await stats(limits)
    assert snapshot["totals"] == {"reads": 2, "writes": 1, "total": 3, "rate_limited": 1, "faults": 0}
    assert snapshot["by_method"] == {"GET": 1, "PATCH": 1, "POST": 1}
    assert snapshot["by_route"]["POST /v1/data_sources/{data_source_id}/query"] == {
        "count": 1,
        "by_status": {"429": 1},
    }
    assert snapshot["by_route"]["PATCH /v1/pages/{page_id}"] == {"count": 1, "by_status": {"200": 1}}


async def test_admin_routes_are_not_counted_limited_delayed_or_faulted(
    autojump_clock: trio.abc.Clock,
) -> None:
    limits, _ = make(rps=1, burst=1, latency_ms=1000, faults="500:1")
    start = trio.current_time()
    replies = [await call(limits, "GET", "/_sandbox/stats", token="") for _ in range(5)]
    assert [r.status for r in replies] == [200] * 5
    assert trio.current_time() == start
    assert replies[-1].json()["totals"]["total"] == 0


async def test_stats_reset_starts_the_count_again() -> None:
    limits, _ = make()
    await call(limits, "GET", f"/v1/pages/{PAGE}")
    reset = await call(limits, "POST", "/_sandbox/stats/reset", token="")
    assert reset.status == 200
    assert reset.json()["totals"]["total"] == 0
    await call(limits, "GET", f"/v1/pages/{PAGE}")
    assert (await stats(limits))["totals"]["total"] == 1


async def test_faults_can_be_read_and_replaced_at_runtime() -> None:
    limits, _ = make(faults="503:0.5", random_seed=1, query_lag_ms=50, rps=3, burst=4)
    shown = (await call(limits, "GET", "/_sandbox/faults", token="")).json()
    assert shown == {
        "spec": "503:0.5",
        "random_seed": 1,
        "targeted": [],
        "query_lag_ms": 50,
        "rate_limit": {"rps": 3, "burst": 4},
        "latency": {"latency_ms": 0.0, "jitter_ms": 0.0},
    }
    assert limits.store.query_lag_ms == 50
    changed = await call(
        limits, "POST", "/_sandbox/faults", {"spec": "500:1", "random_seed": 3, "query_lag_ms": 200}, token=""
    )
    assert changed.json()["spec"] == "500:1"
    assert (changed.json()["random_seed"], changed.json()["query_lag_ms"]) == (3, 200)
    assert limits.store.query_lag_ms == 200
    assert (await call(limits, "GET", f"/v1/pages/{PAGE}")).status == 500


async def test_a_new_seed_posted_at_runtime_replays_the_same_faults() -> None:
    limits, _ = make(faults="500:0.5")

    async def run() -> list[int | None]:
        await call(limits, "POST", "/_sandbox/faults", {"random_seed": 9}, token="")
        return [(await call(limits, "GET", f"/v1/pages/{PAGE}")).status for _ in range(30)]

    assert await run() == await run()


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"spec": "500:2"}, "'500:2'"),
        ({"spec": 5}, "spec must be a str"),
        ({"random_seed": "3"}, "random_seed must be a int"),
        ({"query_lag_ms": -1}, "query_lag_ms"),
        ({"targeted": [{"page_id": PAGE, "status": 999}]}, "targeted[0].status"),
        ({"latency_ms": 5}, "unknown keys"),
        ([1, 2], "JSON object"),
    ],
)
async def test_a_bad_fault_config_is_a_400_that_changes_nothing(body: Any, named: str) -> None:
    limits, _ = make(faults="503:0.5")
    before = (await call(limits, "GET", "/_sandbox/faults", token="")).json()
    reply = await call(
        limits,
        "POST",
        "/_sandbox/faults",
        {"spec": "500:1", **body} if isinstance(body, dict) else body,
        token="",
    )
    assert reply.status == 400
    assert reply.json()["code"] == "validation_error"
    assert named in reply.json()["message"]
    assert (await call(limits, "GET", "/_sandbox/faults", token="")).json() == before


async def test_unknown_admin_routes_and_methods_are_refused() -> None:
    limits, _ = make()
    assert (await call(limits, "GET", "/_sandbox/nothing", token="")).status == 404
    assert (await call(limits, "DELETE", "/_sandbox/stats", token="")).status == 405


async def test_other_scopes_pass_straight_to_the_app() -> None:
    limits, app = make(rps=1, burst=1, faults="500:1")

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        pass

    await limits({"type": "lifespan"}, receive, send)
    assert app.seen == [("lifespan", "", b"")]


async def test_the_wrapper_can_be_found_from_its_store() -> None:
    limits, _ = make()
    assert limits_for(limits.store) is limits
    assert limits_for(FakeStore()) is None

"""The LIFO transport under the gateway, against a tiny real HTTP/1.1 server on localhost.

Real sockets and trio's real clock (keep-alive, a server closing an idle connection and timeouts are about
sockets); every wait is bounded by a short timeout, and the test waits on events, not on the clock, for what
the server has done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import trio

from engine.notion.failures import Disposition, classify
from engine.notion.transport import LifoTransport

pytestmark = pytest.mark.trio

Behaviour = Callable[["Server", trio.SocketStream, int], Awaitable[bool]]


@dataclass
class Server:
    """Answers each request with `ok` unless `behaviour` says otherwise; counts connections and requests."""

    port: int = 0
    connections: int = 0
    requests: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    closed_idle: trio.Event = field(default_factory=trio.Event)
    release: trio.Event = field(default_factory=trio.Event)
    wanted: int = 1  # `reached` is set once this many requests are in flight at once
    reached: trio.Event = field(default_factory=trio.Event)

    async def serve(self, stream: trio.SocketStream, behaviour: Behaviour) -> None:
        self.connections += 1
        buffer = b""
        async with stream:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = await stream.receive_some(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += await stream.receive_some(65536)
                buffer = buffer[length:]
                self.requests += 1
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                if self.in_flight >= self.wanted:
                    self.reached.set()
                try:
                    keep = await behaviour(self, stream, self.requests)
                finally:
                    self.in_flight -= 1
                if not keep:
                    return


async def ok(stream: trio.SocketStream) -> None:
    body = b'{"ok": true}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    await stream.send_all(head + body)


async def answer(server: Server, stream: trio.SocketStream, n: int) -> bool:
    await ok(stream)
    return True


@asynccontextmanager
async def serving(behaviour: Behaviour) -> AsyncIterator[Server]:
    server = Server()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(trio.serve_tcp, lambda s: server.serve(s, behaviour), 0)
        server.port = listeners[0].socket.getsockname()[1]
        try:
            yield server
        finally:
            nursery.cancel_scope.cancel()


@asynccontextmanager
async def client(
    max_connections: int = 4, seconds: float = 2.0
) -> AsyncIterator[tuple[httpx.AsyncClient, LifoTransport]]:
    transport = LifoTransport(max_connections=max_connections)
    async with httpx.AsyncClient(transport=transport, timeout=seconds) as http:
        yield http, transport


async def test_sequential_requests_share_one_connection() -> None:
    async with serving(answer) as server, client() as (http, transport):
        for _ in range(5):
            response = await http.post(f"http://127.0.0.1:{server.port}/v1/pages", json={"a": 1})
            assert response.json() == {"ok": True}
    assert server.requests == 5
    assert server.connections == 1
    assert transport.connections_made == 1


async def test_a_connection_the_server_closed_while_idle_is_replaced_and_the_request_succeeds() -> None:
    async def once_then_close(server: Server, stream: trio.SocketStream, n: int) -> bool:
        await ok(stream)
        if n == 1:
            await stream.aclose()
            server.closed_idle.set()
            return False
        return True

    async with serving(once_then_close) as server, client() as (http, transport):
        url = f"http://127.0.0.1:{server.port}/"
        assert (await http.get(url)).status_code == 200
        await server.closed_idle.wait()
        for _ in range(3):
            assert (await http.get(url)).status_code == 200
    assert server.connections == 2
    assert transport.connections_made == 2


async def test_a_server_that_never_answers_is_a_read_timeout_the_gateway_calls_a_timeout() -> None:
    async def silent(server: Server, stream: trio.SocketStream, n: int) -> bool:
        await trio.sleep_forever()
        return False

    async with serving(silent) as server, client(seconds=0.2) as (http, _):
        with pytest.raises(httpx.ReadTimeout) as raised:
            await http.get(f"http://127.0.0.1:{server.port}/")
    failure = classify(raised.value)
    assert failure is not None
    assert failure.disposition is Disposition.TRANSIENT


async def test_a_closed_port_is_a_connect_error_and_nothing_stays_open() -> None:
    listener = trio.socket.socket()
    await listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # bound then closed: nothing listens there
    async with client(seconds=1.0) as (http, transport):
        with pytest.raises(httpx.ConnectError) as raised:
            await http.get(f"http://127.0.0.1:{port}/")
        assert transport._open == set()
    failure = classify(raised.value)
    assert failure is not None
    assert failure.maybe_applied is False  # the request never reached Notion


async def test_at_most_max_connections_requests_are_in_flight_and_all_get_through() -> None:
    async def held(server: Server, stream: trio.SocketStream, n: int) -> bool:
        await server.release.wait()
        await ok(stream)
        return True

    statuses: list[int] = []
    async with serving(held) as server, client(max_connections=2) as (http, transport):

        async def one() -> None:
            statuses.append((await http.get(f"http://127.0.0.1:{server.port}/")).status_code)

        server.wanted = 2
        async with trio.open_nursery() as nursery:
            for _ in range(6):
                nursery.start_soon(one)
            await server.reached.wait()
            await trio.testing.wait_all_tasks_blocked(0.05)
            assert server.in_flight == 2  # the other four wait for a connection
            server.release.set()
    assert statuses == [200] * 6
    assert server.most_in_flight == 2
    assert transport.connections_made == 2


async def test_a_request_waiting_longer_than_its_pool_timeout_for_a_connection_is_a_pool_timeout() -> None:
    async def held(server: Server, stream: trio.SocketStream, n: int) -> bool:
        await server.release.wait()
        await ok(stream)
        return True

    async with serving(held) as server, client(max_connections=1) as (http, _):
        url = f"http://127.0.0.1:{server.port}/"
        async with trio.open_nursery() as nursery:
            nursery.start_soon(http.get, url)
            await server.reached.wait()
            with pytest.raises(httpx.PoolTimeout):
                await http.get(url, timeout=httpx.Timeout(2.0, pool=0.05))
            server.release.set()
        assert (await http.get(url)).status_code == 200  # the slot the timed-out request waited for is free


async def test_a_cancelled_request_gives_its_slot_back() -> None:
    async def held(server: Server, stream: trio.SocketStream, n: int) -> bool:
        await server.release.wait()
        await ok(stream)
        return True

    async with serving(held) as server, client(max_connections=1) as (http, transport):
        url = f"http://127.0.0.1:{server.port}/"
        with trio.move_on_after(0.05):
            await http.get(url)
        server.release.set()
        assert (await http.get(url)).status_code == 200
    assert transport._open == set()

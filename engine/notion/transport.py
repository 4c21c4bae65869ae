"""The HTTP transport under notion-client: keep-alive connections handed out last in, first out.

httpx's default pool looks at every connection it holds each time a request arrives and each time a response
is closed (for every idle one, a poll of its socket to see whether the server closed it): on a 10,000-write
job that was a fifth of paydesk's CPU. Here a request takes the connection given back most recently, checks
that one alone (its keep-alive expired, or the server closed it while it was idle), and gives it back when its
response is closed. At most `max_connections` are open at once; a request beyond them waits for one (the
`pool` timeout of the request, if any).

Requests and responses are httpx's on the outside and httpcore's on the wire, as with httpx's own transport;
httpcore's errors are raised as the httpx errors of the same names, which is what notion-client and
engine.notion.failures classify.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator
from types import TracebackType

import httpcore
import httpx
import trio

KEEPALIVE_S = 5.0  # httpx's default keep-alive expiry

# httpcore's errors and the httpx errors they become, most specific first
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        for core, mapped in _ERRORS:
            if isinstance(error, core):
                raise mapped(str(error), request=request) from error
        raise


class LifoTransport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections, the most recently returned one reused first."""

    def __init__(self, max_connections: int, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._slots = trio.Semaphore(max_connections)
        self._ssl_context = ssl_context if ssl_context is not None else httpx.create_ssl_context()
        self._idle: list[httpcore.AsyncHTTPConnection] = []  # the last given back at the end
        self._open: set[httpcore.AsyncHTTPConnection] = set()
        self.connections_made = 0  # how many were opened (tests and benchmarks read it)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        await self._take_slot(request)
        try:
            connection = await self._connection_for(core.url.origin)
            try:
                with _as_httpx_errors(request):
                    answer = await connection.handle_async_request(core)
            except BaseException:
                await self._give_back(connection)
                raise
        except BaseException:
            self._slots.release()
            raise
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream, request, connection, self),  # type: ignore[arg-type]
            extensions=answer.extensions,
        )

    async def _take_slot(self, request: httpx.Request) -> None:
        timeouts = request.extensions.get("timeout", {})
        wait = timeouts.get("pool") if isinstance(timeouts, dict) else None
        if wait is None:
            await self._slots.acquire()
            return
        with trio.move_on_after(wait):
            await self._slots.acquire()
            return
        raise httpx.PoolTimeout("no connection to Notion became free in time", request=request)

    async def _connection_for(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        while self._idle:
            connection = self._idle.pop()
            usable = connection.can_handle_request(origin) and connection.is_idle()
            if usable and not connection.has_expired():
                return connection
            await self._close(connection)
        connection = httpcore.AsyncHTTPConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=KEEPALIVE_S
        )
        self._open.add(connection)
        self.connections_made += 1
        return connection

    async def _give_back(self, connection: httpcore.AsyncHTTPConnection) -> None:
        """A connection whose exchange is over: kept for the next request if it can take one, else closed."""
        if connection.is_idle() and not connection.is_closed():  # a failed connect counts as idle, closed
            self._idle.append(connection)
        else:
            await self._close(connection)

    def _release(self) -> None:
        self._slots.release()

    async def _close(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._open.discard(connection)
        with trio.CancelScope(shield=True), contextlib.suppress(Exception):
            await connection.aclose()

    async def aclose(self) -> None:
        self._idle.clear()
        for connection in list(self._open):
            await self._close(connection)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


class _Body(httpx.AsyncByteStream):
    """A response's body: read through, and its connection given back when it is closed."""

    def __init__(
        self,
        stream: AsyncIterator[bytes],
        request: httpx.Request,
        connection: httpcore.AsyncHTTPConnection,
        owner: LifoTransport,
    ) -> None:
        self._stream, self._request, self._connection, self._owner = stream, request, connection, owner
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            with _as_httpx_errors(self._request):
                closer = getattr(self._stream, "aclose", None)
                if closer is not None:
                    await closer()
        finally:
            await self._owner._give_back(self._connection)
            self._owner._release()

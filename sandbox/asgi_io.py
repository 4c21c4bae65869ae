"""Small ASGI helpers for the sandbox's middleware and admin routes: bodies in, JSON and envelopes out."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Receive, Send

from sandbox.errors import NotionError
from sandbox.ids import request_id


class ClientDisconnected(Exception):
    """The client went away before its request body had arrived in full."""


async def read_complete_body(receive: Receive) -> bytes:
    """The whole request body; ClientDisconnected if the client goes away first (a request whose body never
    arrived must not be applied, as if it were a request with an empty body)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def read_body(receive: Receive) -> bytes:
    """The whole request body (empty if the client disconnects first)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_json(
    send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def send_envelope(send: Send, error: NotionError, *, retry_after: int | None = None) -> None:
    """Answer the real error envelope with an `x-notion-request-id` (and `Retry-After` when given)."""
    rid = request_id()
    headers = [(b"x-notion-request-id", rid.encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send_json(send, error.status, error.envelope(rid), headers)


async def send_truncated(send: Send) -> None:
    """Start a 200 response that promises a body and never sends it: returning afterwards makes the server
    close the connection mid-response, which the client sees as a dropped connection."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", b"1024"),
                (b"x-notion-request-id", request_id().encode()),
            ],
        }
    )

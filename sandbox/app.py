"""The Notion API as a plain ASGI app: the edge (auth, version, JSON, the error envelope) and the route table.

Every answer carries ``x-notion-request-id``; every failure is the JSON error envelope. Nothing escapes as a
500: an unexpected exception is logged and answered as a 400 ``invalid_request``. A path that matches no
route (or a route with another method) is a 400 ``invalid_request_url``.

Routing is a small dispatcher of its own (a dict of static paths, then one compiled pattern per
parametrised path) rather than Starlette's router: it runs for every request, and the server's CPU per
request is what the throughput benchmark measures.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from starlette.types import Receive, Scope, Send

from sandbox import ids
from sandbox.asgi_io import ClientDisconnected, read_body, read_complete_body
from sandbox.call import Call, Handler
from sandbox.errors import (
    NotionError,
    body_invalid,
    invalid_json,
    invalid_request,
    invalid_url,
    missing_version,
    unauthorized,
)
from sandbox.json_text import encode_json
from sandbox.options import SandboxOptions
from sandbox.routes.table import ROUTES
from sandbox.store import SandboxStore

logger = logging.getLogger("sandbox")
MAX_BODY = 500 * 1024
DEFAULT_OPTIONS = SandboxOptions()
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARAM = re.compile(r"{(\w+)(:path)?}")
_CONTENT_TYPE = (b"content-type", b"application/json; charset=utf-8")


async def send_response(send: Send, status: int, body: bytes, request_id: str, *, head: bool = False) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                _CONTENT_TYPE,
                (b"content-length", str(len(body)).encode("ascii")),
                (b"x-notion-request-id", request_id.encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body})


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def parse_body(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (empty body: ``{}``); NotionError for anything else."""
    if len(raw) > MAX_BODY:
        raise body_invalid("body", f"≤ {MAX_BODY} bytes", f"{len(raw)} bytes")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise invalid_json() from None
    if not isinstance(data, dict):
        raise body_invalid("body", "an object", data)
    return data


def _compile(path: str) -> re.Pattern[str]:
    pattern, last = "", 0
    for match in _PARAM.finditer(path):
        pattern += re.escape(path[last : match.start()])
        pattern += f"(?P<{match.group(1)}>.*)" if match.group(2) else f"(?P<{match.group(1)}>[^/]+)"
        last = match.end()
    return re.compile(pattern + re.escape(path[last:]) + r"\Z")


class NotionApp:
    """The bare Notion API over a store as an ASGI app (HTTP, and lifespan events answered at once)."""

    def __init__(
        self, store: SandboxStore, options: SandboxOptions, routes: list[tuple[str, str, Handler]]
    ) -> None:
        self.store = store
        self.options = options
        self._expected_auth = f"Bearer {options.token}".encode("latin-1")
        self._static: dict[tuple[str, str], Handler] = {}
        self._patterns: dict[str, list[tuple[re.Pattern[str], Handler]]] = {}
        for path, method, handler in routes:
            if "{" in path:
                self._patterns.setdefault(method, []).append((_compile(path), handler))
            else:
                self._static[(method, path)] = handler

    def _name_the_integration(self, payload: dict[str, Any]) -> None:
        """A 404 names the integration the objects should be shared with, as Notion's does."""
        bot = self.store.users.get(self.store.bot_id, {})
        message = str(payload["message"])
        if message.endswith("your integration."):
            payload["message"] = f'{message[:-1]} "{bot.get("name", "")}".'
        payload["additional_data"] = {"integration_id": self.store.bot_id}

    def route(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """The handler for ``method path`` and its path parameters, or None (a trailing slash is
        ignored, as Notion ignores it)."""
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        handler = self._static.get((method, path))
        if handler is not None:
            return handler, {}
        for pattern, candidate in self._patterns.get(method, ()):
            match = pattern.match(path)
            if match is not None:
                return candidate, match.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = ids.request_id()
        method: str = scope["method"]
        head = method == "HEAD"
        found = self.route("GET" if head else method, scope["path"])
        status = 200
        try:
            if found is None:
                await read_body(receive)
                raise invalid_url()
            handler, params = found
            auth = version = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    auth = value
                elif name == b"notion-version":
                    version = value.decode("latin-1")
            if auth != self._expected_auth:
                raise unauthorized()
            if not version:
                raise missing_version()
            if not _VERSION.match(version):
                raise NotionError(
                    400,
                    "validation_error",
                    f"Notion-Version header failed validation: Notion-Version header should be a valid "
                    f'version such as "2025-09-03", instead was `"{version[:40]}"`.',
                )
            # read in full even when too large, so the client is never cut off
            body = parse_body(await read_complete_body(receive)) if method in ("POST", "PATCH") else {}
            payload = handler(Call(self.store, scope, params, body))
            payload["request_id"] = rid
        except NotionError as error:
            status, payload = error.status, error.envelope(rid)
            if error.code == "object_not_found":
                self._name_the_integration(payload)
        except ClientDisconnected:
            return  # the body never arrived: nothing to apply, and nobody to answer
        except Exception:
            logger.exception("sandbox: unexpected error on %s %s", method, scope["path"])
            unexpected = invalid_request("The request could not be processed.")
            status, payload = unexpected.status, unexpected.envelope(rid)
        await send_response(send, status, encode_json(payload), rid, head=head)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_app(store: SandboxStore, options: SandboxOptions = DEFAULT_OPTIONS) -> NotionApp:
    """The bare Notion API app over ``store`` (no rate limit, latency or faults: see sandbox.limits)."""
    return NotionApp(store, options, ROUTES)

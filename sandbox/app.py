"""The Notion API as a Starlette app: the edge (auth, version, JSON, the error envelope) and the route table.

Every answer carries ``x-notion-request-id``; every failure is the JSON error envelope. Nothing escapes as a
500: an unexpected exception is logged and answered as a 400 ``invalid_request``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import ids
from sandbox.errors import (
    NotionError,
    body_invalid,
    invalid_json,
    invalid_request,
    invalid_url,
    missing_version,
    unauthorized,
)
from sandbox.options import SandboxOptions
from sandbox.store import SandboxStore

logger = logging.getLogger("sandbox")
MAX_BODY = 500 * 1024
DEFAULT_OPTIONS = SandboxOptions()
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Call:
    """What a handler gets: the store, the path parameters, the query string and the JSON body."""

    store: SandboxStore
    request: Request
    params: dict[str, str]
    body: dict[str, Any]

    def query_list(self, key: str) -> list[str]:
        return [*self.request.query_params.getlist(key), *self.request.query_params.getlist(key + "[]")]

    def query_one(self, key: str) -> str | None:
        return self.request.query_params.get(key)


Handler = Callable[[Call], dict[str, Any]]


def render(payload: dict[str, Any], status: int, request_id: str) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(
        body,
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers={"x-notion-request-id": request_id},
    )


def error_response(error: NotionError, request_id: str | None = None) -> Response:
    rid = request_id or ids.request_id()
    return render(error.envelope(rid), error.status, rid)


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


async def _read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()  # read in full even when too large, so the client is never cut off
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


def _endpoint(
    store: SandboxStore, options: SandboxOptions, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    expected = f"Bearer {options.token}"

    async def endpoint(request: Request) -> Response:
        rid = ids.request_id()
        try:
            if request.headers.get("authorization", "") != expected:
                raise unauthorized()
            version = request.headers.get("notion-version")
            if not version:
                raise missing_version()
            if not _VERSION.match(version):
                raise NotionError(
                    400,
                    "validation_error",
                    f"Notion-Version header failed validation: Notion-Version header should be a valid "
                    f'version such as "2025-09-03", instead was `"{version[:40]}"`.',
                )
            body = await _read_body(request) if request.method in ("POST", "PATCH") else {}
            params = {key: str(value) for key, value in request.path_params.items()}
            payload = handler(Call(store, request, params, body))
            payload["request_id"] = rid
            return render(payload, 200, rid)
        except NotionError as error:
            return error_response(error, rid)
        except Exception:
            logger.exception("sandbox: unexpected error on %s %s", request.method, request.url.path)
            return error_response(invalid_request("The request could not be processed."), rid)

    return endpoint


async def _not_routed(request: Request, exc: Exception) -> Response:
    return error_response(invalid_url())


def build_app(store: SandboxStore, options: SandboxOptions = DEFAULT_OPTIONS) -> Starlette:
    """The bare Notion API app over ``store`` (no rate limit, latency or faults: see sandbox.limits)."""
    from sandbox.routes import table

    routes = [
        Route(path, _endpoint(store, options, handler), methods=[method])
        for path, method, handler in table.ROUTES
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        404: _not_routed,
        405: _not_routed,
        HTTPException: _not_routed,
    }
    return Starlette(routes=routes, exception_handlers=handlers)

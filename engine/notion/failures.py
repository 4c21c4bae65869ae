"""What a failed Notion request means for the engine: retry, pause everything, or give up.

Retryability is decided here from the status code, never by notion-client (see NOTION.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

import httpx
from notion_client.errors import HTTPResponseError, RequestTimeoutError

THROTTLE_STATUSES = frozenset({429, 529})
REFUSED_STATUSES = frozenset({401})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class Disposition(Enum):
    THROTTLED = "throttled"  # Notion refused for load: pause the whole bucket, then try again
    TRANSIENT = "transient"  # may succeed later: back off and try again (a create only if not applied)
    PERMANENT = "permanent"  # will fail again as it is: record it and stop
    REFUSED = "refused"  # the integration itself is refused (a revoked token): stop the whole job


class NotionFailure(Exception):
    """A Notion request that did not succeed, with what the operator needs to understand it."""

    def __init__(
        self,
        *,
        status: int | None,
        code: str,
        message: str,
        request_id: str | None,
        disposition: Disposition,
        maybe_applied: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.disposition = disposition
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.disposition in (Disposition.THROTTLED, Disposition.TRANSIENT)

    def describe(self) -> str:
        status = f"HTTP {self.status} " if self.status else ""
        rid = f" (request {self.request_id})" if self.request_id else ""
        return f"{status}{self.code}: {self.message}{rid}"


@dataclass(frozen=True)
class ResponseShapeError(Exception):
    """Notion answered 200 with a body paydesk cannot use (wrong shape, missing keys)."""

    what: str

    def __str__(self) -> str:
        return self.what


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def proves_not_applied(status: int | None) -> bool:
    """Whether an error answer with this HTTP status proves the request changed nothing: every error
    status but those of a server that may have applied it before failing (500, 502, 504; a 503 refused it).
    No status (a timeout, a dropped connection) proves nothing."""
    return status is not None and (status not in TRANSIENT_STATUSES or status == 503)


def classify(error: BaseException) -> NotionFailure | None:
    """Turn what the client raised into a NotionFailure; None for anything that is not about Notion
    (a bug, a cancellation), which the caller must let propagate."""
    if isinstance(error, NotionFailure):
        return error
    if isinstance(error, HTTPResponseError):
        status = error.status
        code = error.code.value if isinstance(error.code, Enum) else str(error.code)
        message = str(error) or f"HTTP {status}"
        request_id = error.request_id
        if code == "notionhq_client_response_error":
            # A code notion-client does not know (bad_gateway, service_overload, …): it keeps neither
            # Notion's message nor its request id, so read them from the error envelope itself.
            envelope = _envelope(error.body)
            code = _text(envelope, "code") or f"http_{status}"
            message = _text(envelope, "message") or message
            request_id = request_id or _text(envelope, "request_id")
        request_id = request_id or error.headers.get("x-notion-request-id")
        if status in THROTTLE_STATUSES:
            disposition = Disposition.THROTTLED
        elif status in TRANSIENT_STATUSES:
            disposition = Disposition.TRANSIENT
        elif status in REFUSED_STATUSES:
            disposition = Disposition.REFUSED
        else:
            disposition = Disposition.PERMANENT
        applied = not proves_not_applied(status)
        return NotionFailure(
            status=status,
            code=code,
            message=message,
            request_id=request_id,
            disposition=disposition,
            maybe_applied=applied,
            retry_after=_retry_after(error.headers),
        )
    if isinstance(error, RequestTimeoutError | httpx.TimeoutException):
        return NotionFailure(
            status=None,
            code="timeout",
            message="Notion did not answer in time",
            request_id=None,
            disposition=Disposition.TRANSIENT,
            maybe_applied=True,
        )
    if isinstance(error, httpx.TransportError):
        applied = not isinstance(error, httpx.ConnectError)
        return NotionFailure(
            status=None,
            code="connection_error",
            message=f"connection to Notion failed ({type(error).__name__})",
            request_id=None,
            disposition=Disposition.TRANSIENT,
            maybe_applied=applied,
        )
    if isinstance(error, json.JSONDecodeError | ResponseShapeError):
        return NotionFailure(
            status=None,
            code="bad_response",
            message=f"Notion's answer could not be used: {error}",
            request_id=None,
            disposition=Disposition.TRANSIENT,
            maybe_applied=True,
        )
    return None


def _envelope(body: str) -> dict[str, object]:
    """Notion's error envelope from a response body ({} when the body is not one)."""
    try:
        parsed = json.loads(body)
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(envelope: dict[str, object], key: str) -> str | None:
    value = envelope.get(key)
    return value if isinstance(value, str) and value else None

"""The Notion error envelope: what the sandbox raises inside a handler and what the client receives."""

from __future__ import annotations

from typing import Any


class NotionError(Exception):
    """An API error answered as ``{"object": "error", "status", "code", "message", "request_id"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def envelope(self, request_id: str) -> dict[str, Any]:
        return {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
        }


def validation(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def body_invalid(path: str, expectation: str, got: Any) -> NotionError:
    """``body failed validation: body.X should be …, instead was `…`.`` as Notion words it."""
    return validation(f"body failed validation: {path} should be {expectation}, instead was `{_show(got)}`.")


def not_found(kind: str, object_id: str) -> NotionError:
    return NotionError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. "
        "Make sure the relevant pages and databases are shared with your integration.",
    )


def invalid_url() -> NotionError:
    return NotionError(400, "invalid_request_url", "Invalid request URL.")


def invalid_json() -> NotionError:
    return NotionError(400, "invalid_json", "Error parsing JSON body.")


def invalid_request(message: str) -> NotionError:
    return NotionError(400, "invalid_request", message)


def unauthorized() -> NotionError:
    return NotionError(401, "unauthorized", "API token is invalid.")


def missing_version() -> NotionError:
    return NotionError(
        400,
        "missing_version",
        "Notion-Version header failed validation: Notion-Version header should be defined, "
        "instead was `undefined`.",
    )


def _show(value: Any) -> str:
    if value is None:
        return "undefined"
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 80 else text[:77] + "..."

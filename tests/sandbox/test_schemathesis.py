"""Fuzzing the sandbox with Notion's own OpenAPI description: never a 5xx (no faults are injected), and every
error is the JSON envelope. Bounded (a fixed number of derandomized examples per operation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from sandbox.app import build_app
from sandbox.options import SandboxOptions
from sandbox.store import SandboxStore

SPEC = Path(__file__).resolve().parents[3] / "shared" / "notion-reference" / "notion-openapi.json"
IMPLEMENTED = (
    "/v1/users",
    "/v1/search",
    "/v1/blocks/{block_id}",
    "/v1/pages",
    "/v1/data_sources",
    "/v1/databases/{database_id}",
    "/v1/comments",
)
SKIPPED = ("/templates", "/move", "/markdown")
EXAMPLES = 30
OPTIONS = SandboxOptions()
HEADERS = {"Authorization": f"Bearer {OPTIONS.token}", "Notion-Version": "2025-09-03"}


def _operations() -> list[Any]:
    try:
        import schemathesis

        schema = schemathesis.openapi.from_path(SPEC)
        operations = [result.ok() for result in schema.get_all_operations()]
    except Exception as exc:  # the spec or schemathesis itself: skip, saying why
        pytest.skip(f"schemathesis cannot load {SPEC}: {exc!r}", allow_module_level=True)
    return [
        op
        for op in operations
        if op.path.startswith(IMPLEMENTED) and not any(part in op.path for part in SKIPPED)
    ]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    store = SandboxStore.open(tmp_path_factory.mktemp("fuzz"))
    database_id = store.create_database("Fuzz")
    store.create_data_source(database_id, "Fuzz", {"Name": {"type": "title", "title": {}}})
    yield build_app(store, OPTIONS)
    store.close()


def test_the_spec_covers_the_endpoints_paydesk_uses() -> None:
    paths = {(op.method.upper(), op.path) for op in OPERATIONS}
    assert ("POST", "/v1/data_sources/{data_source_id}/query") in paths
    assert ("PATCH", "/v1/pages/{page_id}") in paths


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_no_5xx_and_every_error_is_the_envelope(operation: Any, app: Any) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        response = case.call(app=app, headers=HEADERS)
        assert response.status_code < 500, response.text
        request_ids = response.headers.get("x-notion-request-id") or [""]
        assert request_ids[0]
        if response.status_code >= 400:
            body = response.json()
            assert body["object"] == "error" and body["status"] == response.status_code
            assert isinstance(body["code"], str) and isinstance(body["message"], str)
            assert body["request_id"] == request_ids[0]
            assert body["code"] != "invalid_request", f"an unexpected exception in the sandbox: {case!r}"

    check()

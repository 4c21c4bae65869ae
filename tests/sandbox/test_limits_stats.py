"""Route templates, read/write classification and the request counters (pure)."""

from __future__ import annotations

import pytest

from sandbox.stats import RequestStats, classify, route_template

PAGE = "59833787-2cf9-4fdf-8782-e53db20768a5"
DS = "248104cd477e80afbc30000bd28de8f9"


@pytest.mark.parametrize(
    ("path", "template"),
    [
        (f"/v1/pages/{PAGE}", "/v1/pages/{page_id}"),
        (f"/v1/pages/{PAGE}/properties/=jxv", "/v1/pages/{page_id}/properties/{property_id}"),
        (f"/v1/data_sources/{DS}/query", "/v1/data_sources/{data_source_id}/query"),
        (f"/v1/data_sources/{DS}", "/v1/data_sources/{data_source_id}"),
        (f"/v1/databases/{DS}/", "/v1/databases/{database_id}"),
        (f"/v1/blocks/{PAGE}/children", "/v1/blocks/{block_id}/children"),
        ("/v1/users/me", "/v1/users/me"),
        ("/v1/search", "/v1/search"),
        ("/v1/pages", "/v1/pages"),
        (f"/v2/things/{PAGE}", "/v2/things/{id}"),
        ("/", "/"),
    ],
)
def test_ids_in_a_path_are_replaced_by_their_names(path: str, template: str) -> None:
    assert route_template(path) == template


@pytest.mark.parametrize(
    ("method", "template", "kind"),
    [
        ("GET", "/v1/pages/{page_id}", "read"),
        ("POST", "/v1/data_sources/{data_source_id}/query", "read"),
        ("POST", "/v1/search", "read"),
        ("POST", "/v1/pages", "write"),
        ("PATCH", "/v1/pages/{page_id}", "write"),
        ("POST", "/v1/databases", "write"),
        ("PATCH", "/v1/databases/{database_id}", "write"),
        ("POST", "/v1/data_sources", "write"),
        ("PATCH", "/v1/data_sources/{data_source_id}", "write"),
        ("PATCH", "/v1/blocks/{block_id}/children", "write"),
        ("DELETE", "/v1/blocks/{block_id}", "other"),
        ("POST", "/v1/comments", "other"),
    ],
)
def test_requests_are_reads_writes_or_other(method: str, template: str, kind: str) -> None:
    assert classify(method, template) == kind


def test_counters_add_up_by_method_route_and_outcome() -> None:
    stats = RequestStats()
    for outcome in ("200", "200", "429"):
        stats.record_outcome(stats.record_request("PATCH", f"/v1/pages/{PAGE}"), outcome)
    stats.record_outcome(stats.record_request("POST", f"/v1/data_sources/{DS}/query"), "200")
    stats.record_request("DELETE", f"/v1/blocks/{PAGE}")
    stats.rate_limited = 1
    snapshot = stats.to_json()
    assert snapshot["totals"] == {"reads": 1, "writes": 3, "total": 5, "rate_limited": 1, "faults": 0}
    assert snapshot["by_method"] == {"DELETE": 1, "PATCH": 3, "POST": 1}
    assert snapshot["by_status"] == {"200": 3, "429": 1}
    assert snapshot["by_route"]["PATCH /v1/pages/{page_id}"] == {
        "count": 3,
        "by_status": {"200": 2, "429": 1},
    }
    assert snapshot["by_route"]["DELETE /v1/blocks/{block_id}"] == {"count": 1, "by_status": {}}


def test_reset_zeroes_every_counter() -> None:
    stats = RequestStats()
    stats.record_outcome(stats.record_request("GET", f"/v1/pages/{PAGE}"), "200")
    stats.faults = 2
    stats.reset()
    assert stats.to_json() == RequestStats().to_json()
    assert stats.to_json()["totals"]["total"] == 0

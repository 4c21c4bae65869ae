"""Fault specs, targeted faults and the determinism of the injector (pure: no server)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.faults import (
    APPLIED_RESET,
    RESET,
    TIMEOUT,
    Fault,
    FaultInjector,
    FaultRule,
    format_fault_spec,
    parse_fault_spec,
    parse_targeted,
    written_page_id,
)

PAGE = "59833787-2cf9-4fdf-8782-e53db20768a5"
OTHER = "0b7a9a5e-4a2c-4c0f-9b57-1d5b4f1f0e11"


def test_a_spec_lists_faults_with_their_probabilities() -> None:
    rules = parse_fault_spec("500:0.05, 503:0.02,504:0.01,529:0.01,429:0.02,timeout:0.01,reset:0.01")
    assert [(rule.fault.label, rule.probability) for rule in rules] == [
        ("500", 0.05),
        ("503", 0.02),
        ("504", 0.01),
        ("529", 0.01),
        ("429", 0.02),
        ("timeout", 0.01),
        ("reset", 0.01),
    ]


def test_an_empty_spec_means_no_faults() -> None:
    assert parse_fault_spec("") == ()
    assert parse_fault_spec("  ") == ()


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("500", "'500'"),
        ("418:0.1", "'418:0.1'"),
        ("500:lots", "'500:lots'"),
        ("500:1.5", "'500:1.5'"),
        ("500:-0.1", "'500:-0.1'"),
        ("500:0.1,,503:0.1", "empty part"),
        ("500:0.1,500:0.2", "'500:0.2'"),
        ("500:0.6,503:0.6", "more than 1"),
        ("explode:0.1", "'explode:0.1'"),
    ],
)
def test_a_bad_spec_is_a_value_error_naming_the_bad_part(spec: str, named: str) -> None:
    with pytest.raises(ValueError, match="bad fault spec") as info:
        parse_fault_spec(spec)
    assert named in str(info.value)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["500", "502", "503", "504", "529", "429", "timeout", "reset"]),
            st.integers(0, 12),
        ),
        unique_by=lambda item: item[0],
    )
)
def test_a_spec_survives_a_round_trip_through_its_text(parts: list[tuple[str, int]]) -> None:
    spec = ",".join(f"{name}:{weight / 100}" for name, weight in parts)
    rules = parse_fault_spec(spec)
    assert parse_fault_spec(format_fault_spec(rules)) == rules


def _labels(
    injector: FaultInjector, n: int, method: str = "GET", path: str = f"/v1/pages/{PAGE}"
) -> list[str]:
    return [fault.label if (fault := injector.choose(method, path)) else "-" for _ in range(n)]


def test_the_same_seed_and_requests_give_the_same_faults() -> None:
    rules = parse_fault_spec("500:0.2,timeout:0.1,reset:0.1")
    first = _labels(FaultInjector(rules, random_seed=7), 200)
    assert first == _labels(FaultInjector(rules, random_seed=7), 200)
    assert first != _labels(FaultInjector(rules, random_seed=8), 200)
    assert {"500", "timeout", "reset", "-"} == set(first)


def test_faults_come_at_roughly_their_probabilities() -> None:
    injector = FaultInjector(parse_fault_spec("500:0.25,503:0.05"), random_seed=1)
    labels = _labels(injector, 20_000)
    assert labels.count("500") / len(labels) == pytest.approx(0.25, abs=0.02)
    assert labels.count("503") / len(labels) == pytest.approx(0.05, abs=0.01)


def test_probability_one_fails_every_request_and_zero_none() -> None:
    assert set(_labels(FaultInjector(parse_fault_spec("504:1"), 0), 50)) == {"504"}
    assert set(_labels(FaultInjector(parse_fault_spec("504:0"), 0), 50)) == {"-"}


def test_targeted_faults_fail_the_next_k_writes_to_that_page_only() -> None:
    injector = FaultInjector()
    injector.targeted = parse_targeted(
        [{"page_id": PAGE.replace("-", "").upper(), "status": 409, "count": 2}]
    )
    assert injector.choose("GET", f"/v1/pages/{PAGE}") is None
    assert injector.choose("PATCH", f"/v1/pages/{OTHER}") is None
    assert injector.choose("PATCH", f"/v1/pages/{PAGE}") == Fault("status", 409)
    assert injector.choose("PATCH", f"/v1/blocks/{PAGE}/children") == Fault("status", 409)
    assert injector.choose("PATCH", f"/v1/pages/{PAGE}") is None
    assert injector.targeted == []


def test_targeted_faults_do_not_shift_the_random_ones() -> None:
    rules = parse_fault_spec("500:0.3")
    plain = FaultInjector(rules, random_seed=5)
    aimed = FaultInjector(rules, random_seed=5)
    aimed.targeted = parse_targeted([{"page_id": PAGE, "status": "reset", "count": 1}])
    requests = [("PATCH", f"/v1/pages/{PAGE}")] + [("GET", f"/v1/pages/{OTHER}")] * 50
    plain_faults = [plain.choose(m, p) for m, p in requests]
    aimed_faults = [aimed.choose(m, p) for m, p in requests]
    assert aimed_faults[0] == RESET
    assert aimed_faults[1:] == plain_faults[1:]


def test_a_new_seed_restarts_the_random_stream() -> None:
    rules = parse_fault_spec("timeout:0.5")
    injector = FaultInjector(rules, random_seed=3)
    first = _labels(injector, 30)
    injector.reseed(3)
    assert _labels(injector, 30) == first
    assert "timeout" in first


@pytest.mark.parametrize(
    ("items", "named"),
    [
        ({"page_id": PAGE}, "must be a list"),
        ([{"page_id": "nope", "status": 500}], "targeted[0].page_id"),
        ([{"page_id": PAGE, "status": 418}], "targeted[0].status"),
        ([{"page_id": PAGE, "status": True}], "targeted[0].status"),
        ([{"page_id": PAGE, "status": 500, "count": 0}], "targeted[0].count"),
        ([{"page_id": PAGE, "status": 500, "colour": "red"}], "unknown keys"),
        ([42], "targeted[0]"),
        ([{"status": 500}], "exactly one of page_id and create_in"),
        ([{"page_id": PAGE, "create_in": OTHER, "status": 500}], "exactly one of page_id and create_in"),
        ([{"create_in": "nope", "status": "applied_reset"}], "targeted[0].create_in"),
        ([{"page_id": PAGE, "status": "applied"}], "targeted[0].status"),
    ],
)
def test_bad_targeted_faults_are_refused_naming_the_bad_part(items: object, named: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_targeted(items)
    assert named in str(info.value)


def test_targeted_faults_default_to_one_request_and_describe_themselves() -> None:
    (target,) = parse_targeted([{"page_id": PAGE, "status": "timeout"}])
    assert target.fault == TIMEOUT
    assert target.to_json() == {"page_id": PAGE, "status": "timeout", "count": 1}


@pytest.mark.parametrize(
    ("method", "path", "page"),
    [
        ("PATCH", f"/v1/pages/{PAGE}", PAGE.replace("-", "")),
        ("POST", f"/v1/pages/{PAGE}", PAGE.replace("-", "")),
        ("PATCH", f"/v1/blocks/{PAGE}/children", PAGE.replace("-", "")),
        ("GET", f"/v1/pages/{PAGE}", None),
        ("POST", "/v1/pages", None),
        ("PATCH", f"/v1/data_sources/{PAGE}", None),
    ],
)
def test_a_write_names_the_page_it_writes(method: str, path: str, page: str | None) -> None:
    assert written_page_id(method, path) == page


def test_applied_reset_is_a_spec_kind_and_a_targeted_status() -> None:
    (rule,) = parse_fault_spec("applied_reset:0.25")
    assert rule == FaultRule(APPLIED_RESET, 0.25)
    assert format_fault_spec((rule,)) == "applied_reset:0.25"
    (target,) = parse_targeted([{"page_id": PAGE, "status": "applied_reset", "count": 2}])
    assert target.fault == APPLIED_RESET
    assert target.to_json() == {"page_id": PAGE, "status": "applied_reset", "count": 2}


def test_creation_faults_hit_the_next_k_creations_in_that_data_source_only() -> None:
    injector = FaultInjector()
    injector.targeted = parse_targeted([{"create_in": OTHER, "status": "applied_reset", "count": 2}])
    assert injector.targeted[0].to_json() == {"create_in": OTHER, "status": "applied_reset", "count": 2}
    assert injector.aims_at_creations("POST", "/v1/pages")
    assert not injector.aims_at_creations("PATCH", f"/v1/pages/{PAGE}")
    assert not injector.aims_at_creations("POST", "/v1/databases")
    assert injector.choose("POST", "/v1/pages", created_in=PAGE) is None
    assert injector.choose("PATCH", f"/v1/pages/{OTHER}") is None
    assert injector.choose("POST", "/v1/pages", created_in=OTHER.replace("-", "")) == APPLIED_RESET
    assert injector.choose("POST", "/v1/pages", created_in=OTHER) == APPLIED_RESET
    assert injector.choose("POST", "/v1/pages", created_in=OTHER) is None
    assert injector.targeted == []
    assert not injector.aims_at_creations("POST", "/v1/pages")


def test_rules_keep_their_order() -> None:
    rules = parse_fault_spec("reset:0.5,500:0.5")
    assert rules == (FaultRule(RESET, 0.5), FaultRule(Fault("status", 500), 0.5))

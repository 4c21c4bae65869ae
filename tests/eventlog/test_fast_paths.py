"""The fold's and the encoder's quick paths answer exactly as the plain rules they stand in for.

`amounts_as_numbers` is `map_amounts(_, as_number)`, `is_number_property` is membership in
`number_properties`, and `keys_are_fine` is `check_keys` not raising — for any JSON value, amounts and
secret-looking keys included.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventlog.amounts import (
    amounts_as_numbers,
    as_number,
    is_number_property,
    map_amounts,
    number_properties,
)
from eventlog.codec import canonical_json, check_keys, keys_are_fine
from eventlog.errors import InvalidEvent, SecretRejected

KEYS = st.sampled_from(["amount", "total", "hours", "currency", "name", "number", "token", "Status", "x"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["125.40", "5145", "2.5e3", "NaN", "abc", "", "0.10", "-3"]),
    st.floats(allow_nan=False, allow_infinity=False),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_amounts_as_numbers_is_map_amounts_with_as_number(data: Any) -> None:
    expected = map_amounts(data, as_number)
    got = amounts_as_numbers(data)
    assert canonical_json(got) == canonical_json(expected)
    assert got == expected


def test_amounts_as_numbers_gives_back_what_it_does_not_change_and_leaves_its_input_alone() -> None:
    untouched = {"currency": "EUR", "lines": [{"name": "a"}]}
    assert amounts_as_numbers(untouched) is untouched
    data = {"amount": "125.40", "lines": [{"hours": "2"}, {"name": "b"}]}
    assert amounts_as_numbers(data) == {"amount": 125.4, "lines": [{"hours": 2}, {"name": "b"}]}
    assert data == {"amount": "125.40", "lines": [{"hours": "2"}, {"name": "b"}]}


@settings(max_examples=400, deadline=None)
@given(JSON, KEYS)
def test_is_number_property_is_membership_in_number_properties(write: Any, name: str) -> None:
    assert is_number_property(write, name) == (name in number_properties(write))


def test_is_number_property_reads_a_write_payload_as_the_engine_makes_it() -> None:
    write = {"Hours": {"number": 2.5}, "Status": {"status": {"name": "Paid"}}}
    assert is_number_property(write, "Hours")
    assert not is_number_property(write, "Status")
    assert not is_number_property(None, "Hours")
    assert not is_number_property(write, None)


def _check_passes(value: Any) -> bool:
    try:
        check_keys(value, "t")
    except (InvalidEvent, SecretRejected):
        return False
    return True


NON_STR_KEYS = st.dictionaries(st.one_of(KEYS, st.integers(0, 3)), SCALARS, max_size=3)
CONTAINERS = st.one_of(
    st.lists(st.one_of(JSON, NON_STR_KEYS), max_size=4), st.dictionaries(KEYS, JSON, max_size=4)
)


@settings(max_examples=400, deadline=None)
@given(CONTAINERS)
def test_keys_are_fine_exactly_when_check_keys_passes(value: Any) -> None:
    assert keys_are_fine(value) == _check_passes(value)


@pytest.mark.parametrize(
    "value",
    [{"token": 1}, [{"a": [{"api_key": "x"}]}], {1: "x"}, {"a": {"b": {"password": None}}}],
)
def test_keys_are_fine_refuses_what_check_keys_refuses(value: Any) -> None:
    assert not keys_are_fine(value)
    assert not _check_passes(value)

"""An order index lists a data source's pages in the order of one property's sort values, both directions,
from any position on, as pages are filed, re-filed and dropped."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from sandbox.query_index import INDEXED, EqualityIndex
from sandbox.query_order import OrderIndex
from sandbox.sorting import EMPTY, Component


def number(inner: Any) -> Component:
    return EMPTY if inner is None else (False, 0, inner)


def listed(index: OrderIndex, descending: bool, after: tuple[Component, int] | None = None) -> list[str]:
    return [page_id for group in index.groups(descending, after) for _, page_id in group]


@pytest.fixture
def index() -> OrderIndex:
    index = OrderIndex(number)
    for seq, (page_id, value) in enumerate(
        [("a", 2), ("b", None), ("c", 1), ("d", 2), ("e", None), ("f", 3)]
    ):
        index.file(page_id, seq, value)
    return index


def test_pages_come_by_value_ties_in_creation_order_and_empties_last_in_both_directions(
    index: OrderIndex,
) -> None:
    assert listed(index, descending=False) == ["c", "a", "d", "f", "b", "e"]
    assert listed(index, descending=True) == ["f", "a", "d", "c", "b", "e"]


def test_a_position_resumes_strictly_after_it_within_its_group_and_then_the_next_groups(
    index: OrderIndex,
) -> None:
    assert listed(index, False, ((False, 0, 2), 0)) == ["d", "f", "b", "e"]
    assert listed(index, True, ((False, 0, 2), 0)) == ["d", "c", "b", "e"]
    assert listed(index, True, ((False, 0, 2.5), 99)) == ["a", "d", "c", "b", "e"]  # a value no page holds
    assert listed(index, False, (EMPTY, 1)) == ["e"]
    groups = list(index.groups(False, ((False, 0, 2), 0)))
    assert [group.resumed for group in groups] == [True, False, False]


def test_refiling_moves_a_page_and_dropping_removes_it_and_its_group_when_it_was_alone(
    index: OrderIndex,
) -> None:
    index.file("c", 2, 5)
    index.file("b", 1, 0)
    index.drop("f")
    index.drop("zz")  # never filed: nothing to do
    assert listed(index, descending=False) == ["b", "a", "d", "c", "e"]
    assert len(index) == 5
    assert [group.value for group in index.groups(True)] == [(0, 5), (0, 2), (0, 0), None]


def test_a_position_of_another_type_than_the_values_is_refused_at_once(index: OrderIndex) -> None:
    with pytest.raises(TypeError):
        index.groups(False, ((False, 0, "text"), 0))


@pytest.mark.parametrize("kind", ["order", "equality"])
def test_filing_a_page_after_a_full_collection_leaves_no_map_of_every_page_in_the_young_generation(
    kind: str,
) -> None:
    """A full collection untracks plain dicts of atomic values; a write tracking the index's map of pages
    again would put it in the youngest generation, where each young collection traverses all of it."""
    built: OrderIndex | EqualityIndex = (
        OrderIndex(number) if kind == "order" else EqualityIndex(INDEXED["number"][1])
    )
    for seq in range(2_000):
        built.file(f"p{seq}", seq, seq % 7)
    for _ in range(3):  # nested tuples are untracked from the inside out, one full collection each
        gc.collect()
    built.file("p5", 5, 99)  # a page's value written
    built.file("new", 2_000, 1)  # a page created
    young = [held for held in gc.get_objects(generation=0) if isinstance(held, dict) and len(held) >= 2_000]
    assert young == [] and len(built) == 2_001

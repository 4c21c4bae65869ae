"""Queries over the store (`query_source`) answer what the reference evaluation (`run_query` over every
visible page) answers, page after page and with writes between pages, without reading every page per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sandbox.query
import sandbox.query_live
from sandbox.filters_tree import Predicate
from sandbox.pages import create_page, update_page
from sandbox.query import QueryError, matching_entries, prepare_query, run_query
from sandbox.query_live import query_row, query_source
from sandbox.query_upkeep import property_order
from sandbox.records import DataSource
from sandbox.schema_changes import apply_changes
from sandbox.store import SandboxStore

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STATUSES = ["Open", "Paid", "Held"]
TAGS = ["a", "b", "c"]
PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Status": {"select": {"options": [{"name": name} for name in STATUSES]}},
    "Amount": {"number": {}},
    "Note": {"rich_text": {}},
    "Tags": {"multi_select": {"options": [{"name": name} for name in TAGS]}},
}


class Workspace:
    """A store with one data source (a relation `Link` to itself) and the ids of its pages by creation."""

    def __init__(self, properties: dict[str, Any] = PROPERTIES) -> None:
        self.store = SandboxStore.open_memory()
        database = self.store.create_database("Rows")
        self.source_id = self.store.create_data_source(database, "Rows", properties)
        self.store.add_relation(self.source_id, "Link", self.source_id)
        self.ids: list[str] = []

    @property
    def source(self) -> DataSource:
        return self.store.sources[self.source_id]

    def create(self, values: tuple[int, int, int, int, int]) -> None:
        name, status, amount, note, tag = values
        properties: dict[str, Any] = {
            "Name": {"title": [{"text": {"content": f"Row {name}"}}]},
            "Status": {"select": {"name": STATUSES[status]}} if status < 3 else {"select": None},
            "Amount": {"number": amount},
            "Note": {"rich_text": [{"text": {"content": f"n{note}"}}]},
            "Tags": {"multi_select": [{"name": TAGS[tag]}] if tag < 3 else []},
        }
        if self.ids:
            properties["Link"] = {"relation": [{"id": self.ids[amount % len(self.ids)]}]}
        body = {"parent": {"data_source_id": self.source_id}, "properties": properties}
        self.ids.append(create_page(self.store, body).id)

    def write(self, action: str, pick: int, value: int) -> None:
        if action == "create":
            self.create((value, value % 4, value % 5, value % 3, value % 4))
            return
        page = self.store.pages[self.ids[pick % len(self.ids)]]
        if action == "trash":
            update_page(self.store, page, {"in_trash": not page.in_trash})
        elif not page.in_trash:
            properties = {
                "status": {"Status": {"select": {"name": STATUSES[value % 3]}}},
                "amount": {"Amount": {"number": value % 5}},
                "name": {"Name": {"title": [{"text": {"content": f"Row {value % 4}"}}]}},
                "link": {"Link": {"relation": [{"id": self.ids[value % len(self.ids)]}]}},
            }[action]
            update_page(self.store, page, {"properties": properties})

    def reference(self, body: dict[str, Any]) -> tuple[list[str], str | None, bool]:
        """What `run_query` answers over every visible page, as the sandbox answered before indexes."""
        rows = [query_row(self.store, page, self.source) for page in self.store.visible_rows(self.source)]
        results, cursor, more = run_query(rows, body, self.source.properties, now=NOW)
        return [page["id"] for page in results], cursor, more

    def everything(self, body: dict[str, Any]) -> list[str]:
        """Every match in query order: one evaluation, no pagination."""
        rows = [query_row(self.store, page, self.source) for page in self.store.visible_rows(self.source)]
        entries = matching_entries(rows, prepare_query(body, self.source.properties, NOW))
        return [entry[2]["id"] for entry in entries]

    def query(self, body: dict[str, Any]) -> tuple[list[str], str | None, bool]:
        results, cursor, more = query_source(self.store, self.source, body, now=NOW)
        return [page["id"] for page in results], cursor, more


def link_to(workspace: Workspace, index: int) -> dict[str, Any]:
    return {"property": "Link", "relation": {"contains": workspace.ids[index % len(workspace.ids)]}}


LEAVES: list[Callable[[Workspace, int], dict[str, Any]]] = [
    lambda w, n: {"property": "Status", "select": {"equals": STATUSES[n % 3]}},
    lambda w, n: {"property": "Status", "select": {"equals": [STATUSES[n % 3], STATUSES[(n + 1) % 3]]}},
    lambda w, n: {"property": "Status", "select": {"does_not_equal": STATUSES[n % 3]}},
    lambda w, n: {"property": "Status", "select": {"is_empty": True}},
    lambda w, n: {"property": "Name", "title": {"equals": f"ROW {n % 4}"}},
    lambda w, n: {"property": "Note", "rich_text": {"equals": f"n{n % 3}"}},
    lambda w, n: {"property": "Note", "rich_text": {"contains": "1"}},
    lambda w, n: {"property": "Amount", "number": {"equals": n % 5}},
    lambda w, n: {"property": "Amount", "number": {"greater_than": n % 5}},
    lambda w, n: {"property": "Tags", "multi_select": {"contains": TAGS[n % 3]}},
    link_to,
]
SORTS: list[list[dict[str, Any]]] = [
    [],
    [{"property": "Amount", "direction": "descending"}],
    [{"property": "Name", "direction": "ascending"}, {"property": "Status", "direction": "descending"}],
    [{"property": "Note", "direction": "descending"}],
    [{"timestamp": "created_time", "direction": "descending"}],
]


@st.composite
def filters(draw: st.DrawFn, workspace: Workspace) -> dict[str, Any] | None:
    def leaf() -> dict[str, Any]:
        return draw(st.sampled_from(LEAVES))(workspace, draw(st.integers(0, 11)))

    shape = draw(st.sampled_from(["none", "leaf", "and", "or", "nested"]))
    if shape == "none":
        return None
    if shape == "leaf":
        return leaf()
    if shape == "nested":
        return {"and": [leaf(), {"or": [leaf(), leaf()]}]}
    return {shape: [leaf() for _ in range(draw(st.integers(0, 3)))]}


rows = st.lists(st.tuples(*[st.integers(0, 4)] * 5), min_size=1, max_size=40)
writes = st.lists(
    st.tuples(
        st.sampled_from(["create", "trash", "status", "amount", "name", "link"]),
        st.integers(0, 100),
        st.integers(0, 100),
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.data(), st.sampled_from(SORTS), st.lists(st.integers(1, 9), min_size=60, max_size=60))
def test_paginating_with_any_page_sizes_lists_exactly_the_matches_of_one_evaluation_in_order(
    initial: list[tuple[int, int, int, int, int]], data: st.DataObject, sorts: Any, sizes: list[int]
) -> None:
    workspace = Workspace()
    for values in initial:
        workspace.create(values)
    for action, pick, value in data.draw(writes):
        workspace.write(action, pick, value)
    body: dict[str, Any] = {"sorts": sorts, "filter": data.draw(filters(workspace))}
    seen: list[str] = []
    for size in sizes:
        results, cursor, more = workspace.query({**body, "page_size": size})
        assert len(results) <= size
        seen += results
        if not more:
            assert cursor is None
            break
        assert len(results) == size
        body["start_cursor"] = cursor
    assert seen == workspace.everything(body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.data(), st.sampled_from(SORTS), st.lists(writes, min_size=8, max_size=8))
def test_with_writes_between_pages_each_page_is_the_one_the_reference_evaluation_gives(
    initial: list[tuple[int, int, int, int, int]],
    data: st.DataObject,
    sorts: Any,
    writes_per_page: list[list[tuple[str, int, int]]],
) -> None:
    workspace = Workspace()
    for values in initial:
        workspace.create(values)
    body: dict[str, Any] = {
        "sorts": sorts,
        "filter": data.draw(filters(workspace)),
        "page_size": data.draw(st.integers(1, 6)),
    }
    workspace.query(body)  # indexes and snapshots exist before the writes
    for writes_now in writes_per_page:
        for action, pick, value in writes_now:
            workspace.write(action, pick, value)
        rest = {**body, "page_size": 100}  # everything after the cursor (the rows are fewer)
        assert workspace.query(rest) == workspace.reference(rest)
        answer = workspace.query(body)
        assert answer == workspace.reference(body)
        if not answer[2]:
            break
        body["start_cursor"] = answer[1]


@contextmanager
def counted_filter_evaluations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many pages the filters compiled from here on were evaluated on."""
    count = [0]
    compile_filter = sandbox.query.compile_filter

    def counting(spec: Any, schema: Any, now: datetime) -> Predicate:
        predicate = compile_filter(spec, schema, now)

        def counted(page: Any) -> bool:
            count[0] += 1
            return predicate(page)

        return counted

    monkeypatch.setattr(sandbox.query, "compile_filter", counting)
    yield count


@pytest.fixture(scope="module")
def large() -> Workspace:
    workspace = Workspace()
    for index in range(3_000):
        workspace.create((index % 4, index % 3, index % 5, index % 3, index % 4))
    return workspace


def walk(workspace: Workspace, body: dict[str, Any], pages: int) -> str:
    cursor = None
    for _ in range(pages):
        _, cursor, more = workspace.query({**body, **({"start_cursor": cursor} if cursor else {})})
        assert more and cursor is not None
    return cursor


def test_a_page_in_creation_order_reads_about_as_many_pages_as_it_returns(
    large: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"filter": {"property": "Amount", "number": {"greater_than": 1}}, "page_size": 10}
    cursor = walk(large, body, 5)
    with counted_filter_evaluations(monkeypatch) as count:
        results, _, more = large.query({**body, "start_cursor": cursor})
    assert (len(results), more) == (10, True)
    assert count[0] <= 20  # 3 of 5 pages match: 10 matches and the one after, about 18 pages read


def test_an_equality_filter_reads_only_the_pages_filed_under_its_key(
    large: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookup = {"filter": {"property": "Note", "rich_text": {"equals": "N1"}}, "page_size": 5}
    with counted_filter_evaluations(monkeypatch) as count:
        results, _, _ = large.query(lookup)
    assert len(results) == 5 and count[0] == 6  # the page asked for, and the one that says more follow
    linked = {"filter": {"property": "Link", "relation": {"contains": large.ids[2]}}}  # one page in five
    with counted_filter_evaluations(monkeypatch) as count:
        results, _, _ = large.query(linked)
        evaluations = count[0]
    assert evaluations == 101 and results == large.everything(linked)[:100]


@pytest.mark.parametrize("direction", ["ascending", "descending"])
def test_a_sorted_query_reads_about_as_many_pages_as_it_returns_even_right_after_a_write(
    direction: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace()
    for index in range(1_000):
        workspace.create((index % 4, index % 3, index % 5, index % 7, index % 4))
    body = {
        "filter": {"property": "Amount", "number": {"greater_than": 0}},  # 4 pages in 5
        "sorts": [{"property": "Note", "direction": direction}],
        "page_size": 100,
    }
    _, cursor, _ = workspace.query(body)
    with counted_filter_evaluations(monkeypatch) as count:
        for page in range(3):
            workspace.write("amount", page * 31, page)  # the order index re-files one page, no more
            results, cursor, more = workspace.query({**body, "start_cursor": cursor})
            assert len(results) == 100 and more
    assert count[0] <= 3 * 130  # about 125 pages walked per page of 100


def test_a_sort_on_two_properties_walks_the_groups_of_the_first_one_only_as_far_as_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace = Workspace()
    for index in range(1_000):
        workspace.create((index % 50, index % 3, index % 5, index % 7, index % 4))  # Name: 50 values
    body = {
        "filter": {"property": "Amount", "number": {"greater_than": -1}},
        "sorts": [
            {"property": "Name", "direction": "descending"},
            {"property": "Amount", "direction": "ascending"},
        ],
        "page_size": 30,
    }
    _, cursor, _ = workspace.query(body)
    with counted_filter_evaluations(monkeypatch) as count:
        results, _, more = workspace.query({**body, "start_cursor": cursor})
        evaluations = count[0]
    assert len(results) == 30 and more and results == workspace.everything(body)[30:60]
    assert evaluations <= 60  # the two groups of 20 pages (one of them resumed) that hold the page


@pytest.mark.parametrize("direction", ["ascending", "descending"])
def test_a_sort_under_an_equality_filter_walks_only_its_matches_even_with_writes_between_pages(
    direction: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace()
    for index in range(2_000):  # one page in ten is Paid
        status = 1 if index % 10 == 0 else 2 * (index % 2)
        workspace.create((index, status, (index * 37) % 101, index % 3, index % 4))
    monkeypatch.setattr(sandbox.query_live, "FEW", 10)  # 200 candidates: walked, not sorted at once
    walked = [0]
    chained = sandbox.query_live._chained

    def counting(groups: Any) -> Iterator[tuple[int, str]]:
        for slot in chained(groups):
            walked[0] += 1
            yield slot

    monkeypatch.setattr(sandbox.query_live, "_chained", counting)
    body: dict[str, Any] = {
        "filter": {"property": "Status", "select": {"equals": "Paid"}},
        "sorts": [{"property": "Amount", "direction": direction}],
        "page_size": 20,
    }
    for page in range(6):
        if page:
            workspace.write("status", 10 * page + 3, 1)  # a page becomes Paid
            workspace.write("amount", 10 * page, page)  # a Paid page moves
            workspace.write("status", 10 * (page + 7), 0)  # a Paid page is Paid no more
        answer = workspace.query(body)
        assert answer == workspace.reference(body)
        assert answer[2] and answer[1] is not None
        body["start_cursor"] = answer[1]
    assert walked[0] <= 6 * 21  # each page walks its 20 matches and the one that says more follow


def test_a_write_between_pages_is_seen_by_the_next_page_as_before() -> None:
    workspace = Workspace()
    for index in range(30):
        workspace.create((index, index % 3, index % 5, 0, 0))
    body = {"filter": {"property": "Status", "select": {"equals": "Paid"}}, "page_size": 4}
    first, cursor, _ = workspace.query(body)
    workspace.write("status", 29, 1)  # the last page becomes Paid: listed at its place
    workspace.write("trash", 13, 0)  # a Paid page after the cursor goes to the trash: not listed
    workspace.write("create", 0, 29)  # a new Paid page: listed last
    assert first == workspace.ids[1:11:3]
    rest: list[str] = []
    while cursor is not None:
        page, cursor, _ = workspace.query({**body, "start_cursor": cursor})
        rest += page
    assert first + rest == workspace.everything(body)
    assert workspace.ids[29] in rest and workspace.ids[-1] == rest[-1] and workspace.ids[13] not in rest


@pytest.mark.parametrize("cursor", ["", "garbage", "pq1.e30", "s:29399f72-bada-817a:29399f72-bada-817a"])
def test_a_cursor_the_sandbox_did_not_hand_out_is_refused(cursor: str) -> None:
    workspace = Workspace()
    workspace.create((0, 0, 0, 0, 0))
    with pytest.raises(QueryError, match=r"^The start_cursor provided is invalid: "):
        workspace.query({"start_cursor": cursor})


def test_a_cursor_made_for_other_sorts_is_refused_and_one_past_a_trashed_page_still_resumes() -> None:
    workspace = Workspace()
    for index in range(5):
        workspace.create((index, 0, index, 0, 0))
    sorts = [{"property": "Amount", "direction": "ascending"}]
    first, cursor, _ = workspace.query({"sorts": sorts, "page_size": 2})
    with pytest.raises(QueryError, match=r"^The start_cursor provided is invalid: pq1\."):
        workspace.query({"start_cursor": cursor, "page_size": 2})
    workspace.write("trash", 1, 0)  # the page the cursor points after
    rest, _, more = workspace.query({"sorts": sorts, "start_cursor": cursor})
    assert (first, rest, more) == (workspace.ids[:2], workspace.ids[2:], False)


def test_a_write_that_adds_an_option_keeps_the_order_index_and_moves_only_pages_of_unknown_options() -> None:
    workspace = Workspace()
    for index in range(12):
        workspace.create((index, index % 3, index % 5, 0, 0))  # Open, Paid, Held in turn
    sorts = {"sorts": [{"property": "Status", "direction": "ascending"}]}
    status = workspace.source.properties["Status"]
    kept = [option for option in status["select"]["options"] if option["name"] != "Held"]
    with workspace.store.writing():
        apply_changes(workspace.store, workspace.source, {"Status": {"select": {"options": kept}}})
    assert workspace.query(sorts) == workspace.reference(sorts)  # Held is unknown now: last but empties
    index = property_order(workspace.store, workspace.source, status["id"])
    page = workspace.store.pages[workspace.ids[4]]
    update_page(
        workspace.store, page, {"properties": {"Status": {"select": {"name": "Late"}}}}
    )  # a new option
    assert [option["name"] for option in status["select"]["options"]] == ["Open", "Paid", "Late"]
    assert property_order(workspace.store, workspace.source, status["id"]) is index
    results = workspace.query(sorts)
    assert results == workspace.reference(sorts)
    assert results[0].index(workspace.ids[4]) < results[0].index(workspace.ids[2])  # Late before Held


def test_a_filtered_order_follows_its_order_index_rebuilt_for_reordered_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace = Workspace()
    for index in range(40):
        workspace.create((index, index % 3, index % 5, index // 3 % 3, index % 4))
    monkeypatch.setattr(sandbox.query_live, "FEW", 0)  # walk the order index restricted to the candidates
    body = {
        "filter": {"property": "Note", "rich_text": {"equals": "n1"}},
        "sorts": [{"property": "Status", "direction": "ascending"}],
        "page_size": 5,
    }
    assert workspace.query(body) == workspace.reference(body)
    status = workspace.source.properties["Status"]
    reversed_options = {"Status": {"select": {"options": status["select"]["options"][::-1]}}}
    with workspace.store.writing():  # the pages' ranks change, none of them is written
        apply_changes(workspace.store, workspace.source, reversed_options)
    answer = workspace.query(body)
    assert answer == workspace.reference(body)
    assert workspace.store.pages[answer[0][0]].values[status["id"]]["name"] == "Held"

"""Rendered page objects are kept until a write to what they show: a write to one page renders that page
again, not every page of the workspace (`SandboxStore.cached_page`); pages that read other pages still follow
any write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import sandbox.query_live
import sandbox.render
from sandbox.call import Call
from sandbox.pages import create_page, update_page
from sandbox.query_live import query_row, query_source
from sandbox.render import full_page
from sandbox.routes import data_sources
from sandbox.schema_changes import apply_changes
from sandbox.store import SandboxStore

PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Status": {"select": {"options": [{"name": "Open"}, {"name": "Paid"}]}},
    "Amount": {"number": {}},
}


def workspace(rows: int, properties: dict[str, Any] = PROPERTIES) -> tuple[SandboxStore, str, list[str]]:
    store = SandboxStore.open_memory()
    source = store.create_data_source(store.create_database("Rows"), "Rows", properties)
    ids = []
    for index in range(rows):
        values = {
            "Name": {"title": [{"text": {"content": f"Row {index}"}}]},
            "Status": {"select": {"name": ("Open", "Paid")[index % 2]}},
            "Amount": {"number": index},
        }
        ids.append(create_page(store, {"parent": {"data_source_id": source}, "properties": values}).id)
    return store, source, ids


@contextmanager
def counted_renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many property values are computed (for a full page object, or for a query's stand-in row)."""
    count = [0]
    value = sandbox.render.property_value

    def counting(*args: Any) -> Any:
        count[0] += 1
        return value(*args)

    monkeypatch.setattr(sandbox.render, "property_value", counting)
    monkeypatch.setattr(sandbox.query_live, "property_value", counting)
    yield count


def amount(store: SandboxStore, page_id: str) -> Any:
    return full_page(store, store.pages[page_id])["properties"]["Amount"]["number"]


def test_a_write_to_one_page_renders_only_that_page_again(monkeypatch: pytest.MonkeyPatch) -> None:
    store, _, ids = workspace(3)
    before = [full_page(store, store.pages[page_id]) for page_id in ids]
    update_page(store, store.pages[ids[1]], {"properties": {"Amount": {"number": 42}}})
    with counted_renders(monkeypatch) as count:
        after = [full_page(store, store.pages[page_id]) for page_id in ids]
    assert count[0] == len(PROPERTIES)  # the written page's properties, once
    assert after[0] is before[0] and after[2] is before[2]
    assert after[1]["properties"]["Amount"]["number"] == 42
    assert after[1]["last_edited_time"] == store.pages[ids[1]].last_edited_time


def test_a_query_page_after_a_write_renders_only_the_written_page_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, source_id, ids = workspace(300)
    source = store.sources[source_id]
    body = {"filter": {"property": "Status", "select": {"equals": "Paid"}}, "sorts": [], "page_size": 100}
    shown = [full_page(store, store.pages[page["id"]]) for page in query_source(store, source, body)[0]]
    update_page(store, store.pages[ids[5]], {"properties": {"Amount": {"number": -1}}})
    with counted_renders(monkeypatch) as count:
        results, _, _ = query_source(store, source, body)
        again = [full_page(store, store.pages[page["id"]]) for page in results]
    # the written page rendered in full, its status read by the filter before that, and the status of the
    # page after the 100 (never rendered: it only says that more follow); before, all 100 pages again
    assert count[0] == len(PROPERTIES) + 2
    assert [page["id"] for page in again] == [page["id"] for page in shown]
    assert again[2]["properties"]["Amount"]["number"] == -1  # ids[5]: the third Paid page


def test_a_change_to_the_data_source_renders_its_pages_again() -> None:
    store, source_id, ids = workspace(2)
    full_page(store, store.pages[ids[0]])
    with store.writing():
        apply_changes(store, store.sources[source_id], {"Amount": {"name": "Total"}})
        store.mark("data_source", store.sources[source_id])
    assert "Total" in full_page(store, store.pages[ids[0]])["properties"]
    with store.writing():
        apply_changes(store, store.sources[source_id], {"Notes": {"rich_text": {}}})
        store.mark("data_source", store.sources[source_id])
    assert full_page(store, store.pages[ids[1]])["properties"]["Notes"]["rich_text"] == []


def test_a_page_that_reads_other_pages_follows_a_write_to_them() -> None:
    store, source_id, ids = workspace(2)
    store.add_relation(source_id, "Link", source_id)
    update_page(store, store.pages[ids[0]], {"properties": {"Link": {"relation": [{"id": ids[1]}]}}})
    assert full_page(store, store.pages[ids[0]])["properties"]["Link"]["relation"] == [{"id": ids[1]}]
    update_page(store, store.pages[ids[1]], {"in_trash": True})  # a write to the other page only
    assert full_page(store, store.pages[ids[0]])["properties"]["Link"]["relation"] == []


def test_what_is_rendered_in_the_middle_of_a_write_is_not_kept() -> None:
    store, _, ids = workspace(1)
    page = store.pages[ids[0]]
    with store.writing():
        page.values[store.sources[page.data_source_id or ""].properties["Amount"]["id"]] = 7
        store.mark("page", page)
        assert amount(store, ids[0]) == 7
        page.last_edited_time = "2030-01-01T00:00:00.000Z"  # changed after the render, not marked again
    assert full_page(store, page)["last_edited_time"] == "2030-01-01T00:00:00.000Z"


def test_rows_a_filter_walks_past_pages_whose_text_alone_is_kept_cost_no_render_stamp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, source_id, ids = workspace(120)
    source = store.sources[source_id]
    data_sources.query(Call(store, {"type": "http", "query_string": b""}, {"data_source_id": source_id}, {}))
    assert store.page_cache[ids[0]][1] is None  # shown once by a query: its text alone is kept
    stamps = [0]
    stamp = store.render_stamp

    def counting(page: Any) -> Any:
        stamps[0] += 1
        return stamp(page)

    monkeypatch.setattr(store, "render_stamp", counting)
    rows = [query_row(store, store.pages[page_id], source) for page_id in ids[:100]]
    assert stamps[0] == 0  # before: one per row, for a cached object that is not there
    with counted_renders(monkeypatch) as count:
        assert [row.page["properties"]["Status"]["select"]["name"] for row in rows[:4]] == [
            "Open",
            "Paid",
        ] * 2
    assert count[0] == 4  # only what the filter reads
    assert not hasattr(rows[0], "__dict__") and not hasattr(rows[0].page["properties"], "__dict__")

"""A query answer splices in the JSON text kept with each cached page (`sandbox.json_text.Encoded`): byte for
byte what encoding the page objects gives, and a page is encoded once per write to it, not per answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sandbox.render
from sandbox.call import Call
from sandbox.json_text import Encoded, encode_json, text_of
from sandbox.pages import create_page, update_page
from sandbox.render import for_response, full_page
from sandbox.routes import data_sources
from sandbox.store import SandboxStore


def plain(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize(
    "items", [[], [{}], [{"a": 'é ✓ "q" \\ \n'}, [1, 2.5, None, True]], ["x", {"b": [{"c": []}]}]]
)
def test_an_encoded_list_is_spliced_in_exactly_as_encoding_its_items_gives(items: list[Any]) -> None:
    payload = {"object": "list", "results": items, "next_cursor": None, 'odd "key"': "ü"}
    spliced = {**payload, "results": Encoded(text_of(item) for item in items)}
    assert encode_json(spliced) == plain(payload)
    assert encode_json(payload) == plain(payload)


@pytest.mark.parametrize(
    "value",
    [{"a": [1, 2.5, 1e300, -0.0, None, True, 'é\u2028"\\\n']}, "text", 3, [], {1: "int key"}, float("nan")],
)
def test_a_text_is_what_json_dumps_gives(value: Any) -> None:
    assert text_of(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def call(store: SandboxStore, source: str, body: dict[str, Any], query: bytes = b"") -> Call:
    scope = {"type": "http", "query_string": query}
    return Call(store, scope, {"data_source_id": source}, body)


def test_a_query_answer_encodes_only_the_pages_written_since_the_last_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = SandboxStore.open_memory()
    properties = {"Name": {"title": {}}, "Amount": {"number": {}}, "Note": {"rich_text": {}}}
    source = store.create_data_source(store.create_database("Rows"), "Rows", properties)
    ids = []
    for index in range(150):
        values = {"Amount": {"number": index}, "Note": {"rich_text": [{"text": {"content": f"é{index}"}}]}}
        ids.append(create_page(store, {"parent": {"data_source_id": source}, "properties": values}).id)
    body = {"page_size": 100}
    first = data_sources.query(call(store, source, body))
    update_page(store, store.pages[ids[3]], {"properties": {"Amount": {"number": -3}}})
    encoded = [0]

    def counting(value: Any) -> str:
        encoded[0] += 1
        return text_of(value)

    written = sandbox.render.page_json

    def counting_written(*args: Any) -> str:
        encoded[0] += 1
        return written(*args)

    monkeypatch.setattr(sandbox.render, "text_of", counting)
    monkeypatch.setattr(sandbox.render, "page_json", counting_written)
    again = data_sources.query(call(store, source, body))
    assert encoded[0] == 1  # the written page; before, every page of the answer
    pages = [for_response(full_page(store, store.pages[page_id])) for page_id in ids[:100]]
    assert pages[3]["properties"]["Amount"]["number"] == -3
    assert encode_json(again) == plain({**again, "results": pages})
    assert encode_json(first) != encode_json(again)
    slim = data_sources.query(call(store, source, body, b"filter_properties=Amount"))
    assert encode_json(slim) == plain(
        {**slim, "results": [for_response(full_page(store, store.pages[i]), {"Amount"}) for i in ids[:100]]}
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@given(
    st.dictionaries(st.text(max_size=6), json_values, max_size=4),
    st.lists(st.tuples(st.text(max_size=6), st.lists(json_values, max_size=4)), min_size=1, max_size=3),
)
def test_any_payload_with_encoded_lists_is_what_encoding_it_whole_gives(
    payload: dict[str, Any], lists: list[tuple[str, list[Any]]]
) -> None:
    for key, items in lists:
        payload[key] = items
    spliced = {
        key: Encoded(text_of(item) for item in value) if (key, value) in lists else value
        for key, value in payload.items()
    }
    assert encode_json(spliced) == plain(payload)

"""A page a query shows for the first time is written straight to JSON text (`sandbox.page_json`): byte for
byte the text of its page object as a response shows it, for every property type and whatever its stored
values are, and without building that page object."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sandbox.render
from sandbox.call import Call
from sandbox.json_text import encode_json, text_of
from sandbox.page_json import Layout, page_json, page_url
from sandbox.pages import create_page, update_page
from sandbox.render import for_response, full_page
from sandbox.routes import data_sources
from sandbox.store import SandboxStore

SCHEMA: dict[str, Any] = {
    "Name": {"title": {}},
    "Notes": {"rich_text": {}},
    "Amount": {"number": {"format": "number"}},
    "Type": {
        "select": {"options": [{"name": "Order", "color": "blue"}, {"name": 'Q"uote ü', "color": "red"}]}
    },
    "Tags": {"multi_select": {"options": []}},
    "Stage": {"status": {"options": [{"name": "Pending", "color": "yellow"}, {"name": "Paid"}]}},
    "Date": {"date": {}},
    "Done": {"checkbox": {}},
    "Email": {"email": {}},
    "Link": {"url": {}},
    "Phone": {"phone_number": {}},
    "Owner": {"people": {}},
    "Files": {"files": {}},
    "Created": {"created_time": {}},
    "Creator": {"created_by": {}},
    "Edited": {"last_edited_time": {}},
    "Editor": {"last_edited_by": {}},
    "Number": {"unique_id": {"prefix": "PAY"}},
    "Act": {"button": {}},
    "Where": {"place": {}},
    "Check": {"verification": {}},
    "Twice": {"formula": {"expression": 'prop("Amount") * 2'}},
    "Label": {"formula": {"expression": 'prop("Name") + " / " + prop("Type")'}},
}


def text(content: str, **extra: Any) -> dict[str, Any]:
    return {"text": {"content": content}, **extra}


def workspace() -> tuple[SandboxStore, str, list[str]]:
    """A data source with a property of every type, a relation to itself (one page with more than 25
    references, one of them trashed), a rollup over it, and pages with all sorts of values."""
    store = SandboxStore.open_memory()
    source = store.create_data_source(store.create_database("Rows"), "Rows", SCHEMA)
    store.add_relation(source, "Links", source, synced_property_name="Linked from")
    with store.writing():
        rollup = {"relation_property_name": "Links", "rollup_property_name": "Amount", "function": "sum"}
        store.add_property(store.sources[source], "Total", {"type": "rollup", "rollup": rollup})
    person = next(user_id for user_id, user in store.users.items() if user["type"] == "person")
    bodies: list[dict[str, Any]] = [
        {},
        {
            "Name": {"title": [text('Row 1 — é ✓ "q" \\ \n\u2028 日本')]},
            "Notes": {
                "rich_text": [
                    text("bold", annotations={"bold": True, "color": "red"}),
                    text("linked", link={"url": "https://example.com/a?b=1"}),
                    {"equation": {"expression": "x^2"}},
                    {"mention": {"type": "date", "date": {"start": "2026-01-02"}}},
                    {"mention": {"type": "user", "user": {"id": person}}},
                ]
            },
            "Amount": {"number": 12.5},
            "Type": {"select": {"name": 'Q"uote ü'}},
            "Tags": {"multi_select": [{"name": "a"}, {"name": "b"}]},
            "Stage": {"status": {"name": "Paid"}},
            "Date": {"date": {"start": "2026-01-02T10:00:00+02:00", "end": "2026-01-03"}},
            "Done": {"checkbox": True},
            "Email": {"email": "a@example.com"},
            "Link": {"url": "https://example.com/ü"},
            "Phone": {"phone_number": "+33 1 23"},
            "Owner": {"people": [{"id": person}]},
            "Files": {"files": [{"name": "f.pdf", "external": {"url": "https://example.com/f.pdf"}}]},
            "Where": {"place": {"lat": 48.85, "lon": 2.35, "name": "Paris"}},
            "Check": {"verification": {"state": "verified", "date": {"start": "2026-01-01", "end": None}}},
        },
        {"Name": {"title": [text("___"), text(" !? ")]}, "Amount": {"number": -(10**30)}},
        {"Name": {"title": []}, "Amount": {"number": 0}, "Type": {"select": None}},
    ]
    ids = [
        create_page(
            store,
            {"parent": {"data_source_id": source}, "properties": properties, "icon": {"emoji": "✓"}}
            if index == 1
            else {"parent": {"data_source_id": source}, "properties": properties},
        ).id
        for index, properties in enumerate(bodies)
    ]
    others = [
        create_page(store, {"parent": {"data_source_id": source}, "properties": {"Amount": {"number": n}}}).id
        for n in range(30)
    ]
    update_page(store, store.pages[others[0]], {"in_trash": True})
    links = {"Links": {"relation": [{"id": page_id} for page_id in others]}}
    update_page(store, store.pages[ids[1]], {"properties": links})
    update_page(store, store.pages[ids[2]], {"properties": {"Links": {"relation": [{"id": ids[1]}]}}})
    update_page(store, store.pages[ids[3]], {"in_trash": True, "is_locked": True})
    return store, source, ids + others


def old_text(store: SandboxStore, page_id: str) -> str:
    """The text as it was before `page_json`: the page object built, trimmed and encoded."""
    return text_of(for_response(full_page(store, store.pages[page_id])))


def test_every_property_type_is_written_as_encoding_the_page_object_gives() -> None:
    store, source, ids = workspace()
    layout = Layout(store, store.sources[source])
    for page_id in ids:
        assert page_json(layout, store.pages[page_id]) == old_text(store, page_id)
    shown = json.loads(page_json(layout, store.pages[ids[1]]))["properties"]
    assert len(shown["Links"]["relation"]) == 25 and shown["Links"]["has_more"] is True
    assert shown["Total"]["rollup"]["number"] == sum(range(1, 30))


# JSON values as a stored value may hold them (whatever the request validation lets through or not)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
annotation_values = st.sampled_from([False, 0, 0.0, True, 1, "default", "red", None])
annotation_keys = ["bold", "italic", "strikethrough", "underline", "code", "color"]


def sometimes(draw: st.DrawFn) -> bool:
    """One time in five: a near miss of the shape the sandbox stores."""
    return draw(st.integers(min_value=0, max_value=4)) == 0


@st.composite
def annotations(draw: st.DrawFn) -> Any:
    """The defaults (in another order, sometimes) with up to two values changed (to equal ones too: 0 for
    False), or sometimes any value."""
    if sometimes(draw):
        return draw(values)
    keys = draw(st.permutations(annotation_keys)) if sometimes(draw) else annotation_keys
    chosen = {key: ("default" if key == "color" else False) for key in annotation_keys}
    for key in draw(st.lists(st.sampled_from(annotation_keys), max_size=2)):
        chosen[key] = draw(annotation_values)
    return {key: chosen[key] for key in keys}


@st.composite
def rich_text_items(draw: st.DrawFn) -> Any:
    """Text items as the sandbox stores them, and near misses (keys reordered, other types, extra keys)."""
    content = draw(values if sometimes(draw) else st.text(max_size=10))
    link = draw(
        values if sometimes(draw) else st.one_of(st.none(), st.fixed_dictionaries({"url": st.text()}))
    )
    item: dict[str, Any] = {
        "type": draw(st.sampled_from(["mention", 3, None])) if sometimes(draw) else "text",
        "text": {"link": link, "content": content} if sometimes(draw) else {"content": content, "link": link},
        "annotations": draw(annotations()),
        "plain_text": draw(values if sometimes(draw) else st.one_of(st.just(content), st.text(max_size=5))),
        "href": draw(values if sometimes(draw) else st.one_of(st.none(), st.text(max_size=5))),
    }
    if sometimes(draw):
        keys = draw(st.permutations(list(item)))
        item = {key: item[key] for key in keys}
    if sometimes(draw):
        item[draw(st.text(max_size=4))] = draw(values)
    return item


options = st.one_of(
    st.fixed_dictionaries(
        {"id": st.text(max_size=6), "name": st.text(max_size=6), "color": st.text(max_size=6)}
    ),
    st.fixed_dictionaries(
        {"name": st.text(max_size=6), "id": st.text(max_size=6), "color": st.text(max_size=6)}
    ),
    st.fixed_dictionaries({"id": values, "name": values, "color": values}),
    values,
)
stored = {
    "Name": st.lists(rich_text_items(), max_size=3),  # the url reads its items' plain_text
    "Notes": st.one_of(st.lists(st.one_of(rich_text_items(), values), max_size=3), values),
    "Amount": values,
    "Type": options,
    "Stage": options,
    "Done": values,
    "Email": values,
    "Link": values,
    "Phone": values,
    "Tags": values,
    "Date": values,
    "Owner": values,
    "Files": values,
    "Where": values,
}
pages = st.fixed_dictionaries(
    {name: st.one_of(st.just(None), strategy) for name, strategy in stored.items()},
    optional={
        "icon": values,
        "cover": values,
        "parent": st.one_of(values, st.dictionaries(st.sampled_from(["type", "id", "x"]), values)),
        "created_by": st.one_of(st.text(max_size=6), st.just("")),
        "in_trash": st.booleans(),
        "is_locked": st.booleans(),
    },
)


def plain_workspace() -> tuple[SandboxStore, str, list[str]]:
    """Three pages of a data source whose properties only show what is stored (and the timestamps and
    users), so that any stored value can be shown."""
    store = SandboxStore.open_memory()
    schema = {name: SCHEMA[name] for name in [*stored, "Created", "Creator", "Edited", "Editor", "Act"]}
    source = store.create_data_source(store.create_database("Rows"), "Rows", schema)
    ids = [create_page(store, {"parent": {"data_source_id": source}, "properties": {}}).id for _ in range(3)]
    return store, source, ids


STORE, SOURCE, IDS = plain_workspace()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pages, min_size=1, max_size=3))
def test_any_stored_values_are_written_as_encoding_the_page_object_gives(drawn: list[dict[str, Any]]) -> None:
    source = STORE.sources[SOURCE]
    layout = Layout(STORE, source)  # one layout for several pages, as one answer has
    for index, fields in enumerate(drawn):
        page = STORE.pages[IDS[index]]
        for name, value in fields.items():
            if name in stored:
                if value is None:
                    page.values.pop(source.properties[name]["id"], None)
                else:
                    page.values[source.properties[name]["id"]] = value
            else:
                setattr(page, name, value)
        STORE.page_cache.clear()  # values set behind the store's back: nothing rendered before holds
        assert page_json(layout, page) == old_text(STORE, page.id)


def query(store: SandboxStore, source: str, body: dict[str, Any]) -> dict[str, Any]:
    return data_sources.query(
        Call(store, {"type": "http", "query_string": b""}, {"data_source_id": source}, body)
    )


def test_a_first_time_query_page_builds_no_page_object_and_answers_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, source, ids = workspace()
    built = [0]
    rendered = sandbox.render._rendered

    def counting(*args: Any) -> Any:
        built[0] += 1
        return rendered(*args)

    monkeypatch.setattr(sandbox.render, "_rendered", counting)
    answer = query(store, source, {"page_size": 100})
    assert built[0] == 0  # before: one page object per page of the answer
    shown = [json.loads(page)["id"] for page in answer["results"]]
    assert len(shown) == len(ids) - 2  # all but the two in the trash
    objects = [for_response(full_page(store, store.pages[page_id])) for page_id in shown]
    assert built[0] == len(shown)  # asked for afterwards, each is built then
    plain = json.dumps({**answer, "results": objects}, ensure_ascii=False, separators=(",", ":"))
    assert encode_json(answer) == plain.encode("utf-8")
    again = query(store, source, {"page_size": 100})
    assert encode_json(again) == encode_json(answer)
    assert built[0] == len(shown)


def test_a_page_object_built_after_its_text_keeps_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    store, source, ids = workspace()
    first = encode_json(query(store, source, {"page_size": 100}))
    full_page(store, store.pages[ids[2]])
    assert store.cached_page(store.pages[ids[2]]) is not None
    encoded = [0]

    def counting(value: Any) -> str:
        encoded[0] += 1
        return text_of(value)

    monkeypatch.setattr(sandbox.render, "text_of", counting)
    monkeypatch.setattr(sandbox.render, "page_json", counting)
    assert encode_json(query(store, source, {"page_size": 100})) == first
    assert encoded[0] == 0


def slug_as_before(title: str) -> str:
    """The slug of a page's url as it was written before: each character not alphanumeric a space, then
    the words joined by dashes."""
    return "-".join("".join(c if c.isalnum() else " " for c in title).split())


def url_as_before(page_id: str, title: str) -> str:
    slug = slug_as_before(title)
    compact = page_id.replace("-", "")
    return f"https://www.notion.so/{slug}-{compact}" if slug else f"https://www.notion.so/{compact}"


def test_every_character_shows_in_a_url_as_it_did_before() -> None:
    page_id = "2a0d5b8e-0c4c-4b9e-9d0a-6b1f3c2d4e5f"
    for code in range(sys.maxunicode + 1):
        title = f"a{chr(code)}b"
        assert page_url(page_id, title) == url_as_before(page_id, title), hex(code)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(" _-\t\u00a0\u2028é1٣Ⅻ"), max_size=30))
def test_a_url_is_the_one_written_before(title: str) -> None:
    page_id = "2a0d5b8e-0c4c-4b9e-9d0a-6b1f3c2d4e5f"
    assert page_url(page_id, title) == url_as_before(page_id, title)

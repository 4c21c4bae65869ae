"""The store as the demo builder uses it directly: schemas laid down in Python, kept across a reopen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sandbox.errors import NotionError
from sandbox.pages import create_page
from sandbox.render import full_page
from sandbox.store import DB_FILE, SandboxStore


def test_schemas_relations_and_pages_survive_a_reopen(tmp_path: Path) -> None:
    store = SandboxStore.open(tmp_path / "ws")
    database_id = store.create_database("Task Order Log")
    orders = store.create_data_source(
        database_id,
        "Task Order Log",
        {
            "Name": {"type": "title", "title": {}},
            "Status": {
                "type": "status",
                "status": {
                    "options": [{"name": "Draft", "color": "gray"}, {"name": "Approved", "color": "green"}]
                },
            },
        },
    )
    store.add_relation(orders, "Parent item", orders, synced_property_name="Sub-item")
    order = create_page(store, {"parent": {"data_source_id": orders}, "properties": {}})
    item = create_page(
        store,
        {
            "parent": {"data_source_id": orders},
            "properties": {"Parent item": {"relation": [{"id": order.id}]}},
        },
    )
    store.close()

    again = SandboxStore.open(tmp_path / "ws")
    assert again.counts() == {"Task Order Log": 2}
    props = full_page(again, again.pages[order.id])["properties"]
    assert props["Sub-item"]["relation"] == [{"id": item.id}]
    assert props["Status"]["status"]["name"] == "Draft"
    schema = again.sources[orders].properties
    assert schema["Parent item"]["relation"]["dual_property"]["synced_property_name"] == "Sub-item"
    again.close()


def test_a_data_source_needs_exactly_one_title(tmp_path: Path) -> None:
    store = SandboxStore.open(tmp_path / "ws")
    database_id = store.create_database("D")
    with pytest.raises(NotionError) as caught:
        store.create_data_source(database_id, "D", {"Amount": {"type": "number", "number": {}}})
    assert caught.value.code == "validation_error"
    store.close()


def test_a_rollup_and_formula_can_be_declared_before_the_relation_exists(tmp_path: Path) -> None:
    store = SandboxStore.open(tmp_path / "ws")
    database_id = store.create_database("D")
    payouts = store.create_data_source(
        database_id,
        "Payouts",
        {
            "Name": {"type": "title", "title": {}},
            "Amount": {"type": "number", "number": {"format": "number"}},
        },
    )
    payables = store.create_data_source(database_id, "Payables", {"Title": {"type": "title", "title": {}}})
    store.add_relation(payables, "Payout Items", payouts)
    with store.writing():
        store.add_property(
            store.sources[payables],
            "Total",
            {
                "type": "rollup",
                "rollup": {
                    "relation_property_name": "Payout Items",
                    "rollup_property_name": "Amount",
                    "function": "sum",
                },
            },
        )
    a = create_page(store, {"parent": {"data_source_id": payouts}, "properties": {"Amount": {"number": 2}}})
    p = create_page(
        store,
        {
            "parent": {"data_source_id": payables},
            "properties": {"Payout Items": {"relation": [{"id": a.id}]}},
        },
    )
    assert full_page(store, p)["properties"]["Total"]["rollup"]["number"] == 2
    store.close()


def test_every_property_id_survives_being_sent_decoded_in_a_path() -> None:
    from urllib.parse import unquote

    from sandbox.ids import new_property_id

    taken: set[str] = set()
    for _ in range(2000):
        prop_id = new_property_id(taken)
        taken.add(prop_id)
        assert not set(unquote(prop_id)) & set("/?#%")


def test_deferred_writes_wait_for_a_flush_and_a_second_opener_flushes_them(tmp_path: Path) -> None:
    store = SandboxStore.open(tmp_path / "ws")
    store.deferred_flush = True
    database_id = store.create_database("Deferred")
    assert store.pending == 1
    raw = sqlite3.connect(str(tmp_path / "ws" / DB_FILE))
    try:
        assert raw.execute("SELECT count(*) FROM objects").fetchone() == (0,)
        second = SandboxStore.open(tmp_path / "ws")  # flushes the open store on the same file first
        try:
            assert database_id in second.databases
            assert store.pending == 0
            assert raw.execute("SELECT count(*) FROM objects").fetchone() == (1,)
        finally:
            second.close()
    finally:
        raw.close()
    store.create_database("At close")
    store.close()
    store.close()  # closing twice is harmless
    again = SandboxStore.open(tmp_path / "ws")
    assert {d.title[0]["plain_text"] for d in again.databases.values()} == {"Deferred", "At close"}
    again.close()

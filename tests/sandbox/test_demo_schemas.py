"""The demo's schemas in the store, its creation plan, and the configuration it writes."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.demo import SIZES, DemoWorkspace, find_demo_workspace, generate_demo, render_config
from sandbox.demo.records import Record
from sandbox.demo.schemas import LOGICAL_NAMES, TITLES, base_schemas
from sandbox.demo.seed import chains, creation_levels, lay_down_schemas
from sandbox.store import SandboxStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SandboxStore]:
    opened = SandboxStore.open(tmp_path / "store")
    yield opened
    opened.close()


def record(key: str, relations: dict[str, tuple[str, ...]] | None = None) -> Record:
    return Record(key, key.split("/")[0], {}, relations or {})


# ---------------------------------------------------------------- schemas


def test_status_and_select_follow_the_domain_table() -> None:
    schemas = base_schemas()
    kinds = {(name, prop): spec["type"] for name, schema in schemas.items() for prop, spec in schema.items()}
    status = {
        ("payables", "Payment Status"),
        ("payouts", "Status"),
        ("refunds", "Status"),
        ("rates", "Status"),
        ("updates", "Status"),
        ("deployments", "Deployment Status"),
    }
    assert {key for key, kind in kinds.items() if kind == "status"} == status
    for key in [("orders", "Status"), ("splits", "Status"), ("splits", "Type"), ("rates", "Payday")]:
        assert kinds[key] == "select"
    assert [o["name"] for o in schemas["rates"]["Payday"]["select"]["options"]] == ["01", "15"]
    assert all(
        sum(kind == "title" for kind in (s["type"] for s in schema.values())) == 1
        for schema in schemas.values()
    )


def test_laid_down_schemas_have_two_way_relations_and_resolved_rollups(store: SandboxStore) -> None:
    databases, sources = lay_down_schemas(store)
    assert set(sources) == set(LOGICAL_NAMES) == set(databases)
    orders = store.source(sources["orders"]).properties
    assert orders["Sub-item"]["relation"]["dual_property"]["synced_property_name"] == "Parent item"
    assert orders["Parent item"]["relation"]["data_source_id"] == sources["orders"]
    payouts = store.source(sources["payouts"]).properties
    assert payouts["Payable"]["relation"]["data_source_id"] == sources["payables"]
    rollup = store.source(sources["payables"]).properties["Payout Amount Sum"]["rollup"]
    assert (rollup["relation_property_name"], rollup["rollup_property_name"], rollup["function"]) == (
        "Payout Items",
        "Amount",
        "sum",
    )
    statuses = store.source(sources["payouts"]).properties["Status"]["status"]
    groups = {g["name"]: len(g["option_ids"]) for g in statuses["groups"]}
    assert groups == {"To-do": 2, "In progress": 0, "Complete": 2}


def test_a_store_without_all_ten_data_sources_is_not_a_demo_workspace(store: SandboxStore) -> None:
    assert find_demo_workspace(store) is None
    database = store.create_database(TITLES["payables"])
    store.create_data_source(database, TITLES["payables"], {"Payable Title": {"type": "title", "title": {}}})
    assert find_demo_workspace(store) is None


def test_laid_down_schemas_are_found_again_with_no_pages(store: SandboxStore) -> None:
    databases, sources = lay_down_schemas(store)
    assert find_demo_workspace(store) == DemoWorkspace(sources, databases, dict.fromkeys(LOGICAL_NAMES, 0))


# ---------------------------------------------------------------- creation plan


def test_each_level_only_links_to_earlier_levels() -> None:
    data = generate_demo(SIZES["small"], "2026-02")
    levels = creation_levels(data.records)
    placed: set[str] = set()
    for level in levels:
        assert all(key in placed for r in level for keys in r.relations.values() for key in keys)
        placed |= {r.key for r in level}
    assert len(placed) == len(data.records)
    assert {r.database for r in levels[-1]} == {"payables"}


def test_a_link_to_a_later_record_is_refused() -> None:
    with pytest.raises(ValueError, match="orders/00001 links to orders/00002"):
        creation_levels([record("orders/00001", {"Parent item": ("orders/00002",)}), record("orders/00002")])


def test_pages_sharing_a_two_way_target_are_created_in_one_sequence() -> None:
    level = [
        record("orders/00003", {"Parent item": ("orders/00001",)}),
        record("orders/00004", {"Parent item": ("orders/00002",)}),
        record("orders/00005", {"Parent item": ("orders/00001",), "Timesheet": ("updates/00001",)}),
        record("orders/00006", {"Timesheet": ("updates/00001",)}),  # one-way: no ordering needed
    ]
    assert [[r.key for r in chain] for chain in chains(level)] == [
        ["orders/00003", "orders/00005"],
        ["orders/00004"],
        ["orders/00006"],
    ]


# ---------------------------------------------------------------- configuration


WORKSPACE = DemoWorkspace(
    data_sources={name: f"ds-{name}" for name in LOGICAL_NAMES},
    databases={name: f"db-{name}" for name in LOGICAL_NAMES},
    counts=dict.fromkeys(LOGICAL_NAMES, 1),
)


def test_the_configuration_is_toml_with_every_data_source_and_no_token() -> None:
    text = render_config("http://127.0.0.1:8765/", WORKSPACE)
    config = tomllib.loads(text)
    assert config["notion"] == {
        "base_url": "http://127.0.0.1:8765",
        "notion_version": "2025-09-03",
        "rate": 3.0,
        "burst": 3,
    }
    assert config["engine"] == {"workers": 5}
    assert config["data_sources"] == WORKSPACE.data_sources
    assert "[properties.<logical>]" in text
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert "token" not in "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert any("export NOTION_TOKEN=" in line for line in comments), "it says how to set the token"


def test_the_engine_reads_the_rendered_configuration() -> None:
    from engine.workspace.config import config_from_mapping

    raw = tomllib.loads(render_config("http://127.0.0.1:8765", WORKSPACE))
    config = config_from_mapping(raw, {"NOTION_TOKEN": "secret_x"})
    assert dict(config.data_sources) == WORKSPACE.data_sources
    assert config.notion.base_url == "http://127.0.0.1:8765"
    assert (config.notion.rate, config.workers, config.warnings) == (3.0, 5, ())

"""Relations through notion-client: two-way sync, the 25-reference limit, the page-property endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, AsyncClient
from notion_client.helpers import async_collect_paginated_api

pytestmark = pytest.mark.trio


async def orders_source(notion: AsyncClient, make_source: Any) -> dict[str, Any]:
    source = await make_source("Orders", {"Name": {"title": {}}, "Hours": {"number": {}}})
    await notion.data_sources.update(
        source["id"],
        properties={
            "Parent item": {
                "relation": {
                    "data_source_id": source["id"],
                    "type": "dual_property",
                    "dual_property": {"synced_property_name": "Sub-item"},
                }
            }
        },
    )
    return source


async def create(notion: AsyncClient, source: dict[str, Any], **properties: Any) -> dict[str, Any]:
    page: dict[str, Any] = await notion.pages.create(
        parent={"type": "data_source_id", "data_source_id": source["id"]}, properties=properties
    )
    return page


async def test_a_two_way_relation_shows_on_both_sides(notion: AsyncClient, make_source: Any) -> None:
    source = await orders_source(notion, make_source)
    schema = (await notion.data_sources.retrieve(source["id"]))["properties"]
    dual = schema["Parent item"]["relation"]
    assert dual["type"] == "dual_property"
    assert dual["dual_property"] == {
        "synced_property_name": "Sub-item",
        "synced_property_id": schema["Sub-item"]["id"],
    }
    order = await create(notion, source)
    item = await create(notion, source, **{"Parent item": {"relation": [{"id": order["id"]}]}})
    seen = await notion.pages.retrieve(order["id"])
    assert seen["properties"]["Sub-item"]["relation"] == [{"id": item["id"]}]
    assert seen["properties"]["Sub-item"]["has_more"] is False
    await notion.pages.update(item["id"], properties={"Parent item": {"relation": []}})
    assert (await notion.pages.retrieve(order["id"]))["properties"]["Sub-item"]["relation"] == []


async def test_setting_the_other_side_updates_the_first(notion: AsyncClient, make_source: Any) -> None:
    source = await orders_source(notion, make_source)
    order = await create(notion, source)
    items = [await create(notion, source) for _ in range(3)]
    await notion.pages.update(
        order["id"], properties={"Sub-item": {"relation": [{"id": i["id"]} for i in items]}}
    )
    for item in items:
        parent = (await notion.pages.retrieve(item["id"]))["properties"]["Parent item"]["relation"]
        assert parent == [{"id": order["id"]}]
    await notion.pages.update(order["id"], properties={"Sub-item": {"relation": [{"id": items[0]["id"]}]}})
    assert (await notion.pages.retrieve(items[2]["id"]))["properties"]["Parent item"]["relation"] == []


async def test_relations_list_25_references_then_the_property_endpoint_pages(
    notion: AsyncClient, make_source: Any
) -> None:
    source = await orders_source(notion, make_source)
    targets = [await create(notion, source) for _ in range(40)]
    order = await create(notion, source, **{"Sub-item": {"relation": [{"id": t["id"]} for t in targets]}})
    shown = order["properties"]["Sub-item"]
    assert len(shown["relation"]) == 25 and shown["has_more"] is True
    prop_id = shown["id"]
    first = await notion.pages.properties.retrieve(order["id"], prop_id, page_size=30)
    assert first["object"] == "list" and first["type"] == "property_item"
    assert first["has_more"] is True and len(first["results"]) == 30
    assert first["results"][0] == {
        "object": "property_item",
        "type": "relation",
        "id": prop_id,
        "relation": {"id": targets[0]["id"]},
    }
    assert first["property_item"]["next_url"]
    every = await async_collect_paginated_api(
        notion.pages.properties.retrieve, page_id=order["id"], property_id=prop_id
    )
    assert [r["relation"]["id"] for r in every] == [t["id"] for t in targets]


async def test_property_ids_are_accepted_encoded_and_decoded(notion: AsyncClient, make_source: Any) -> None:
    source = await make_source("Enc", {"Name": {"title": {}}, "Hours": {"number": {}}})
    page = await create(notion, source, Hours={"number": 7})
    encoded = page["properties"]["Hours"]["id"]
    from urllib.parse import unquote

    for prop_id in {encoded, unquote(encoded)}:
        item = await notion.pages.properties.retrieve(page["id"], prop_id)
        assert item == {
            "object": "property_item",
            "id": encoded,
            "type": "number",
            "number": 7,
            "request_id": item["request_id"],
        }
    title = await notion.pages.properties.retrieve(page["id"], "title")
    assert title["type"] == "property_item" and title["results"] == []


async def test_at_most_100_relation_ids_per_request(notion: AsyncClient, make_source: Any) -> None:
    source = await orders_source(notion, make_source)
    order = await create(notion, source)
    ids = [{"id": order["id"]} for _ in range(101)]
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.update(order["id"], properties={"Sub-item": {"relation": ids}})
    assert caught.value.code == "validation_error"
    assert "100" in str(caught.value)


async def test_trashed_pages_drop_out_of_relations_and_queries(notion: AsyncClient, make_source: Any) -> None:
    source = await orders_source(notion, make_source)
    order = await create(notion, source)
    item = await create(notion, source, **{"Parent item": {"relation": [{"id": order["id"]}]}})
    trashed = await notion.pages.update(item["id"], in_trash=True)
    assert trashed["in_trash"] is True and trashed["archived"] is True
    assert (await notion.pages.retrieve(order["id"]))["properties"]["Sub-item"]["relation"] == []
    listed = await notion.data_sources.query(source["id"])
    assert [p["id"] for p in listed["results"]] == [order["id"]]
    restored = await notion.pages.update(item["id"], archived=False)
    assert restored["in_trash"] is False
    assert (await notion.pages.retrieve(order["id"]))["properties"]["Sub-item"]["relation"] == [
        {"id": item["id"]}
    ]


async def test_a_relation_to_a_page_of_another_source_is_refused(
    notion: AsyncClient, make_source: Any
) -> None:
    source = await orders_source(notion, make_source)
    other = await make_source("Other")
    stranger = await create(notion, other)
    order = await create(notion, source)
    with pytest.raises(APIResponseError) as caught:
        await notion.pages.update(
            order["id"], properties={"Sub-item": {"relation": [{"id": stranger["id"]}]}}
        )
    assert caught.value.code == "validation_error"

"""Fuzz: Notion answers of the wrong shape go through the real code paths and end as the engine's own errors.

- `engine.workspace.props` readers over page objects with missing properties, wrong types, null relations,
  unknown options and more than 25 references: a plain value or `RecordShapeError`, nothing else.
- `engine.notion.gateway._object` / `_list` over any JSON value: the value or `ResponseShapeError`.
- The gateway over a transport answering truncated, non-JSON or wrongly shaped bodies (any status): a
  `NotionFailure` or `ResponseShapeError`, never a notion-client or JSON exception.
- The commit planner over a snapshot with junk pages: a plan (the junk skipped or planned) or one
  `RecordShapeError` naming the page and property, which `run_job` turns into a refused job.

Deterministic: `derandomize=True` and bounded `max_examples`.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notion_client import AsyncClient

from engine.kinds.commit.params import CommitParams
from engine.kinds.commit.plan import CommitSnapshot, plan_commit
from engine.notion.failures import NotionFailure, ResponseShapeError
from engine.notion.gateway import NotionGateway, RetryPolicy, _list, _object
from engine.notion.ratelimit import TokenBucket
from engine.run.plan import Plan
from engine.workspace import props
from engine.workspace.props import RecordShapeError
from tests.engine import pages as P

FUZZ = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KINDS = (
    "title",
    "rich_text",
    "status",
    "select",
    "multi_select",
    "number",
    "date",
    "relation",
    "checkbox",
    "formula",
)
KEYS = ("type", "id", "name", "start", "end", "plain_text", "text", "content", "has_more", *KINDS)

# JSON values as a JSON parser gives them (integers within what a float holds; a larger one is tested below).
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
    | st.sampled_from(["Paid", "Pending", "Cancelled", "Weird option", "2026-01-15", "2026-13-40", ""])
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def property_values(draw: st.DrawFn) -> Any:
    """A property value: well formed, typed junk ({"type": k, k: junk}), a null, or any junk at all."""
    kind = draw(st.sampled_from(KINDS))
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return None
    if choice == 1:
        return draw(junk)
    if choice == 2:  # a relation of any length, up to well past 25, sometimes with has_more
        ids = draw(st.lists(st.uuids().map(str), max_size=40))
        return {"type": "relation", "relation": [{"id": i} for i in ids], "has_more": draw(st.booleans())}
    if choice == 3:  # a relation that is null, or holds references that are not objects
        return {"type": "relation", "relation": draw(st.none() | st.lists(junk, max_size=3))}
    if choice == 4:  # an option unknown to paydesk, or an option without a name
        return {kind: draw(st.none() | st.fixed_dictionaries({"name": junk})), "type": kind}
    return {"type": kind, kind: draw(junk)}


NAMES = ("Status", "Payment Status", "Period", "Contractor", "Payout Items", "Amount", "Name", "Total")


@st.composite
def page_objects(draw: st.DrawFn) -> dict[str, Any]:
    page: dict[str, Any] = {"object": "page", "id": draw(st.uuids().map(str) | junk)}
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return page  # no properties at all
    if shape == 1:
        page["properties"] = draw(junk)
        return page
    page["properties"] = draw(st.dictionaries(st.sampled_from(NAMES), property_values(), max_size=6))
    return page


READERS: list[tuple[str, Callable[[Any, str], Any], Callable[[Any], bool]]] = [
    ("text", props.text, lambda v: isinstance(v, str)),
    ("title", props.title, lambda v: isinstance(v, str)),
    ("status", lambda p, n: props.option(p, n, "status"), lambda v: v is None or isinstance(v, str)),
    ("select", lambda p, n: props.option(p, n, "select"), lambda v: v is None or isinstance(v, str)),
    ("multi_select", props.options, lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v)),
    ("number", props.number, lambda v: v is None or isinstance(v, float)),
    ("date_range", props.date_range, lambda v: all(x is None or isinstance(x, str) for x in v)),
    ("date_start", props.date_start, lambda v: v is None or isinstance(v, str)),
    (
        "relation",
        props.relation,
        lambda v: all(isinstance(i, str) for i in v[0]) and isinstance(v[1], bool),
    ),
    ("property_id", props.property_id, lambda v: v is None or isinstance(v, str)),
]


@FUZZ
@given(page=page_objects(), name=st.sampled_from(NAMES))
def test_every_reader_returns_a_plain_value_or_a_record_shape_error(page: dict[str, Any], name: str) -> None:
    for label, reader, valid in READERS:
        try:
            value = reader(page, name)
        except RecordShapeError as err:
            assert err.prop in (name, "properties", "id"), label
            continue
        assert valid(value), (label, value)


def test_a_relation_of_more_than_25_references_is_read_whole_and_says_it_has_more() -> None:
    ids = [f"00000000-0000-0000-0000-{n:012d}" for n in range(30)]
    page = P.page("p1", Payout_Items=P.relation(*ids, has_more=True))
    assert props.relation(page, "Payout Items") == (ids, True)
    assert props.relation(
        P.page("p1", Payout_Items={"type": "relation", "relation": None}), "Payout Items"
    ) == (
        [],
        False,
    )


def test_a_number_too_large_for_a_float_is_a_record_shape_error() -> None:
    page = json.loads(
        '{"id": "p1", "properties": {"Amount": {"type": "number", "number": 1' + "0" * 400 + "}}}"
    )
    with pytest.raises(RecordShapeError):
        props.number(page, "Amount")


@FUZZ
@given(answer=junk, expected=st.sampled_from(["page", "data_source", "user"]))
def test_object_accepts_only_the_expected_object(answer: Any, expected: str) -> None:
    try:
        assert _object(answer, expected)["object"] == expected
    except ResponseShapeError as err:
        assert str(err)


@FUZZ
@given(
    answer=junk
    | st.fixed_dictionaries(
        {"object": st.just("list"), "results": junk, "has_more": junk, "next_cursor": junk}
    )
)
def test_list_accepts_only_a_well_formed_list(answer: Any) -> None:
    try:
        checked = _list(answer)
    except ResponseShapeError:
        return
    assert all(isinstance(r, dict) for r in checked["results"])
    assert not checked["has_more"] or isinstance(checked["next_cursor"], str)


# ---- the gateway over a transport that answers junk -----------------------------------------------------

QUICK = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.001, max_throttles=1, throttle_jitter=0.0)
STATUSES = (200, 400, 401, 404, 409, 429, 500, 502, 503, 504, 529)
PAGE_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def bodies() -> st.SearchStrategy[bytes]:
    good = {"object": "page", "id": PAGE_ID, "properties": {}}
    text = json.dumps(good)
    return st.one_of(
        st.integers(0, len(text) - 1).map(lambda n: text[:n].encode()),  # truncated JSON
        st.binary(max_size=40),  # random bytes
        st.sampled_from([b"<html><body>502 Bad Gateway</body></html>", b"", b"null", b"[]", b'"page"']),
        junk.map(lambda v: json.dumps(v).encode()),  # JSON of the wrong shape
        st.just(json.dumps({"object": "error", "status": 400, "code": None, "message": 7}).encode()),
    )


def gateway_over(status: int, body: bytes, seen: list[int]) -> tuple[NotionGateway, httpx.AsyncClient]:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        headers = {"content-type": "application/json", "retry-after": "0"}
        return httpx.Response(status, content=body, headers=headers)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = AsyncClient(client=http, auth="secret_fuzz", base_url="http://notion.fuzz", retry=False)
    return NotionGateway(client, TokenBucket(1e6, 1000), policy=QUICK, rng=random.Random(0)), http


OPERATIONS: dict[str, Callable[[NotionGateway], Any]] = {
    "retrieve": lambda g: g.retrieve_page(PAGE_ID),
    "update": lambda g: g.update_page(PAGE_ID, {"Status": {"status": {"name": "Paid"}}}),
    "create": lambda g: g.create_page(PAGE_ID, {"Name": {"title": []}}),
    "query": lambda g: g.query_all(PAGE_ID),
    "property": lambda g: g.property_items(PAGE_ID, "abc"),
    "schema": lambda g: g.retrieve_data_source(PAGE_ID),
}


@settings(FUZZ, max_examples=60)
@given(status=st.sampled_from(STATUSES), body=bodies(), operation=st.sampled_from(sorted(OPERATIONS)))
def test_the_gateway_turns_any_answer_into_a_result_or_its_own_error(
    status: int, body: bytes, operation: str
) -> None:
    seen: list[int] = []

    async def main() -> Any:
        gateway, http = gateway_over(status, body, seen)
        async with http:
            return await OPERATIONS[operation](gateway)

    try:
        result = trio.run(main)
    except NotionFailure as failure:
        assert isinstance(failure.code, str) and failure.code
        assert isinstance(failure.message, str)
        assert "secret_fuzz" not in failure.describe()
        if status in (400, 401, 404, 409):
            assert not failure.retryable and len(seen) == 1, "a permanent failure is not retried"
        return
    except ResponseShapeError as err:
        assert status == 200 and str(err)
        return
    assert status == 200
    assert isinstance(result, dict | tuple)


# ---- the commit planner over a snapshot with junk pages ------------------------------------------------

PAYABLE, PAYOUT, SPLIT, REFUND, RATE, PERSON = "payable-1", "payout-1", "split-1", "refund-1", "rate-1", "c-1"
PARAMS = CommitParams(month="2026-01", batch=15, today="2026-01-20")


def clean_pages() -> dict[str, dict[str, Any]]:
    return {
        PAYABLE: P.page(
            PAYABLE,
            Invoice_ID=P.rich("INV-1"),
            Payable_Title=P.title("Jan"),
            Payment_Status=P.status("Pending"),
            Period=P.date("2026-01-15"),
            Contractor=P.relation(PERSON),
            Payout_Items=P.relation(PAYOUT),
            Total=P.number(100.0),
            Currency=P.select("USD"),
        ),
        PAYOUT: {
            "object": "page",
            "id": PAYOUT,
            "properties": {
                "Name": P.title("Fee"),
                "Status": P.status("Pending"),
                "Amount": P.number(100.0),
                "Currency": P.select("USD"),
                "02 Invoice Split": P.relation(SPLIT),
                "01 Refund": P.relation(REFUND),
            },
        },
        SPLIT: P.page(SPLIT, Status=P.select("Pending")),
        REFUND: P.page(REFUND, Status=P.status("Approved")),
        RATE: P.page(
            RATE,
            Contractor=P.relation(PERSON),
            Payday=P.select("15"),
            Status=P.status("Active"),
            Start_Date=P.date("2025-01-01"),
        ),
        PERSON: P.page(PERSON, Full_Name=P.title("Duc Ly")),
    }


def snapshot_of(pages: dict[str, dict[str, Any]]) -> CommitSnapshot:
    return CommitSnapshot(
        payables=[pages[PAYABLE]],
        payout_items={PAYABLE: [PAYOUT]},
        payouts={PAYOUT: pages[PAYOUT]},
        splits={SPLIT: pages[SPLIT]},
        refunds={REFUND: pages[REFUND]},
        rates=[pages[RATE]],
        contractors={PERSON: pages[PERSON]},
    )


def test_the_clean_snapshot_plans_the_whole_cascade() -> None:
    plan = plan_commit(snapshot_of(clean_pages()), PARAMS, P.config())
    assert [s.logical for s in plan.steps] == ["splits", "refunds", "payouts", "payables"]


DAMAGED_PROPS = (
    "Payment Status",
    "Period",
    "Contractor",
    "Invoice ID",
    "Payable Title",
    "Total",
    "Currency",
    "Status",
    "Name",
    "Amount",
    "02 Invoice Split",
    "01 Refund",
    "Payday",
    "Start Date",
    "Full Name",
)


@settings(FUZZ, max_examples=200)
@given(
    damage=st.lists(
        st.tuples(
            st.sampled_from([PAYABLE, PAYOUT, SPLIT, REFUND, RATE, PERSON]),
            st.sampled_from(DAMAGED_PROPS),
            st.none() | property_values(),
        ),
        min_size=1,
        max_size=4,
    ),
    drop_properties=st.sampled_from([None, PAYABLE, PAYOUT, SPLIT, RATE]),
)
def test_the_planner_over_junk_pages_plans_skips_or_names_the_bad_record(
    damage: list[tuple[str, str, Any]], drop_properties: str | None
) -> None:
    pages = clean_pages()
    for page_id, name, value in damage:
        if value is None:
            pages[page_id]["properties"].pop(name, None)
        else:
            pages[page_id]["properties"][name] = value
    if drop_properties is not None:
        del pages[drop_properties]["properties"]
    try:
        plan = plan_commit(snapshot_of(pages), PARAMS, P.config())
    except RecordShapeError as err:
        assert err.page_id in pages and str(err).startswith(f"page {err.page_id}: property ")
        return
    assert isinstance(plan, Plan)
    assert len(plan.items) + len(plan.skips) == 1, "the one payable is planned or skipped, with a reason"
    for skip in plan.skips:
        assert skip.reason
    for total in plan.totals.values():
        assert math.isfinite(total)
    if plan.items:  # a planned payable is written last, after every step below it
        steps = plan.items[0].steps
        assert steps[-1].logical == "payables" and set(steps[-1].depends_on) == {s.key for s in steps[:-1]}

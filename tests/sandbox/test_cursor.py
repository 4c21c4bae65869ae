"""Cursors: opaque keyset positions that stay correct while pages are written between requests."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.cursor import PREFIX, Position, decode_cursor, encode_cursor
from sandbox.query import QueryError, QueryRow, run_query

OPTIONS = [
    {"id": f"o{index}", "name": name, "color": "default"} for index, name in enumerate(["Pending", "Paid"])
]
SCHEMA: dict[str, dict[str, Any]] = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "Amount": {"id": "am", "name": "Amount", "type": "number", "number": {}},
    "Status": {"id": "st", "name": "Status", "type": "status", "status": {"options": OPTIONS, "groups": []}},
    "Note": {"id": "nt", "name": "Note", "type": "rich_text", "rich_text": {}},
}


def make_row(seq: int, amount: int | None, status: int | None, name: str = "") -> QueryRow:
    page = {
        "id": f"p{seq}",
        "created_time": f"2026-03-01T{seq // 60 % 24:02d}:{seq % 60:02d}:00.000Z",
        "last_edited_time": "2026-03-01T00:00:00.000Z",
        "properties": {
            "Name": {"id": "title", "type": "title", "title": [{"plain_text": name or f"Payout {seq % 7}"}]},
            "Amount": {"id": "am", "type": "number", "number": amount},
            "Status": {"id": "st", "type": "status", "status": None if status is None else OPTIONS[status]},
            "Note": {"id": "nt", "type": "rich_text", "rich_text": []},
        },
    }
    return QueryRow(seq, page)


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [page["id"] for page in pages]


def test_walking_the_cursors_lists_every_page_once_in_order_and_ends_without_a_cursor() -> None:
    rows = [make_row(seq, amount=seq % 4, status=None) for seq in range(10)]
    body: dict[str, Any] = {"sorts": [{"property": "Amount", "direction": "descending"}], "page_size": 3}
    seen: list[str] = []
    pages = 0
    while True:
        results, next_cursor, has_more = run_query(rows, body, SCHEMA)
        seen += ids(results)
        pages += 1
        if not has_more:
            assert next_cursor is None
            break
        assert isinstance(next_cursor, str) and next_cursor.startswith(PREFIX)
        body["start_cursor"] = next_cursor
    assert pages == 4
    assert seen == ["p3", "p7", "p2", "p6", "p1", "p5", "p9", "p0", "p4", "p8"]


def test_a_last_page_that_is_exactly_full_says_there_is_no_more() -> None:
    rows = [make_row(seq, amount=None, status=None) for seq in range(4)]
    results, next_cursor, has_more = run_query(rows, {"page_size": 4}, SCHEMA)
    assert (len(results), next_cursor, has_more) == (4, None, False)


def test_a_page_deleted_between_requests_does_not_shift_the_rest() -> None:
    rows = [make_row(seq, amount=seq, status=None) for seq in range(6)]
    body: dict[str, Any] = {"sorts": [{"property": "Amount", "direction": "ascending"}], "page_size": 2}
    first, cursor, _ = run_query(rows, body, SCHEMA)
    remaining = [row for row in rows if row.seq not in (1, 2)]
    second, _, _ = run_query(remaining, {**body, "start_cursor": cursor}, SCHEMA)
    assert (ids(first), ids(second)) == (["p0", "p1"], ["p3", "p4"])


def test_a_cursor_outlives_the_page_it_points_after() -> None:
    rows = [make_row(seq, amount=None, status=None) for seq in range(3)]
    _, cursor, _ = run_query(rows, {"page_size": 1}, SCHEMA)
    results, next_cursor, has_more = run_query([], {"start_cursor": cursor}, SCHEMA)
    assert (results, next_cursor, has_more) == ([], None, False)


def test_a_cursor_made_for_other_sorts_is_refused() -> None:
    rows = [make_row(seq, amount=seq, status=None) for seq in range(3)]
    _, cursor, _ = run_query(rows, {"page_size": 1}, SCHEMA)
    body = {"start_cursor": cursor, "sorts": [{"property": "Amount", "direction": "ascending"}]}
    with pytest.raises(QueryError, match=r"^The start_cursor provided is invalid: pq1"):
        run_query(rows, body, SCHEMA)


def forge(payload: Any) -> str:
    return PREFIX + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def forged_with(fingerprint: str) -> dict[str, str]:
    """Cursors that look like ours, carry the right fingerprint, and still do not hold a position."""
    nan = f'{{"f":"{fingerprint}","k":[[false,0,NaN]],"s":1}}'.encode()
    return {
        "no key": forge({"f": fingerprint, "k": [], "s": 1}),
        "text where a number was": forge({"f": fingerprint, "k": [[False, 0, "two"]], "s": 1}),
        "not a number": PREFIX + base64.urlsafe_b64encode(nan).decode(),
        "boolean sequence": forge({"f": fingerprint, "k": [[False, 0, 1]], "s": True}),
        "nested too deep": forge({"f": fingerprint, "k": [[False, 0, [[[1]]]]], "s": 1}),
        "value on an empty": forge({"f": fingerprint, "k": [[True, 0, 3]], "s": 1}),
    }


GARBAGE = [
    "",
    "s:29399f72-bada-817a:29399f72-bada-817a",
    PREFIX,
    PREFIX + "!!!",
    PREFIX + base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    PREFIX + base64.urlsafe_b64encode(b"[" * 100_000).decode(),
    forge([]),
    forge({"f": "x", "k": [], "s": 1}),
    forge({"k": [[False, 0, 1]], "s": 1}),
]


@pytest.mark.parametrize("case", [*range(len(GARBAGE)), *forged_with("")])
def test_a_cursor_the_server_did_not_hand_out_is_refused_never_crashes(case: int | str) -> None:
    rows = [make_row(seq, amount=seq, status=None) for seq in range(3)]
    sorts = [{"property": "Amount", "direction": "descending"}]
    _, genuine, _ = run_query(rows, {"sorts": sorts, "page_size": 1}, SCHEMA)
    assert genuine is not None
    fingerprint = json.loads(base64.urlsafe_b64decode(genuine[len(PREFIX) :] + "=="))["f"]
    cursor = GARBAGE[case] if isinstance(case, int) else forged_with(fingerprint)[case]
    with pytest.raises(QueryError, match=r"^The start_cursor provided is invalid: "):
        run_query(rows, {"sorts": sorts, "start_cursor": cursor}, SCHEMA)


components = st.one_of(
    st.just((True, 0, None)),
    st.tuples(
        st.just(False),
        st.integers(0, 3),
        st.one_of(
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(),
            st.tuples(st.text(), st.text()),
            st.lists(st.integers(0, 9), max_size=3).map(tuple),
        ),
    ),
)


@given(st.lists(components, max_size=4).map(tuple), st.integers(), st.text(max_size=12))
def test_a_cursor_decodes_to_the_position_it_was_made_from(key: Any, seq: int, fingerprint: str) -> None:
    position = Position(key, seq)
    cursor = encode_cursor(fingerprint, position)
    assert decode_cursor(cursor, fingerprint, len(key)) == position
    with pytest.raises(QueryError):
        decode_cursor(cursor, fingerprint + "x", len(key))


# --- pagination while pages are written between requests ---------------------------------------------------

SORTS = [
    [],
    [{"property": "Amount", "direction": "ascending"}],
    [{"property": "Amount", "direction": "descending"}, {"property": "Name", "direction": "ascending"}],
    [{"property": "Status", "direction": "descending"}, {"property": "Amount", "direction": "ascending"}],
    [{"timestamp": "created_time", "direction": "descending"}],
    [{"property": "Name", "direction": "descending"}],
]
FILTERS = [None, {"property": "Status", "status": {"does_not_equal": "Paid"}}]

initial_rows = st.lists(
    st.tuples(st.none() | st.integers(0, 5), st.none() | st.integers(0, 1)), min_size=0, max_size=30
)
writes = st.lists(
    st.tuples(st.sampled_from(["note", "delete", "create"]), st.integers(0, 1000), st.text(max_size=5)),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(
    initial_rows,
    st.sampled_from(SORTS),
    st.sampled_from(FILTERS),
    st.integers(1, 7),
    st.lists(writes, min_size=12, max_size=12),
)
def test_pages_written_between_requests_cause_no_duplicates_and_no_skips(
    initial: list[tuple[int | None, int | None]],
    sorts: list[dict[str, Any]],
    spec: dict[str, Any] | None,
    page_size: int,
    writes_per_page: list[list[tuple[str, int, str]]],
) -> None:
    rows = {seq: make_row(seq, amount, status) for seq, (amount, status) in enumerate(initial)}
    next_seq = len(rows)
    deleted: set[int] = set()
    body: dict[str, Any] = {"sorts": sorts, "filter": spec, "page_size": page_size}
    expected = {page["id"] for page in run_query(list(rows.values()), {**body, "page_size": 100}, SCHEMA)[0]}
    seen: list[str] = []
    for writes_now in [*writes_per_page, *[[]] * 40]:
        results, next_cursor, has_more = run_query(list(rows.values()), body, SCHEMA)
        assert len(results) <= page_size
        seen += ids(results)
        if not has_more:
            break
        body["start_cursor"] = next_cursor
        for action, pick, text in writes_now:
            if action == "create":
                rows[next_seq] = make_row(next_seq, amount=pick % 6, status=pick % 2)
                next_seq += 1
            elif rows:
                seq = sorted(rows)[pick % len(rows)]
                if action == "delete":
                    del rows[seq]
                    deleted.add(seq)
                else:
                    rows[seq].page["properties"]["Note"]["rich_text"] = [{"plain_text": text}]
                    rows[seq].page["last_edited_time"] = "2026-03-09T00:00:00.000Z"
    assert len(seen) == len(set(seen)), "a page came twice"
    survivors = expected - {f"p{seq}" for seq in deleted}
    assert survivors <= set(seen), "a page that was never touched was skipped"
    assert set(seen) <= expected | {f"p{seq}" for seq in range(len(initial), next_seq)}

"""Queries over the store's indexes answer, request after request, what the reference evaluation answers
(`run_query` over every visible page), whatever creates, updates, trashes, restores and schema changes come
between them, pagination included: a machine interleaves writes with first pages and with further pages
of paginations started earlier, and compares every answer (pages, cursor, has_more, or the error)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import sandbox.query_live
import sandbox.query_upkeep
from sandbox.errors import NotionError
from sandbox.pages import create_page, update_page
from sandbox.query import QueryError, run_query
from sandbox.query_live import query_row, query_source
from sandbox.records import DataSource
from sandbox.schema_changes import apply_changes
from tests.sandbox.test_query_live import NOW, STATUSES, TAGS, Workspace
from tests.sandbox.test_query_live import PROPERTIES as WORKSPACE_PROPERTIES

PROPERTIES: dict[str, Any] = {**WORKSPACE_PROPERTIES, "Due": {"date": {}}}
Answer = tuple[list[str], str | None, bool] | str  # the page's ids, cursor and has_more, or the error

FILTERS: list[Callable[[int, str], dict[str, Any]]] = [
    lambda n, link: {"property": "Status", "select": {"equals": STATUSES[n % 3]}},
    lambda n, link: {"property": "Status", "select": {"equals": [STATUSES[n % 3], "Late"]}},
    lambda n, link: {"property": "Status", "select": {"does_not_equal": STATUSES[n % 3]}},
    lambda n, link: {"property": "Status", "select": {"is_empty": True}},
    lambda n, link: {"property": "Name", "title": {"equals": f"ROW {n % 4}"}},
    lambda n, link: {"property": "Note", "rich_text": {"equals": f"n{n % 3}"}},
    lambda n, link: {"property": "Note", "rich_text": {"contains": "1"}},
    lambda n, link: {"property": "Amount", "number": {"equals": n % 5}},
    lambda n, link: {"property": "Amount", "number": {"greater_than": n % 5}},
    lambda n, link: {"property": "Tags", "multi_select": {"contains": TAGS[n % 3]}},
    lambda n, link: {"property": "Link", "relation": {"contains": link}},
    lambda n, link: {"property": "Due", "date": {"before": f"2026-01-{1 + n % 9:02}"}},
    lambda n, link: {
        "and": [
            {"property": "Status", "select": {"equals": STATUSES[n % 3]}},
            {"property": "Amount", "number": {"less_than": 3}},
        ]
    },
    lambda n, link: {
        "or": [
            {"property": "Note", "rich_text": {"equals": f"n{n % 3}"}},
            {"property": "Tags", "multi_select": {"contains": TAGS[n % 3]}},
        ]
    },
]
SORTS: list[list[dict[str, Any]]] = [
    [],
    [{"property": "Amount", "direction": "descending"}],
    [{"property": "Amount", "direction": "ascending"}],
    [{"property": "Status", "direction": "ascending"}],
    [{"property": "Status", "direction": "descending"}, {"property": "Amount", "direction": "ascending"}],
    [{"property": "Name", "direction": "ascending"}, {"property": "Note", "direction": "descending"}],
    [{"property": "Note", "direction": "descending"}],
    [{"property": "Tags", "direction": "ascending"}],
    [{"property": "Due", "direction": "descending"}],
    [{"timestamp": "created_time", "direction": "descending"}],
    [{"timestamp": "last_edited_time", "direction": "ascending"}],
    [{"property": "Link", "direction": "ascending"}],  # a relation: no order index, the snapshot
]


class QueryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        space = Workspace(PROPERTIES)  # the rows' store, data source and relation, as test_query_live's
        self.store, self.source_id, self.ids = space.store, space.source_id, space.ids
        self.paginations: list[dict[str, Any]] = []  # bodies with the cursor of their next page
        self.few, self.big_group = sandbox.query_live.FEW, sandbox.query_live.BIG_GROUP
        self.share, self.filtered = sandbox.query_live.FILTERED_SHARE, sandbox.query_upkeep.FILTERED

    @property
    def source(self) -> DataSource:
        return self.store.sources[self.source_id]

    @initialize(
        few=st.sampled_from([0, 4, 1_000]),
        big_group=st.sampled_from([1, 3, 2_000]),
        share=st.sampled_from([0.0, 0.5, 1.0]),
        filtered=st.sampled_from([1, 4]),
        rows=st.integers(0, 12),
    )
    def start(self, few: int, big_group: int, share: float, filtered: int, rows: int) -> None:
        sandbox.query_live.FEW = few  # how many equality candidates are sorted directly, not walked
        sandbox.query_live.BIG_GROUP = big_group  # ties of a first sort ordered page by page, not snapshot
        sandbox.query_live.FILTERED_SHARE = share  # equality candidates (of all pages) walked on their own
        sandbox.query_upkeep.FILTERED = filtered  # filtered order indexes kept (1: paginations evict theirs)
        for index in range(rows):
            self.create(index, index % 4, index % 5, index % 3)

    def teardown(self) -> None:
        sandbox.query_live.FEW, sandbox.query_live.BIG_GROUP = self.few, self.big_group
        sandbox.query_live.FILTERED_SHARE, sandbox.query_upkeep.FILTERED = self.share, self.filtered
        self.store.close()

    # ------------------------------------------------------------------ writes

    def values(self, name: int, status: int, amount: int, note: int) -> dict[str, Any]:
        schema = self.source.properties
        values: dict[str, Any] = {
            "Name": {"title": [{"text": {"content": f"Row {name % 4}"}}]},
            "Status": {"select": None if status == 3 else {"name": [*STATUSES, "", "Late"][status]}},
            "Tags": {"multi_select": [{"name": tag} for tag in self.tags(name, note)]},
            "Due": {"date": {"start": f"2026-01-{1 + amount * 2:02}"} if amount < 4 else None},
        }
        if "Note" in schema:
            values["Note"] = {"rich_text": [{"text": {"content": f"n{note}"}}]}
        if schema["Amount"]["type"] == "number":
            values["Amount"] = {"number": amount if amount < 4 else None}
        else:
            values["Amount"] = {"rich_text": [{"text": {"content": str(amount)}}]}
        if self.ids:
            values["Link"] = {"relation": [{"id": self.ids[(name + amount) % len(self.ids)]}]}
        return values

    @staticmethod
    def tags(name: int, note: int) -> list[str]:
        """No tag, one, or two."""
        if note == 3:
            return []
        return list(dict.fromkeys([TAGS[note], TAGS[(note + name) % 3]] if name % 2 else [TAGS[note]]))

    def create(self, name: int, status: int, amount: int, note: int) -> None:
        body = {
            "parent": {"data_source_id": self.source_id},
            "properties": self.values(name, status, amount, note),
        }
        self.ids.append(create_page(self.store, body).id)

    @rule(name=st.integers(0, 9), status=st.integers(0, 4), amount=st.integers(0, 4), note=st.integers(0, 3))
    def create_row(self, name: int, status: int, amount: int, note: int) -> None:
        self.create(name, status, amount, note)

    @rule(
        pick=st.integers(0, 99),
        which=st.sampled_from(["Name", "Status", "Amount", "Note", "Tags", "Due", "Link"]),
        value=st.integers(0, 3),
    )
    def update_property(self, pick: int, which: str, value: int) -> None:
        if not self.ids:
            return
        page = self.store.pages[self.ids[pick % len(self.ids)]]
        if page.in_trash:
            return
        properties = self.values(value + pick, value + pick % 2, value + pick % 2, value)
        if which in properties:
            update_page(self.store, page, {"properties": {which: properties[which]}})

    @rule(pick=st.integers(0, 99))
    def trash_or_restore(self, pick: int) -> None:
        if self.ids:
            page = self.store.pages[self.ids[pick % len(self.ids)]]
            update_page(self.store, page, {"in_trash": not page.in_trash})

    @rule(
        change=st.sampled_from(
            [
                "reverse statuses",
                "add Late",
                "drop Held",
                "rename Note",
                "retype Amount",
                "drop Note",
                "add Note",
                "tag d",
            ]
        )
    )
    def change_schema(self, change: str) -> None:
        schema = self.source.properties
        changes: dict[str, Any]
        if change == "reverse statuses":
            changes = {"Status": {"select": {"options": schema["Status"]["select"]["options"][::-1]}}}
        elif change == "add Late":
            changes = {
                "Status": {"select": {"options": [*schema["Status"]["select"]["options"], {"name": "Late"}]}}
            }
        elif change == "drop Held":  # pages holding it keep it: an option the schema lacks sorts last
            kept = [option for option in schema["Status"]["select"]["options"] if option["name"] != "Held"]
            changes = {"Status": {"select": {"options": kept}}}
        elif change == "rename Note":
            name = "Memo" if "Note" in schema else "Note"
            changes = {"Memo" if name == "Note" else "Note": {"name": name}}
        elif change == "retype Amount":
            changes = {
                "Amount": {"rich_text": {}} if schema["Amount"]["type"] == "number" else {"number": {}}
            }
        elif change == "drop Note":
            changes = {"Note": None}
        elif change == "add Note":
            changes = {"Note": {"rich_text": {}}}
        else:
            changes = {
                "Tags": {
                    "multi_select": {"options": [{"name": "d"}, *schema["Tags"]["multi_select"]["options"]]}
                }
            }
        try:
            with self.store.writing():
                apply_changes(self.store, self.source, changes)
                self.source.reindex()
                self.store.mark("data_source", self.source)
        except NotionError:
            pass  # a change this schema does not allow (a property that exists or does not)

    # ------------------------------------------------------------------ queries

    def reference(self, body: dict[str, Any]) -> Answer:
        rows = [query_row(self.store, page, self.source) for page in self.store.visible_rows(self.source)]
        try:
            results, cursor, more = run_query(rows, body, self.source.properties, now=NOW)
        except QueryError as error:
            return str(error)
        return [page["id"] for page in results], cursor, more

    def live(self, body: dict[str, Any]) -> Answer:
        try:
            results, cursor, more = query_source(self.store, self.source, body, now=NOW)
        except QueryError as error:
            return str(error)
        return [page["id"] for page in results], cursor, more

    def compare(self, body: dict[str, Any]) -> Answer:
        answer = self.live(body)
        assert answer == self.reference(body), body
        return answer

    @rule(
        shape=st.sampled_from(["none", "leaf", "and", "or"]),
        leaves=st.lists(st.tuples(st.sampled_from(FILTERS), st.integers(0, 11)), min_size=1, max_size=3),
        sorts=st.sampled_from(SORTS),
        size=st.integers(1, 7),
    )
    def first_page(
        self,
        shape: str,
        leaves: list[tuple[Callable[[int, str], dict[str, Any]], int]],
        sorts: Any,
        size: int,
    ) -> None:
        link = self.ids[leaves[0][1] % len(self.ids)] if self.ids else "1" * 32
        made = [make(n, link) for make, n in leaves]
        spec = None if shape == "none" else made[0] if shape == "leaf" else {shape: made}
        body: dict[str, Any] = {"sorts": sorts, "page_size": size}
        if spec is not None:
            body["filter"] = spec
        answer = self.compare(body)
        if not isinstance(answer, str) and answer[2]:
            self.paginations.append({**body, "start_cursor": answer[1]})

    @rule(pick=st.integers(0, 99))
    def next_page(self, pick: int) -> None:
        if not self.paginations:
            return
        body = self.paginations.pop(pick % len(self.paginations))
        answer = self.compare(body)
        if not isinstance(answer, str) and answer[2]:
            self.paginations.append({**body, "start_cursor": answer[1]})

    @invariant()
    def everything_after_any_open_cursor_matches(self) -> None:
        for body in self.paginations[-2:]:
            self.compare({**body, "page_size": 100})


QueryMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestQueriesAgreeWithTheReferenceAcrossWrites = QueryMachine.TestCase

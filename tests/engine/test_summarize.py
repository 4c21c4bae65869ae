"""The deterministic proof-of-works summary: at most two lines of three items, weighted by hours."""

from __future__ import annotations

import pytest
import trio

from engine.kinds.sync.summarize import BuiltinSummarizer, Entry, condense, items_of, raw_text


def test_items_are_split_on_semicolons_and_lines_without_bullets_or_blanks() -> None:
    assert items_of("• API design; login flow\n- tests;;  ") == ["API design", "login flow", "tests"]


def test_items_are_ranked_by_the_hours_of_the_entries_naming_them() -> None:
    entries = [Entry("search; billing", 2), Entry("billing; exports", 5), Entry("", 40)]
    assert condense("Apollo", entries) == "• Apollo: billing, exports, search"


def test_at_most_two_lines_of_three_items_ties_in_alphabetical_order() -> None:
    entries = [Entry("; ".join(f"item {c}" for c in "hgfedcba"), 1)]
    assert condense("Zeus", entries).splitlines() == [
        "• Zeus: item a, item b, item c",
        "• Zeus: item d, item e, item f",
    ]


def test_the_same_item_in_another_case_is_one_item_spelled_as_first_seen() -> None:
    assert condense("X", [Entry("Dashboards", 1), Entry("dashboards; api", 3)]) == "• X: Dashboards, api"


def test_nothing_to_say_is_an_empty_summary() -> None:
    assert condense("X", [Entry("  ", 3)]) == ""
    assert condense("X", []) == ""


def test_the_raw_text_keeps_every_non_empty_entry() -> None:
    assert raw_text([Entry("a; b", 1), Entry("", 2), Entry(" c ", 1)]) == "a; b\nc"


@pytest.mark.parametrize("scope", ["Apollo", ""])
def test_the_builtin_summarizer_is_the_deterministic_summary(scope: str) -> None:
    entries = [Entry("one; two", 3)]

    async def main() -> str:
        return await BuiltinSummarizer().summarize(scope, entries)

    assert trio.run(main) == condense(scope, entries)
    assert trio.run(main).startswith(f"• {scope or 'Work'}: ")

"""Small pieces of the demo generator, and generation from any valid shape."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.demo import DemoShape, generate_demo
from sandbox.demo.draft import UpdateFacts
from sandbox.demo.money import description
from sandbox.demo.month import WorkMonth
from sandbox.demo.orders import summarize
from sandbox.demo.seed import creation_levels

FIRST, LAST = date(2026, 2, 1), date(2026, 2, 28)


def test_proof_of_works_is_at_most_two_lines_of_the_heaviest_deliverables() -> None:
    updates = [
        UpdateFacts("u1", FIRST, 2, "a; b"),
        UpdateFacts("u2", FIRST, 8, "c; d; e; f"),
        UpdateFacts("u3", FIRST, 1, "g; a; h"),
        UpdateFacts("u4", FIRST, 5, ""),
    ]
    assert summarize("Onyx", updates) == "• Onyx: c, d, e\n• Onyx: f, a, b"


def test_service_descriptions_follow_the_position() -> None:
    month = WorkMonth.parse("2026-02")
    assert (
        description(["Senior Product Designer"], month)
        == "Design Consulting Services Rendered (February 1-28, 2026)"
    )
    assert description(["Operation Executive"], month).startswith("Operational Consulting")
    assert description(["Backend Engineer"], month).startswith("Software Development")


def test_a_work_month_knows_its_weekends_and_neighbours() -> None:
    month = WorkMonth.parse("2026-02")
    assert month.last == LAST
    assert month.weekend_days(after=1)[:2] == [date(2026, 2, 7), date(2026, 2, 8)]
    assert month.previous() == WorkMonth(2026, 1)
    assert WorkMonth.parse("2026-12").following() == WorkMonth(2027, 1)


# ---------------------------------------------------------------- any shape


@st.composite
def shapes(draw: st.DrawFn) -> DemoShape:
    contractors = draw(st.integers(1, 12))
    projects = draw(st.integers(1, 6))
    awkward = draw(st.booleans())
    rated = contractors - 1 if awkward and contractors > 1 else contractors
    return DemoShape(
        contractors=contractors,
        projects=projects,
        projects_per_contractor=draw(st.integers(0, projects)),
        updates_per_deployment=draw(st.integers(0, 3)),
        approved_orders=draw(st.integers(0, contractors)),
        payables=draw(st.integers(0, rated)),
        payout_items_per_payable=draw(st.integers(0, 5)),
        big_payable_items=draw(st.integers(0, 40)),
        free_splits=draw(st.integers(0, 6)),
        free_refunds=draw(st.integers(0, 4)),
        awkward=awkward,
    )


@settings(max_examples=80, deadline=None)
@given(shape=shapes(), seed=st.integers(0, 2**32), month=st.sampled_from(["2024-02", "2025-12", "2026-08"]))
def test_any_valid_shape_generates_a_creatable_workspace(shape: DemoShape, seed: int, month: str) -> None:
    data = generate_demo(shape, month, seed)
    levels = creation_levels(data.records)
    assert sum(len(level) for level in levels) == len(data.records)
    assert data.counts()["contractors"] == shape.contractors
    assert all(len(keys) <= 100 for r in data for keys in r.relations.values())
    pending = [p for p in data.of("payables") if p.option("Payment Status") == "Pending"]
    assert len(pending) == shape.payables

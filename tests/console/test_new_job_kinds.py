"""The New job screen runs every kind of the engine's registry: each option shows its own fields, plans a
dry run listed item by item (searchable, sortable, with totals per currency), and executes that plan from
the command palette after a confirmation naming its writes and money."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Select, Static

from console.app import PaydeskApp
from console.screens.data import money
from console.screens.dialogs import ConfirmScreen
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from console.screens.new_job import FIELDS, OPTIONS, NewJobScreen
from console.widgets.tables import row_text
from engine import KINDS
from eventlog import EventLog
from tests.console.conftest import SIZE, ServedDemo, journal_has, showing, wait_until

pytestmark = pytest.mark.asyncio
OPTION_KEYS = [option.key for option in OPTIONS]


def text_of(widget: Widget) -> str:
    return str(widget.render())


def job_status(db: Path, job_id: str) -> str | None:
    with EventLog(db, read_only=True) as log:
        row = log.job(job_id)
        return None if row is None else row.status


def job_steps(db: Path, job_id: str) -> set[str]:
    with EventLog(db, read_only=True) as log:
        return {step.step_key for step in log.steps(job_id)}


def notifications(app: PaydeskApp) -> list[str]:
    return [note.message for note in app._notifications]


async def open_new_job(pilot: Pilot[Any], app: PaydeskApp) -> NewJobScreen:
    await wait_until(pilot, lambda: "engine started" in app.journal)
    await pilot.press("n")
    await wait_until(pilot, lambda: showing(app, NewJobScreen))
    screen = app.screen
    assert isinstance(screen, NewJobScreen)
    return screen


async def choose_kind(pilot: Pilot[Any], screen: NewJobScreen, key: str) -> None:
    """Open the Kind select and pick the option with the keyboard."""
    select = screen.query_one("#kind", Select)
    select.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: select.expanded)
    current = OPTION_KEYS.index(str(select.value))
    wanted = OPTION_KEYS.index(key)
    keys = ["down"] * (wanted - current) if wanted >= current else ["up"] * (current - wanted)
    await pilot.press(*keys, "enter")
    await wait_until(pilot, lambda: screen.option().key == key and not select.expanded)


async def plan(pilot: Pilot[Any], screen: NewJobScreen) -> str:
    """Press f5 and wait for the plan's table; the plan's job id."""
    before = screen.plan.job_id if screen.plan is not None else None
    await pilot.press("f5")
    await wait_until(
        pilot, lambda: screen.plan is not None and screen.plan.job_id != before and not screen.planning
    )
    assert screen.plan is not None
    return screen.plan.job_id


def table_rows(screen: NewJobScreen) -> list[tuple[str, ...]]:
    table = screen.query_one("#plan-items", DataTable)
    return [tuple(row_text(table, i)) for i in range(table.row_count)]


async def run_palette_command(pilot: Pilot[Any], app: PaydeskApp, title: str) -> None:
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*title)
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    commands = palette.query_one(CommandList)

    def offered() -> bool:
        index = commands.highlighted
        return index is not None and title in str(commands.get_option_at_index(index).prompt)

    await wait_until(pilot, offered)
    await pilot.press("enter")


# reconcile finds nothing on a fresh demo (no job ran there): its journey is in tests/e2e/test_reconcile
@pytest.mark.parametrize("key", [o.key for o in OPTIONS if not KINDS[o.kind].plans_only])
async def test_each_kind_plans_its_items_and_executes_from_the_palette(demo: ServedDemo, key: str) -> None:
    option = next(o for o in OPTIONS if o.key == key)
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        await choose_kind(pilot, screen, key)
        shown = {name for name in FIELDS if screen.query_one(f"#field-{name}").display}
        assert shown == set(option.fields)
        assert "coming" not in text_of(screen)
        job_id = await plan(pilot, screen)
        assert journal_has(app, f"sent plan {option.kind} ")

        rows = table_rows(screen)
        assert rows, "the plan lists its items"
        assert all(row[0] not in ("", "-") for row in rows)  # every item names its contractor
        assert all(row[1] and row[1] not in job_steps(demo.db_path, job_id) for row in rows)
        totals = text_of(screen.query_one("#totals", Static))
        assert totals.startswith("totals: items' amounts ") and "money moved" in totals
        if option.kind != "sync":  # a sync writes hours, not money
            assert all(row[2] != "-" and row[3] in ("USD", "VND") for row in rows)
            assert all(f"{currency} " in totals for currency in {row[3] for row in rows})
        await wait_until(pilot, lambda: "writes of " in text_of(screen.query_one("#writes", Static)))
        writes = text_of(screen.query_one("#writes", Static))
        assert "→" in writes or "creates in " in writes

        # search narrows the rows to one contractor's
        contractor = rows[-1][0]
        screen.query_one("#search", Input).value = contractor

        def narrowed() -> bool:
            shown = table_rows(screen)
            return 0 < len(shown) < len(rows) and all(row[0] == contractor for row in shown)

        await wait_until(pilot, narrowed)
        screen.query_one("#search", Input).value = ""
        await wait_until(pilot, lambda: len(table_rows(screen)) == len(rows))

        titles = [command.title for command in app.get_system_commands(screen)]
        assert "Plan (dry run) (f5)" in titles and "Execute this plan (ctrl+e)" in titles
        assert screen.plan is not None
        count = screen.plan.writes
        await run_palette_command(pilot, app, "Execute this plan")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        body = text_of(app.screen.query_one("#body", Static))
        assert f"{count} writes" in body and f"moving {money(screen.plan.totals)}" in body
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        job_screen = app.screen
        assert isinstance(job_screen, JobScreen) and job_screen.job_id == job_id
        assert journal_has(app, f"sent execute {job_id}")
        await wait_until(pilot, lambda: job_status(demo.db_path, job_id) == "completed")


async def test_planning_again_replaces_and_discards_the_plan_and_a_changed_kind_plans_its_own(
    demo: ServedDemo,
) -> None:
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        first = await plan(pilot, screen)
        second = await plan(pilot, screen)  # the same parameters: a new dry run, shown in its turn
        assert second != first
        assert second in text_of(screen.query_one("#plan-text", Static))
        assert first not in text_of(screen.query_one("#plan-text", Static))
        committed = table_rows(screen)
        assert committed and all(row[1].startswith("INVC-") for row in committed)

        await choose_kind(pilot, screen, "refund")
        assert screen.plan is None  # the commit's plan no longer matches the form: it is put away
        assert not screen.query_one("#plan-view").display
        assert screen.query_one("#execute", Button).disabled
        third = await plan(pilot, screen)
        assert third.startswith("generate-") and journal_has(app, "sent plan generate refund 2026-01")
        refunds = table_rows(screen)
        assert refunds and not any(row[1].startswith("INVC-") for row in refunds)

        screen.query_one("#contractor", Input).value = refunds[0][0]  # changed parameters, planned again
        fourth = await plan(pilot, screen)
        assert fourth != third
        assert {row[0] for row in table_rows(screen)} == {refunds[0][0]}
        # each plan the operator planned again over is discarded: only the last can be executed
        await wait_until(pilot, lambda: job_status(demo.db_path, third) == "discarded")
        for job_id in (first, second, third):
            assert job_status(demo.db_path, job_id) == "discarded"
        assert job_status(demo.db_path, fourth) == "planned"


async def test_a_bad_month_is_refused_by_the_kind_in_one_line(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        await choose_kind(pilot, screen, "sync")
        screen.query_one("#month", Input).value = "2026-13"
        await pilot.press("f5")
        await wait_until(pilot, lambda: any("2026-13" in note for note in notifications(app)))
        note = next(note for note in notifications(app) if "2026-13" in note)
        assert "\n" not in note and "YYYY-MM" in note
        assert note.startswith("Work month must be") and "--" not in note, note  # the field, not the flag
        assert not journal_has(app, "sent plan")
        assert screen.plan is None and not screen.planning


async def test_a_plan_with_nothing_to_do_says_why(demo: ServedDemo) -> None:
    """Found walking the demo: planning a batch paid already showed "Plan … (discarded) 0 items; writes by
    type: none" and no reason, where the command line names the query that found nothing."""
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        await choose_kind(pilot, screen, "commit")
        screen.query_one("#month", Input).value = "2031-01"  # nothing was ever planned for it
        await plan(pilot, screen)
        assert screen.plan is not None and screen.plan.writes == 0
        text = text_of(screen.query_one("#plan-text", Static))
        (line,) = [line for line in text.splitlines() if line.startswith("nothing to do: ")]
        assert "Contractor Payables has no record with" in line and "2031-01" in line, line
        assert screen.query_one("#execute", Button).disabled


async def test_the_plan_table_sorts_by_contractor_and_amount(demo: ServedDemo) -> None:
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        await choose_kind(pilot, screen, "payroll")
        await plan(pilot, screen)
        planned = table_rows(screen)
        screen.query_one("#plan-items", DataTable).focus()
        await pilot.press("f6")  # as planned -> by contractor
        await wait_until(pilot, lambda: screen.sort_by == "contractor")
        names = [row[0] for row in table_rows(screen)]
        assert names == sorted(names, key=str.casefold) and len(names) == len(planned)
        await pilot.press("f6")  # -> by amount
        await wait_until(pilot, lambda: screen.sort_by == "amount")
        amounts = [float(row[2].replace(",", "")) for row in table_rows(screen)]
        assert amounts == sorted(amounts)
        await pilot.click("#plan-items", offset=(3, 0))  # the Contractor header
        await wait_until(pilot, lambda: screen.sort_by == "contractor")
        await pilot.click("#plan-items", offset=(3, 0))  # again: the other way round
        await wait_until(pilot, lambda: screen.descending)
        names = [row[0] for row in table_rows(screen)]
        assert names == sorted(names, key=str.casefold, reverse=True)

        assert "Execute plan" in text_of(screen.query_one("#keys"))
        screen.query_one("#month", Input).focus()  # its key wins over the input's own ctrl+e
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: showing(app, ConfirmScreen))
        await pilot.press("escape")  # no: nothing is sent
        await wait_until(pilot, lambda: app.screen is screen)
        assert not journal_has(app, "sent execute")


def hidden_fields(screen: NewJobScreen) -> set[str]:
    return {name for name in FIELDS if not screen.query_one(f"#field-{name}").display}


@pytest.mark.parametrize("key", OPTION_KEYS)
async def test_tab_stops_only_on_the_fields_the_kind_shows(demo: ServedDemo, key: str) -> None:
    app = PaydeskApp(demo.settings(offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        await choose_kind(pilot, screen, key)
        hidden = hidden_fields(screen)
        assert hidden == set(FIELDS) - set(next(o for o in OPTIONS if o.key == key).fields)
        stops: list[str] = []
        for _ in range(12):
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None
            stops.append(focused.id or type(focused).__name__)
            assert all(node.display for node in focused.ancestors_with_self if isinstance(node, Widget))
        assert not hidden & set(stops)
        assert "search" not in stops and "plan-items" not in stops  # no plan yet: its view takes no focus


async def test_a_read_only_console_offers_no_planning_or_executing(demo: ServedDemo) -> None:
    EventLog(demo.db_path).close()
    app = PaydeskApp(demo.settings(read_only=True, offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, JobsScreen)  # refused
        app.push_screen(NewJobScreen("2026-01"))
        await wait_until(pilot, lambda: showing(app, NewJobScreen))
        screen = app.screen
        titles = [command.title for command in app.get_system_commands(screen)]
        assert not any(title.startswith(("Plan", "Execute", "New job")) for title in titles)
        keys = text_of(screen.query_one("#keys"))
        assert "Plan" not in keys and "Execute" not in keys
        assert screen.query_one("#plan", Button).disabled


async def test_a_plan_above_the_limit_per_job_needs_its_amount_typed(demo: ServedDemo) -> None:
    from dataclasses import replace
    from decimal import Decimal

    from console.screens.dialogs import TypedConfirmScreen

    config = replace(demo.config, limits={"USD": Decimal("100")})
    app = PaydeskApp(demo.settings(config=config, offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        job_id = await plan(pilot, screen)
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: showing(app, TypedConfirmScreen))
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmScreen)
        body = text_of(dialog.query_one("#body", Static))
        assert "above the limit per job" in body and "(the limit is USD 100.00)" in body
        await pilot.press("ctrl+y")  # not typed yet: nothing happens
        assert app.screen is dialog and dialog.query_one("#yes", Button).disabled
        dialog.query_one("#typed", Input).value = "1"
        await pilot.pause()
        assert dialog.query_one("#yes", Button).disabled
        dialog.query_one("#typed", Input).value = dialog.expected
        await wait_until(pilot, lambda: not dialog.query_one("#yes", Button).disabled)
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: showing(app, JobScreen))
        await wait_until(pilot, lambda: job_status(demo.db_path, job_id) == "completed")


async def test_resuming_a_plan_above_the_limit_from_the_jobs_needs_its_amount_typed(demo: ServedDemo) -> None:
    from dataclasses import replace
    from decimal import Decimal

    from console.screens.dialogs import TypedConfirmScreen

    config = replace(demo.config, limits={"USD": Decimal("100")})
    app = PaydeskApp(demo.settings(config=config, offer_resume=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_job(pilot, app)
        job_id = await plan(pilot, screen)
        await pilot.press("escape")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: any(r.job_id == job_id for r in jobs.rows))
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: showing(app, TypedConfirmScreen))
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmScreen)
        dialog.query_one("#typed", Input).value = dialog.expected
        await wait_until(pilot, lambda: not dialog.query_one("#yes", Button).disabled)
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: job_status(demo.db_path, job_id) == "completed")

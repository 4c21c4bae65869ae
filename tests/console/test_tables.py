"""Rows updated in place (console.widgets.tables.sync_rows): the table shows the new cells, and only the rows
that changed are drawn again (a table of which one row changed drew every row it shows again: beside a
running job, the items table once a second and whenever the job opened)."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from console.widgets.tables import Column, add_columns, cell, sync_rows

pytestmark = pytest.mark.asyncio

KEYS = [f"item-{n}" for n in range(8)]


def cells(key: str, status: str) -> tuple[Text, ...]:
    return (cell(key), cell(status), cell("1/0/0/0"))


class Table(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(id="rows", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        add_columns(table, (Column("item", 8), Column("status", 9), Column("counts")))
        sync_rows(table, [(key, cells(key, "pending")) for key in KEYS])


def shown(app: App[Any]) -> list[str]:
    """The table's lines as drawn on the screen (header first)."""
    table = app.query_one(DataTable)
    return [table.render_line(y).text.rstrip() for y in range(len(KEYS) + 1)]


def styles(line: Any) -> set[Any]:
    return {segment.style for segment in line}


def rows_drawn(table: DataTable[Text]) -> list[int]:
    """A list noting the index of each row whose cells the table renders from now on."""
    drawn: list[int] = []
    compute = table._compute_row_renderables

    def counted(row_index: int) -> Any:
        drawn.append(row_index)
        return compute(row_index)

    table._compute_row_renderables = counted  # type: ignore[method-assign]
    return drawn


async def test_a_changed_row_is_drawn_again_alone_and_shows_its_new_cells() -> None:
    app = Table()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        before = shown(app)
        assert app.export_screenshot().count("pending") == len(KEYS)
        assert before[4].split() == ["item-3", "pending", "1/0/0/0"]
        drawn = rows_drawn(table)

        rows = [(key, cells(key, "succeeded" if key == "item-3" else "pending")) for key in KEYS]
        sync_rows(table, rows, only={"item-3"})
        await pilot.pause()
        after = shown(app)

        assert drawn == [3]
        screen = app.export_screenshot()  # as the screen is composed (each widget's own cache of lines)
        assert screen.count("succeeded") == 1 and screen.count("pending") == len(KEYS) - 1
        assert after[4].split() == ["item-3", "succeeded", "1/0/0/0"]
        assert after[:4] == before[:4] and after[5:] == before[5:]
        assert [str(value) for value in table.get_row("item-3")] == ["item-3", "succeeded", "1/0/0/0"]


async def test_the_row_under_the_cursor_shows_its_new_cells_highlighted() -> None:
    app = Table()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(DataTable)
        table.move_cursor(row=2)
        await pilot.pause()
        highlighted = table.render_line(3)
        rows = [(key, cells(key, "failed" if key == "item-2" else "pending")) for key in KEYS]
        sync_rows(table, rows)
        await pilot.pause()
        line = table.render_line(3)
        assert line.text.split() == ["item-2", "failed", "1/0/0/0"]
        assert styles(line) == styles(highlighted) != styles(table.render_line(5))  # the cursor's

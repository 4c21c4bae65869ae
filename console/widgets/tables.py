"""DataTable helpers: columns of a fixed width, cells that are never read as markup, and rows updated in
place so that live refreshes keep the cursor and cost little: only the rows that changed are drawn again.

Cells are `rich.text.Text`: a DataTable parses a `str` cell as markup (a Notion message holding "[/]" would
break the row) and re-parses it whenever it measures or draws the row, which dominates the cost of filling a
table of a thousand rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

from eventlog import printable

Row = tuple[str, Sequence[Text]]


@dataclass(frozen=True)
class Column:
    label: str
    width: int | None = None  # None: as wide as its widest cell


class Cell(Text):
    """Literal text on one line, measured cheaply: a DataTable measures every cell it is given, and Rich's
    general measure (split into lines and words) was most of the cost of filling a table of 1,000 jobs."""

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = self.cell_len
        return Measurement(width, width)


def cell(value: object) -> Cell:
    """A table cell showing `value` literally, on one line (control and bidirectional characters escaped:
    see eventlog.printable)."""
    return Cell(printable(value), no_wrap=True, end="")


def add_columns(table: DataTable[Text], columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns):
        table.add_column(column.label, width=column.width, key=f"c{index}")


def sync_rows(table: DataTable[Text], rows: Sequence[Row], only: Collection[str] | None = None) -> None:
    """Make `table` show `rows` (key, cells): changed cells are updated, the rest rebuilt only if the keys
    differ. With `only`, the caller promises that only the rows of those keys may have changed cells."""
    keys = [key for key, _ in rows]
    current = [row_key.value for row_key in table.rows]
    if current != keys:
        cursor = cursor_key(table)
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if cursor is not None and cursor in keys:
            table.move_cursor(row=keys.index(cursor), animate=False)
        return
    columns = list(table.columns)
    changed: set[RowKey] = set()
    for key, cells in rows:
        if only is not None and key not in only:
            continue
        row_key = RowKey(key)
        old = table.get_row(row_key)
        for index, value in enumerate(cells):
            if index < len(old) and old[index] != value:
                table._data[row_key][columns[index]] = value
                changed.add(row_key)
    if changed:
        _redraw_rows(table, changed)


def _redraw_rows(table: DataTable[Text], changed: Collection[RowKey]) -> None:
    """Forget what was rendered of the rows `changed` (their cells set in place) and repaint them.

    `DataTable.update_cell` counts an update of the whole table (textual 8.x: `_update_count`, a part of the
    key of each of its caches of rendered cells, rows and lines), so one row changed drew every row shown
    again at the next frame: beside a running job, the items table's visible rows (200 cells) once a second
    and whenever the job opened again (bench/console_keys.py --writing). Here the cells are set as
    `update_cell` sets them (column widths left as they are, as it leaves them by default) and only the
    entries of the rows changed leave those caches; the table's row order and heights are unchanged."""
    indices = {table.get_row_index(key) for key in changed}
    lines: set[int] = set()
    for index in indices:
        region = table._get_row_region(index)
        lines.update(range(region.y, region.bottom))
    caches: list[tuple[Any, Callable[[Any], bool]]] = [
        (table._cell_render_cache, lambda key: key[0] in changed),
        (table._row_render_cache, lambda key: key[0] in changed),
        (table._row_renderable_cache, lambda key: key[1] in indices),
        (table._line_cache, lambda key: key[0] in lines),
    ]
    for cache, drop in caches:
        for key in [key for key in cache.keys() if drop(key)]:  # noqa: SIM118 (no __iter__)
            cache.discard(key)
    for index in indices:
        table.refresh_row(index)


def cursor_key(table: DataTable[Text]) -> str | None:
    """The key of the row under the cursor, if any."""
    if table.row_count == 0:
        return None
    try:
        key: RowKey = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except CellDoesNotExist:
        return None
    return key.value


def row_text(table: DataTable[Text], index: int) -> list[str]:
    """The plain text of the cells of row `index` (for tests and filters)."""
    return [str(value) for value in table.get_row_at(index)]

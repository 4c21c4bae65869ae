"""DataTable helpers: update rows in place so that live refreshes keep the cursor and cost little."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

Row = tuple[str, Sequence[str]]


def sync_rows(table: DataTable[str], rows: Sequence[Row]) -> None:
    """Make `table` show `rows` (key, cells): changed cells are updated, the rest rebuilt only if needed."""
    keys = [key for key, _ in rows]
    current = [row_key.value for row_key in table.rows]
    if current != keys:
        cursor = _cursor_key(table)
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if cursor is not None and cursor in keys:
            table.move_cursor(row=keys.index(cursor), animate=False)
        return
    columns = list(table.columns)
    for key, cells in rows:
        old = table.get_row(key)
        for index, value in enumerate(cells):
            if index < len(old) and old[index] != value:
                table.update_cell(key, columns[index], value)


def _cursor_key(table: DataTable[str]) -> str | None:
    if table.row_count == 0:
        return None
    try:
        key: RowKey = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except CellDoesNotExist:
        return None
    return key.value


def cursor_key(table: DataTable[str]) -> str | None:
    return _cursor_key(table)

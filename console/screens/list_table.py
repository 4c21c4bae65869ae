"""A list of rows the operator moves through: a row-cursor table where j and k move down and up (the keys
come from `actions.ACTIONS`, like every other key)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.geometry import Size
from textual.widgets import DataTable

from console.screens.actions import bindings


class ListTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("list"))

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        """Columns were measured again (rows added are measured when the table is next idle): forget the rows
        rendered before. Textual 8 keeps them keyed without the columns' widths, so a row drawn between its
        adding and that measure kept its columns as wide as their labels (the Jobs screen's parameters shown
        cut, "batch=15 m", until the row next changed; seen in about a third of the Jobs screen snapshots)."""
        if old.width != new.width:
            self.notify_style_update()

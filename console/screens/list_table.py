"""A list of rows the operator moves through: a row-cursor table where j and k move down and up (the keys
come from `actions.ACTIONS`, like every other key)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from console.screens.actions import bindings


class ListTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("list"))

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

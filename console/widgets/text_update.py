"""Updating a Static's text without needless work: nothing when the text is the same, and a repaint rather
than a layout of the whole screen when it keeps its number of lines (the widget's size cannot change: it
does not wrap)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def show_text(widget: Static, text: Text) -> None:
    old = widget.content
    if isinstance(old, Text) and old == text:
        return
    same_height = isinstance(old, Text) and old.plain.count("\n") == text.plain.count("\n")
    widget.update(text, layout=not same_height)

"""The key bar: the screen's keys on one line, drawn as one piece of text.

Textual's `Footer` mounts a widget per key and mounts them all again whenever the bindings change (each
focus move, each screen pushed): about a tenth of a second per screen opened, on the loop the engine shares.
This bar redraws one line instead. A click on a key presses it, as the footer's keys do.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        .key-bar--description { color: $footer-description-foreground; }
    }
    """

    def __init__(self, *, id: str | None = "keys") -> None:
        super().__init__(id=id)
        self._keys: list[tuple[Binding, bool]] = []
        self._spans: list[tuple[int, int, str]] = []  # (first cell, end cell, key) of each key shown

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        shown: dict[str, tuple[Binding, bool]] = {}
        palette = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        last: tuple[Binding, bool] | None = None
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.key == palette:
                last = (binding, enabled)
            elif binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled)
        keys = [*shown.values(), *([last] if last is not None else [])]
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        line = Text(no_wrap=True, end="")
        self._spans = []
        for binding, enabled in self._keys:
            start = line.cell_len
            line.append(f" {self.app.get_key_display(binding)} ", key_style)
            line.append(f"{binding.description} ", description_style)
            if not enabled:
                line.stylize("dim", start)
            self._spans.append((start, line.cell_len, binding.key))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return

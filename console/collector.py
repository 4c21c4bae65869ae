"""The garbage collector's policy while the console runs.

Textual and the engine share one thread: a full collection stops both, so it must find little to traverse.
Two things keep the old generation small while the app runs:

- What start-up made (modules, the app, its first widgets) is frozen: moved out of the collector's reach, as
  it lives as long as the app.
- Textual (8.x) memoises a style lookup with a cache keyed by each widget's styles cache
  (`StylesCache.get_inner_outer`, 1,024 entries), so the widgets of every screen the operator has closed
  stay alive there with every line they last rendered. Beside a running job, after a few hundred screens
  opened and closed, that was 300,000 objects for each full collection to traverse: 0.4-2.2 s each on a
  busy machine, the soak's worst keys (bench/soak.py). The memo is emptied as each full collection starts
  (the lookup it saves is two colour additions), so closed screens are freed, not traversed.

And what Textual draws is freed as it is dropped, not by a collection: a line (`Strip`) cut into one piece, or
cropped to all of it, is its own answer, which Textual (8.x) keeps in the line's own cache (`divide`,
`crop_extend`): a reference cycle, so every such line (with its segments and its seven caches) waited for a
collection, those kept a moment in a widget's cache for a full one: some 40 % of the cyclic garbage of the
soak's key cycles (bench/soak.py). `uncycle_lines` returns that answer without keeping it.

And a screen the operator closes lets go of what it drew at once (`release_rendering`): every widget's
rendered lines, its tables' rows and their caches are freed by reference counting as it is popped, so the
collector finds only the widgets themselves (half the objects, a third of the time).

With those, Python's own thresholds serve best: a full collection then finds one or two closed screens
(30,000 objects, tens of milliseconds) rather than a hundred at once, and one that would traverse a large
live heap (the engine's plan of a large job) waits until a quarter of it is new, as Python always does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from typing import Any

from rich.style import Style
from textual._styles_cache import StylesCache
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Tree


def forget_closed_widgets(phase: str, info: dict[str, Any]) -> None:
    """A `gc.callbacks` hook: as a full collection starts, empty Textual's memo of widgets' styles caches."""
    if phase == "start" and info.get("generation") == 2:
        StylesCache.get_inner_outer.cache_clear()


def release_rendering(screen: Widget) -> None:
    """Let go of what a closed screen drew: its tables' rows and trees' nodes (and the lines rendered from
    them) and every widget's rendered lines (`refresh` empties a widget's styles cache). Nothing of it is
    shown again."""
    for widget in screen.walk_children(with_self=True):
        if isinstance(widget, DataTable):
            widget.clear(columns=True)
        elif isinstance(widget, Tree):
            widget.clear()
        widget.refresh()


_divide = Strip.divide
_crop_extend = Strip.crop_extend


def _divide_uncycled(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = list(cuts)
    if [cut for cut in cuts if cut <= self.cell_length] == [self.cell_length]:
        return [self]  # one piece, all of it: what Textual answers, not kept in the strip's own cache
    return _divide(self, cuts)


def _crop_extend_uncycled(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    if start <= 0 and end == self.cell_length:
        return self  # all of it: what Textual answers, not kept in the strip's own cache
    return _crop_extend(self, start, end, style)


def uncycle_lines() -> None:
    """Make Textual's `Strip.divide` and `Strip.crop_extend` answer a strip that is its own answer without
    keeping it in the strip's cache (the same answers; see the module's docstring). Idempotent."""
    Strip.divide = _divide_uncycled  # type: ignore[method-assign]
    Strip.crop_extend = _crop_extend_uncycled  # type: ignore[method-assign]


class CollectorPolicy:
    def __init__(self) -> None:
        self._applied = False

    def apply(self) -> None:
        if self._applied:
            return
        self._applied = True
        uncycle_lines()
        gc.freeze()
        gc.callbacks.append(forget_closed_widgets)

    def restore(self) -> None:
        if not self._applied:
            return
        self._applied = False
        gc.callbacks.remove(forget_closed_widgets)
        gc.unfreeze()

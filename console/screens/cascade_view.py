"""The Job screen's cascade pane: an item's steps as a tree, refreshed without a layout when it can be.

Rebuilding a `Tree` changes its size and so lays out the whole screen, which redraws every widget on it:
moving the cursor through items of the same shape (a payable with as many payout items) only relabels the
nodes, which repaints the tree once.

What the tree shows (`labelled`: each node's label and step key) is made where the steps are read, on the
reader thread: a payable of 100 payout items has some 200 steps, and shaping them on the UI loop at each
cursor move took the time the next key needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from console.screens.data import CascadeNode
from eventlog import printable


@dataclass(frozen=True)
class Labelled:
    """A node as the tree shows it: its label (shown literally), its step's key and the nodes below."""

    label: Text
    key: str
    children: tuple[Labelled, ...]


def labelled(roots: Sequence[CascadeNode]) -> list[Labelled]:
    """The labels of `roots` and of every node below (pure: runs on any thread)."""
    return [
        Labelled(Text(printable(node.text)), node.step.step_key, tuple(labelled(node.children)))
        for node in roots
    ]


class CascadeTree(Tree[str]):
    def get_label_width(self, node: TreeNode[str]) -> int:
        """The width of the node's line as `render_label` draws it (the expand icon, then the label),
        counted without drawing it: the tree measures every node whenever its lines are built again (a node
        added, its styles updated as its screen shows again), 300 nodes for a payable of 100 payout items."""
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand else ""
        label = node.label
        return cell_len(icon) + (label.cell_len if isinstance(label, Text) else cell_len(label))

    def show(self, roots: Sequence[Labelled]) -> None:
        """Show `roots` (each step above the steps it depends on): relabelled in place when the tree has
        their shape, else rebuilt."""
        if _same_shape(list(self.root.children), roots):
            changed: list[tuple[TreeNode[str], Text]] = []
            _relabel(list(self.root.children), roots, changed)
            if changed:
                self._set_labels(changed)
            return
        self.clear()
        self.root.expand()
        for root in roots:
            _add(self.root, root)

    def _set_labels(self, changed: Sequence[tuple[TreeNode[str], Text]]) -> None:
        """Relabel nodes and repaint the tree once. `TreeNode.set_label` queues a repaint of the node's lines
        for each node (a message each, and a scan of the visible lines): 200 of them at each cursor move
        through payables of 100 payout items. What it does to the node is done here (textual 8.x: the label,
        and the count of updates that keys the tree's cache of rendered lines)."""
        for node, label in changed:
            node._label = self.process_label(label)
            node._updates += 1
        self.refresh()


def _same_shape(nodes: Sequence[TreeNode[str]], wanted: Sequence[Labelled]) -> bool:
    return len(nodes) == len(wanted) and all(
        _same_shape(list(node.children), below.children) for node, below in zip(nodes, wanted, strict=True)
    )


def _relabel(
    nodes: Sequence[TreeNode[str]], wanted: Sequence[Labelled], changed: list[tuple[TreeNode[str], Text]]
) -> None:
    for node, below in zip(nodes, wanted, strict=True):
        if node.label != below.label:
            changed.append((node, below.label))
        node.data = below.key
        _relabel(list(node.children), below.children, changed)


def _add(parent: TreeNode[str], node: Labelled) -> None:
    child = parent.add(node.label, data=node.key, expand=True)
    if not node.children:
        child.allow_expand = False
    for below in node.children:
        _add(child, below)

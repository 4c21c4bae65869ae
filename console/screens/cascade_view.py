"""The Job screen's cascade pane: an item's steps as a tree, refreshed without a layout when it can be.

Rebuilding a `Tree` changes its size and so lays out the whole screen, which redraws every widget on it:
moving the cursor through items of the same shape (a payable with as many payout items) only relabels the
nodes, which repaints the lines that changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from console.screens.data import CascadeNode
from eventlog import printable


def show_cascade(tree: Tree[str], roots: Sequence[CascadeNode]) -> None:
    """Make `tree` show `roots` (each step above the steps it depends on)."""
    if _same_shape(list(tree.root.children), roots):
        _relabel(list(tree.root.children), roots)
        return
    tree.clear()
    tree.root.expand()
    for root in roots:
        _add(tree.root, root)


def _same_shape(nodes: Sequence[TreeNode[str]], wanted: Sequence[CascadeNode]) -> bool:
    return len(nodes) == len(wanted) and all(
        _same_shape(list(node.children), below.children) for node, below in zip(nodes, wanted, strict=True)
    )


def _relabel(nodes: Sequence[TreeNode[str]], wanted: Sequence[CascadeNode]) -> None:
    for node, below in zip(nodes, wanted, strict=True):
        label = Text(printable(below.text))
        if node.label != label:
            node.set_label(label)
        node.data = below.step.step_key
        _relabel(list(node.children), below.children)


def _add(parent: TreeNode[str], node: CascadeNode) -> None:
    child = parent.add(Text(printable(node.text)), data=node.step.step_key, expand=True)
    if not node.children:
        child.allow_expand = False
    for below in node.children:
        _add(child, below)

"""The cascade pane: moving between items of the same shape relabels the tree's nodes in place (one repaint,
no rebuild), and what it draws is the new item's labels; another shape rebuilds it."""

from __future__ import annotations

from typing import Any

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Tree

from console.screens.cascade_view import CascadeTree, Labelled

pytestmark = pytest.mark.asyncio


def payable(name: str, payouts: int, status: str = "planned") -> list[Labelled]:
    below = tuple(
        Labelled(Text(f"payout {name}-{n} [payouts] {status}"), f"payouts:{name}-{n}", ())
        for n in range(payouts)
    )
    return [Labelled(Text(f"payable {name} [payables] {status}"), f"payables:{name}", below)]


class Pane(App[None]):
    def compose(self) -> ComposeResult:
        tree = CascadeTree("cascade", id="cascade")
        tree.show_root = False
        yield tree


def drawn(tree: CascadeTree) -> list[str]:
    return [tree.render_line(y).text.rstrip() for y in range(tree.size.height)]


async def test_items_of_one_shape_relabel_the_same_nodes_and_draw_the_new_labels() -> None:
    app = Pane()
    async with app.run_test(size=(60, 12)) as pilot:
        tree = app.query_one(CascadeTree)
        tree.show(payable("a", 3))
        await pilot.pause()
        nodes = [tree.root.children[0], *tree.root.children[0].children]
        assert any("payable a [payables] planned" in line for line in drawn(tree))

        tree.show(payable("b", 3, "succeeded"))
        await pilot.pause()
        assert [tree.root.children[0], *tree.root.children[0].children] == nodes  # relabelled, not rebuilt
        assert [node.data for node in nodes] == ["payables:b", "payouts:b-0", "payouts:b-1", "payouts:b-2"]
        lines = drawn(tree)
        assert any("payable b [payables] succeeded" in line for line in lines)
        assert any("payout b-2 [payouts] succeeded" in line for line in lines)
        assert not any(" a" in line or "a-" in line for line in lines)

        tree.show(payable("c", 1))  # another shape: rebuilt
        await pilot.pause()
        assert len(tree.root.children[0].children) == 1
        assert any("payout c-0 [payouts] planned" in line for line in drawn(tree))


async def test_a_node_is_measured_as_drawn_without_drawing_its_label() -> None:
    """The tree measures every node whenever its lines are built again: as wide as `render_label` draws it
    (an expandable node's icon, then its label), without drawing any."""
    app = Pane()
    async with app.run_test(size=(60, 12)) as pilot:
        tree = app.query_one(CascadeTree)
        tree.show(payable("wide-name", 3))
        await pilot.pause()
        nodes = [tree.root.children[0], *tree.root.children[0].children]
        drawn_widths = [
            Tree.render_label(tree, node, Style(), Style()).cell_len for node in nodes
        ]  # what Textual's own measure draws
        drawn_calls: list[object] = []
        render_label = tree.render_label

        def counted(*args: Any) -> Text:
            drawn_calls.append(args)
            return render_label(*args)

        tree.render_label = counted  # type: ignore[method-assign]
        assert [tree.get_label_width(node) for node in nodes] == drawn_widths
        tree._invalidate()
        assert tree._tree_lines  # built again: every node measured
        assert drawn_calls == []

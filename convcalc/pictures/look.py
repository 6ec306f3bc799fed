"""What a node looks like in both styles: its colour family, its shape text, its operation label."""

from __future__ import annotations

from convcalc.engine.report import LayerResult
from convcalc.pictures.graph import SYMBOL, Fork, Item, Node

# (face, darker side) per family: conv blue, pooling orange, linear green, joins purple, folded blocks teal.
PALETTE = {
    "input": ("#d9d9d9", "#a6a6a6"),
    "conv": ("#9ecae9", "#4c78a8"),
    "pool": ("#ffbf79", "#e4770f"),
    "linear": ("#a6dba0", "#4f9a46"),
    "join": ("#d4b9da", "#8e5f9b"),
    "block": ("#a3dcd8", "#3f948e"),
    "other": ("#f6dc8f", "#c49a1c"),
}


def family(node: Node) -> str:
    if node.row is None:
        return "input"
    if node.folded:
        return "block"
    kind = node.row.kind
    for key in ("conv", "pool", "linear"):
        if key in kind:
            return key
    return "other"


def dims(shape: tuple[int, ...]) -> str:
    """A shape without its batch axis, as a slide writes it: 64×55×55."""
    return "×".join(str(d) for d in shape[1:]) if len(shape) > 1 else "×".join(str(d) for d in shape)


def geometry(row: LayerResult) -> str:
    """'11×11 /4', '3×3 d2', '1×7': the window as a lecture labels an arrow ('' without one)."""
    window = row.window
    if window is None:
        return ""

    def axes(values: tuple[int, ...]) -> str:
        return str(values[0]) if len(set(values)) == 1 else "×".join(map(str, values))

    text = "×".join(map(str, window.kernels))
    if any(s != 1 for s in window.strides):
        text += f" /{axes(window.strides)}"
    if any(d != 1 for d in window.dilations):
        text += f" d{axes(window.dilations)}"
    return text


def operation(item: Item) -> tuple[str, ...]:
    """The label of the operation that makes `item`: its kind and its window."""
    row = item.join if isinstance(item, Fork) else item.row
    if row is None:
        return ()
    if isinstance(item, Node) and item.folded:
        return (row.kind,)
    return tuple(part for part in (row.kind, geometry(row)) if part)


def riders(item: Item) -> str:
    found = item.riders
    return ("+ " + ", ".join(dict.fromkeys(r.kind for r in found))) if found else ""


def join_symbol(fork: Fork) -> str:
    return SYMBOL.get(fork.join.kind, "•")

"""The flat style: a compact left-to-right block diagram for deep networks.

One card per drawn activation (name, operation, shape, what rides on it), joins as circles,
branches stacked over the trunk, identity paths as dashed arcs. The top-level sequence wraps into
lines (never inside a fork), so ResNet-50 reads like a page rather than a ten-metre strip.
"""

from __future__ import annotations

from convcalc.engine.report import Report
from convcalc.pictures import svg
from convcalc.pictures.graph import Item, Node, build
from convcalc.pictures.layout import Extent, Placed, lines
from convcalc.pictures.look import PALETTE, dims, family, operation, riders
from convcalc.pictures.volume import edges, frame, join

CARD_W, CARD_H, WRAP = 128.0, 58.0, 1560.0


class FlatStyle:
    vgap = 22.0
    split = 12.0
    radius = 10.0

    def measure(self, node: Node) -> Extent:
        return Extent(CARD_W, CARD_H / 2, CARD_H / 2 + 4)

    def gap(self, before: Item | None, item: Item) -> float:
        return 0.0 if before is None and isinstance(item, Node) and item.row is None else 22.0


def _fit(text: str, width: float, size: float) -> float:
    """The font size at which `text` fits `width` (never larger than `size`)."""
    return min(size, width / max(len(text) * 0.6, 1.0))


def _card(p: Placed) -> list[str]:
    assert isinstance(p.item, Node)
    node = p.item
    face, ink = PALETTE[family(node)]
    x, top = p.x, p.y - CARD_H / 2
    folded = ' data-folded="true"' if node.folded else ""
    lines_ = [
        (node.name, 10.5, svg.INK, "bold"),
        (" ".join(operation(node)), 9.5, svg.MUTED, None),
        (dims(node.shape), 10.5, svg.INK, "bold"),
        (riders(node), 8.5, svg.MUTED, None),
    ]
    parts = [
        f'<g class="act" data-name="{svg.esc(node.name)}" data-shape="{svg.esc(dims(node.shape))}"{folded}>',
        svg.element("rect", {"x": x, "y": top, "width": CARD_W, "height": CARD_H, "rx": 5, "fill": face,
                             "stroke": ink, "stroke-width": 1}),
        svg.element("rect", {"x": x, "y": top, "width": 5, "height": CARD_H, "rx": 2, "fill": ink}),
    ]
    for i, (content, size, ink_, weight) in enumerate(lines_):
        if content:
            parts.append(svg.text(x + 10, top + 14 + 13 * i, content, size=_fit(content, CARD_W - 14, size),
                                  anchor="start", fill=ink_, weight=weight, cls="shape" if i == 2 else None))
    parts.append("</g>")
    return parts


def flat_svg(report: Report, folded: frozenset[str] = frozenset()) -> str:
    """The flat block diagram of `report` (rows named in `folded` are `--depth` blocks)."""
    items = build(report, folded=folded)
    layout = lines(items, FlatStyle(), WRAP, 34.0)
    body = edges(layout)
    for p in layout.placed:
        body += _card(p) if isinstance(p.item, Node) else join(p, size=10.5)
    caption = "cards: name, operation, output shape (without batch), element-wise layers applied after it; " \
              "+ add, C concat, × multiply; dashed: identity"
    return frame(report, layout, body, caption)

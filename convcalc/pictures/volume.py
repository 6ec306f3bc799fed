"""The classic volume drawing (LeNet's and AlexNet's figures): one 3D box per activation.

A box's width is its channels C, its height H and its depth (drawn receding) W. Sizes that span
orders of magnitude are drawn on a log₂ scale, the others linearly, and the caption says which.
The next layer's kernel sits on the H×W face it slides over, with lines to the box it makes;
the operation is written between the boxes, the shape under each. A vector (after flatten) is a
tall bar; a 1-D activation (C×L) a flat strip; a 3-D one (C×D×H×W) a box with D frames behind it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convcalc.engine.report import Report
from convcalc.pictures import svg
from convcalc.pictures.graph import Fork, Item, Node, build, nodes
from convcalc.pictures.layout import Extent, Layout, Placed, lines
from convcalc.pictures.look import PALETTE, dims, family, join_symbol, operation, riders

OBLIQUE = (0.5, 0.38)  # a unit of depth moves right and up by this much
LABEL = 11.0


@dataclass(frozen=True, slots=True)
class Axis:
    """One scale: linear (px per unit) or log₂ (px per doubling), and how the caption says it."""

    log: bool
    base: float
    per: float
    high: int = 1

    @staticmethod
    def fit(values: list[int], span: float, floor: float) -> Axis:
        low, high = (min(values), max(values)) if values else (1, 1)
        if high / max(low, 1) > 16:
            return Axis(True, floor, (span - floor) / max(math.log2(high), 1.0), high)
        return Axis(False, floor, span / max(high, 1), high)

    def __call__(self, value: int) -> float:
        if self.log:
            return self.base + self.per * math.log2(max(value, 1))
        return max(self.base * 0.4, self.per * value)

    def say(self, what: str) -> str:
        if self.log:
            return f"{what}: log₂ scale, {svg.num(self.per)} px per doubling"
        return f"{what}: linear, {svg.num(self.per * self.high)} px = {self.high}"


@dataclass(frozen=True, slots=True)
class Scale:
    spatial: Axis
    channels: Axis
    vector: Axis

    @staticmethod
    def fit(found: list[Node]) -> Scale:
        shapes = [n.shape[1:] for n in found if len(n.shape) >= 3]
        vectors = [n.shape[1] for n in found if len(n.shape) == 2]
        return Scale(
            Axis.fit([d for s in shapes for d in s[1:]], 120.0, 10.0),
            Axis.fit([s[0] for s in shapes], 44.0, 4.0),
            Axis.fit(vectors, 110.0, 16.0),
        )

    def caption(self, found: list[Node]) -> str:
        parts = [self.spatial.say("height H, depth W"), self.channels.say("width C")]
        if any(len(n.shape) == 2 for n in found):
            parts.append(self.vector.say("vector length"))
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Box:
    w: float  # front face width (C)
    h: float  # front face height (H, or L, or a vector's length)
    d: float  # receding depth (W)
    frames: int = 0  # frames drawn behind for a 3-D activation's D

    @property
    def ox(self) -> float:
        return self.d * OBLIQUE[0]

    @property
    def oy(self) -> float:
        return self.d * OBLIQUE[1]


class VolumeStyle:
    vgap = 34.0
    split = 14.0
    radius = 11.0

    def __init__(self, scale: Scale) -> None:
        self.scale = scale

    def box(self, node: Node) -> Box:
        body = node.shape[1:]
        if len(body) >= 3:
            frames = 2 if len(body) == 4 else 0
            return Box(self.scale.channels(body[0]), self.scale.spatial(body[-2]), self.scale.spatial(body[-1]), frames)
        if len(body) == 2:  # C×L: a strip, L upright
            return Box(self.scale.channels(body[0]), self.scale.spatial(body[1]), 0.0)
        if len(body) == 1:
            return Box(7.0, self.scale.vector(body[0]), 7.0)
        return Box(10.0, 10.0, 0.0)

    def measure(self, node: Node) -> Extent:
        b = self.box(node)
        width = max(b.w + b.ox, svg.text_width(dims(node.shape), LABEL) * 0.5)
        return Extent(width, b.h / 2 + b.oy, b.h / 2 + 46 + 4 * b.frames)

    def gap(self, before: Item | None, item: Item) -> float:
        if before is None and isinstance(item, Node) and item.row is None:
            return 0.0
        words = operation(item) if isinstance(item, Node) else ()
        widest = max((svg.text_width(word, LABEL) for word in words), default=0.0)
        left = 0.0
        if isinstance(before, Node):
            left = max(0.0, svg.text_width(dims(before.shape), LABEL) / 2 - self.measure(before).width / 2)
        return max(28.0, widest + 14.0, left + 16.0)


def _cuboid(x: float, y: float, b: Box, colours: tuple[str, str]) -> list[str]:
    face, side = colours
    top, bottom, right = y - b.h / 2, y + b.h / 2, x + b.w
    parts = []
    for k in range(b.frames, 0, -1):  # D: a stack of frames, the earlier ones peeking out below-left
        dx, dy = -4.0 * k, 4.0 * k
        parts.append(svg.polygon([(x + dx, top + dy), (right + dx, top + dy), (right + dx, bottom + dy),
                                  (x + dx, bottom + dy)], "none", side, 0.6))
    parts.append(svg.polygon([(x, top), (right, top), (right, bottom), (x, bottom)], face))
    if b.d:
        parts.append(svg.polygon([(x, top), (x + b.ox, top - b.oy), (right + b.ox, top - b.oy), (right, top)], face))
        parts.append(svg.polygon([(right, top), (right + b.ox, top - b.oy), (right + b.ox, bottom - b.oy),
                                  (right, bottom)], side))
    return parts


def _kernel(source: Placed, target: Placed, style: VolumeStyle) -> list[str]:
    """The target's window drawn on the source's H×W face, with lines to the target's front face."""
    assert isinstance(source.item, Node) and isinstance(target.item, Node)
    row, body = target.item.row, source.item.shape[2:]
    if row is None or row.window is None or len(body) != len(row.window.kernels) or not body:
        return []
    b = style.box(source.item)
    kh = min(max(b.h * row.window.effective[-2 if len(body) > 1 else -1] / body[-2 if len(body) > 1 else -1], 7.0),
             b.h * 0.6)
    kd = min(max(b.d * row.window.effective[-1] / body[-1], 7.0), b.d * 0.6) if b.d and len(body) > 1 else 0.0
    # the kernel's front edge sits on the face's centre line, a little above the connection line
    fx = source.x + b.w + (b.d - kd) / 2 * OBLIQUE[0]
    fy = source.y - (b.d - kd) / 2 * OBLIQUE[1] - b.h * 0.12
    ox, oy = kd * OBLIQUE[0], kd * OBLIQUE[1]
    corners = [(fx, fy - kh / 2), (fx + ox, fy - kh / 2 - oy), (fx + ox, fy + kh / 2 - oy), (fx, fy + kh / 2)]
    if not kd:
        corners = [(fx - 3, fy - kh / 2), (fx + 3, fy - kh / 2), (fx + 3, fy + kh / 2), (fx - 3, fy + kh / 2)]
    tb = style.box(target.item)
    aim = (target.x + tb.w * 0.3, target.y - tb.h * 0.12)
    ink = PALETTE[family(target.item)][1]
    parts = [svg.polygon(corners, "#ffffff", ink, 1.0)]
    for corner in (corners[1], corners[3]):
        parts.append(svg.element("line", {"x1": corner[0], "y1": corner[1], "x2": aim[0], "y2": aim[1],
                                          "stroke": ink, "stroke-width": 0.7, "stroke-dasharray": "3,2"}))
    return parts


def _node(p: Placed, style: VolumeStyle) -> list[str]:
    assert isinstance(p.item, Node)
    node, b = p.item, style.box(p.item)
    folded = ' data-folded="true"' if node.folded else ""
    parts = [f'<g class="act" data-name="{svg.esc(node.name)}" data-shape="{svg.esc(dims(node.shape))}"{folded}>']
    parts += _cuboid(p.x, p.y, b, PALETTE[family(node)])
    cx, below = p.x + (b.w + b.ox) / 2, p.y + b.h / 2 + 14 + 4 * b.frames
    parts.append(svg.text(cx, below, dims(node.shape), size=LABEL, weight="bold", cls="shape"))
    parts.append(svg.text(cx, below + 13, node.name, size=LABEL - 1.5, fill=svg.MUTED))
    if node.riders:
        parts.append(svg.text(cx, below + 25, riders(node), size=LABEL - 2, fill=svg.MUTED))
    parts.append("</g>")
    words = operation(node)
    for i, word in enumerate(words):
        parts.append(svg.text(p.x - p.gap / 2, p.y + 14 + 12 * i, word, size=LABEL - 1,
                              fill=svg.INK if i == 0 else svg.MUTED))
    return parts


def join(p: Placed, *, cls: str = "join", size: float = LABEL) -> list[str]:
    """A join: a circle with its symbol, the shape it outputs and what rides on it below."""
    assert isinstance(p.item, Fork)
    fork, r = p.item, p.extent.width / 2
    cx, cy = p.x + r, p.y
    face, ink = PALETTE["join"]
    return [
        f'<g class="{cls}" data-name="{svg.esc(fork.join.name)}" data-shape="{svg.esc(dims(fork.join.output_shape))}">',
        svg.element("circle", {"cx": cx, "cy": cy, "r": r, "fill": face, "stroke": ink, "stroke-width": 1.2}),
        svg.text(cx, cy + 4.5, join_symbol(fork), size=13, weight="bold"),
        svg.text(cx, cy + r + 13, dims(fork.join.output_shape), size=size - 1, weight="bold"),
        svg.text(cx, cy + r + 25, fork.join.kind + (" " + riders(fork) if fork.riders else ""), size=size - 2,
                 fill=svg.MUTED),
        "</g>",
    ]


def edges(layout: Layout) -> list[str]:
    parts = []
    for edge in layout.edges:
        if edge.kind == "identity":
            parts.append(svg.polyline(edge.points, dash="5,3"))
            (x0, _), (_, y1) = edge.points[0], edge.points[1]
            parts.append(svg.text(x0 + 6, y1 - 4, "identity", size=9, anchor="start", fill=svg.MUTED))
        else:
            parts.append(svg.polyline(edge.points, arrow=edge.kind != "split"))
    return parts


def frame(report: Report, layout: Layout, body: list[str], caption: str, *, margin: float = 24.0) -> str:
    """Title on top, the layout, the caption under it; the document sized to fit."""
    top = 44.0 + layout.up
    width = max(layout.width + 2 * margin + 40, svg.text_width(caption, 10) + 2 * margin)
    height = top + layout.down + 40
    moved = f'<g transform="translate({svg.num(margin + 12)},{svg.num(top)})">'
    return svg.document(
        width,
        height,
        [
            svg.text(margin, 28, report.name, size=17, anchor="start", weight="bold"),
            svg.text(margin + svg.text_width(report.name, 17) + 12, 28,
                     f"{dims(report.input_shape)} → {dims(report.output_shape)}", size=12, anchor="start",
                     fill=svg.MUTED),
            moved, *body, "</g>",
            svg.text(margin, height - 14, caption, size=10, anchor="start", fill=svg.MUTED),
        ],
        report.name,
    )


def volume_svg(report: Report, folded: frozenset[str] = frozenset()) -> str:
    """The volume drawing of `report` (rows named in `folded` are `--depth` blocks)."""
    items = build(report, folded=folded)
    found = nodes(items)
    style = VolumeStyle(Scale.fit(found))
    layout = lines(items, style, math.inf, 40.0)
    body = edges(layout)
    for p in layout.placed:
        body += _node(p, style) if isinstance(p.item, Node) else join(p)
    for source, target in layout.links:
        body += _kernel(source, target, style)
    return frame(report, layout, body, style.scale.caption(found) + "; white patch: the next layer's window")

"""Where things go: a style measures nodes, the layout places sequences, forks and wrapped lines.

Coordinates are relative to a sequence's line (y = 0 runs through every node's connection point):
`up` and `down` are the extents above and below it. Branches of a fork stack upwards from the
line (the first branch stays on it); an identity path is an arc over them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from convcalc.pictures.graph import Fork, Item, Node

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Extent:
    width: float
    up: float
    down: float


class Style(Protocol):
    vgap: float  # vertical space between stacked branches
    split: float  # horizontal space where branches leave and rejoin
    radius: float  # the join's circle

    def measure(self, node: Node) -> Extent: ...

    def gap(self, before: Item | None, item: Item) -> float:
        """Horizontal space before `item`; it holds the label of the operation that makes it."""
        ...


@dataclass(frozen=True, slots=True)
class Placed:
    item: Item
    x: float  # left edge
    y: float  # the line through the connection point
    extent: Extent
    gap: float  # the space before it (for its label)


@dataclass(frozen=True, slots=True)
class Edge:
    points: tuple[Point, ...]
    kind: str = "flow"  # flow | split | identity | wrap


@dataclass(slots=True)
class Layout:
    placed: list[Placed] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    links: list[tuple[Placed, Placed]] = field(default_factory=list)  # consecutive nodes of one sequence
    width: float = 0.0
    up: float = 0.0
    down: float = 0.0

    def shifted(self, dx: float, dy: float) -> Layout:
        def move(p: Placed) -> Placed:
            return replace(p, x=p.x + dx, y=p.y + dy)

        moved = {id(p): move(p) for p in self.placed}
        return Layout(
            list(moved.values()),
            [replace(e, points=tuple((x + dx, y + dy) for x, y in e.points)) for e in self.edges],
            [(moved[id(a)], moved[id(b)]) for a, b in self.links],
            self.width,
            self.up,
            self.down,
        )

    def add(self, other: Layout) -> None:
        self.placed += other.placed
        self.edges += other.edges
        self.links += other.links


def sequence(items: tuple[Item, ...], style: Style, before: Item | None = None) -> Layout:
    """Items left to right on one line; `before` is what precedes the first (for its gap)."""
    out = Layout()
    x = 0.0
    end: Point | None = None
    last_node: Placed | None = None
    for item in items:
        gap = style.gap(before, item)
        if end is not None or gap:
            out.edges.append(Edge(((end or (0.0, 0.0)), (x + gap, 0.0)), "flow" if isinstance(item, Node) else "split"))
        x += gap
        if isinstance(item, Node):
            extent = style.measure(item)
            placed = Placed(item, x, 0.0, extent, gap)
            out.placed.append(placed)
            if last_node is not None:
                out.links.append((last_node, placed))
            last_node = placed
            x += extent.width
            out.up, out.down = max(out.up, extent.up), max(out.down, extent.down)
        else:
            fork = _fork(item, style)
            out.add(fork.shifted(x, 0.0))
            last_node = None
            x += fork.width
            out.up, out.down = max(out.up, fork.up), max(out.down, fork.down)
        end = (x, 0.0)
        before = item
    out.width = x
    return out


def _fork(fork: Fork, style: Style) -> Layout:
    out = Layout()
    subs = [sequence(branch, style) for branch in fork.branches]
    ys: list[float] = []
    for i, sub in enumerate(subs):
        ys.append(0.0 if i == 0 else ys[-1] - subs[i - 1].up - style.vgap - sub.down)
    top = min(y - sub.up for y, sub in zip(ys, subs))
    s, r = style.split, style.radius
    join_x = s + max(sub.width for sub in subs) + s + r
    for y, sub in zip(ys, subs):
        out.add(sub.shifted(s, y))
        out.edges.append(Edge(((0.0, 0.0), (0.0, y), (s, y)) if y else ((0.0, 0.0), (s, 0.0)), "split"))
        arrive = (join_x - r, 0.0) if y == 0.0 else (join_x, -r)
        out.edges.append(Edge(((s + sub.width, y), (join_x, y), arrive) if y else ((s + sub.width, y), arrive)))
    if fork.identity:
        arc = top - style.vgap * 0.7
        out.edges.append(Edge(((0.0, 0.0), (0.0, arc), (join_x, arc), (join_x, -r)), "identity"))
        top = arc - 6
    join = Placed(fork, join_x - r, 0.0, Extent(2 * r, r, r), 0.0)
    out.placed.append(join)
    out.width = join_x + r
    out.up = -top
    out.down = max(max(y + sub.down for y, sub in zip(ys, subs)), r + 30)
    return out


def lines(items: tuple[Item, ...], style: Style, max_width: float, line_gap: float) -> Layout:
    """The top-level sequence, wrapped into lines no wider than `max_width` (at item boundaries)."""
    rows: list[list[Item]] = [[]]
    width = 0.0
    before: Item | None = None
    for item in items:
        size = sequence((item,), style, before).width
        if rows[-1] and width + size > max_width:
            rows.append([])
            width = 0.0
        rows[-1].append(item)
        width += size
        before = item
    out = Layout()
    y = y_prev = 0.0
    before = None
    previous: Layout | None = None
    for row in rows:
        part = sequence(tuple(row), style, before)
        if previous is not None:
            y += previous.down + line_gap + part.up
            middle = y - part.up - line_gap / 2
            start = part.placed[0].x if part.placed else 0.0
            out.edges.append(Edge(((previous.width, y_prev), (previous.width + 8, y_prev), (previous.width + 8, middle),
                                   (-8, middle), (-8, y), (start - part.placed[0].gap, y)), "wrap"))
        else:
            y = part.up
        out.add(part.shifted(0.0, y))
        out.width = max(out.width, part.width)
        previous, y_prev, before = part, y, row[-1]
    out.up = 0.0
    out.down = y + (previous.down if previous else 0.0)
    return out

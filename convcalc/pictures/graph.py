"""The report's rows as a tree the diagrams lay out: nodes in sequence, forks where branches rejoin.

A join row (add / concat / mul) closes a fork; the rows whose `path` continues the join's path
with a branch label (`5.0.main.1`, `5.0.shortcut.0`, `5.0.branch2.1`, `2.0.gate.3`) are its
branches, in the order the spec wrote them. A path with no rows is the identity (a residual's
shortcut, DenseNet's empty branch, the input a gate multiplies).

Element-wise rows — a row that keeps its input's shape, has no sliding window and does at most
one multiply-accumulate per output element (activations, norms, dropout, an adaptive pool that
changes nothing) — are not drawn as boxes of their own: they ride on the node before them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convcalc.engine.fold import fold
from convcalc.engine.report import LayerResult, Report

JOIN_KINDS = frozenset({"add", "concat", "mul"})
SYMBOL = {"add": "+", "concat": "C", "mul": "×"}


@dataclass(frozen=True, slots=True)
class Node:
    """One drawn activation: the row that made it (None: the network's input) and the element-wise
    rows applied to it afterwards."""

    row: LayerResult | None
    shape: tuple[int, ...]
    riders: tuple[LayerResult, ...] = ()
    folded: bool = False  # a `--depth` block folded into one row

    @property
    def name(self) -> str:
        return self.row.name if self.row else "input"


@dataclass(frozen=True, slots=True)
class Fork:
    """Branches that start from one tensor and meet again in `join`."""

    join: LayerResult
    branches: tuple[tuple[Item, ...], ...]
    identity: bool  # one path is the identity (drawn as an arc over the branches)
    riders: tuple[LayerResult, ...] = ()


Item = Node | Fork


@dataclass(slots=True)
class _Open:
    items: list[Item] = field(default_factory=list)


def elementwise(row: LayerResult) -> bool:
    """Keeps its input's shape, slides no window, at most one MAC per output element."""
    return (
        row.kind not in JOIN_KINDS
        and row.window is None
        and bool(row.input_shape)
        and row.output_shape == row.input_shape
        and row.macs <= row.activations
    )


def _path_of(item: Item) -> str:
    return item.join.path if isinstance(item, Fork) else (item.row.path if item.row else "")


def branch_label(join_path: str, path: str) -> str | None:
    """The label of the join's path that `path` runs in (`main`, `branch2`), or None outside it."""
    prefix = f"{join_path}." if join_path else ""
    if not path.startswith(prefix) or path == join_path:
        return None
    label = path[len(prefix):].split(".", 1)[0]
    return None if label.isdigit() else label


def branch_key(path: str) -> str:
    """The branch a path runs in: everything up to its last branch label ('' for the trunk)."""
    parts = path.split(".")
    labels = [i for i, part in enumerate(parts) if part and not part.isdigit()]
    return ".".join(parts[: labels[-1] + 1]) if labels else ""


def _ride(items: list[Item], row: LayerResult) -> bool:
    """Attach an element-wise row to the last item, when that item runs in the same branch."""
    if not items:
        return False
    last = items[-1]
    if branch_key(_path_of(last)) != branch_key(row.path) and _row(last) is not None:
        return False
    items[-1] = (
        Fork(last.join, last.branches, last.identity, (*last.riders, row))
        if isinstance(last, Fork)
        else Node(last.row, last.shape, (*last.riders, row), last.folded)
    )
    return True


def has_identity(join: LayerResult, ends: list[LayerResult]) -> bool:
    """Whether one of the join's paths is the identity, given the rows that end its other paths."""
    if join.kind == "mul":
        return True  # the gate multiplies its input by the gate path's output
    if join.kind == "add":
        return len(ends) < 2
    channels = sum(end.output_shape[1] for end in ends if len(end.output_shape) > 1)
    return len(join.output_shape) > 1 and channels < join.output_shape[1]


def _identity(join: LayerResult, branches: dict[str, list[Item]]) -> bool:
    ends = [_row(branch[-1]) for branch in branches.values() if branch]
    return has_identity(join, [end for end in ends if end is not None])


def _row(item: Item) -> LayerResult | None:
    return item.join if isinstance(item, Fork) else item.row


def _label_order(label: str) -> tuple[bool, str, int]:
    """main first, then shortcut, gate, branch1, branch2, …, branch10 (numbers compared as numbers)."""
    stem = label.rstrip("0123456789")
    return (label != "main", stem, int(label[len(stem):] or 0))


def fold_marked(report: Report, depth: int | None) -> tuple[Report, frozenset[str]]:
    """`--depth` folding, and the names of the rows that are folded blocks (drawn as one box each)."""
    if depth is None:
        return report, frozenset()
    before = {row.name for row in report.layers}
    folded = fold(report, depth)
    return folded, frozenset(row.name for row in folded.layers if row.name not in before)


def build(report: Report, *, folded: frozenset[str] = frozenset()) -> tuple[Item, ...]:
    """The tree of `report`'s rows; `folded` names rows that are `--depth` blocks (drawn as one box)."""
    items: list[Item] = [Node(None, report.input_shape)]
    for row in report.layers:
        if row.kind in JOIN_KINDS:
            grouped: dict[str, list[Item]] = {}
            while items and (label := branch_label(row.path, _path_of(items[-1]))) is not None:
                grouped.setdefault(label, []).insert(0, items.pop())
            order = sorted(grouped, key=_label_order)
            branches = tuple(tuple(grouped[label]) for label in order)
            items.append(Fork(row, branches, _identity(row, grouped)))
        elif elementwise(row) and row.name not in folded and _ride(items, row):
            continue
        else:
            items.append(Node(row, row.output_shape, folded=row.name in folded))
    return tuple(items)


def nodes(items: tuple[Item, ...]) -> list[Node]:
    """Every drawn node, depth first, in the order the rows came."""
    found: list[Node] = []
    for item in items:
        if isinstance(item, Fork):
            for branch in item.branches:
                found.extend(nodes(branch))
        else:
            found.append(item)
    return found

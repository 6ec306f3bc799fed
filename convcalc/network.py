"""The parsed network: what both front ends (YAML, CLI layer strings) produce and the engine reads.

A network is a tree. Leaves are layers; `Branches` run several paths on one input and join them
(a residual add, a channel concat, a squeeze-and-excitation multiply); `Group` is a named scope
(a defined block's use, a named repeat) that the table can fold into one row.

Spans ride along for error messages but are left out of equality, so the same network typed two
ways compares equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.source import Span

if TYPE_CHECKING:
    from convcalc.layers.kind import CompositeKind, LayerKind
    from convcalc.layers.tensor import Part

T = TypeVar("T")


@lazy_dataclass(frozen=True, slots=True)
class LayerSpec:
    """One layer: its kind as spelled (normalised), its checked arguments, its full dotted name.

    `shares` names an earlier layer whose weights this one reuses (tied weights); `trainable`
    False freezes its parameters (counted apart, as Keras' non-trainable). `rank` is the
    spatial rank the spelling fixes (conv2d: 2; conv: None, taken from the input) and `label`
    the kind as the table shows it before the rule resolves a rank.
    """

    kind: str
    args: LayerKind | CompositeKind  # the kind's frozen dataclass, already validated
    name: str
    span: Span | None = field(default=None, compare=False)
    arg_spans: Mapping[str, Span] = field(default_factory=dict, compare=False)
    shares: str | None = None
    rank: int | None = None
    label: str = ""
    trainable: bool = True


@lazy_dataclass(frozen=True, slots=True)
class Branches:
    """Paths that all read the same input, then one join row named `name`.

    add (residual): the sum of the paths; an empty path is the identity shortcut.
    concat: the paths stacked along channels; an empty path is the identity (DenseNet).
    mul (gate): the input times the one path's output, broadcast over spatial axes.
    split: each path reads its own slice of the input's channels; the outputs are stacked back.
    `labels` name the paths in `path` addresses: main/shortcut, branch1.., gate.
    `options` are the construct's settings as written (a split's `sections`).
    """

    join: str  # a registered join's name: add, concat, mul, split (convcalc.layers.graph)
    name: str
    paths: tuple[tuple[Node, ...], ...]
    labels: tuple[str, ...]
    span: Span | None = field(default=None, compare=False)
    options: tuple[tuple[str, Any], ...] = ()


@lazy_dataclass(frozen=True, slots=True)
class Group:
    """A named scope of layers, run in order: a defined block's use, or a named repeat (and its steps)."""

    kind: str
    name: str
    nodes: tuple[Node, ...]
    span: Span | None = field(default=None, compare=False)


Node = LayerSpec | Branches | Group


@lazy_dataclass(frozen=True, slots=True)
class Network:
    """A network spec: per-sample input shape (C, *spatial) and its nodes in order."""

    name: str
    input_shape: tuple[int, ...]
    layers: tuple[Node, ...]
    batch: int = 1
    span: Span | None = field(default=None, compare=False)


def part_spec(composite: LayerSpec, part: Part) -> LayerSpec:
    """A composite's part as a layer of its own: `sep1.depthwise`, pointing at the composite's
    line, sharing the namesake part when the composite shares weights."""
    shares = f"{composite.shares}.{part.name}" if composite.shares else None
    return LayerSpec(
        part.label, part.args, f"{composite.name}.{part.name}", composite.span, composite.arg_spans, shares,
        part.rank, part.label, composite.trainable,
    )


class Visitor(Generic[T]):
    """What one walk over the tree does at each node; `T` is what flows between layers (the
    engine's `TensorInfo`, verify's tensors). `walk` owns the order and the paths' addresses."""

    def layer(self, layer: LayerSpec, x: T, path: str) -> T:
        raise NotImplementedError

    def join(self, node: Branches, x: T, outs: list[T], path: str) -> T:
        raise NotImplementedError

    def inputs(self, node: Branches, x: T) -> list[T]:
        """What each path of `node` reads: the input itself, unless the construct splits it."""
        return [x] * len(node.paths)

    def enter(self, group: Group, path: str) -> None:
        """A group starts (its rows are nested in it)."""

    def leave(self, group: Group) -> None:
        """The group's last row is done."""


def walk(nodes: tuple[Node, ...], x: T, visitor: Visitor[T], path: str = "") -> T:
    """Run `visitor` over `nodes` in execution order: layers in sequence, groups as scopes, each
    branch's paths on the same input and then their join. `path` addresses are list indices and
    path labels (`5.0.main.2`), the report's `path` column."""
    for position, node in enumerate(nodes):
        where = f"{path}.{position}" if path else str(position)
        if isinstance(node, LayerSpec):
            x = visitor.layer(node, x, where)
        elif isinstance(node, Group):
            visitor.enter(node, where)
            x = walk(node.nodes, x, visitor, where)
            visitor.leave(node)
        else:
            reads = visitor.inputs(node, x)
            outs = [
                walk(nodes_, read, visitor, f"{where}.{label}")
                for label, nodes_, read in zip(node.labels, node.paths, reads)
            ]
            x = visitor.join(node, x, outs, where)
    return x


def map_layers(nodes: tuple[Node, ...], change: Callable[[LayerSpec], LayerSpec]) -> tuple[Node, ...]:
    """The same tree with every layer replaced by `change(layer)` (groups and paths kept)."""
    changed: list[Node] = []
    for node in nodes:
        if isinstance(node, LayerSpec):
            changed.append(change(node))
        elif isinstance(node, Group):
            changed.append(replace(node, nodes=map_layers(node.nodes, change)))
        else:
            changed.append(replace(node, paths=tuple(map_layers(path, change) for path in node.paths)))
    return tuple(changed)


class _Leaves(Visitor[None]):
    def __init__(self) -> None:
        self.found: list[LayerSpec] = []

    def layer(self, layer: LayerSpec, x: None, path: str) -> None:
        self.found.append(layer)

    def join(self, node: Branches, x: None, outs: list[None], path: str) -> None:
        return None


def leaves(nodes: tuple[Node, ...]) -> list[LayerSpec]:
    """Every layer in the tree, in the order the engine runs them."""
    collector = _Leaves()
    walk(nodes, None, collector)
    return collector.found

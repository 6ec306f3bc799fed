"""The parsed network: what both front ends (YAML, CLI layer strings) produce and the engine reads.

A network is a tree. Leaves are layers; `Branches` run several paths on one input and join them
(a residual add, a channel concat, a squeeze-and-excitation multiply); `Group` is a named scope
(a defined block's use, a named repeat) that the table can fold into one row.

Spans ride along for error messages but are left out of equality, so the same network typed two
ways compares equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from convcalc.source import Span

Join = Literal["add", "concat", "mul"]


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """One layer: its kind as spelled (normalised), its checked arguments, its full dotted name.

    `shares` names an earlier layer whose weights this one reuses (tied weights).
    """

    kind: str
    args: Any  # the kind's frozen dataclass, already validated
    name: str
    span: Span | None = field(default=None, compare=False)
    arg_spans: Mapping[str, Span] = field(default_factory=dict, compare=False)
    shares: str | None = None


@dataclass(frozen=True, slots=True)
class Branches:
    """Paths that all read the same input, then one join row named `name`.

    add (residual): the sum of the paths; an empty path is the identity shortcut.
    concat: the paths stacked along channels; an empty path is the identity (DenseNet).
    mul (gate): the input times the one path's output, broadcast over spatial axes.
    `labels` name the paths in `path` addresses: main/shortcut, branch1.., gate.
    """

    join: Join
    name: str
    paths: tuple[tuple[Node, ...], ...]
    labels: tuple[str, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Group:
    """A named scope of layers, run in order: a defined block's use, or a named repeat (and its steps)."""

    kind: str
    name: str
    nodes: tuple[Node, ...]
    span: Span | None = field(default=None, compare=False)


Node = LayerSpec | Branches | Group


@dataclass(frozen=True, slots=True)
class Network:
    """A network spec: per-sample input shape (C, *spatial) and its nodes in order."""

    name: str
    input_shape: tuple[int, ...]
    layers: tuple[Node, ...]
    batch: int = 1
    span: Span | None = field(default=None, compare=False)


def part_spec(composite: LayerSpec, name: str, kind: str, args: Any) -> LayerSpec:
    """A composite's part as a layer of its own: `sep1.depthwise`, pointing at the composite's
    line, sharing the namesake part when the composite shares weights."""
    shares = f"{composite.shares}.{name}" if composite.shares else None
    return LayerSpec(kind, args, f"{composite.name}.{name}", composite.span, composite.arg_spans, shares)


def leaves(nodes: tuple[Node, ...]) -> list[LayerSpec]:
    """Every layer in the tree, in the order the engine runs them."""
    found: list[LayerSpec] = []
    for node in nodes:
        if isinstance(node, LayerSpec):
            found.append(node)
        elif isinstance(node, Group):
            found.extend(leaves(node.nodes))
        else:
            for path in node.paths:
                found.extend(leaves(path))
    return found

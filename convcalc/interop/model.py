"""What an importer produces: a spec's tree before it is written as YAML.

`Leaf` is one layer (a registered kind's spelling and its arguments by PyTorch's names, only the
ones that differ from the kind's defaults), `Fork` a join of paths that read the same tensor
(add: residual, concat, mul: gate), `Scope` a named module (`layer1`, `0`) holding its layers.
Anything an importer cannot express is an `Unsupported` entry, collected and reported together
by `ImportProblem`, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convcalc.errors import ConvcalcError

Value = Any  # int, float, bool, str, None, or a tuple of those


@dataclass(frozen=True, slots=True)
class Leaf:
    kind: str
    args: tuple[tuple[str, Value], ...]
    name: str
    shared: str | None = None  # a module called twice: the dotted name of its first call
    trainable: bool = True  # False: every parameter is frozen (requires_grad False in PyTorch)


@dataclass(frozen=True, slots=True)
class Fork:
    join: str  # add, concat or mul (convcalc.layers.graph.JOINS)
    paths: tuple[tuple[Item, ...], ...]
    name: str


@dataclass(frozen=True, slots=True)
class Scope:
    name: str
    items: tuple[Item, ...]
    type_name: str = ""  # the module's class (Bottleneck): names the block the writer defines


Item = Leaf | Fork | Scope


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    input_shape: tuple[int, ...]
    items: tuple[Item, ...]
    source: str = ""  # what it was imported from, for the spec's header comment
    notes: tuple[str, ...] = ()  # what the import wants said (how Keras' totals correspond)


@dataclass(frozen=True, slots=True)
class Unsupported:
    """One operation the spec format cannot express: its name, where it comes from, and why."""

    name: str
    where: str
    why: str

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return f"{self.name}{where}: {self.why}"


class ImportProblem(ConvcalcError):
    """The model uses operations a spec cannot express: every one is listed, none is dropped."""

    def __init__(self, source: str, problems: Sequence[Unsupported], hint: str | None = None) -> None:
        count = len(problems)
        head = f"cannot import {source}: {count} operation{'s' if count != 1 else ''} the spec format cannot express"
        super().__init__(
            head + "".join(f"\n  {problem}" for problem in problems),
            hint=hint or "rewrite those parts with supported layers, or see README 'Importing your model'",
        )
        self.problems = tuple(problems)


def compact(value: Value) -> Value:
    """(3, 3) -> 3 and [1, 1] -> 1: one value stands for every axis; other sequences become tuples."""
    if isinstance(value, (list, tuple)):
        items = tuple(compact(v) for v in value)
        if items and all(v == items[0] and type(v) is type(items[0]) for v in items) and not isinstance(items[0], tuple):
            return items[0]
        return items
    return value


class OnnxMissing(ConvcalcError):
    """Reading or writing ONNX without the onnx package installed."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs the onnx package: pip install 'convcalc[onnx]'")

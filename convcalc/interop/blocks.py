"""Folding repeated structure into parameterised blocks, for the spec writer.

Scopes with the same structure (the same module class, the same layers in the same order with
the same names, values aside) are instances of one block. Every argument of every layer is a
slot; a slot equal in all instances is written as it is, one that varies becomes a parameter,
and a slot that is always a whole multiple (or quotient) of a parameter is written `$p * 4`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from convcalc.interop.model import Fork, Item, Leaf, Scope, Value
from convcalc.layers import lookup
from convcalc.layers.graph import CONSTRUCTS

SHORT = {"out_channels": "out", "out_features": "out", "kernel_size": "kernel"}
RESERVED = {"repeat", "layers", "first", "name", "define", "params", "input", "batch"}
CONTAINERS = {"", "Sequential", "ModuleList", "ModuleDict", "Model", "Functional"}


@dataclass(frozen=True, slots=True)
class Ref:
    """An expression over block parameters (`$mid`, `$mid * 4`), written as a plain YAML scalar."""

    text: str


Expr = Any  # a literal Value, or a Ref


def fields_of(kind: str) -> list[tuple[str, Any]]:
    """A kind's arguments in declaration order with their defaults (MISSING: required)."""
    entry = lookup(kind)
    assert entry is not None, kind
    return [(f.name, f.default) for f in dataclasses.fields(entry.kind)]  # type: ignore[arg-type]  # kinds are dataclasses


def leaf_values(leaf: Leaf) -> list[Value]:
    given = dict(leaf.args)
    return [given.get(name, default) for name, default in fields_of(leaf.kind)]


def structure(item: Item) -> tuple[Any, ...]:
    if isinstance(item, Leaf):
        return ("leaf", item.kind, item.name, item.shared, item.trainable)
    if isinstance(item, Fork):
        return ("fork", item.join, item.name, tuple(tuple(structure(i) for i in path) for path in item.paths))
    return ("scope", item.name, block_key(item))


def block_key(scope: Scope) -> tuple[Any, ...]:
    return (scope.type_name, tuple(structure(i) for i in scope.items))


def slots(item: Item) -> list[Value]:
    if isinstance(item, Leaf):
        return leaf_values(item)
    if isinstance(item, Fork):
        return [v for path in item.paths for i in path for v in slots(i)]
    return [v for i in item.items for v in slots(i)]


def labels(item: Item) -> list[str]:
    """A readable name per slot, for parameters: the layer's name and the argument's (conv1_out)."""
    if isinstance(item, Leaf):
        family = lookup(item.kind).family  # type: ignore[union-attr]  # importers emit registered kinds
        name = item.name if item.name and not item.name[0].isdigit() else f"{family}{item.name}"
        return [f"{name}_{SHORT.get(arg, arg)}" for arg, _ in fields_of(item.kind)]
    if isinstance(item, Fork):
        return [label for path in item.paths for i in path for label in labels(i)]
    return [label for i in item.items for label in labels(i)]


@dataclass(slots=True)
class Block:
    name: str
    instances: list[Scope]
    params: list[str] = field(default_factory=list)
    exprs: list[Expr] = field(default_factory=list)
    base: dict[str, int] = field(default_factory=dict)  # parameter -> the slot that carries it
    rows: list[list[Value]] = field(default_factory=list)  # each instance's slot values

    def fit(self) -> None:
        self.rows = [slots(scope) for scope in self.instances]
        columns = list(zip(*self.rows))
        names = labels(self.instances[0])
        for index, column in enumerate(columns):
            if all(_same(v, column[0]) for v in column):
                self.exprs.append(column[0])
                continue
            self.exprs.append(self._expression(index, column, names[index]))

    def _expression(self, index: int, column: tuple[Value, ...], label: str) -> Ref:
        for param in self.params:
            known = [row[self.base[param]] for row in self.rows]
            if all(_same(a, b) for a, b in zip(column, known)):
                return Ref(f"${param}")
            if all(_int(a) and _int(b) and b > 0 for a, b in zip(column, known)):
                ratios = {a // b for a, b in zip(column, known) if a % b == 0}
                if len(ratios) == 1 and all(a % b == 0 for a, b in zip(column, known)) and ratios != {1}:
                    return Ref(f"${param} * {ratios.pop()}")
                quotients = {b // a for a, b in zip(column, known) if a > 0 and b % a == 0}
                if len(quotients) == 1 and all(a > 0 and b % a == 0 for a, b in zip(column, known)):
                    return Ref(f"${param} // {quotients.pop()}")
        name = _identifier(label, self.params)
        self.params.append(name)
        self.base[name] = index
        return Ref(f"${name}")

    def uses(self, context: list[Expr]) -> dict[str, Expr]:
        """The parameters of one use, from the slots as its context writes them."""
        return {param: context[self.base[param]] for param in self.params}


def _same(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a == b


def _int(v: Value) -> bool:
    return type(v) is int


def _identifier(text: str, taken: list[str]) -> str:
    name = re.sub(r"\W", "_", text)
    if not name or name[0].isdigit():
        name = "p" + name
    candidate, count = name, 1
    while candidate in taken:
        count += 1
        candidate = f"{name}{count}"
    return candidate


def scopes(items: tuple[Item, ...]) -> Iterator[Scope]:
    for item in items:
        if isinstance(item, Scope):
            yield item
            yield from scopes(item.items)
        elif isinstance(item, Fork):
            for path in item.paths:
                yield from scopes(path)


def block_table(items: tuple[Item, ...]) -> dict[tuple[Any, ...], Block]:
    """Every scope's block, fitted over all its instances, in the order they first appear."""
    table: dict[tuple[Any, ...], Block] = {}
    taken: set[str] = set()
    for scope in scopes(items):
        key = block_key(scope)
        if key not in table:
            table[key] = Block(_block_name(scope, taken), [])
        table[key].instances.append(scope)
    for block in table.values():
        block.fit()
    return table


def _block_name(scope: Scope, taken: set[str]) -> str:
    base = scope.type_name if scope.type_name not in CONTAINERS else scope.name
    base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base).lower()
    base = re.sub(r"\W", "_", base).strip("_") or "block"
    if base[0].isdigit():
        base = "block_" + base
    if lookup(base) is not None or base in CONSTRUCTS or base in RESERVED:
        base += "_block"
    name, count = base, 1
    while name in taken:
        count += 1
        name = f"{base}_{count}"
    taken.add(name)
    return name

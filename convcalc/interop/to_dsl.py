"""A chain spec as CLI layer strings: `convcalc summary -i 1x32x32 conv:6,5 tanh avgpool:2 ...`.

Only chains have a one-line form: a residual, concat or gate, or weights shared with another
layer, is reported with its name and place. Blocks and repeats are unrolled (their layers keep
their order; the dotted names of nested layers have no CLI form, so those take automatic names),
and a top-level layer keeps its name when it is not the one the CLI would give anyway.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from convcalc.errors import SpecError
from convcalc.layers.args import REQUIRED
from convcalc.network import Branches, Group, LayerSpec, Network, Node
from convcalc.spec.from_cli import parse_layer_strings


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, tuple):
        if value and all(type(v) is int for v in value):
            return "x".join(str(v) for v in value) if len(value) > 1 else f"[{value[0]}]"
        return "[" + ",".join(_value(v) for v in value) + "]"
    return str(value)


def layer_string(layer: LayerSpec, name: str | None = None) -> str:
    """One layer as the CLI writes it: kind, then its non-default arguments (positionals first)."""
    fields = dataclasses.fields(layer.args)  # type: ignore[arg-type]  # kinds are dataclasses
    given = {f.name: getattr(layer.args, f.name) for f in fields if f.default is REQUIRED or getattr(layer.args, f.name) != f.default
             or type(getattr(layer.args, f.name)) is not type(f.default)}
    parts: list[str] = []
    for positional in layer.args.positional:
        if positional not in given:
            break
        parts.append(_value(given.pop(positional)))
    parts += [f"{key}={_value(value)}" for key, value in given.items()]
    if name is not None:
        parts.append(f"name={name}")
    return layer.kind + (":" + ",".join(parts) if parts else "")


def _chain(nodes: tuple[Node, ...]) -> list[LayerSpec]:
    layers: list[LayerSpec] = []
    for node in nodes:
        if isinstance(node, Branches):
            raise SpecError(
                f"{node.name} ({node.join}) is not a chain: layer strings have no residual, concat or gate",
                node.span, "export --to torch keeps the graph",
            )
        if isinstance(node, Group):
            layers += _chain(node.nodes)
            continue
        if node.shares is not None:
            raise SpecError(f"{node.name} shares weights with {node.shares}: layer strings cannot say that", node.span)
        layers.append(node)
    return layers


def dsl(network: Network) -> str:
    """`-i SHAPE` and the layer strings, as one `convcalc summary` command line."""
    layers = _chain(network.layers)
    shape = "x".join(str(n) for n in network.input_shape)
    names: dict[int, str] = {}
    for _ in range(len(layers) + 1):  # an explicit name can move the automatic ones: settle
        tokens = [layer_string(layer, names.get(i)) for i, layer in enumerate(layers)]
        parsed = [node for node in parse_layer_strings(shape, tokens).layers if isinstance(node, LayerSpec)]
        missing = {i: layer.name for i, (layer, got) in enumerate(zip(layers, parsed))
                   if got.name != layer.name and "." not in layer.name and i not in names}
        if not missing:
            break
        names.update(missing)
    batch = f" --batch {network.batch}" if network.batch != 1 else ""
    return f"convcalc summary -i {shape}{batch} " + " ".join(tokens) + "\n"

"""A `Model` written as a spec (YAML) that convcalc's own reader loads back.

Layers are flow mappings on one line (`- conv2d: {name: conv1, out: 64, kernel: 7}`); arguments
equal to the kind's default are left out, and so is a name the reader would give anyway (it is
left empty in the model). Scopes become uses of `define:`d blocks (`blocks.py`); a module list
whose entries `0`, `1`, ... use one block alike (after a different first one) becomes a named
`repeat:` with `first:`, so ResNet's stages are four lines, not three hundred.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path

from convcalc.interop.blocks import SHORT, Block, Expr, Ref, block_key, block_table, fields_of, slots
from convcalc.interop.model import Fork, Item, Leaf, Model, Scope

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.]*")
_KEYWORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}
_PATH_KEYS = {"add": ("main", "shortcut")}


def scalar(value: Expr) -> str:
    """One value as YAML that PyYAML's safe loader reads back as the same value."""
    if isinstance(value, Ref):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"  # YAML 1.1 floats need the dot
        return text
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _KEYWORDS:
        return text
    return json.dumps(text)


class _Writer:
    def __init__(self, model: Model) -> None:
        self.blocks = block_table(model.items)
        self.bodies: dict[str, list[str]] = {}

    def block(self, scope: Scope) -> Block:
        return self.blocks[block_key(scope)]

    def items(self, items: tuple[Item, ...], context: list[Expr], indent: str) -> list[str]:
        lines: list[str] = []
        at = 0
        for item in items:
            size = len(slots(item))
            lines += self.item(item, context[at : at + size], indent)
            at += size
        return lines

    def item(self, item: Item, context: list[Expr], indent: str) -> list[str]:
        if isinstance(item, Leaf):
            return [f"{indent}- {self.leaf(item, context)}"]
        if isinstance(item, Fork):
            return self.fork(item, context, indent)
        return [f"{indent}- {self.scope(item, context)}"]

    def leaf(self, leaf: Leaf, context: list[Expr]) -> str:
        parts = [f"name: {scalar(leaf.name)}"] if leaf.name else []
        for (arg, default), value in zip(fields_of(leaf.kind), context):
            if isinstance(value, Ref) or not (type(value) is type(default) and value == default):
                parts.append(f"{SHORT.get(arg, arg)}: {scalar(value)}")
        if leaf.shared:
            parts.append(f"shared: {scalar(leaf.shared)}")
        if not leaf.trainable:
            parts.append("trainable: false")
        return f"{leaf.kind}: {{{', '.join(parts)}}}" if parts else leaf.kind

    def fork(self, fork: Fork, context: list[Expr], indent: str) -> list[str]:
        inner = indent + "    "
        head = {"add": "residual", "concat": "concat", "mul": "gate"}[fork.join]
        lines = [f"{indent}- {head}:"]
        if fork.name:
            lines.append(f"{inner}name: {scalar(fork.name)}")
        at = 0
        paths: list[list[str]] = []
        for branch in fork.paths:
            size = sum(len(slots(i)) for i in branch)
            paths.append(self.items(branch, context[at : at + size], inner + "    " if fork.join == "concat" else inner + "  "))
            at += size
        if fork.join == "add":
            lines += [f"{inner}main:", *paths[0]]
            if len(paths) > 1 and paths[1]:
                lines += [f"{inner}shortcut:", *paths[1]]
        elif fork.join == "mul":
            lines += [f"{inner}layers:", *paths[0]]
        else:
            lines.append(f"{inner}branches:")
            for path in paths:
                if not path:
                    lines.append(f"{inner}  - []")
                else:
                    first = path[0].lstrip()
                    lines.append(f"{inner}  - {first}")
                    lines += path[1:]
        return lines

    def use(self, scope: Scope, context: list[Expr], named: bool) -> str:
        block = self.block(scope)
        parts = [f"name: {scalar(scope.name)}"] if named else []
        parts += [f"{param}: {scalar(value)}" for param, value in block.uses(context).items()]
        return f"{block.name}: {{{', '.join(parts)}}}" if parts else block.name

    def scope(self, scope: Scope, context: list[Expr]) -> str:
        steps = scope.items
        numbered = [s.name for s in steps if isinstance(s, Scope)] == [str(i) for i in range(len(steps))]
        if numbered and steps:
            uses, at = [], 0
            for step in steps:
                size = len(slots(step))
                assert isinstance(step, Scope)
                uses.append(self.use(step, context[at : at + size], named=False))
                at += size
            if len(set(uses[1:])) <= 1:
                for step in steps[:2]:
                    assert isinstance(step, Scope)
                    self.body(self.block(step))
                first = f"first: [{uses[0]}], " if len(uses) > 1 and uses[0] != uses[1] else ""
                return f"{{repeat: {len(uses)}, name: {scalar(scope.name)}, {first}layers: [{uses[-1]}]}}"
        self.body(self.block(scope))
        return self.use(scope, context, named=True)

    def body(self, block: Block) -> None:
        if block.name in self.bodies:
            return
        self.bodies[block.name] = []  # claimed first: a body lists the blocks it uses after itself
        model = block.instances[0]
        lines = [f"  {block.name}:"]
        if block.params:
            lines.append(f"    params: [{', '.join(block.params)}]")
        lines.append("    layers:")
        lines += self.items(model.items, block.exprs, "      ")
        self.bodies[block.name] = lines


def write_spec(model: Model) -> str:
    """The spec text; loading it with convcalc's reader gives the imported network."""
    writer = _Writer(model)
    layers = writer.items(model.items, [v for item in model.items for v in slots(item)], "  ")
    lines = []
    if model.source:
        lines.append(f"# Imported from {model.source} by convcalc.")
    lines += [f"# {note}" for note in model.notes]
    lines += [f"name: {scalar(model.name)}", f"input: {scalar(model.input_shape)}"]
    if writer.bodies:
        lines.append("define:")
        for body in writer.bodies.values():
            lines += body
    lines += ["layers:", *layers]
    return "\n".join(lines) + "\n"


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then os.replace."""
    target = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

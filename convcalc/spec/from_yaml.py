"""YAML spec files -> Network, keeping every node's line and column.

We walk `yaml.compose(...)` nodes (which carry start marks) instead of loading plain dicts, so
any value can be pointed at in an error. PyYAML's C loader is used when it was built with one.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from convcalc.errors import SpecError
from convcalc.layers.args import ArgValue
from convcalc.network import Network
from convcalc.source import Source, Span
from convcalc.spec.build import RawLayer, build_layers, check_shape, parse_shape

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TOP_KEYS = ("name", "input", "batch", "layers")
_scalars = yaml.constructor.SafeConstructor()


def load_spec(path: str | Path) -> Network:
    """Read and parse a spec file; an unreadable file is a SpecError, not an OSError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or str(problem)
        raise SpecError(f"cannot read spec file '{path}': {reason}", hint="check the path") from None
    return parse_spec(text, str(path))


def parse_spec(text: str, filename: str = "<spec>") -> Network:
    source = Source(filename, text)
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        span = Span(source, mark.line + 1, mark.column + 1) if mark else None
        detail = problem.problem or "invalid YAML"
        context = ""
        if problem.context:
            opened = problem.context_mark
            where = f" that starts at {opened.line + 1}:{opened.column + 1}" if opened and opened is not mark else ""
            context = f" ({problem.context}{where})"
        raise SpecError(f"invalid YAML: {detail}{context}", span, "check indentation, colons and brackets") from None
    except yaml.YAMLError as problem:
        raise SpecError(f"{filename}: invalid YAML: {problem}") from None
    return _Reader(source).network(root)


class _Reader:
    """Turns composed YAML nodes into a Network; every error names the node's position."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def span(self, node: yaml.Node) -> Span:
        start, end = node.start_mark, node.end_mark
        width = end.column - start.column if end.line == start.line else 1
        return Span(self.source, start.line + 1, start.column + 1, max(1, width))

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return _scalars.construct_object(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        return {self.value(k): self.value(v) for k, v in node.value}

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise SpecError(f"{what} must be a mapping of keys to values", self.span(node))
        items, seen = [], set()
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise SpecError(f"keys in {what} must be names (got {key!r})", self.span(key_node))
            if key in seen:
                raise SpecError(f"'{key}' appears twice in {what}", self.span(key_node), "keep one")
            seen.add(key)
            items.append((key, key_node, value_node))
        return items

    def network(self, root: yaml.Node | None) -> Network:
        if root is None:
            raise SpecError(
                f"{self.source.name}: the spec is empty", hint="a spec needs 'input:' and 'layers:' (see README)"
            )
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, key_node, value_node in self.mapping(root, "the spec"):
            if key not in TOP_KEYS:
                close = difflib.get_close_matches(key, TOP_KEYS, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "a spec has: " + ", ".join(TOP_KEYS)
                raise SpecError(f"unknown top-level key '{key}'", self.span(key_node), hint)
            fields[key] = (key_node, value_node)
        for required in ("input", "layers"):
            if required not in fields:
                raise SpecError(
                    f"the spec has no '{required}:'", self.span(root),
                    "add 'input: [C, H, W]'" if required == "input" else "add 'layers:' with a list of layers",
                )
        name = Path(self.source.name).stem
        if "name" in fields:
            name = str(self.value(fields["name"][1]))
        batch = 1
        if "batch" in fields:
            node = fields["batch"][1]
            batch = self.value(node)
            if type(batch) is not int or batch < 1:
                raise SpecError(f"'batch' must be a positive integer (got {batch!r})", self.span(node))
        input_shape = self.input_shape(fields["input"][1])
        layers_node = fields["layers"][1]
        if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
            raise SpecError("'layers' must be a non-empty list of layers", self.span(layers_node), "start each layer with '- '")
        raws = [self.layer(node) for node in layers_node.value]
        return Network(name, input_shape, build_layers(raws), batch, self.span(root))

    def input_shape(self, node: yaml.Node) -> tuple[int, ...]:
        value = self.value(node)
        if isinstance(value, str):
            return parse_shape(value, self.span(node))
        if isinstance(value, int) and type(value) is int and value > 0:
            return (value,)
        if not isinstance(value, list) or not all(type(v) is int and v > 0 for v in value):
            raise SpecError(
                f"'input' must be a list of positive sizes, channels first (got {value!r})",
                self.span(node),
                "for example: input: [3, 224, 224]",
            )
        return check_shape(tuple(value), self.span(node))

    def layer(self, node: yaml.Node) -> RawLayer:
        if isinstance(node, yaml.ScalarNode):
            kind = self.value(node)
            if not isinstance(kind, str):
                raise SpecError(f"a layer must be a kind such as 'relu' (got {kind!r})", self.span(node))
            return RawLayer(kind, self.span(node))
        if not isinstance(node, yaml.MappingNode):
            raise SpecError("a layer must be a kind ('- relu') or a mapping ('- conv: {...}')", self.span(node))
        if len(node.value) != 1:
            keys = ", ".join(str(self.value(k)) for k, _ in node.value)
            raise SpecError(
                f"a layer is a mapping with one key, its kind; got {len(node.value)} keys ({keys})",
                self.span(node),
                "indent the arguments under the kind: '- conv: {out: 6, kernel: 5}'",
            )
        key_node, args_node = node.value[0]
        kind = self.value(key_node)
        if not isinstance(kind, str):
            raise SpecError(f"a layer kind must be a name (got {kind!r})", self.span(key_node))
        raw = RawLayer(kind, self.span(key_node))
        if isinstance(args_node, yaml.MappingNode):
            for key, arg_key, arg_value in self.mapping(args_node, f"the arguments of '{kind}'"):
                if key == "name":
                    raw.name, raw.name_span = str(self.value(arg_value)), self.span(arg_value)
                else:
                    raw.keywords[key] = ArgValue(self.value(arg_value), self.span(arg_key), self.span(arg_value))
        elif not (isinstance(args_node, yaml.ScalarNode) and self.value(args_node) is None):
            # `- maxpool: 2` or `- adaptiveavgpool: [6, 6]`: the value is the first positional argument
            raw.positionals.append(ArgValue(self.value(args_node), self.span(args_node), self.span(args_node)))
        return raw

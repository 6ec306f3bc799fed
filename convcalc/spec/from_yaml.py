"""YAML spec files -> Network, keeping every node's line and column.

We walk `yaml.compose(...)` nodes (which carry start marks) instead of loading plain dicts, so
any value can be pointed at in an error. PyYAML's C loader is used when it was built with one.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import yaml

from convcalc.engine.collector import collector_paused
from convcalc.errors import SpecError
from convcalc.layers import lookup
from convcalc.layers.args import ArgValue
from convcalc.layers.graph import CONSTRUCTS, Join
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.limits import DEPTH, LAYERS
from convcalc.network import Network
from convcalc.source import Source, Span, stem_and_suffix
from convcalc.spec.build import (
    ZERO_SIZE,
    RawBranches,
    RawGroup,
    RawLayer,
    RawNode,
    build_layers,
    check_rank_reading,
    check_shape,
    frozen,
    parse_shape,
)
from convcalc.spec.params import substitute
from convcalc.spec.yaml_guard import compose_tree, read_source, spans_in

if TYPE_CHECKING:
    from pathlib import Path

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SpecLoader(Loader):  # type: ignore[misc]  # Loader is CSafeLoader or SafeLoader, both untyped here
    """The loader, asking its resolver once per distinct (kind, value, style).

    The composer asks for the tag of every untagged node (for a scalar, a chain of regular
    expressions in Python, ~1 µs); a spec repeats the same few keys and numbers thousands of
    times. Without path resolvers (a safe loader has none) the answer depends on the arguments
    alone, so this loader, which reads one document, keeps each answer for the rest of it, in
    `functools.lru_cache`, whose hits never enter Python. `dispose` (called by `yaml.compose`
    when the document is read) drops it, and with it the reference back to the loader.

    Without path resolvers the composer's two calls around every node, `descend_resolver(parent,
    index)` and `ascend_resolver()`, return at once, and the composer ignores what they return:
    a million Python calls for a 100k-layer spec (~0.13 s of its ~0.85 s compose). Built-ins of
    the same arities stand in for them (`operator.is_`, `tuple`): C calls that change nothing.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        if not self.yaml_path_resolvers:  # with them, the tag also depends on the node's place
            self.resolve = lru_cache(maxsize=None)(super().resolve)
            self.descend_resolver = operator.is_
            self.ascend_resolver = tuple

    def dispose(self) -> None:
        for name in ("resolve", "descend_resolver", "ascend_resolver"):
            self.__dict__.pop(name, None)
        super().dispose()


TOP_KEYS = ("name", "input", "batch", "define", "layers", "constraints")  # constraints: read by convcalc.checks
_scalars = yaml.constructor.SafeConstructor()
# Plain scalars are built by calling their tag's constructor directly: `construct_object` would
# also record every node in `_scalars.constructed_objects`, which is only cleared per document,
# so this module-level constructor would keep every node of every spec read alive (and look
# each one up first). Other tags (timestamps, binary, unknown ones) take the full path.
_SCALAR_TAGS = {
    f"tag:yaml.org,2002:{name}": yaml.constructor.SafeConstructor.yaml_constructors[f"tag:yaml.org,2002:{name}"]
    for name in ("int", "float", "bool", "null")
}
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"


def _scalar(node: yaml.ScalarNode) -> Any:
    """The Python value of a scalar node, as `SafeConstructor` makes it."""
    tag = node.tag
    if tag == _STR_TAG:
        return node.value
    if tag == _INT_TAG:
        text = node.value
        if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
            return int(text)  # a plain decimal (most numbers in a spec): what construct_yaml_int returns
    construct = _SCALAR_TAGS.get(tag)
    if construct is not None:
        return construct(_scalars, node)
    value = _scalars.construct_object(node)
    _scalars.constructed_objects.clear()
    return value


def load_spec(path: str | Path) -> Network:
    """Read and parse a spec file; an unreadable file is a SpecError, not an OSError."""
    source = read_source(str(path), "spec")
    return parse_spec(source.text, source.name)


def parse_spec(text: str, filename: str = "<spec>") -> Network:
    source = Source(filename, text)
    with collector_paused():
        root, tree = compose_tree(text, source, _SpecLoader)
        return _Reader(source, tree).network(root)


@lazy_dataclass(frozen=True, slots=True)
class _Define:
    """A parameterised block: its parameters and body.

    A parameter's default is its YAML node (None when the parameter is required), read at each
    use after the given parameters, so a default may refer to them: `out: $in`.
    """

    name: str
    params: dict[str, yaml.Node | None]
    body: yaml.SequenceNode
    span: Span



class _Reader:
    """Turns composed YAML nodes into a Network; every error names the node's position.

    Defined blocks are expanded where they are used: their body is read again with the use's
    parameters in `env`, so every value is checked as if it had been written out in full.
    """

    def __init__(self, source: Source, tree: bool = False) -> None:
        self.source = source
        self.tree = tree  # no alias shares a node: each node read is referenced by its parent alone
        self.defines: dict[str, _Define] = {}
        self.env: dict[str, Any] = {}
        self.expanding: list[str] = []
        self.depth = 0  # constructs, blocks and repeats being read, one inside another
        self.max_depth = DEPTH.value()
        self.sizes: dict[int, int] = {}  # rows each raw node expands to, by identity (see `count`)
        self.span: Callable[[yaml.Node], Span] = spans_in(source)  # where a node was written

    def value(self, node: yaml.Node) -> Any:
        """A node as plain data, with `$parameters` substituted (only plain scalars, not quoted)."""
        if type(node) is _ScalarNode:
            value = _scalar(node)
            if type(value) is str and "$" in value and not node.style:
                return substitute(value, self.env, self.span(node))
            return value
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        return {self.value(k): self.value(v) for k, v in node.value}

    def mapping(self, node: yaml.Node, what: str, about: str | None = None) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """A mapping's keys (names, each once) and nodes. `what` names the mapping in errors; with
        `about`, `what` is a template for it, formatted only for an error (this runs once per layer)."""
        if not isinstance(node, yaml.MappingNode):
            raise SpecError(f"{_named(what, about)} must be a mapping of keys to values", self.span(node))
        items, seen = [], set()
        for key_node, value_node in node.value:
            if key_node.tag == _STR_TAG and type(key_node) is _ScalarNode:
                key = key_node.value  # a plain name (nearly every key): what _scalar returns for it
            else:
                key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise SpecError(
                    f"keys in {_named(what, about)} must be names (got {self.value(key_node)!r})", self.span(key_node)
                )
            if key in seen:
                raise SpecError(f"'{key}' appears twice in {_named(what, about)}", self.span(key_node), "keep one")
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
                import difflib  # only for a did-you-mean: not loaded on every run
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
        name = stem_and_suffix(self.source.name)[0]
        if "name" in fields:
            name = str(self.value(fields["name"][1]))
        batch = 1
        if "batch" in fields:
            node = fields["batch"][1]
            batch = self.value(node)
            if type(batch) is not int or batch < 1:
                raise SpecError(f"'batch' must be a positive integer (got {batch!r})", self.span(node))
        input_shape = self.input_shape(fields["input"][1])
        if "define" in fields:
            self.read_defines(fields["define"][1])
        layers_node = fields["layers"][1]
        raws = self.top_level(layers_node)
        LAYERS.check(self.count(raws), self.span(layers_node), "this spec")
        nodes = build_layers(raws)
        check_rank_reading(input_shape, nodes, self.span(fields["input"][1]), cli=False)
        return Network(name, input_shape, nodes, batch, self.span(root))

    def top_level(self, node: yaml.Node) -> list[RawNode]:
        """The `layers:` list. In a tree (no aliases) each item's nodes are let go once read, so a
        100k-layer spec never holds its whole YAML tree and all its raw layers at once; the list
        is read in the same order either way, and this list is read once."""
        if not self.tree or not isinstance(node, yaml.SequenceNode) or not node.value:
            return self.sequence(node, "'layers'", allow_empty=False)
        items = node.value
        items.reverse()
        raws: list[RawNode] = []
        while items:
            raws.extend(self.node(items.pop()))
        return raws

    def count(self, raws: list[RawNode]) -> int:
        """Rows these raw nodes expand to (a repeat's steps share nodes: each counted once per
        use, each node's size computed once), so a limit is checked before anything is built."""
        total = 0
        for raw in raws:
            if isinstance(raw, RawLayer):
                total += 1  # one row: nothing to remember
                continue
            size = self.sizes.get(id(raw))
            if size is None:
                if isinstance(raw, RawBranches):
                    size = 1 + sum(self.count(path) for path in raw.paths)
                else:
                    size = self.count(raw.nodes)
                self.sizes[id(raw)] = size
            total += size
        return total

    def input_shape(self, node: yaml.Node) -> tuple[int, ...]:
        value = self.value(node)
        if isinstance(value, str):
            return parse_shape(value, self.span(node))
        if isinstance(value, int) and type(value) is int and value > 0:
            return (value,)
        if isinstance(value, list) and value and all(type(v) is int and v >= 0 for v in value) and 0 in value:
            raise SpecError(f"'input' {value} has a zero-size axis: {ZERO_SIZE}", self.span(node),
                            "every size must be 1 or more")
        if not isinstance(value, list) or not all(type(v) is int and v > 0 for v in value):
            raise SpecError(
                f"'input' must be a list of positive sizes, channels first (got {value!r})",
                self.span(node),
                "for example: input: [3, 224, 224]",
            )
        return check_shape(tuple(value), self.span(node))

    def read_defines(self, node: yaml.Node) -> None:
        for name, key_node, body in self.mapping(node, "'define'"):
            if name in CONSTRUCTS or lookup(name) is not None:
                raise SpecError(
                    f"'{name}' is already a layer kind or construct; a defined block needs its own name",
                    self.span(key_node),
                    "rename the block, e.g. 'my_" + name + "'",
                )
            params: dict[str, Any] = {}
            layers = None
            for key, field_key, field_value in self.mapping(body, f"the block '{name}'"):
                if key == "params":
                    params = self.params(field_value)
                elif key == "layers":
                    layers = field_value
                else:
                    raise SpecError(
                        f"unknown key '{key}' in the block '{name}'", self.span(field_key), "a block has params: and layers:"
                    )
            if not isinstance(layers, yaml.SequenceNode) or not layers.value:
                raise SpecError(f"the block '{name}' needs 'layers:' with a list of layers", self.span(key_node))
            self.defines[name] = _Define(name, params, layers, self.span(key_node))

    def params(self, node: yaml.Node) -> dict[str, yaml.Node | None]:
        """`params: [mid, out]` (all required) or `params: {mid: ~, stride: 1}` (null: required)."""
        names: list[tuple[yaml.Node, Any, yaml.Node | None]]
        if isinstance(node, yaml.SequenceNode):
            names = [(item, self.value(item), None) for item in node.value]
        else:
            names = [
                (key_node, key, None if _is_null(value) else value)
                for key, key_node, value in self.mapping(node, "'params'")
            ]
        params: dict[str, yaml.Node | None] = {}
        for where, name, default in names:
            if not isinstance(name, str) or not _PARAM.fullmatch(name):
                raise SpecError(f"a parameter name must be a word (got {name!r})", self.span(where), "e.g. mid, stride")
            params[name] = default
        return params

    def sequence(self, node: yaml.Node, what: str, *, allow_empty: bool = True) -> list[RawNode]:
        if not isinstance(node, yaml.SequenceNode) or not (node.value or allow_empty):
            raise SpecError(f"{what} must be a non-empty list of layers", self.span(node), "start each layer with '- '")
        raws: list[RawNode] = []
        for item in node.value:
            raws.extend(self.node(item))
        return raws

    def node(self, node: yaml.Node) -> list[RawNode]:
        """One list item: a layer, a construct, a block's use, or a repeat (which may stand for many)."""
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                DEPTH.check(self.depth, self.span(node), "this spec")
            return self.item(node)
        finally:
            self.depth -= 1

    def item(self, node: yaml.Node) -> list[RawNode]:
        if isinstance(node, yaml.ScalarNode):
            kind = self.value(node)
            if not isinstance(kind, str):
                raise SpecError(f"a layer must be a kind such as 'relu' (got {kind!r})", self.span(node))
            if kind in self.defines:
                return [self.use(kind, node, None)]
            if kind in CONSTRUCTS:
                raise SpecError(f"'{kind}' needs its layers", self.span(node), CONSTRUCTS[kind].hint)
            return [RawLayer(kind, self.span(node))]
        if not isinstance(node, yaml.MappingNode):
            raise SpecError("a layer must be a kind ('- relu') or a mapping ('- conv: {...}')", self.span(node))
        keys = [self.value(k) if isinstance(k, yaml.ScalarNode) else None for k, _ in node.value]
        if "repeat" in keys:
            return self.repeat(node)
        if len(node.value) != 1:
            listed = ", ".join(str(k) for k in keys)
            raise SpecError(
                f"a layer is a mapping with one key, its kind; got {len(node.value)} keys ({listed})",
                self.span(node),
                "indent the arguments under the kind: '- conv: {out: 6, kernel: 5}'",
            )
        key_node, args_node = node.value[0]
        kind = keys[0]
        if not isinstance(kind, str):
            raise SpecError(f"a layer kind must be a name (got {kind!r})", self.span(key_node))
        if kind in CONSTRUCTS:
            return [self.branches(CONSTRUCTS[kind], key_node, args_node)]
        if kind in self.defines:
            return [self.use(kind, key_node, args_node)]
        return [self.layer(kind, key_node, args_node)]

    def layer(self, kind: str, key_node: yaml.Node, args_node: yaml.Node) -> RawLayer:
        span = self.span
        raw = RawLayer(kind, span(key_node))
        if isinstance(args_node, yaml.MappingNode):
            keywords = raw.keywords
            value = self.value
            for key, arg_key, arg_value in self.mapping(args_node, "the arguments of '{}'", kind):
                if key in _LAYER_KEYS:
                    if key == "name":
                        raw.name, raw.name_span = self.name(arg_value)
                    elif key == "shared":
                        raw.shared, raw.shared_span = self.name(arg_value)
                    else:
                        raw.trainable = self.trainable(arg_value)
                else:
                    keywords[key] = ArgValue(value(arg_value), span(arg_key), span(arg_value))
        elif not (isinstance(args_node, yaml.ScalarNode) and self.value(args_node) is None):
            # `- maxpool: 2` or `- adaptiveavgpool: [6, 6]`: the value is the first positional argument
            raw.positionals.append(ArgValue(self.value(args_node), self.span(args_node), self.span(args_node)))
        return raw

    def trainable(self, node: yaml.Node) -> bool:
        """`trainable: false` freezes a layer, a block's use or a repeat's layers."""
        value = self.value(node)
        if type(value) is not bool:
            raise SpecError(f"'trainable' must be true or false (got {value!r})", self.span(node),
                            "trainable: false freezes the parameters; leave it out to train them")
        return value

    def name(self, node: yaml.Node) -> tuple[str, Span]:
        value = self.value(node)
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise SpecError(f"a name must be a word (got {value!r})", self.span(node))
        return str(value), self.span(node)

    def branches(self, join: Join, key_node: yaml.Node, value: yaml.Node) -> RawBranches:
        """A construct, in its mapping form (`residual: {main, shortcut}`) or its short form, where
        the value stands for its first key (`residual: [...]`, `concat: [[...], ...]`, `gate: [...]`)."""
        kind = join.yaml_key
        span = self.span(key_node)
        name: tuple[str | None, Span | None] = (None, None)
        parts: dict[str, yaml.Node] = {}
        options: dict[str, Any] = {}
        if isinstance(value, yaml.MappingNode):
            for key, part_key, part in self.mapping(value, f"'{kind}'"):
                if key == "name":
                    name = self.name(part)
                elif key in join.options:
                    options[key] = self.value(part)
                elif key in join.keys:
                    parts[key] = part
                else:
                    raise SpecError(f"unknown key '{key}' in '{kind}'", self.span(part_key), join.hint)
            if join.keys[0] not in parts:
                raise SpecError(f"'{kind}' needs '{join.keys[0]}:'", span, join.hint)
        else:
            parts[join.keys[0]] = value
        if not join.listed:
            paths = [
                # the first key's path is required and not empty; the others may be left out (identity)
                self.sequence(parts[key], what, allow_empty=index > 0) if key in parts else []
                for index, (key, what) in enumerate(zip(join.keys, join.path_names))
            ]
            return RawBranches(join.name, paths, join.labels, span, *name)
        listed = parts[join.keys[0]]
        if not isinstance(listed, yaml.SequenceNode) or len(listed.value) < join.min_paths:
            raise SpecError(f"'{kind}' needs a list of two or more branches", self.span(listed), join.hint)
        branch_paths = []
        for branch in listed.value:
            if not isinstance(branch, yaml.SequenceNode):
                raise SpecError(
                    f"each {kind} branch is a list of layers ([] for the input itself)", self.span(branch), join.hint
                )
            branch_paths.append(self.sequence(branch, join.path_names[0]))
        labels = tuple(f"branch{i}" for i in range(1, len(branch_paths) + 1))
        return RawBranches(join.name, branch_paths, labels, span, *name, options)

    def repeat(self, node: yaml.MappingNode) -> list[RawNode]:
        """`- repeat: N` with `layers:`; `first:` replaces the first step (a stage's strided block),
        and `name:` gives each step its own scope (`layer1.0`, `layer1.1`, ...)."""
        parts = {key: (key_node, value) for key, key_node, value in self.mapping(node, "a repeat")}
        for key, (key_node, _) in parts.items():
            if key not in REPEAT_KEYS:
                raise SpecError(
                    f"unknown key '{key}' in a repeat", self.span(key_node), "a repeat has " + ", ".join(REPEAT_KEYS)
                )
        count_node = parts["repeat"][1]
        count = self.value(count_node)
        if type(count) is not int or count < 0:
            raise SpecError(f"'repeat' must be a whole number of times, 0 or more (got {count!r})", self.span(count_node))
        if "layers" not in parts:
            raise SpecError("a repeat needs 'layers:'", self.span(parts["repeat"][0]), "- repeat: 3\n  layers: [...]")
        body = self.sequence(parts["layers"][1], "a repeat's 'layers'", allow_empty=False)
        LAYERS.check(count * self.count(body), self.span(count_node), f"'repeat: {count}'")
        steps = [body] * count
        if "first" in parts and count:
            steps[0] = self.sequence(parts["first"][1], "a repeat's 'first'", allow_empty=False)
        if "trainable" in parts and not self.trainable(parts["trainable"][1]):
            steps = [frozen(step) for step in steps]
        if "name" not in parts:
            return [raw for step in steps for raw in step]
        name, name_span = self.name(parts["name"][1])
        groups: list[RawNode] = []
        for index, step in enumerate(steps):
            if len(step) == 1 and isinstance(step[0], RawGroup) and step[0].name is None:
                groups.append(replace(step[0], name=str(index), name_span=name_span))
            else:
                groups.append(RawGroup("repeat", list(step), name_span, str(index), name_span))
        return [RawGroup("repeat", groups, self.span(parts["repeat"][0]), name, name_span)]

    def use(self, block: str, key_node: yaml.Node, args_node: yaml.Node | None) -> RawGroup:
        """A defined block used like a layer: bind its parameters, then read its body with them."""
        define = self.defines[block]
        span = self.span(key_node)
        if block in self.expanding:
            chain = " → ".join([*self.expanding, block])
            raise SpecError(f"the block '{block}' uses itself ({chain})", span, "a block cannot contain itself")
        group = RawGroup(block, [], span)
        given: dict[str, Any] = {}
        trainable = True
        if args_node is not None and not _is_null(args_node):
            for key, arg_key, arg_value in self.mapping(args_node, f"the parameters of '{block}'"):
                if key == "name":
                    group.name, group.name_span = self.name(arg_value)
                elif key == "shared":
                    group.shared, group.shared_span = self.name(arg_value)
                elif key == "trainable":
                    trainable = self.trainable(arg_value)
                elif key not in define.params:
                    import difflib  # only for a did-you-mean: not loaded on every run
                    close = difflib.get_close_matches(key, define.params, n=1)
                    takes = ", ".join(define.params) or "no parameters"
                    hint = f"did you mean '{close[0]}'?" if close else f"'{block}' takes {takes}"
                    raise SpecError(f"the block '{block}' has no parameter '{key}'", self.span(arg_key), hint)
                else:
                    given[key] = self.value(arg_value)
        missing = [p for p, default in define.params.items() if default is None and p not in given]
        if missing:
            listed = ", ".join(f"'{p}'" for p in missing)
            raise SpecError(
                f"the block '{block}' needs a value for {listed} (no default; the block is defined at line "
                f"{define.span.line})",
                span,
                f"write '{block}: {{{', '.join(f'{p}: ...' for p in missing)}}}'",
            )
        outer = self.env
        self.env = dict(given)
        for param, default in define.params.items():
            if param not in given and default is not None:
                self.env[param] = self.value(default)
        self.expanding.append(block)
        try:
            group.nodes = self.sequence(define.body, f"the block '{block}'", allow_empty=False)
        finally:
            self.env = outer
            self.expanding.pop()
        if not trainable:
            group.nodes = frozen(group.nodes)
        return group


REPEAT_KEYS = ("repeat", "layers", "first", "name", "trainable")
_LAYER_KEYS = frozenset(("name", "shared", "trainable"))  # a layer's own keys, beside its kind's arguments
_ScalarNode = yaml.ScalarNode


def _named(what: str, about: str | None) -> str:
    return what if about is None else what.format(about)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


_PARAM = re.compile(r"[A-Za-z_]\w*")

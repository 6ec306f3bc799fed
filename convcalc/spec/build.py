"""From raw layers (as either front end read them, with spans) to checked `LayerSpec`s.

Both front ends end here, so a layer typed on the command line and the same layer in YAML are
checked by the same code, named by the same rule and compare equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace
from typing import Any

from convcalc.errors import SpecError, collected
from convcalc.layers import lookup, spellings
from convcalc.layers.args import ArgValue, bind_args, canonical_names
from convcalc.layers.keras_names import keras_kind_hint
from convcalc.layers.kind import CompositeKind, LayerKind
from convcalc.layers.registry import Entry, normalize
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.limits import check_digits
from convcalc.network import Branches, Group, LayerSpec, Node, leaves, map_layers
from convcalc.source import Span


@lazy_dataclass(slots=True)
class RawLayer:
    """A layer as written: kind, positional and keyword arguments, optional name, spans."""

    kind: str
    span: Span | None
    positionals: list[ArgValue] = field(default_factory=list)
    keywords: dict[str, ArgValue] = field(default_factory=dict)
    name: str | None = None
    name_span: Span | None = None
    shared: str | None = None
    shared_span: Span | None = None
    trainable: bool = True  # `trainable: false`: its parameters are frozen


@lazy_dataclass(slots=True)
class RawBranches:
    """residual / concat / gate as written; `name` names the join row."""

    join: str  # a registered join's name (convcalc.layers.graph.JOINS)
    paths: list[list[RawNode]]
    labels: tuple[str, ...]
    span: Span | None
    name: str | None = None
    name_span: Span | None = None
    options: dict[str, Any] = field(default_factory=dict)  # a construct's settings (a split's sections)


@lazy_dataclass(slots=True)
class RawGroup:
    """A named scope as written: a defined block's use, or a named repeat and its steps."""

    kind: str
    nodes: list[RawNode]
    span: Span | None
    name: str | None = None
    name_span: Span | None = None
    shared: str | None = None
    shared_span: Span | None = None


RawNode = RawLayer | RawBranches | RawGroup


def build_layer(raw: RawLayer) -> tuple[LayerSpec, str]:
    """Check one raw layer; returns the spec (named later) and its family for auto-naming."""
    entry, instance, arg_spans = check_layer(raw)
    spec = LayerSpec(
        kind=normalize(raw.kind), args=instance, name=raw.name or "", span=raw.span, arg_spans=arg_spans,
        rank=entry.rank, label=entry.display or entry.family,
    )
    return spec, entry.family


def check_layer(raw: RawLayer) -> tuple[Entry, LayerKind | CompositeKind, dict[str, Span]]:
    """Check one raw layer: its kind's registry entry, its checked arguments (the kind's
    dataclass) and the span of each argument's value, by PyTorch name (a new dict)."""
    entry = lookup(raw.kind)
    if entry is None:
        hint = keras_kind_hint(raw.kind, normalize(raw.kind))
        if hint is None:
            import difflib  # only for a did-you-mean: not loaded on every run
            close = difflib.get_close_matches(raw.kind.lower().replace("_", ""), spellings(), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "run 'convcalc kinds' to list every layer kind"
        raise SpecError(f"unknown layer kind '{raw.kind}'", raw.span, hint)
    kind = entry.kind
    label = entry.display or entry.family
    order = kind.positional
    if len(raw.positionals) > len(order):
        extra = raw.positionals[len(order)]
        takes = ", ".join(order) if order else "no positional arguments"
        raise SpecError(
            f"{label} takes {len(order)} positional argument{'s' if len(order) != 1 else ''} ({takes}), "
            f"got {len(raw.positionals)}",
            extra.value_span or raw.span,
            "name the extra ones: key=value",
        )
    args: dict[str, ArgValue] = raw.keywords  # read, never changed, by bind_args
    if raw.positionals:
        args = dict(zip(order, raw.positionals))
        names = canonical_names(kind)
        for key, value in raw.keywords.items():
            if names.get(key) in args:
                raise SpecError(
                    f"'{names[key]}' is given twice (by position and as '{key}')",
                    value.key_span or raw.span,
                    "keep one of them",
                )
            args[key] = value
    instance, arg_spans = bind_args(kind, label, args, raw.span)
    return entry, instance, arg_spans


def build_layers(raws: Sequence[RawNode]) -> tuple[Node, ...]:
    """Check every layer and name every node; the network's top level is the outermost scope.

    Errors of different layers are independent (an unknown kind here, a bad argument there), so
    every layer is checked and all of them are raised together, in file order (`SpecErrors`).
    """
    errors: list[SpecError] = []
    nodes = _Scope("", errors).build(raws)
    if errors:
        raise collected(errors)
    return nodes


class _Scope:
    """One naming scope: the top level, or a group (`layer1.` in `layer1.conv1`).

    Unnamed nodes get stable names, family plus a counter (conv1, relu1, conv2, ...), skipping
    names taken explicitly; a residual's, concat's or gate's paths belong to the enclosing scope,
    so a block's layers read conv1, conv2, conv3 whichever path they sit on. A name is used once
    per scope.
    """

    def __init__(self, prefix: str, errors: list[SpecError]) -> None:
        self.prefix = prefix
        self.errors = errors  # shared by every scope of one spec
        self.taken: set[str] = set()
        self.counters: dict[str, int] = {}

    def build(self, raws: Sequence[RawNode]) -> tuple[Node, ...]:
        self._claim(raws)
        return self._each(raws)

    def _each(self, raws: Sequence[RawNode]) -> tuple[Node, ...]:
        """Every node built; one that fails is recorded and left out (the spec fails as a whole)."""
        built = []
        for raw in raws:
            try:
                built.append(self._node(raw))
            except SpecError as error:
                self.errors.append(error)
        return tuple(built)

    def _claim(self, raws: Sequence[RawNode]) -> None:
        for raw in raws:
            if raw.name is not None:
                if raw.name in self.taken:
                    where = f" in '{self.prefix[:-1]}'" if self.prefix else ""
                    self.errors.append(SpecError(
                        f"layer name '{raw.name}' is used twice{where}",
                        raw.name_span,
                        "give each layer its own name",
                    ))
                if not raw.name or "." in raw.name:
                    self.errors.append(SpecError(
                        f"'{raw.name}' cannot be a name: names are non-empty and have no dots",
                        raw.name_span,
                        "dots join the names of nested blocks; use _ instead",
                    ))
                self.taken.add(raw.name)
            if isinstance(raw, RawBranches):
                for path in raw.paths:
                    self._claim(path)

    def _name(self, explicit: str | None, family: str) -> str:
        if explicit is not None:
            return self.prefix + explicit
        count = self.counters.get(family, 0) + 1
        name = f"{family}{count}"
        while name in self.taken:
            count += 1
            name = f"{family}{count}"
        self.counters[family] = count
        self.taken.add(name)
        return self.prefix + name

    def _node(self, raw: RawNode) -> Node:
        if isinstance(raw, RawLayer):
            entry, instance, spans = check_layer(raw)
            if raw.shared_span is not None:
                spans["shared"] = raw.shared_span  # the dict is this layer's own
            # Built once, named, rather than by build_layer and then dataclasses.replace: once per layer.
            return LayerSpec(
                normalize(raw.kind), instance, self._name(raw.name, entry.family), raw.span, spans, raw.shared,
                entry.rank, entry.display or entry.family, raw.trainable,
            )
        if isinstance(raw, RawBranches):
            paths = tuple(self._each(path) for path in raw.paths)
            options = tuple(raw.options.items())
            return Branches(raw.join, self._name(raw.name, raw.join), paths, raw.labels, raw.span, options)
        name = self._name(raw.name, raw.kind)
        nodes = _Scope(name + ".", self.errors).build(raw.nodes)
        if raw.shared is not None:
            nodes = _share_all(nodes, name, raw.shared, raw.shared_span)
        return Group(raw.kind, name, nodes, raw.span)


def _share_all(nodes: tuple[Node, ...], name: str, target: str, span: Span | None) -> tuple[Node, ...]:
    """`shared: other` on a block: each layer shares the weights of its namesake in `other`."""

    def share(node: LayerSpec) -> LayerSpec:
        if node.shares is not None:
            return node
        spans = {**node.arg_spans, "shared": span} if span else node.arg_spans
        return replace(node, shares=target + node.name[len(name) :], arg_spans=spans)

    return map_layers(nodes, share)


def frozen(raws: Sequence[RawNode]) -> list[RawNode]:
    """`trainable: false` on a block's use or a repeat: every layer inside it frozen (copies; a
    repeat's steps share their raw nodes)."""
    out: list[RawNode] = []
    for raw in raws:
        if isinstance(raw, RawLayer):
            out.append(replace(raw, trainable=False))
        elif isinstance(raw, RawBranches):
            out.append(replace(raw, paths=[frozen(path) for path in raw.paths]))
        else:
            out.append(replace(raw, nodes=frozen(raw.nodes)))
    return out


def parse_shape(text: str, span: Span | None) -> tuple[int, ...]:
    """'3x32x32' -> (3, 32, 32): channels first, then 0 to 3 spatial sizes."""
    check_digits(text, span)
    parts = text.lower().replace("×", "x").split("x")
    if all(p.isascii() and p.isdigit() for p in parts) and "0" in [p.lstrip("0") or "0" for p in parts]:
        raise SpecError(f"input shape {text!r} has a zero-size axis: {ZERO_SIZE}", span, "every size must be 1 or more")
    if not all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts):  # not ¹ or ٣
        raise SpecError(
            f"input shape must be positive sizes joined by 'x', channels first (got {text!r})",
            span,
            "for example 3x32x32 (C x H x W), or 1x28 for a 1-D signal",
        )
    return check_shape(tuple(int(p) for p in parts), span)


ZERO_SIZE = (
    "zero-size dimensions are a deliberate limit of the format (PyTorch allows empty tensors; "
    "there is nothing to count in them)"
)


def check_shape(shape: tuple[int, ...], span: Span | None) -> tuple[int, ...]:
    if len(shape) > 4:
        raise SpecError(
            f"input shape must have 1 to 4 axes (C, then up to 3 spatial), got {len(shape)}: more than three "
            "spatial axes is a deliberate limit of the format (PyTorch has no 4-d conv or pooling either)",
            span,
            "leave out the batch axis: use 'batch:' or --batch for it",
        )
    if not shape:
        raise SpecError("input shape must have 1 to 4 axes (C, then up to 3 spatial), got 0", span)
    return shape


def check_rank_reading(shape: tuple[int, ...], nodes: tuple[Node, ...], input_span: Span | None, *, cli: bool) -> None:
    """Refuse the misreading of a 4-axis input whose leading 1 is a batch axis written by habit.

    (1, 3, 224, 224) is, by the rank rule, one channel of a 3x224x224 volume, so a `conv` (whose
    rank comes from its input) would silently become a 3D convolution. The first layer that takes
    its rank from the input decides: a short form is refused with both readings named; a spelt
    rank (`conv3d`) says the volume is meant and resolves it.
    """
    if len(shape) != 4 or shape[0] != 1:
        return
    for layer in leaves(nodes):
        if not _takes_rank(layer):
            continue
        if layer.rank is not None:
            return
        volume = "x".join(str(n) for n in shape[1:])
        fixed = f"-i {volume}" if cli else "input: [" + ", ".join(str(n) for n in shape[1:]) + "]"
        how = "--batch" if cli else "'batch:' (or --batch)"
        raise SpecError(
            f"the input {'x'.join(str(n) for n in shape)} has a leading 1: {layer.name} ({layer.label}) would read it "
            f"as one channel of a {volume} volume, a {layer.label}3d",
            input_span or layer.span,
            f"if the 1 is a batch axis, leave it out ({fixed}) and give the batch with {how}; "
            f"if it is a single-channel volume, write '{layer.label}3d' to say so",
        )


def _takes_rank(layer: LayerSpec) -> bool:
    """A kind whose rank follows its input: a ranked family (conv, maxpool, batchnorm) or a composite."""
    if isinstance(layer.args, CompositeKind):
        return True
    entry = lookup(layer.args.family + "2d")
    return entry is not None and entry.kind is type(layer.args)

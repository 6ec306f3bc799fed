"""From raw layers (as either front end read them, with spans) to checked `LayerSpec`s.

Both front ends end here, so a layer typed on the command line and the same layer in YAML are
checked by the same code, named by the same rule and compare equal.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from convcalc.errors import SpecError
from convcalc.layers import lookup, spellings
from convcalc.layers.args import ArgValue, bind_args, canonical_names
from convcalc.layers.registry import normalize
from convcalc.network import LayerSpec
from convcalc.source import Span


@dataclass(slots=True)
class RawLayer:
    """A layer as written: kind, positional and keyword arguments, optional name, spans."""

    kind: str
    span: Span | None
    positionals: list[ArgValue] = field(default_factory=list)
    keywords: dict[str, ArgValue] = field(default_factory=dict)
    name: str | None = None
    name_span: Span | None = None


def build_layer(raw: RawLayer) -> tuple[LayerSpec, str]:
    """Check one raw layer; returns the spec (named later) and its family for auto-naming."""
    entry = lookup(raw.kind)
    if entry is None:
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
    spec = LayerSpec(kind=normalize(raw.kind), args=instance, name=raw.name or "", span=raw.span, arg_spans=arg_spans)
    return spec, entry.family


def build_layers(raws: list[RawLayer]) -> tuple[LayerSpec, ...]:
    """Check every layer and give the unnamed ones stable names: conv1, relu1, conv2, ...

    An explicit name may be used once; auto names skip any name taken explicitly.
    """
    taken: dict[str, Span | None] = {}
    for raw in raws:
        if raw.name is not None:
            if raw.name in taken:
                raise SpecError(
                    f"layer name '{raw.name}' is used twice", raw.name_span, "give each layer its own name"
                )
            taken[raw.name] = raw.name_span
    counters: dict[str, int] = {}
    layers = []
    for raw in raws:
        spec, family = build_layer(raw)
        if raw.name is None:
            name = ""
            while not name or name in taken:
                counters[family] = counters.get(family, 0) + 1
                name = f"{family}{counters[family]}"
            taken[name] = None
            spec = LayerSpec(spec.kind, spec.args, name, spec.span, spec.arg_spans)
        layers.append(spec)
    return tuple(layers)


def parse_shape(text: str, span: Span | None) -> tuple[int, ...]:
    """'3x32x32' -> (3, 32, 32): channels first, then 0 to 3 spatial sizes."""
    parts = text.lower().replace("×", "x").split("x")
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise SpecError(
            f"input shape must be positive sizes joined by 'x', channels first (got {text!r})",
            span,
            "for example 3x32x32 (C x H x W), or 1x28 for a 1-D signal",
        )
    return check_shape(tuple(int(p) for p in parts), span)


def check_shape(shape: tuple[int, ...], span: Span | None) -> tuple[int, ...]:
    if not 1 <= len(shape) <= 4:
        raise SpecError(
            f"input shape must have 1 to 4 axes (C, then up to 3 spatial), got {len(shape)}",
            span,
            "leave out the batch axis: use 'batch:' or --batch for it",
        )
    return shape

"""CLI layer strings -> Network.

Grammar (one shell word per layer, so no quoting is needed for ordinary use):

    layer  := KIND [":" arg ("," arg)*]
    arg    := value | NAME "=" value          positionals first, in the kind's order
    value  := INT | FLOAT | true | false | null | WORD | INT ("x" INT)+ | "[" value ("," value)* "]"

`1x7` is a per-axis value (kernel 1 high, 7 wide). Errors point into the layers joined by
spaces, shown as the source `<layers>`.
"""

from __future__ import annotations

import re
from typing import Any

from convcalc.errors import SpecError
from convcalc.layers.args import ArgValue
from convcalc.limits import check_digits
from convcalc.network import Network
from convcalc.source import Source, Span
from convcalc.spec.build import RawLayer, build_layers, check_rank_reading, parse_shape

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_AXES = re.compile(r"\d+(x\d+)+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_value(text: str) -> Any:
    """One CLI value, read the way YAML would read the same characters."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _AXES.fullmatch(lowered):
        return [int(part) for part in lowered.split("x")]
    if text.startswith("[") and text.endswith("]"):
        return [parse_value(part) for _, part in _split(text[1:-1]) if part]
    return text


def _split(text: str) -> list[tuple[int, str]]:
    """Split on commas outside brackets; each piece with its offset in `text`."""
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            pieces.append((start, text[start:i]))
            start = i + 1
    pieces.append((start, text[start:]))
    return pieces


def parse_layer_strings(input_shape: str, layers: list[str], *, batch: int = 1, name: str = "layers") -> Network:
    source = Source("<layers>", " ".join(layers))
    shape = parse_shape(input_shape, None)
    raws, column = [], 1
    for token in layers:
        raws.append(_parse_layer(token, source, column))
        column += len(token) + 1
    if not raws:
        raise SpecError("no layers given", hint="for example: convcalc summary -i 3x32x32 conv:10,5,p=2 relu")
    nodes = build_layers(raws)
    check_rank_reading(shape, nodes, None, cli=True)
    return Network(name, shape, nodes, batch)


def _parse_layer(token: str, source: Source, column: int) -> RawLayer:
    kind, _, rest = token.partition(":")
    raw = RawLayer(kind, Span(source, 1, column, max(1, len(kind))))
    if not kind:
        raise SpecError("a layer string starts with its kind, e.g. conv:10,5", raw.span)
    if not rest:
        return raw
    base = column + len(kind) + 1
    for offset, piece in _split(rest):
        at = base + offset
        if not piece:
            raise SpecError("empty argument (two commas in a row?)", Span(source, 1, at), "remove the extra comma")
        key, eq, text = piece.partition("=")
        if not eq:
            if raw.keywords or raw.name is not None:
                raise SpecError(
                    f"positional argument '{piece}' after a key=value argument",
                    Span(source, 1, at, len(piece)),
                    "put positional arguments first, or name this one",
                )
            check_digits(piece, Span(source, 1, at, len(piece)))
            raw.positionals.append(ArgValue(parse_value(piece), None, Span(source, 1, at, len(piece))))
            continue
        key_span = Span(source, 1, at, max(1, len(key)))
        value_span = Span(source, 1, at + len(key) + 1, max(1, len(text)))
        if not _NAME.fullmatch(key):
            raise SpecError(f"'{key}' is not an argument name", key_span, "write key=value, e.g. stride=2")
        if key == "name":
            raw.name, raw.name_span = text, value_span
        elif key == "shared":
            raw.shared, raw.shared_span = text, value_span
        elif key == "trainable":
            flag = parse_value(text)
            if type(flag) is not bool:
                raise SpecError(f"'trainable' must be true or false (got {text!r})", value_span,
                                "trainable=false freezes the parameters")
            raw.trainable = flag
        elif key in raw.keywords:
            raise SpecError(f"'{key}' is given twice", key_span, "keep one")
        else:
            check_digits(text, value_span)
            raw.keywords[key] = ArgValue(parse_value(text), key_span, value_span)
    return raw

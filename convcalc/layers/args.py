"""Layer arguments: how a kind declares them, and the one validator that checks them all.

A kind's arguments are the fields of its frozen dataclass, named as PyTorch names them, each
declared with `arg(check, default, aliases=...)`. `bind_args` reads `dataclasses.fields`, so
every kind reports a bad argument in the same words:
`'stride' must be a positive integer or one per axis (got 0)`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

from convcalc.errors import SpecError, collected
from convcalc.layers.keras_names import keras_argument_hint
from convcalc.layers.kind import CompositeKind, KindBase, LayerKind
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.source import Span

PADDING_MODES = ("same", "valid", "tf_same", "same_upper", "same_lower")

# What a checked argument holds, as the kinds' fields declare it.
Axes = int | tuple[int, ...]  # one value for every spatial axis, or one per axis
OptionalAxes = Axes | None
Padding = int | str | tuple[int, ...] | tuple[tuple[int, int], ...]  # a size, a mode, per axis, or pairs
OutputSize = int | None | tuple[int | None, ...]  # adaptive pooling: None keeps that axis
Scale = float | tuple[float, ...] | None


class ArgProblem(Exception):
    """Raised by a check: the value is not of the expected form (with a reason, when there is more to say)."""


NEGATIVE_PADDING = (
    "negative padding (cropping, which F.pad allows) is a deliberate limit of the format; use crop instead"
)


def _refuse_negative(value: Any) -> None:
    if type(value) is int:  # one size (the common case)
        if value < 0:
            raise ArgProblem(NEGATIVE_PADDING)
        return
    flat = value if isinstance(value, (list, tuple)) else [value]
    for item in flat:
        inner = item if isinstance(item, (list, tuple)) else [item]
        if any(type(v) is int and v < 0 for v in inner):
            raise ArgProblem(NEGATIVE_PADDING)


@lazy_dataclass(frozen=True, slots=True)
class Check:
    """A named expectation ("a positive integer") and the function that enforces it."""

    expectation: str
    convert: Callable[[Any], Any]

    def __call__(self, value: Any) -> Any:
        return self.convert(value)


def _int_at_least(low: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if type(value) is not int or value < low:  # bool is an int subclass; True is not a kernel size
            raise ArgProblem
        return int(value)

    return convert


def _axes(item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One value for every axis, or a list with one per axis (checked against the rank later)."""

    def convert(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if not value:
                raise ArgProblem
            return tuple([item(v) for v in value])
        return item(value)

    return convert


_nonnegative = _int_at_least(0)  # made once: a converter made per call would cost more than the check
_nonnegative_axes = _axes(_nonnegative)
_any_int = _int_at_least(-(2**63))


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise ArgProblem
    return value


def _number(value: Any) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):  # .inf and .nan are no sizes or rates
        raise ArgProblem
    return float(value)


def _probability(value: Any) -> float:
    number = _number(value)
    if not 0.0 <= number <= 1.0:
        raise ArgProblem
    return number


def _optional(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else inner(value)


def _padding(value: Any) -> Any:
    if type(value) is int:  # one size on every side (the common case)
        if value < 0:
            raise ArgProblem(NEGATIVE_PADDING)
        return value
    _refuse_negative(value)
    if isinstance(value, str):
        if value.lower() not in PADDING_MODES:
            raise ArgProblem
        return value.lower()
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple)) for v in value):
        pairs = tuple(tuple(_nonnegative(v) for v in pair) for pair in value)
        if any(len(pair) != 2 for pair in pairs):
            raise ArgProblem
        return pairs
    return _nonnegative_axes(value)


def _choice(*options: str) -> Check:
    def convert(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            raise ArgProblem
        return value.lower()

    return Check("one of " + ", ".join(repr(o) for o in options), convert)


positive_int = Check("a positive integer", _int_at_least(1))


def _int_list(value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ArgProblem
    return tuple([_any_int(v) for v in value])


int_list = Check("a list of integers", _int_list)
nonnegative_int = Check("a non-negative integer", _int_at_least(0))
any_int = Check("an integer", _any_int)
positive_axes = Check("a positive integer or one per axis", _axes(_int_at_least(1)))
nonnegative_axes = Check("a non-negative integer or one per axis", _axes(_int_at_least(0)))
optional_positive_int = Check("a positive integer", _optional(_int_at_least(1)))
optional_positive_axes = Check("a positive integer or one per axis", _optional(_axes(_int_at_least(1))))
output_size = Check(
    "a positive integer, or one per axis (null keeps that axis)",
    _axes(_optional(_int_at_least(1))),
)
boolean = Check("true or false", _boolean)
number = Check("a number", _number)
probability = Check("a number between 0 and 1", _probability)
padding = Check(
    "a non-negative integer, one per axis, [before, after] pairs per axis, "
    "or one of 'same', 'valid', 'tf_same', 'same_upper', 'same_lower'",
    _padding,
)
SAME_MODES = ("tf_same", "same_upper", "same_lower")


def _pool_padding(value: Any) -> Any:
    _refuse_negative(value)
    if isinstance(value, str):
        if value.lower() not in ("valid", *SAME_MODES):
            raise ArgProblem
        return value.lower()
    return _nonnegative_axes(value)


def _pad_sizes(value: Any) -> Any:
    _refuse_negative(value)
    if isinstance(value, (list, tuple)):
        if not value or len(value) % 2:
            raise ArgProblem("one (before, after) pair per padded axis, last axis first")
        return tuple([_nonnegative(v) for v in value])
    return _nonnegative(value)


pad_sizes = Check(
    "a non-negative integer, or [left, right, top, bottom, front, back] pairs (last axis first, as PyTorch)",
    _pad_sizes,
)


pool_padding = Check(
    "a non-negative integer or one per axis, or one of 'valid', 'tf_same', 'same_upper', 'same_lower'",
    _pool_padding,
)
positive_number = Check("a positive number", lambda v: _positive_number(v))
approximate = _choice("none", "tanh")
stochastic_depth_mode = _choice("row", "batch")
UPSAMPLE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear")
upsample_mode = _choice(*UPSAMPLE_MODES)
optional_boolean = Check("true or false", _optional(_boolean))


def _positive_number(value: Any) -> float:
    number = _number(value)
    if number <= 0:
        raise ArgProblem
    return number


optional_scale = Check("a positive number or one per axis", _optional(_axes(_positive_number)))

REQUIRED: Any = dataclasses.MISSING


def arg(check: Check, default: Any = REQUIRED, *, aliases: tuple[str, ...] = (), doc: str = "") -> Any:
    """Declare one argument of a layer kind: its check, default, short aliases and meaning."""
    return dataclasses.field(default=default, metadata={"check": check, "aliases": aliases, "doc": doc})


@lazy_dataclass(frozen=True, slots=True)
class ArgValue:
    """A raw argument as written, with the spans of its key and its value."""

    value: Any
    key_span: Span | None = None
    value_span: Span | None = None


def canonical_names(kind: type[KindBase]) -> dict[str, str]:
    """Every accepted spelling of every argument (PyTorch name and aliases) -> PyTorch name.

    Worked out once per kind (a class's fields do not change); callers must not modify it.
    """
    names = _NAMES.get(kind)
    if names is None:
        names = {}
        for f in dataclasses.fields(kind):  # type: ignore[arg-type]  # every registered kind is a dataclass
            names[f.name] = f.name
            for alias in f.metadata.get("aliases", ()):
                names[alias] = f.name
        _NAMES[kind] = names
    return names


@lazy_dataclass(frozen=True, slots=True)
class _Declared:
    """What `bind_args` reads of a kind's fields, worked out once per kind (a class's fields do
    not change): each argument's check by PyTorch name, and the fields without a default."""

    checks: dict[str, Check]
    required: tuple[dataclasses.Field[Any], ...]


def _declared(kind: type[KindBase]) -> _Declared:
    found = _DECLARED.get(kind)
    if found is None:
        fields = dataclasses.fields(kind)  # type: ignore[arg-type]  # every registered kind is a dataclass
        found = _DECLARED[kind] = _Declared(
            {f.name: f.metadata["check"] for f in fields},
            tuple(f for f in fields if f.default is dataclasses.MISSING),
        )
    return found


_NAMES: dict[type[KindBase], dict[str, str]] = {}
_DECLARED: dict[type[KindBase], _Declared] = {}


def describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


def _unknown_argument(
    key: str, raw: ArgValue, kind: type[KindBase], label: str, names: dict[str, str], span: Span | None
) -> SpecError:
    """'conv has no argument 'strid'' with a did-you-mean, or the PyTorch name of a Keras argument."""
    hint = keras_argument_hint(key, names)
    if hint is None:
        import difflib  # only for a did-you-mean: not loaded on every run
        close = difflib.get_close_matches(key, list(names), n=1)
        accepted = ", ".join(f.name for f in dataclasses.fields(kind)) or "none"  # type: ignore[arg-type]  # kinds are dataclasses
        hint = f"did you mean '{close[0]}'?" if close else f"{label} accepts: {accepted}"
    return SpecError(f"{label} has no argument '{key}'", raw.key_span or span, hint)


def bind_args(
    kind: type[LayerKind | CompositeKind], label: str, args: Mapping[str, ArgValue], span: Span | None
) -> tuple[LayerKind | CompositeKind, dict[str, Span]]:
    """Check raw arguments against a kind's fields and build the kind's dataclass.

    Returns the instance and, for each PyTorch argument name, the span of its value.
    """
    declared = _declared(kind)
    if not args and not declared.required:  # `- relu`, `- batchnorm`: nothing given, nothing missing
        return kind(), {}
    names = canonical_names(kind)
    checks = declared.checks
    values: dict[str, Any] = {}
    spans: dict[str, Span] = {}
    problems: list[SpecError] = []  # independent of each other: all are reported in one run
    unknown = False
    for key, raw in args.items():
        name = names.get(key)
        if name is None:
            unknown = True
            problems.append(_unknown_argument(key, raw, kind, label, names, span))
            continue
        if name in values:
            problems.append(SpecError(
                f"'{name}' is given twice (as '{key}' and an alias)", raw.key_span or span,
                "keep one spelling",
            ))
            continue
        check = checks[name]
        try:
            values[name] = check.convert(raw.value)
        except ArgProblem as problem:
            reason = f": {problem.args[0]}" if problem.args else ""
            values[name] = None  # given, though wrong: not also reported as missing
            problems.append(SpecError(
                f"{label}: '{name}' must be {check.expectation} (got {describe(raw.value)}){reason}",
                raw.value_span or raw.key_span or span,
                "true and false are not numbers; write an integer" if isinstance(raw.value, bool) else None,
            ))
        if raw.value_span is not None:
            spans[name] = raw.value_span
    for f in declared.required:
        # after an unknown argument a missing one is most likely that one misspelt: said once
        if f.name not in values and not unknown:
            aliases = f.metadata.get("aliases", ())
            also = f" (or '{aliases[0]}')" if aliases else ""
            problems.append(SpecError(f"{label} needs '{f.name}'{also}", span, f"example: {kind.example}"))
    if problems:
        raise collected(problems)
    return kind(**values), spans

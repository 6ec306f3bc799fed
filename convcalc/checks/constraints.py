"""Constraints: what a spec must stay within, read from its `constraints:` section, a budget file
(`--budget-file`, the same keys at its top level) and flags, each limit with the place it was
written so a violation can point there.

```yaml
constraints:
  max_params: 25M                 # counts: 25M, 4.1G, 1.5e9, 25_557_032
  max_training_memory: 2GiB       # bytes: 2GiB (binary), 2G / 2GB (decimal)
  dtype: float16                  # settings the memory limits are measured with
  batch: 32
  optimizer: adam
  output: [1000]                  # per sample, without the batch axis
  min_receptive_field: 200        # at the output: the last layer with a spatial layout
  max_layers: 60
  layers:                         # per named layer, or per block (`layer3`, `layer3.1`)
    conv5: {output: [256, 13, 13], min_receptive_field: 128, max_params: 1M}
```

Later sources override earlier ones, key by key: the spec, then the budget file, then flags.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from convcalc.checks.amounts import BYTES_EXPECTATION, COUNT_EXPECTATION, BadAmount, parse_amount
from convcalc.engine.memory import DTYPE_BYTES, OPTIMIZER_STATES
from convcalc.errors import SpecError, UsageError
from convcalc.source import Source, Span
from convcalc.spec.yaml_guard import spans_in

LimitValue = int | tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Key:
    """One constraint key: how its value is written (`unit`), what it limits, and whether it may
    also be given per layer."""

    name: str
    unit: str  # count | bytes | shape | rf
    doc: str
    per_layer: bool = False


KEYS: dict[str, Key] = {
    key.name: key
    for key in (
        Key("max_params", "count", "parameters (weights and biases; buffers are not parameters)", per_layer=True),
        Key("max_trainable_params", "count", "trainable parameters"),
        Key("max_macs", "count", "multiply-accumulates for the whole batch", per_layer=True),
        Key("max_flops", "count", "FLOPs = 2·MACs for the whole batch", per_layer=True),
        Key("max_param_memory", "bytes", "(parameters + buffers) × the dtype's size"),
        Key("max_activation_memory", "bytes", "every layer's output for the whole batch × the dtype's size"),
        Key("max_training_memory", "bytes", "the training estimate: weights, gradients, optimizer state, activations"),
        Key("output", "shape", "the output shape per sample, without the batch axis: [1000]", per_layer=True),
        Key(
            "min_receptive_field", "rf",
            "the smallest receptive field allowed (one size, or one per axis); at the network level it is "
            "measured at the last layer with a spatial layout", per_layer=True,
        ),
        Key("max_layers", "count", "rows of the table, joins (add, concat, mul) not counted"),
    )
}
SETTINGS: dict[str, tuple[str, ...] | None] = {
    "dtype": tuple(DTYPE_BYTES),
    "optimizer": tuple(OPTIMIZER_STATES),
    "batch": None,  # a positive integer
}
EXPECTATIONS = {
    "count": COUNT_EXPECTATION,
    "bytes": BYTES_EXPECTATION,
    "shape": "a shape without the batch axis, such as [1000] or [256, 13, 13] (or 256x13x13)",
    "rf": "a positive size, or one per spatial axis, such as 128 or [128, 96]",
}


@dataclass(frozen=True, slots=True)
class Limit:
    """One constraint: its key, its value, the layer it is about (None: the network), where it
    was written (None for a flag) and which source gave it."""

    key: str
    value: LimitValue
    layer: str | None = None
    span: Span | None = field(default=None, compare=False)
    origin: str = "spec"  # spec | budget file | flag

    @property
    def label(self) -> str:
        """How messages name it: `max_params`, `layers.conv5.output`."""
        return self.key if self.layer is None else f"layers.{self.layer}.{self.key}"


@dataclass(frozen=True, slots=True)
class Constraints:
    """Limits and the settings they are measured with (None: the spec's or the default)."""

    limits: tuple[Limit, ...] = ()
    dtype: str | None = None
    batch: int | None = None
    optimizer: str | None = None

    def then(self, later: Constraints) -> Constraints:
        """These constraints with `later`'s on top: a limit on the same key and layer, or a setting, is replaced."""
        replaced = {(limit.key, limit.layer) for limit in later.limits}
        kept = tuple(limit for limit in self.limits if (limit.key, limit.layer) not in replaced)
        return Constraints(
            kept + later.limits,
            later.dtype or self.dtype,
            later.batch or self.batch,
            later.optimizer or self.optimizer,
        )


def parse_value(key: str, value: Any) -> LimitValue:
    """A limit's value as data; `BadAmount` when it is not of the key's form (`EXPECTATIONS`)."""
    unit = KEYS[key].unit
    if unit in ("count", "bytes"):
        return parse_amount(value, unit=unit)
    if isinstance(value, str):
        parts = value.lower().split("x")
        if not all(part.strip().isascii() and part.strip().isdigit() and len(part.strip()) <= 18 for part in parts):
            raise BadAmount
        value = [int(part) for part in parts]
    if type(value) is int:
        value = [value]
    if not isinstance(value, list) or not value or not all(type(v) is int and v > 0 for v in value):
        raise BadAmount
    return tuple(value)


def _setting(key: str, value: Any) -> str | int:
    choices = SETTINGS[key]
    if choices is None:
        if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 18:
            value = int(value)
        if type(value) is not int or value < 1:
            raise BadAmount
        return value
    if not isinstance(value, str) or value.lower() not in choices:
        raise BadAmount
    return value.lower()


def _setting_expectation(key: str) -> str:
    choices = SETTINGS[key]
    return "a positive integer" if choices is None else "one of " + ", ".join(choices)


class _Section:
    """Reads one constraints mapping from composed YAML nodes, keeping each value's span."""

    def __init__(self, source: Source, origin: str) -> None:
        self.source = source
        self.origin = origin
        self.scalars = yaml.constructor.SafeConstructor()
        self.span: Callable[[yaml.Node], Span] = spans_in(source)

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalars.construct_object(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        return {str(self.value(k)): self.value(v) for k, v in node.value}

    def items(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise SpecError(f"{what} must be a mapping of keys to values", self.span(node), "max_params: 25M")
        found = []
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise SpecError(f"keys in {what} must be names (got {key!r})", self.span(key_node))
            found.append((key, key_node, value_node))
        return found

    def unknown(self, key: str, key_node: yaml.Node, allowed: list[str], what: str) -> SpecError:
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"{what} takes: " + ", ".join(allowed)
        return SpecError(f"unknown constraint '{key}' in {what}", self.span(key_node), hint)

    def limit(self, key: str, node: yaml.Node, layer: str | None) -> Limit:
        raw = self.value(node)
        try:
            value = parse_value(key, raw)
        except BadAmount:
            where = key if layer is None else f"layers.{layer}.{key}"
            raise SpecError(
                f"'{where}' must be {EXPECTATIONS[KEYS[key].unit]} (got {raw!r})", self.span(node)
            ) from None
        return Limit(key, value, layer, self.span(node), self.origin)

    def read(self, node: yaml.Node, what: str) -> Constraints:
        limits: list[Limit] = []
        settings: dict[str, Any] = {}
        allowed = [*KEYS, *SETTINGS, "layers"]
        for key, key_node, value_node in self.items(node, what):
            if key in KEYS:
                limits.append(self.limit(key, value_node, None))
            elif key in SETTINGS:
                try:
                    settings[key] = _setting(key, self.value(value_node))
                except BadAmount:
                    got = self.value(value_node)
                    raise SpecError(
                        f"'{key}' must be {_setting_expectation(key)} (got {got!r})", self.span(value_node)
                    ) from None
            elif key == "layers":
                limits.extend(self.layers(value_node))
            else:
                raise self.unknown(key, key_node, allowed, what)
        return Constraints(tuple(limits), settings.get("dtype"), settings.get("batch"), settings.get("optimizer"))

    def layers(self, node: yaml.Node) -> list[Limit]:
        limits = []
        allowed = [name for name, key in KEYS.items() if key.per_layer]
        for layer, _, body in self.items(node, "'constraints.layers'"):
            for key, key_node, value_node in self.items(body, f"the constraints of '{layer}'"):
                if key not in allowed:
                    raise self.unknown(key, key_node, allowed, f"the constraints of layer '{layer}'")
                limits.append(self.limit(key, value_node, layer))
        return limits


def spec_constraints(root: yaml.Node | None, source: Source) -> Constraints:
    """The `constraints:` section of a composed spec (empty when it has none)."""
    if not isinstance(root, yaml.MappingNode):
        return Constraints()
    for key_node, value_node in root.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "constraints":
            return _Section(source, "spec").read(value_node, "'constraints'")
    return Constraints()


def load_budget(path: str | Path) -> Constraints:
    """A budget file: the keys of a `constraints:` section at its top level."""
    from convcalc.spec.from_yaml import Loader
    from convcalc.spec.yaml_guard import compose_checked, read_source

    source = read_source(str(path), "budget")
    root = compose_checked(source.text, source, Loader)
    if root is None:
        raise SpecError(f"{path}: the budget file is empty", hint="max_params: 25M")
    return _Section(source, "budget file").read(root, "the budget file")


def from_flags(values: dict[str, Any]) -> Constraints:
    """Limits and settings given as flags (`--max-params 25M`); None means not given."""
    limits = []
    settings: dict[str, Any] = {}
    for key, raw in values.items():
        if raw is None:
            continue
        flag = "--" + key.replace("_", "-")
        try:
            if key in SETTINGS:
                settings[key] = _setting(key, raw)
            else:
                limits.append(Limit(key, parse_value(key, raw), None, None, "flag"))
        except BadAmount:
            expected = _setting_expectation(key) if key in SETTINGS else EXPECTATIONS[KEYS[key].unit]
            raise UsageError(f"{flag} must be {expected} (got {raw!r})") from None
    return Constraints(tuple(limits), settings.get("dtype"), settings.get("batch"), settings.get("optimizer"))

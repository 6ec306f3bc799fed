"""The parsed network: what both front ends (YAML, CLI layer strings) produce and the engine reads.

Spans ride along for error messages but are left out of equality, so the same network typed two
ways compares equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from convcalc.source import Span


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """One layer: its kind as spelled (normalised), its checked arguments, its name."""

    kind: str
    args: Any  # the kind's frozen dataclass, already validated
    name: str
    span: Span | None = field(default=None, compare=False)
    arg_spans: Mapping[str, Span] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Network:
    """A network spec: per-sample input shape (C, *spatial) and its layers in order."""

    name: str
    input_shape: tuple[int, ...]
    layers: tuple[LayerSpec, ...]
    batch: int = 1
    span: Span | None = field(default=None, compare=False)

"""What the commands read: a network from a spec file or from layer strings, and YAML mapping
files (quiz keys, answer files). Every problem is a `ConvcalcError` that points at the file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from convcalc.errors import SpecError, UsageError
from convcalc.network import Network
from convcalc.source import Source, Span
from convcalc.spec.from_cli import parse_layer_strings
from convcalc.spec.from_yaml import load_spec, yaml_error


def read_network(items: Sequence[str], input_shape: str | None = None, batch: int | None = None) -> Network:
    """One spec file, or (with an input shape such as 3x32x32) layer strings."""
    if input_shape is not None:
        return parse_layer_strings(input_shape, list(items), batch=batch or 1)
    if len(items) != 1 or (":" in items[0] and not Path(items[0]).exists()):
        raise UsageError(
            "give one spec file, or layer strings with an input shape",
            hint="convcalc summary net.yaml   or   convcalc summary -i 3x32x32 conv:10,5,p=2 relu",
        )
    if items[0].lower().endswith(".onnx"):  # an ONNX graph reads as the spec `convcalc import onnx` writes
        from convcalc.interop.from_onnx import read_onnx

        return read_onnx(items[0])
    return load_spec(items[0])


def read_yaml_mapping(path: str, what: str) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (question id: answer); errors point at the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or problem
        raise SpecError(f"cannot read {what} file '{path}': {reason}", hint="check the path") from None
    source = Source(path, text)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        raise yaml_error(problem, source) from None
    if not isinstance(data, dict):
        raise SpecError(f"the {what} file must be a mapping (question id: answer)", Span(source, 1, 1), "q1: 5")
    return data

"""The JSON report: the stable contract in DESIGN.md (keys are only ever added)."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from convcalc.engine.report import LayerResult, Report
from convcalc.errors import Diagnostic
from convcalc.render.numbers import json_number


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "layer": d.layer,
        "location": str(d.span) if d.span else None,
    }


def _layer(layer: LayerResult) -> dict[str, Any]:
    rf = layer.receptive_field
    field: dict[str, Any] | None = None
    if rf is not None:
        field = {key: [json_number(getattr(axis, key)) for axis in rf] for key in ("size", "jump", "start", "center")}
        field["nominal"] = layer.rf_nominal
    return {
        "index": layer.index,
        "name": layer.name,
        "kind": layer.kind,
        "path": layer.path,
        "input_shape": list(layer.input_shape),
        "output_shape": list(layer.output_shape),
        "params": layer.params,
        "trainable_params": layer.trainable_params,
        "buffers": layer.buffers,
        "macs": layer.macs,
        "activations": layer.activations,
        "receptive_field": field,
        "warnings": [_diagnostic(d) for d in layer.diagnostics],
        "shares": layer.shares,
        "groups": [group.name for group in layer.groups],
    }


def report_dict(report: Report) -> dict[str, Any]:
    t = report.totals
    return {
        "name": report.name,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
        "batch": report.batch,
        "dtype": report.dtype,
        "layers": [_layer(layer) for layer in report.layers],
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable_params,
            "buffers": t.buffers,
            "macs": t.macs,
            "flops": t.flops,
            "param_bytes": t.param_bytes,
            "buffer_bytes": t.buffer_bytes,
            "activation_bytes": t.activation_bytes,
            "input_bytes": t.input_bytes,
            "training_bytes": t.training_bytes,
            "optimizer": report.optimizer,
        },
        "warnings": [_diagnostic(d) for d in report.diagnostics],
    }


def to_json(report: Report) -> str:
    return dumps(report_dict(report)) + "\n"


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, byte for byte, about three times faster.

    The standard library gives up its C encoder as soon as `indent` is set, and its Python
    encoder (generators, one chunk per token) was the largest single cost of `--format json`
    on a large report. Only what a report holds is handled here (dicts with string keys, lists,
    strings, ints, finite floats, bools, None); anything else takes the standard path.
    """
    try:
        return _encode(value, "\n")
    except _Unusual:
        return json.dumps(value, indent=2, ensure_ascii=False)


class _Unusual(Exception):
    """A value the fast path does not write the way `json.dumps` would (non-str keys, nan, ...)."""


_FLOAT_LIMIT = float("inf")


def _encode(value: Any, newline: str) -> str:
    """`value` as indented JSON; `newline` is a newline followed by the current indentation."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            parts.append(f"{encode_basestring(key)}: {_encode(item, inner)}")
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list:
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join([_encode(item, inner) for item in value]) + newline + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is float and -_FLOAT_LIMIT < value < _FLOAT_LIMIT:
        return float.__repr__(value)
    raise _Unusual

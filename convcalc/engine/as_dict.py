"""A report as plain JSON-ready data: the stable contract of DESIGN.md (keys are only ever added).

`Report.to_dict()` and the JSON renderer both use it, so the Python API and `--format json`
can never disagree. Fractions (receptive fields after transposed convs) become floats, whole
numbers stay ints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convcalc.engine.collector import collector_paused
from convcalc.formats import json_number

if TYPE_CHECKING:
    from convcalc.engine.report import LayerResult, Report
    from convcalc.errors import Diagnostic


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "layer": d.layer,
        "location": str(d.span) if d.span else None,
    }


def layer_dict(layer: LayerResult) -> dict[str, Any]:
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
        "warnings": [diagnostic_dict(d) for d in layer.diagnostics],
        "shares": layer.shares,
        "groups": [group.name for group in layer.groups],
    }


def report_dict(report: Report) -> dict[str, Any]:
    with collector_paused():  # a dict and lists per row: without it, full collections walk them again and again
        return _report_dict(report)


def _report_dict(report: Report) -> dict[str, Any]:
    t = report.totals
    return {
        "name": report.name,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
        "batch": report.batch,
        "dtype": report.dtype,
        "layers": [layer_dict(layer) for layer in report.layers],
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
        "warnings": [diagnostic_dict(d) for d in report.diagnostics],
    }

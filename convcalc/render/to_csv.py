"""CSV: one row per layer, machine-friendly (no thousands separators, shapes as 1x64x55x55)."""

from __future__ import annotations

import csv
import io

from convcalc.engine.report import Report
from convcalc.formats import rf_text, shape_text

COLUMNS = (
    "index", "name", "kind", "path", "output_shape", "params", "trainable_params", "buffers",
    "macs", "activations", "rf_size", "rf_jump", "rf_start", "rf_center", "warnings", "rf_nominal",
)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for layer in report.layers:
        rf = layer.receptive_field
        writer.writerow(
            (
                layer.index, layer.name, layer.kind, layer.path, shape_text(layer.output_shape), layer.params,
                layer.trainable_params, layer.buffers, layer.macs, layer.activations,
                *(rf_text(rf, key) if rf is not None else "" for key in ("size", "jump", "start", "center")),
                " | ".join(d.message for d in layer.diagnostics),
                "true" if layer.rf_nominal else "false",
            )
        )
    return out.getvalue()

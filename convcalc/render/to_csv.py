"""CSV: one row per layer and a totals row, machine-friendly: no thousands separators, shapes as
1x64x55x55, fractions as decimals (a spreadsheet reads `1/2` as a date). Columns are only ever
added, at the end."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from convcalc.engine.report import Report
from convcalc.formats import rf_text, shape_text

COLUMNS = (
    "index", "name", "kind", "path", "output_shape", "params", "trainable_params", "buffers",
    "macs", "activations", "rf_size", "rf_jump", "rf_start", "rf_center", "warnings", "rf_nominal", "input_shape",
)
TOTAL = "total"  # the index cell of the last row, which sums params, buffers and MACs


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_rows(report))
    return out.getvalue()


def to_csv_many(reports: list[Report]) -> str:
    """Several specs in one CSV: the same columns after `network`, the spec's name."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("network", *COLUMNS))
    for report in reports:
        writer.writerows((report.name, *row) for row in _rows(report))
    return out.getvalue()


def _rows(report: Report) -> Iterator[tuple[object, ...]]:
    for layer in report.layers:
        rf = layer.receptive_field
        yield (
            layer.index, layer.name, layer.kind, layer.path, shape_text(layer.output_shape), layer.params,
            layer.trainable_params, layer.buffers, layer.macs, layer.activations,
            *(rf_text(rf, key, places=6, empty="") for key in ("size", "jump", "start", "center")),
            " | ".join(d.message for d in layer.diagnostics),
            "true" if layer.rf_nominal else "false",
            shape_text(layer.input_shape),
        )
    t = report.totals
    yield (
        TOTAL, "", "", "", shape_text(report.output_shape), t.params, t.trainable_params, t.buffers, t.macs, "",
        "", "", "", "", "", "", shape_text(report.input_shape),
    )

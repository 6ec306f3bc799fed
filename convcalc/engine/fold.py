"""`--depth N`: show N levels of nesting and fold deeper groups into one row, as torchinfo's depth does.

Depth 1 is the top level only (`layer1`), depth 2 adds the level below (`layer1.0`), and so on.

A folded row is its group: the group's name and kind (the block's name, or `repeat`), the output
of its last row, and the sums of its rows' parameters, buffers, MACs and activations. Totals are
the report's own, so folding never changes them.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from convcalc.engine.report import LayerResult, Report


def fold(report: Report, depth: int) -> Report:
    """The report with the rows of every group at nesting level `depth` merged into that group's row."""
    level = depth - 1
    rows: list[LayerResult] = []
    for key, run in groupby(report.layers, key=lambda row: row.groups[level].name if len(row.groups) > level else None):
        members = list(run)
        if key is None:
            rows.extend(replace(row, index=len(rows) + 1) for row in members)
            continue
        group, last = members[0].groups[level], members[-1]
        rows.append(
            LayerResult(
                index=len(rows) + 1,
                name=group.name,
                kind=group.kind,
                path=group.path,
                output_shape=last.output_shape,
                params=sum(row.params for row in members),
                trainable_params=sum(row.trainable_params for row in members),
                buffers=sum(row.buffers for row in members),
                macs=sum(row.macs for row in members),
                activations=sum(row.activations for row in members),
                receptive_field=last.receptive_field,
                rf_nominal=last.rf_nominal,  # a deformable conv inside keeps the folded row's field nominal
                rf_layout=last.rf_layout,
                diagnostics=tuple(d for row in members for d in row.diagnostics),
                span=group.span,
                groups=last.groups[:level],
                input_shape=members[0].input_shape,
                input_from=members[0].input_from,
            )
        )
    return replace(report, layers=tuple(rows))


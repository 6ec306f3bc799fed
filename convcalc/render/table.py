"""The Rich table: the main job of `convcalc summary`."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from convcalc.engine.report import Report
from convcalc.render.summary import CONVENTIONS, HEADERS, NUMERIC, layer_cells, total_lines, warned


def to_table(report: Report) -> RenderableType:
    table = Table(title=report.name, box=box.SIMPLE_HEAD)
    for header in HEADERS:
        table.add_column(header, justify="right" if header in NUMERIC else "left", no_wrap=header != "name")
    for layer in report.layers:
        table.add_row(*layer_cells(layer), style="yellow" if warned(layer) else None)
    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column()
    for label, value in total_lines(report):
        totals.add_row(label, value)
    # The diagnostics themselves go to stderr with their file:line:col, as in every format
    # (`render.dispatch.diagnostic_lines`); the table only marks the rows they concern.
    return Group(table, totals, Text(CONVENTIONS, style="dim"))

"""The Rich table: the main job of `convcalc summary`."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from convcalc.engine.report import Report
from convcalc.render.summary import (
    BAR_HEADERS,
    CONVENTIONS,
    HEADERS,
    NUMERIC,
    bar_cells,
    layer_cells,
    total_lines,
    warned,
)


def to_table(report: Report, *, bars: bool = False) -> RenderableType:
    """The summary table; `bars` adds bar columns for activation size and parameters (`summary --bars`)."""
    table = Table(title=report.name, box=box.SIMPLE_HEAD)
    for header in HEADERS:
        table.add_column(header, justify="right" if header in NUMERIC else "left", no_wrap=header != "name")
    for header in BAR_HEADERS if bars else ():
        table.add_column(header, no_wrap=True, style="cyan", min_width=10)
    extra = bar_cells(report) if bars else [()] * len(report.layers)
    for layer, more in zip(report.layers, extra):
        table.add_row(*layer_cells(layer), *more, style="yellow" if warned(layer) else None)
    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column()
    for label, value in total_lines(report):
        totals.add_row(label, value)
    # The diagnostics themselves go to stderr with their file:line:col, as in every format
    # (`render.dispatch.diagnostic_lines`); the table only marks the rows they concern.
    return Group(table, totals, Text(CONVENTIONS, style="dim"))

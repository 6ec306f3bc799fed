"""Markdown: the summary table and totals, for READMEs, reviews and answer keys."""

from __future__ import annotations

from convcalc.engine.report import Report
from convcalc.render.summary import COLUMNS, DEFAULT_COLUMNS, MARKS, conventions, layer_cells, total_lines


def _row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def to_markdown(report: Report, columns: tuple[str, ...] = DEFAULT_COLUMNS) -> str:
    lines = [f"### {report.name}", "", _row([COLUMNS[key].header for key in columns])]
    lines.append("|" + "|".join("---:" if COLUMNS[key].numeric else "---" for key in columns) + "|")
    lines.extend(_row(layer_cells(layer, report, columns)) for layer in report.layers)
    lines += ["", "| total | |", "|---|---|"]
    lines.extend(_row([label, value]) for label, value in total_lines(report))
    if report.diagnostics:
        lines.append("")
        lines.extend(f"- {MARKS[d.severity]} {d.message}" for d in report.diagnostics)
    lines += ["", f"_{conventions(report)}_", ""]
    return "\n".join(lines)

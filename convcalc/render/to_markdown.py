"""Markdown: the summary table and totals, for READMEs, reviews and answer keys."""

from __future__ import annotations

from convcalc.engine.report import Report
from convcalc.render.summary import CONVENTIONS, HEADERS, MARKS, NUMERIC, layer_cells, total_lines


def _row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def to_markdown(report: Report) -> str:
    lines = [f"### {report.name}", "", _row(HEADERS)]
    lines.append("|" + "|".join("---:" if h in NUMERIC else "---" for h in HEADERS) + "|")
    lines.extend(_row(layer_cells(layer)) for layer in report.layers)
    lines += ["", "| total | |", "|---|---|"]
    lines.extend(_row([label, value]) for label, value in total_lines(report))
    if report.diagnostics:
        lines.append("")
        lines.extend(f"- {MARKS[d.severity]} {d.message}" for d in report.diagnostics)
    lines += ["", f"_{CONVENTIONS}_", ""]
    return "\n".join(lines)

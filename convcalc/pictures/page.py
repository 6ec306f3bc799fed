"""The one-file HTML report: summary table, totals, warnings, the diagram and an interactive
receptive-field view. Everything is inline (CSS, script, SVG, data), so the file opens offline,
as a CI artifact, with no network access and no external fonts.

The script (`rf.js`) does the receptive-field arithmetic of `field.py` in JavaScript from the
per-layer chains `field_data` embeds; the browser test checks that both draw the same field.
"""

from __future__ import annotations

import json
from importlib.resources import files

from convcalc.engine.report import Report
from convcalc.pictures.field import field_data
from convcalc.pictures.look import dims
from convcalc.pictures.svg import esc
from convcalc.render.dispatch import diagnostic_line
from convcalc.render.summary import COLUMNS, DEFAULT_COLUMNS, conventions, total_lines, warned

CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1400px; padding: 0 16px; }
h1 { margin-bottom: 0; } h2 { margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #666; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 10px; text-align: left; white-space: nowrap; }
th { border-bottom: 2px solid #bbb; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.layers tr:nth-child(even) td { background: #f7f7f7; }
table.layers tr[data-layer] { cursor: pointer; } table.layers tr[data-layer]:hover td { background: #fde8d4; }
table.layers tr.picked td { background: #f9c89b; } tr.warned td:nth-child(2) { color: #a15c00; }
table.totals td:first-child { font-weight: bold; }
.scroll { overflow-x: auto; border: 1px solid #eee; }
#diagram svg { max-width: 100%; height: auto; display: block; }
.split { display: flex; gap: 24px; align-items: flex-start; }
.panel { position: sticky; top: 8px; min-width: 420px; max-width: 560px; }
#rf-text { font-weight: bold; } .note { color: #666; font-size: 12px; max-width: 900px; }
ul.warnings li { font-family: monospace; font-size: 12px; margin: 4px 0; }
"""


def _table(report: Report, drawable: set[str]) -> str:
    """The summary's default columns, with the same cells as the terminal table."""
    columns = [COLUMNS[key] for key in DEFAULT_COLUMNS]
    head = "".join(f'<th class="num">{esc(c.header)}</th>' if c.numeric else f"<th>{esc(c.header)}</th>" for c in columns)
    rows = []
    for layer in report.layers:
        cells = "".join(
            f'<td class="num">{esc(c.cell(layer, report))}</td>' if c.numeric else f"<td>{esc(c.cell(layer, report))}</td>"
            for c in columns
        )
        attrs = f' data-layer="{esc(layer.name)}"' if layer.name in drawable else ""
        attrs += ' class="warned"' if warned(layer) else ""
        rows.append(f"<tr{attrs}>{cells}</tr>")
    return f'<table class="layers"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def html_report(report: Report, diagram: str) -> str:
    """The report page; `diagram` is an SVG document (its XML declaration is dropped when inlined)."""
    data = field_data(report)
    layers = data["layers"]
    assert isinstance(layers, list)
    drawable = {str(layer["name"]) for layer in layers}
    options = "".join(f'<option value="{esc(str(layer["name"]))}">{esc(str(layer["name"]))}</option>'
                      for layer in layers)
    totals = "".join(f"<tr><td>{esc(label)}</td><td>{esc(value)}</td></tr>" for label, value in total_lines(report))
    warnings = "".join(f"<li>{esc(diagnostic_line(d))}</li>" for d in report.diagnostics) or "<li>none</li>"
    svg = diagram.split("?>", 1)[1].lstrip() if diagram.startswith("<?xml") else diagram
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    script = files("convcalc.pictures").joinpath("rf.js").read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(report.name)} — convcalc report</title>
<style>{CSS}</style>
</head>
<body>
<h1>{esc(report.name)}</h1>
<p class="sub">{esc(dims(report.input_shape))} → {esc(dims(report.output_shape))} · batch {report.batch} · \
{esc(report.dtype)} · made by convcalc</p>
<h2>Totals</h2>
<table class="totals">{totals}</table>
<h2>Warnings ({len(report.diagnostics)})</h2>
<ul class="warnings">{warnings}</ul>
<h2>Diagram</h2>
<div class="scroll" id="diagram">{svg}</div>
<h2>Layers and receptive fields</h2>
<div class="split">
<div class="table">{_table(report, drawable)}</div>
<div class="panel" id="rf">
<p class="note">Click a layer in the table (or pick it here), then a position of its output: the input pixels that \
position sees are shaded, the fields of the earlier layers it reads through are outlined inside it, padding is grey, \
and where the read pixels leave gaps (dilation) they are dotted. Layers after flatten, or behind a layer that changes \
the size without a sliding window, have no view.</p>
<p><label>layer <select id="rf-layer">{options}</select></label></p>
<p class="note">output positions (click one)</p><div id="rf-positions"></div>
<p id="rf-text"></p><div id="rf-view"></div>
</div>
</div>
<p class="note">{esc(conventions(report))}</p>
<script type="application/json" id="rf-data">{payload}</script>
<script>{script}</script>
</body>
</html>
"""

"""The receptive-field view: the input grid, one output position's field shaded, the fields of the
earlier layers nested inside it, padding cells hatched, and the pixels actually read dotted where
they leave gaps (a dilated layer).

Small views draw every cell (`<rect class="cell …">`); a view over 64 cells a side draws regions.
"""

from __future__ import annotations

from convcalc.engine.report import Report
from convcalc.pictures import svg
from convcalc.pictures.field import AxisField, FieldView, Span1

FIELD, FIELD_INK, PAD, NEST = "#f4a259", "#c0581a", "#d9d9d9", ("#1d4e89", "#2a6f97", "#6a4c93", "#3d8bbd")
HATCH = (
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#eeeeee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" '
    'stroke-width="2"/></pattern>'
    '<pattern id="hatch-field" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#f8c9a0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d98a4e" '
    'stroke-width="2"/></pattern></defs>'
)
CELLS_MAX, SIDE, MARGIN = 64, 560.0, 40.0


def view_range(axis: AxisField) -> Span1:
    """The whole input (and any padding the field reaches) when small; else the field and 3 cells around it."""
    if axis.size <= 48:
        return Span1(min(axis.field.lo, 0), max(axis.field.hi, axis.size - 1))
    return Span1(axis.field.lo - 3, axis.field.hi + 3)


def shows_taps(axis: AxisField) -> bool:
    """Taps are worth dots behind a dilated window, where the pixels read leave gaps in the field."""
    return axis.dilated and len(axis.taps) != axis.field.size


def _axes(view: FieldView) -> tuple[AxisField, AxisField]:
    if len(view.axes) == 1:  # 1-D: a single row of cells
        one = AxisField(Span1(0, 0), (), frozenset({0}), 1)
        return one, view.axes[0]
    return view.axes[-2], view.axes[-1]


def rf_svg(report: Report, view: FieldView) -> str:
    rows_axis, cols_axis = _axes(view)
    rows, cols = view_range(rows_axis), view_range(cols_axis)
    cell = max(3.0, min(30.0, SIDE / max(rows.size, cols.size)))
    left, top = MARGIN + 26, 108.0

    def x(col: int) -> float:
        return left + (col - cols.lo) * cell

    def y(row: int) -> float:
        return top + (row - rows.lo) * cell

    def inside(axis: AxisField, value: int) -> bool:
        return 0 <= value < axis.size

    def in_field(axis: AxisField, value: int) -> bool:
        return axis.field.lo <= value <= axis.field.hi

    body: list[str] = [HATCH]
    cells = rows.size * cols.size <= CELLS_MAX * CELLS_MAX
    if cells:
        for r in range(rows.lo, rows.hi + 1):
            for c in range(cols.lo, cols.hi + 1):
                pad = not (inside(rows_axis, r) and inside(cols_axis, c))
                hit = in_field(rows_axis, r) and in_field(cols_axis, c)
                cls = "cell" + (" pad" if pad else "") + (" field" if hit else "")
                fill = ("url(#hatch)" if pad else "#ffffff") if not hit else (FIELD if not pad else "url(#hatch-field)")
                body.append(svg.element("rect", {"class": cls, "data-row": r, "data-col": c, "x": x(c), "y": y(r),
                                                 "width": cell, "height": cell, "fill": fill, "stroke": "#bbbbbb",
                                                 "stroke-width": 0.5}))
    else:
        body.append(svg.element("rect", {"x": x(cols.lo), "y": y(rows.lo), "width": cols.size * cell,
                                         "height": rows.size * cell, "fill": "url(#hatch)"}))
        lo_c, hi_c = max(cols.lo, 0), min(cols.hi, cols_axis.size - 1)
        lo_r, hi_r = max(rows.lo, 0), min(rows.hi, rows_axis.size - 1)
        body.append(svg.element("rect", {"x": x(lo_c), "y": y(lo_r), "width": (hi_c - lo_c + 1) * cell,
                                         "height": (hi_r - lo_r + 1) * cell, "fill": "#ffffff", "stroke": "#999999"}))
    f_rows, f_cols = rows_axis.field, cols_axis.field
    body.append(svg.element("rect", {"class": "field-outline", "data-rows": f_rows.size, "data-cols": f_cols.size,
                                     "x": x(f_cols.lo), "y": y(f_rows.lo), "width": f_cols.size * cell,
                                     "height": f_rows.size * cell, "fill": "none" if cells else FIELD,
                                     "fill-opacity": None if cells else 0.55, "stroke": FIELD_INK,
                                     "stroke-width": 2.5}))
    nested = list(zip(rows_axis.nested, cols_axis.nested)) if len(view.axes) > 1 else [
        (("", Span1(0, 0)), n) for n in cols_axis.nested]
    for i, ((name, r_span), (_, c_span)) in enumerate(reversed(nested)):
        ink = NEST[i % len(NEST)]
        body.append(svg.element("rect", {"class": "nested", "data-layer": name, "data-rows": r_span.size,
                                         "data-cols": c_span.size, "x": x(c_span.lo) + 1.5, "y": y(r_span.lo) + 1.5,
                                         "width": c_span.size * cell - 3, "height": r_span.size * cell - 3,
                                         "fill": "none", "stroke": ink, "stroke-width": 2}))
        if c_span.size * cell >= svg.text_width(name, 9) + 6 and r_span.size * cell >= 14:
            body.append(svg.text(x(c_span.lo) + 4, y(r_span.lo) + 12, name, size=9, anchor="start", fill=ink,
                                 weight="bold"))
    if cells and (shows_taps(rows_axis) or shows_taps(cols_axis)):
        for r in sorted(rows_axis.taps):
            for c in sorted(cols_axis.taps):
                body.append(svg.element("circle", {"class": "tap", "cx": x(c) + cell / 2, "cy": y(r) + cell / 2,
                                                   "r": max(1.5, cell * 0.2), "fill": "#1d3557"}))
    # coordinates: the field's edges, then the first and last visible where they do not crowd them
    for value in _ticks(cols, f_cols, cell):
        body.append(svg.text(x(value) + cell / 2, top - 6, str(value), size=9, fill=svg.MUTED))
    if len(view.axes) > 1:
        for value in _ticks(rows, f_rows, cell):
            body.append(svg.text(left - 5, y(value) + cell / 2 + 3, str(value), size=9, anchor="end", fill=svg.MUTED))
    size = "×".join(str(a.field.size) for a in view.axes)
    at = ", ".join(map(str, view.at))
    title = f"{report.name}: receptive field of {view.layer} ({view.kind}) at ({at})"
    spans = "; ".join(f"{name} {a.field.lo}…{a.field.hi}" for name, a in zip(("rows", "columns")[-len(view.axes):],
                                                                                view.axes))
    inner = ", ".join(f"{name} " + "×".join(sizes) for name, *sizes in _nested_sizes(view))
    lines = [f"{size} input pixels ({spans})", f"inside it: {inner}" if inner else ""]
    legend = "orange: the field; outlines: earlier layers' fields (central position); hatched: padding"
    if cells and (shows_taps(rows_axis) or shows_taps(cols_axis)):
        legend += "; dots: pixels actually read"
    width = max(left + cols.size * cell + MARGIN, svg.text_width(title, 15) + 2 * MARGIN,
                svg.text_width(legend, 10) + 2 * MARGIN, svg.text_width(lines[1], 10.5) + 2 * MARGIN)
    height = top + rows.size * cell + 44
    head = [
        svg.text(MARGIN, 30, title, size=15, anchor="start", weight="bold"),
        svg.text(MARGIN, 52, lines[0], size=11.5, anchor="start", cls="field-size"),
        svg.text(MARGIN, 68, lines[1], size=10.5, anchor="start"),
        svg.text(MARGIN, 86, legend, size=10, anchor="start", fill=svg.MUTED),
    ]
    return svg.document(width, height, head + body, title)


def _ticks(shown: Span1, field: Span1, cell: float) -> list[int]:
    picked: list[int] = []
    for value in (field.lo, field.hi, shown.lo, shown.hi):
        if all(abs(value - other) * cell >= 22 for other in picked):
            picked.append(value)
    return sorted(picked)


def _nested_sizes(view: FieldView) -> list[tuple[str, ...]]:
    """Per nested layer (outermost first): its name and its field's size per axis."""
    first = view.axes[0].nested
    out = []
    for k in range(len(first) - 1, -1, -1):
        name = first[k][0]
        out.append((name, *(str(a.nested[k][1].size) for a in view.axes if k < len(a.nested))))
    return out

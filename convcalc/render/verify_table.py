"""Verify's output: the engine's numbers beside PyTorch's, a mark per row, the verdict in words."""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from convcalc.formats import grouped, shape_text
from convcalc.verify.run import Verification

MARK = {"agrees": "✓", "differs": "✗", "not checkable": "n/a"}
STYLE = {"agrees": None, "differs": "red", "not checkable": "dim"}


def _maybe(value: Any, fmt: Any) -> str:
    return "—" if value is None else fmt(value)


def verdict(result: Verification) -> tuple[str, bool]:
    """The closing line, and whether it is good news."""
    first, rejected = result.first_divergence, result.rejected
    if first is not None:
        return f"✗ first divergence: {first.divergence()}", False
    if rejected is not None:
        return ("✓ " if rejected.torch_agrees else "✗ ") + rejected.divergence(), rejected.torch_agrees
    skipped = result.not_checkable
    agreed = len(result.checks) - len(skipped)
    what = "shapes, parameters, buffers and receptive fields" if result.fields == "checked" else "shapes, parameters and buffers"
    line = f"✓ all {agreed} layers agree: {what}"
    if skipped:
        listed = "; ".join(sorted({f"{check.layer.kind}: {check.not_checkable}" for check in skipped}))
        line = f"✓ {agreed} layers agree; {len(skipped)} not checkable, neither passed nor failed ({listed})"
    return line, True


def verify_table(result: Verification, title: str) -> RenderableType:
    table = Table(title=f"{title}: engine vs PyTorch ({result.device})", box=box.SIMPLE_HEAD)
    headers = ["#", "name", "kind", "engine shape", "torch shape", "params", "torch params", "buffers", "torch buffers",
               "ok"]
    numeric = ("#", "params", "torch params", "buffers", "torch buffers", "RF", "torch RF")
    if result.fields == "checked":
        headers[5:5] = ["RF", "torch RF"]
    for header in headers:
        table.add_column(header, justify="right" if header in numeric else "left")
    for check in result.checks:
        layer = check.layer
        cells = [
            str(layer.index), layer.name, layer.kind, shape_text(layer.output_shape), _maybe(check.torch_shape, shape_text),
            grouped(layer.params), _maybe(check.torch_params, grouped),
            grouped(layer.buffers), _maybe(check.torch_buffers, grouped), MARK[check.status],
        ]
        if result.fields == "checked":
            field = check.field
            cells[5:5] = ["—", "—"] if field is None else [_sizes(field.engine), _sizes(field.measured)]
        table.add_row(*cells, style=STYLE[check.status])
    if result.rejected is not None:
        r = result.rejected
        table.add_row(
            "", r.name, r.kind, "rejected", _maybe(r.torch_shape, shape_text) if r.torch_error is None else "rejected",
            *(["", ""] if result.fields == "checked" else []), "", "", "", "", "✓" if r.torch_agrees else "✗",
            style=None if r.torch_agrees else "red",
        )
    line, good = verdict(result)
    return Group(table, Text(line, style="green" if good else "red"))


def _sizes(sizes: tuple[int, ...]) -> str:
    return sizes and (str(sizes[0]) if len(set(sizes)) == 1 else shape_text(sizes)) or "—"


def verify_json(result: Verification, title: str) -> str:
    layers = [
        {
            "index": c.layer.index,
            "name": c.layer.name,
            "kind": c.layer.kind,
            "engine": {"output_shape": list(c.layer.output_shape), "params": c.layer.params, "buffers": c.layer.buffers},
            "torch": None
            if c.torch_shape is None
            else {"output_shape": list(c.torch_shape), "params": c.torch_params, "buffers": c.torch_buffers},
            "receptive_field": None
            if c.field is None
            else {"engine_size": list(c.field.engine), "torch_size": list(c.field.measured), "problem": c.field.problem},
            "error": c.error,
            "status": c.status,
            "not_checkable": c.not_checkable,
            "agrees": c.agrees,
        }
        for c in result.checks
    ]
    first, rejected = result.first_divergence, result.rejected
    payload = {
        "name": title,
        "device": result.device,
        "estimated_peak_bytes": result.peak_bytes,
        "agrees": result.agrees,
        "first_divergence": None if first is None else first.divergence(),
        "verdict": verdict(result)[0],
        "receptive_fields": result.fields,
        "layers": layers,
        "rejected": None
        if rejected is None
        else {
            "name": rejected.name,
            "kind": rejected.kind,
            "engine_error": rejected.engine_message,
            "torch_error": rejected.torch_error,
            "torch_output_shape": None if rejected.torch_shape is None else list(rejected.torch_shape),
            "torch_agrees": rejected.torch_agrees,
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"

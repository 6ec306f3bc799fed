"""Verify's output: the engine's numbers beside PyTorch's, a ✓/✗ per layer, the first divergence."""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from convcalc.render.numbers import grouped, shape
from convcalc.verify.run import Verification


def _maybe(value: Any, fmt: Any) -> str:
    return "—" if value is None else fmt(value)


def verify_table(result: Verification, title: str) -> RenderableType:
    table = Table(title=f"{title}: engine vs PyTorch ({result.device})", box=box.SIMPLE_HEAD)
    for header in ("#", "name", "kind", "engine shape", "torch shape", "params", "torch params", "ok"):
        table.add_column(header, justify="right" if header in ("#", "params", "torch params") else "left")
    for check in result.checks:
        layer = check.layer
        table.add_row(
            str(layer.index), layer.name, layer.kind, shape(layer.output_shape), _maybe(check.torch_shape, shape),
            grouped(layer.params), _maybe(check.torch_params, grouped), "✓" if check.agrees else "✗",
            style=None if check.agrees else "red",
        )
    first = result.first_divergence
    verdict = (
        Text(f"✓ all {len(result.checks)} layers agree: shapes, parameters and buffers", style="green")
        if first is None
        else Text(f"✗ first divergence: {first.divergence()}", style="red")
    )
    return Group(table, verdict)


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
            "error": c.error,
            "agrees": c.agrees,
        }
        for c in result.checks
    ]
    first = result.first_divergence
    payload = {
        "name": title,
        "device": result.device,
        "estimated_peak_bytes": result.peak_bytes,
        "agrees": result.agrees,
        "first_divergence": None if first is None else first.divergence(),
        "layers": layers,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"

"""The human summary's cells and totals, shared by the Rich table and the Markdown table."""

from __future__ import annotations

from convcalc.engine.report import LayerResult, Report
from convcalc.formats import grouped, rf_text, shape_text, si, size_bytes

CONVENTIONS = (
    "MACs: multiply-accumulates of conv/linear weights (bias adds not counted) and of norm "
    "scaling; FLOPs = 2·MACs. RF: receptive field in input pixels; jump: effective stride. "
    "BatchNorm running statistics are buffers, not parameters."
)

HEADERS = ("#", "name", "kind", "output shape", "params", "MACs", "RF", "jump")
NUMERIC = {"#", "params", "MACs", "RF", "jump"}


def layer_cells(layer: LayerResult) -> tuple[str, ...]:
    """One row; a layer with warnings carries '⚠' after its name (details listed below), a
    layer that reuses another's weights shows whose in place of its parameter count, and a
    nominal receptive field (after a deformable conv) reads '~19'."""
    name = layer.name + (" ⚠" if warned(layer) else "")
    return (
        str(layer.index),
        name,
        layer.kind,
        shape_text(layer.output_shape),
        f"shared ({layer.shares})" if layer.shares else grouped(layer.params),
        grouped(layer.macs),
        ("~" if layer.rf_nominal and layer.receptive_field else "") + rf_text(layer.receptive_field, "size"),
        rf_text(layer.receptive_field, "jump"),
    )


BAR_HEADERS = ("activations", "param bar")  # `--bars`: each scaled to its largest row
EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: int, largest: int, width: int = 10) -> str:
    """A horizontal bar, linear in `value`, `width` cells for `largest`, in eighths of a cell; a
    non-zero value always shows at least a sliver."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / largest))
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def bar_cells(report: Report) -> list[tuple[str, str]]:
    """Per row, the activation-size and parameter bars, each scaled to the largest row."""
    top_acts = max((layer.activations for layer in report.layers), default=0)
    top_params = max((layer.params for layer in report.layers), default=0)
    return [(bar(layer.activations, top_acts), bar(layer.params, top_params)) for layer in report.layers]


def warned(layer: LayerResult) -> bool:
    """Warnings mark a row; infos (a non-whole size where only padding is skipped) do not."""
    return any(d.severity == "warning" for d in layer.diagnostics)


MARKS = {"warning": "⚠", "info": "ℹ"}


def _with_magnitude(n: int) -> str:
    short = si(n)
    return grouped(n) if short == str(n) else f"{grouped(n)} ({short})"


def total_lines(report: Report) -> list[tuple[str, str]]:
    t = report.totals
    dtype = f"{report.dtype}, batch {report.batch}"
    return [
        ("input → output", f"{shape_text(report.input_shape)} → {shape_text(report.output_shape)}"),
        ("params", f"{grouped(t.params)} ({grouped(t.trainable_params)} trainable)"),
        ("buffers", grouped(t.buffers)),
        ("MACs", _with_magnitude(t.macs)),
        ("FLOPs (2·MACs)", _with_magnitude(t.flops)),
        ("param memory", f"{size_bytes(t.param_bytes + t.buffer_bytes)} ({dtype})"),
        ("activation memory", f"{size_bytes(t.activation_bytes)} (forward, all layer outputs)"),
        ("training memory", f"{size_bytes(t.training_bytes)} (estimate, {report.optimizer})"),
    ]

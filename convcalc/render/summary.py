"""The human summary's columns, cells and totals, shared by the Rich table and the Markdown table.

A column is a key a person types in `--columns` (`name`, `params%`), a header, and how a layer's
cell reads; a numeric column may also have a short form (`118.01 M` for `118,013,952`) that the
table uses, whole, when the full one does not fit.
"""

from __future__ import annotations

from collections.abc import Callable

from convcalc.engine.report import LayerResult, Report
from convcalc.errors import UsageError
from convcalc.formats import grouped, rf_text, shape_text, si, size_bytes
from convcalc.lazy_dataclass import lazy_dataclass

CONVENTIONS = (
    "MACs: multiply-accumulates of conv/linear weights (bias adds not counted) and of norm "
    "scaling; FLOPs = 2·MACs. RF: receptive field in input {unit}; jump: effective stride. "
    "BatchNorm running statistics are buffers, not parameters."
)



def conventions(report: Report) -> str:
    """The closing note. The receptive field counts input samples in 1-D (audio, signals), pixels
    in 2-D and voxels in 3-D."""
    unit = {1: "samples", 3: "voxels"}.get(len(report.input_shape) - 2, "pixels")
    return CONVENTIONS.format(unit=unit)


Cell = Callable[[LayerResult, Report], str]


@lazy_dataclass(frozen=True, slots=True)
class Column:
    """One column of the summary table: its `--columns` key, header, alignment and cell text."""

    key: str  # what `--columns` names it by
    header: str
    numeric: bool
    cell: Cell
    short: Cell | None = None  # a shorter, still whole, form: a magnitude instead of every digit


def _count(n: int) -> str:
    """The shorter of 9,408 and '9.41 K' (a magnitude only when it saves room)."""
    full, short = grouped(n), si(n)
    return short if len(short) < len(full) else full


def _name(layer: LayerResult, report: Report) -> str:
    return layer.name + (" ⚠" if warned(layer) else "")


def _params(layer: LayerResult, report: Report) -> str:
    return f"shared ({layer.shares})" if layer.shares else grouped(layer.params)


def _params_short(layer: LayerResult, report: Report) -> str:
    return f"shared ({layer.shares})" if layer.shares else _count(layer.params)


def _percent(layer: LayerResult, report: Report) -> str:
    """Share of the network's parameters, as torchinfo's `params_percent`; '—' for none."""
    total = report.totals.params
    if layer.shares or not layer.params or not total:
        return "—"
    share = 100 * layer.params / total
    return "<0.1%" if share < 0.05 else f"{share:.1f}%"


def _rf(layer: LayerResult, report: Report) -> str:
    nominal = "~" if layer.rf_nominal and layer.receptive_field else ""
    return nominal + rf_text(layer.receptive_field, "size")


EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: int, largest: int, width: int = 10) -> str:
    """A horizontal bar, linear in `value`, `width` cells for `largest`, in eighths of a cell; a
    non-zero value always shows at least a sliver."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / largest))
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


_LARGEST: dict[tuple[int, str], tuple[Report, int]] = {}


def _largest(report: Report, attribute: str) -> int:
    """The largest row's value, computed once per report (a bar cell is asked for row by row)."""
    key = (id(report), attribute)
    cached = _LARGEST.get(key)
    if cached is None or cached[0] is not report:
        _LARGEST.clear()
        cached = (report, max((getattr(layer, attribute) for layer in report.layers), default=0))
        _LARGEST[key] = cached
    return cached[1]


def _bar_of(attribute: str) -> Cell:
    """`--bars`: the row's value as a bar scaled to the largest row."""
    return lambda layer, report: bar(getattr(layer, attribute), _largest(report, attribute))



COLUMNS: dict[str, Column] = {
    column.key: column
    for column in (
        Column("#", "#", True, lambda layer, report: str(layer.index)),
        Column("name", "name", False, _name),
        Column("kind", "kind", False, lambda layer, report: layer.kind),
        Column("input", "input shape", False, lambda layer, report: shape_text(layer.input_shape)),
        Column("output", "output shape", False, lambda layer, report: shape_text(layer.output_shape)),
        Column("params", "params", True, _params, _params_short),
        Column("params%", "params %", True, _percent),
        Column("macs", "MACs", True, lambda layer, report: grouped(layer.macs), lambda layer, report: _count(layer.macs)),
        Column("rf", "RF", True, _rf),
        Column("jump", "jump", True, lambda layer, report: rf_text(layer.receptive_field, "jump")),
        Column("activations_bar", "activations", False, _bar_of("activations")),
        Column("params_bar", "param bar", False, _bar_of("params")),
    )
}
DEFAULT_COLUMNS = ("#", "name", "kind", "output", "params", "macs", "rf", "jump")
BAR_COLUMNS = ("activations_bar", "params_bar")  # `summary --bars` adds them after the chosen columns
ALIASES = {"index": "#", "input_shape": "input", "output_shape": "output", "percent": "params%", "receptive_field": "rf"}


def _column_key(word: str) -> str:
    key = ALIASES.get(word.lower(), word.lower())
    if key not in COLUMNS:
        import difflib  # only for a did-you-mean: not loaded on every run
        close = difflib.get_close_matches(key, [*COLUMNS, *ALIASES], n=1)
        raise UsageError(
            f"unknown column {word!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
            hint="columns: " + ", ".join(COLUMNS) + " (+input adds to the default set, -kind removes)",
        )
    return key


def parse_columns(text: str | None) -> tuple[str, ...]:
    """`--columns`: `name,output,params` is exactly those, in that order; `+input,+params%` adds to
    the default set and `-kind` removes from it (added ones go where they sit in the full order)."""
    if text is None:
        return DEFAULT_COLUMNS
    words = [word.strip() for word in text.split(",") if word.strip()]
    if not words:
        raise UsageError("--columns is empty", hint="e.g. --columns name,output,params or --columns +input,+params%")
    edits = [word[0] in "+-" for word in words]
    if any(edits) and not all(edits):
        raise UsageError(
            f"--columns mixes a list with edits ({text!r})",
            hint="either name every column (name,output,params) or edit the default set (+input,-kind)",
        )
    if not all(edits):
        chosen = list(dict.fromkeys(_column_key(word) for word in words))
        if "name" not in chosen:  # a row without its name reads as nothing: it comes first (after the index)
            chosen.insert(1 if chosen[0] == "#" else 0, "name")
        return tuple(chosen)
    keys = set(DEFAULT_COLUMNS)
    for word in words:
        key = _column_key(word[1:])
        if word[0] == "+":
            keys.add(key)
        elif key != "name":
            keys.discard(key)
    return tuple(key for key in COLUMNS if key in keys)


def table_width(widths: list[int]) -> int:
    """The summary table's width (Rich's SIMPLE_HEAD box, as `render.table` draws it and
    `render.plain_table` writes it): each column padded by one on both sides, a one-character
    divider between columns and an edge on each side."""
    return sum(widths) + 3 * len(widths) + 1 if widths else 0


def layer_cells(layer: LayerResult, report: Report, columns: tuple[str, ...] = DEFAULT_COLUMNS) -> tuple[str, ...]:
    """One row; a layer with warnings carries '⚠' after its name (details on stderr), a layer
    that reuses another's weights shows whose in place of its parameter count, and a nominal
    receptive field (after a deformable conv) reads '~19'."""
    return tuple(COLUMNS[key].cell(layer, report) for key in columns)




def warned(layer: LayerResult) -> bool:
    """Warnings mark a row; infos (a non-whole size where only padding is skipped) do not."""
    return any(d.severity == "warning" for d in layer.diagnostics)


MARKS = {"warning": "⚠", "info": "ℹ"}


def _with_magnitude(n: int) -> str:
    short = si(n)
    return grouped(n) if short == str(n) else f"{grouped(n)} ({short})"


def _params_line(params: int, trainable: int) -> str:
    """'1,234 (1,234 trainable)', and the frozen (non-trainable) count beside it when there is one."""
    frozen = params - trainable
    if not frozen:
        return f"{grouped(params)} ({grouped(trainable)} trainable)"
    return f"{grouped(params)} ({grouped(trainable)} trainable, {grouped(frozen)} frozen)"


def total_lines(report: Report) -> list[tuple[str, str]]:
    t = report.totals
    batch = f"batch {report.batch}"
    return [
        ("input → output", f"{shape_text(report.input_shape)} → {shape_text(report.output_shape)}"),
        ("params", _params_line(t.params, t.trainable_params)),
        ("buffers", grouped(t.buffers)),
        ("MACs", _with_magnitude(t.macs)),
        ("FLOPs (2·MACs)", _with_magnitude(t.flops)),
        # Parameters and buffers are the same for any batch; activations grow with it.
        ("param memory", f"{size_bytes(t.param_bytes + t.buffer_bytes)} ({report.dtype}, parameters and buffers)"),
        ("activation memory", f"{size_bytes(t.activation_bytes)} (forward, all layer outputs, {batch})"),
        ("training memory", f"{size_bytes(t.training_bytes)} (estimate, {report.optimizer}, {batch})"),
    ]

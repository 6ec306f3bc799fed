"""Constraints against a report: one `Verdict` per limit, passed or not, with the numbers.

A violation says the limit, the value, and by how much it is exceeded; it points at the limit's
place in the spec or budget file (a flag has none: the verdict points at the spec itself, or at
the layer the limit is about).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from convcalc.checks.constraints import KEYS, Constraints, Limit, LimitValue
from convcalc.engine.report import LayerResult, Report
from convcalc.layers.graph import JOINS
from convcalc.source import Span


@dataclass(frozen=True, slots=True)
class Verdict:
    """One limit's outcome: `ok`, the measured value (None when the layer does not exist) and a message."""

    limit: Limit
    ok: bool
    actual: LimitValue | None
    message: str
    span: Span | None = field(default=None, compare=False)
    hint: str | None = None


_TOTALS: dict[str, Callable[[Report], int]] = {
    "max_params": lambda r: r.totals.params,
    "max_trainable_params": lambda r: r.totals.trainable_params,
    "max_macs": lambda r: r.totals.macs,
    "max_flops": lambda r: r.totals.flops,
    "max_param_memory": lambda r: r.totals.param_bytes + r.totals.buffer_bytes,
    "max_activation_memory": lambda r: r.totals.activation_bytes,
    "max_training_memory": lambda r: r.totals.training_bytes,
    "max_layers": lambda r: sum(1 for row in r.layers if row.kind not in JOINS),
}


_ROW_SUMS: dict[str, Callable[[LayerResult], int]] = {
    "max_params": lambda row: row.params,
    "max_macs": lambda row: row.macs,
    "max_flops": lambda row: 2 * row.macs,
}


def _amount(n: int, unit: str) -> str:
    if unit != "bytes":
        return f"{n:,}"
    if n < 1024:
        return f"{n:,} B"
    value, suffix = float(n), "B"
    for suffix in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024:
            break
    return f"{value:.2f} {suffix} ({n:,} B)"


def _shape(dims: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in dims)


NOUNS = {
    "max_params": "parameter count", "max_trainable_params": "trainable parameter count", "max_macs": "MAC count",
    "max_flops": "FLOP count", "max_param_memory": "parameter memory", "max_activation_memory": "activation memory",
    "max_training_memory": "training memory (estimate)", "max_layers": "row count",
}


def _maximum(limit: Limit, actual: int, subject: str, span: Span | None) -> Verdict:
    unit = KEYS[limit.key].unit
    assert isinstance(limit.value, int)
    value = limit.value
    what = f"{subject}{NOUNS[limit.key]}"
    if actual <= value:
        share = f" ({100 * actual / value:.1f}% of it)" if value else ""
        return Verdict(limit, True, actual, f"{limit.label}: {what} is {_amount(actual, unit)}, within the limit "
                       f"{_amount(value, unit)}{share}", span)
    over = actual - value
    percent = f", {100 * over / value:.1f}% over" if value else ""
    message = (
        f"{limit.label}: {what} is {_amount(actual, unit)}, over the limit {_amount(value, unit)} by "
        f"{_amount(over, unit)}{percent}"
    )
    return Verdict(limit, False, actual, message, span, "shrink the network, or raise the limit if the growth is intended")


def _output(limit: Limit, row: LayerResult, subject: str, span: Span | None) -> Verdict:
    actual = row.output_shape[1:]
    expected = limit.value if isinstance(limit.value, tuple) else (limit.value,)
    ok = actual == expected
    verb = "is" if ok else "is not the expected"
    return Verdict(limit, ok, actual, f"{limit.label}: {subject}output is {_shape(actual)}, "
                   f"{'as expected' if ok else f'{verb} {_shape(expected)}'} (per sample, without the batch axis)", span)


def _receptive_field(limit: Limit, rows: tuple[LayerResult, ...], what: str, span: Span | None) -> Verdict:
    spatial = [row for row in rows if row.receptive_field]
    if not spatial:
        return Verdict(limit, False, None, f"{limit.label}: {what} has no spatial layout, so no receptive field", span)
    row = spatial[-1]
    assert row.receptive_field is not None
    sizes = tuple(axis.size for axis in row.receptive_field)
    wanted = limit.value if isinstance(limit.value, tuple) else (limit.value,)
    if len(wanted) == 1:
        wanted = wanted * len(sizes)
    at = row.name if row is rows[-1] else f"{row.name} (the last layer with a spatial layout)"
    nominal = " (nominal: learned offsets move it)" if row.rf_nominal else ""
    shown = "x".join(str(s) for s in sizes)
    if len(wanted) != len(sizes):
        return Verdict(limit, False, None, f"{limit.label}: {len(wanted)} sizes given for {len(sizes)} spatial axes "
                       f"(the field at {at} is {shown})", span)
    short = [w - s for s, w in zip(sizes, wanted)]
    actual = tuple(int(s) for s in sizes)
    if max(short) <= 0:
        return Verdict(limit, True, actual, f"{limit.label}: the receptive field at {at} is {shown}{nominal}, at least "
                       f"{_shape(wanted)}", span)
    gap = "x".join(str(max(0, s)) for s in short)
    return Verdict(limit, False, actual, f"{limit.label}: the receptive field at {at} is {shown}{nominal}, below the "
                   f"minimum {_shape(wanted)} by {gap}", span, "add depth, stride or dilation, or lower the minimum")


def _selection(report: Report, name: str) -> tuple[LayerResult, ...]:
    """The rows a layer constraint is about: the layer itself, or every row of the block so named."""
    exact = tuple(row for row in report.layers if row.name == name)
    if exact:
        return exact
    return tuple(row for row in report.layers if any(group.name == name for group in row.groups))


def _names(report: Report) -> list[str]:
    names = dict.fromkeys(row.name for row in report.layers)
    for row in report.layers:
        names.update(dict.fromkeys(group.name for group in row.groups))
    return list(names)


def judge(limit: Limit, report: Report, spec_span: Span | None) -> Verdict:
    """One limit against the report."""
    if limit.layer is None:
        span = limit.span or spec_span
        if limit.key == "output":
            return _output(limit, report.layers[-1], "the network's ", span)
        if limit.key == "min_receptive_field":
            return _receptive_field(limit, report.layers, "the output", span)
        return _maximum(limit, _TOTALS[limit.key](report), "the network's ", span)
    rows = _selection(report, limit.layer)
    if not rows:
        close = difflib.get_close_matches(limit.layer, _names(report), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "constraints name layers as the table does (convcalc summary)"
        return Verdict(limit, False, None, f"{limit.label}: the network has no layer named '{limit.layer}'",
                       limit.span or spec_span, hint)
    block = next((group for group in rows[0].groups if group.name == limit.layer), None)
    span = limit.span or (block.span if block else rows[0].span) or spec_span
    subject = f"{limit.layer}'s "
    if limit.key == "output":
        return _output(limit, rows[-1], subject, span)
    if limit.key == "min_receptive_field":
        return _receptive_field(limit, rows, limit.layer, span)
    return _maximum(limit, sum(_ROW_SUMS[limit.key](row) for row in rows), subject, span)


def evaluate(constraints: Constraints, report: Report, spec_span: Span | None = None) -> tuple[Verdict, ...]:
    """Every limit against the report, in the order they were written."""
    return tuple(judge(limit, report, spec_span) for limit in constraints.limits)

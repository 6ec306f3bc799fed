"""Receptive-field arithmetic for the pictures: the chain to a layer, its field, nested fields, taps.

The shaded field of output position o is the report's own: along each axis it covers
[start + o·jump, start + o·jump + size − 1] (`AxisRF`, the engine's recurrence). Inside it, each
earlier windowed layer's field is drawn for the central one of the positions the target reads.
Which positions those are — and which input pixels are actually read (the taps, which a dilated
layer leaves gaps between) — is found by brute-force back-projection through the windows: output
p of a window reads inputs p·S − P_before + j·D for j < F. Positions in an intermediate layer's
padding read nothing and are dropped; in the network's input they are padding cells, and marked.

The HTML report does the same arithmetic in JavaScript from `field_data`, step for step.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from fractions import Fraction

from convcalc.engine.report import LayerResult, Report
from convcalc.errors import UsageError
from convcalc.pictures.graph import JOIN_KINDS, branch_label, has_identity


@dataclass(frozen=True, slots=True)
class Step:
    """One row of the chain along one axis: its window (None: position for position) and the
    receptive field of its first output."""

    name: str
    kind: str
    size_in: int  # the row's input size along the axis
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    before: int = 0
    window: bool = False
    rf_start: int = 0
    rf_jump: int = 1
    rf_size: int = 1


@dataclass(frozen=True, slots=True)
class Span1:
    """A closed interval of input pixels along one axis."""

    lo: int
    hi: int

    @property
    def size(self) -> int:
        return self.hi - self.lo + 1


@dataclass(frozen=True, slots=True)
class AxisField:
    """What one axis of the view shows for one output position."""

    field: Span1
    nested: tuple[tuple[str, Span1], ...]  # earlier windowed layers, innermost first
    taps: frozenset[int]  # input pixels read, padding included (negative or ≥ the input size)
    size: int  # the input's size along the axis
    dilated: bool = False  # a window on the chain is dilated: its taps are worth marking


@dataclass(frozen=True, slots=True)
class FieldView:
    layer: str
    kind: str
    at: tuple[int, ...]
    out: tuple[int, ...]
    axes: tuple[AxisField, ...]


def find_row(report: Report, name: str) -> LayerResult:
    for row in report.layers:
        if row.name == name:
            return row
    names = [row.name for row in report.layers]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "`convcalc summary SPEC` lists the layer names"
    raise UsageError(f"--receptive-field: there is no layer named '{name}'", hint=hint)


def _predecessor(report: Report, row: LayerResult, by_name: dict[str, LayerResult]) -> LayerResult | None:
    """The row the field comes through: the input row, or for a join the path with the largest field."""
    if row.kind not in JOIN_KINDS:
        return by_name.get(row.input_from) if row.input_from else None
    ends: dict[str, LayerResult] = {}
    for earlier in report.layers[: row.index - 1]:
        label = branch_label(row.path, earlier.path)
        if label is not None:
            ends[label] = earlier  # the last row of a path ends it
    candidates: list[LayerResult | None] = list(ends.values())
    if has_identity(row, list(ends.values())):
        candidates.append(by_name.get(row.input_from) if row.input_from else None)

    def reach(candidate: LayerResult | None) -> int:
        rf = candidate.receptive_field if candidate else None
        total = 1
        for axis in rf or ():
            total *= int(axis.size)
        return total

    return max(candidates, key=reach)  # max keeps the first of equals


def chain(report: Report, target: LayerResult) -> list[LayerResult]:
    """The rows from the network's input to `target` that its field passes through, in order."""
    by_name = {row.name: row for row in report.layers}
    rows: list[LayerResult] = []
    row: LayerResult | None = target
    while row is not None:
        rows.append(row)
        row = _predecessor(report, row, by_name)
    return rows[::-1]


def _whole(value: int | Fraction, row: LayerResult) -> int:
    if isinstance(value, Fraction) and value.denominator != 1:
        raise UsageError(f"{row.name} ({row.kind}) has a fractional receptive field; the view draws whole pixels")
    return int(value)


def steps(report: Report, target: LayerResult) -> list[list[Step]]:
    """Per spatial axis, the chain's rows as `Step`s; a UsageError where the view cannot follow."""
    rows = chain(report, target)
    rank = len(report.input_shape) - 2
    if target.receptive_field is None or rank < 1:
        raise UsageError(
            f"{target.name} ({target.kind}) has no spatial layout, so no receptive field to draw",
            hint="pick a layer before flatten / linear",
        )
    per_axis: list[list[Step]] = [[] for _ in range(rank)]
    reads = report.input_shape  # what the row reads along the chain (a join: its chosen path's end)
    for row in rows:
        if row.receptive_field is None or len(row.output_shape) != rank + 2:
            raise UsageError(f"the receptive-field view cannot follow {row.name} ({row.kind}): it has no spatial layout")
        window = row.window
        if window is not None and window.transposed:
            raise UsageError(
                f"the receptive-field view cannot follow {row.name} ({row.kind}): a transposed window spreads "
                "each input over several outputs",
                hint="`convcalc summary` gives its receptive field as numbers",
            )
        if window is None and reads[2:] != row.output_shape[2:]:
            raise UsageError(
                f"the receptive-field view cannot follow {row.name} ({row.kind}): it changes the spatial size "
                "without a sliding window",
                hint="`convcalc summary` gives its receptive field as numbers",
            )
        for axis in range(rank):
            rf = row.receptive_field[axis]
            common = {"name": row.name, "kind": row.kind, "size_in": reads[2 + axis],
                      "rf_start": _whole(rf.start, row), "rf_jump": _whole(rf.jump, row), "rf_size": _whole(rf.size, row)}
            if window is None:
                per_axis[axis].append(Step(**common))  # type: ignore[arg-type]  # the keys are Step's fields
            else:
                a = window.axes[axis]
                per_axis[axis].append(Step(**common, kernel=a.kernel, stride=a.stride,  # type: ignore[arg-type]
                                           dilation=a.dilation, before=a.before, window=True))
        reads = row.output_shape
    return per_axis


def field_of(step: Step, position: int) -> Span1:
    """Output `position` of `step` sees [start + o·jump, start + o·jump + size − 1]."""
    lo = step.rf_start + position * step.rf_jump
    return Span1(lo, lo + step.rf_size - 1)


def axis_field(chain_: list[Step], position: int) -> AxisField:
    """Back-project one output position through the chain along one axis."""
    seen = {position}
    nested: list[tuple[str, Span1]] = []
    target = chain_[-1]
    for i in range(len(chain_) - 1, -1, -1):
        step = chain_[i]
        if step.window and i != len(chain_) - 1 and seen:  # seen is empty when only padding was read
            ordered = sorted(seen)
            inner = field_of(step, ordered[(len(ordered) - 1) // 2])
            if not nested or nested[-1][1] != inner:
                nested.append((step.name, inner))
        if step.window:
            seen = {p * step.stride - step.before + j * step.dilation for p in seen for j in range(step.kernel)}
        if i > 0:  # an intermediate layer's padding reads nothing
            seen = {q for q in seen if 0 <= q < step.size_in}
    outer = field_of(target, position)
    dilated = any(step.window and step.dilation > 1 for step in chain_)
    return AxisField(outer, tuple(reversed(nested)), frozenset(seen), chain_[0].size_in, dilated)


def field_view(report: Report, layer: str, at: tuple[int, ...] | None) -> FieldView:
    """The receptive field of one output position of `layer` (the central one unless `at` says)."""
    target = find_row(report, layer)
    per_axis = steps(report, target)
    out = target.output_shape[2:]
    position = at if at is not None else tuple((n - 1) // 2 for n in out)
    if len(position) != len(out):
        raise UsageError(f"--at needs {len(out)} coordinate{'s' if len(out) > 1 else ''} for {target.name} "
                         f"(its output is {'x'.join(map(str, out))}), got {len(position)}",
                         hint="--at ROW,COL, counted from 0" if len(out) == 2 else None)
    for value, n in zip(position, out):
        if not 0 <= value < n:
            raise UsageError(f"--at {','.join(map(str, position))} is outside {target.name}'s output "
                             f"{'x'.join(map(str, out))}", hint="positions count from 0")
    axes = tuple(axis_field(steps_, p) for steps_, p in zip(per_axis, position))
    return FieldView(target.name, target.kind, position, out, axes)


def field_data(report: Report) -> dict[str, object]:
    """Per layer, the chain the HTML report's script back-projects through (layers it cannot follow are left out)."""
    layers: list[dict[str, object]] = []
    for row in report.layers:
        try:
            per_axis = steps(report, row)
        except UsageError:
            continue
        layers.append({
            "name": row.name,
            "kind": row.kind,
            "out": list(row.output_shape[2:]),
            "axes": [[[s.name, s.size_in, s.kernel, s.stride, s.dilation, s.before, int(s.window), s.rf_start,
                       s.rf_jump, s.rf_size] for s in chain_] for chain_ in per_axis],
        })
    return {"input": list(report.input_shape[2:]), "layers": layers}

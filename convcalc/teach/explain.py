"""`convcalc explain`: one layer worked step by step, as the lecture does it on the board.

Each function returns lines of text: the general formula, the formula with the numbers
substituted, the result and the verdict, in the language asked for. The arithmetic is the
engine's (the same floor rule, the same receptive-field recurrence); this module only shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from convcalc.engine.report import LayerResult, Report
from convcalc.formats import shape_text
from convcalc.layers.conv import Conv
from convcalc.layers.linear import Linear
from convcalc.layers.pool import AvgPool, MaxPool
from convcalc.layers.rf import AxisRF
from convcalc.layers.window import conv_out_len, effective_kernel, per_axis, resolve_padding
from convcalc.network import LayerSpec, Network, leaves
from convcalc.teach.text import number, say

INDENT = "  "


@dataclass(frozen=True, slots=True)
class Window:
    """One axis of a sliding window: input N, filter F, stride S, padding P (each side), dilation D."""

    n: int
    f: int
    s: int = 1
    p: int = 0
    d: int = 1

    @property
    def f_eff(self) -> int:
        return effective_kernel(self.f, self.d)

    @property
    def span(self) -> int:
        return self.n + 2 * self.p - self.f_eff

    @property
    def exact(self) -> Fraction:
        return Fraction(self.span, self.s) + 1

    @property
    def floor(self) -> int:
        """What PyTorch computes (the engine's own rule)."""
        return conv_out_len(self.n, self.f_eff, self.s, self.p, self.p)

    def substituted(self) -> str:
        """(7 + 2 − 3)/3 + 1: 2P is multiplied out, a zero padding left out, as on the board."""
        padded = f"{self.n} + {2 * self.p}" if self.p else f"{self.n}"
        return f"({padded} − {self.f_eff})/{self.s} + 1"


def output_size(lang: str, w: Window) -> list[str]:
    """The lecture's output-size check, with a way out when it does not fit."""
    lines = [say(lang, "size.title")]
    formula = say(lang, "size.formula") if w.d == 1 else say(lang, "size.formula_dilated", f_eff=w.f_eff)
    lines.append(INDENT + formula)
    lines.append(INDENT + say(lang, "size.legend", n=w.n, f=w.f, s=w.s, p=w.p))
    if w.span < 0:
        lines.append(INDENT + say(lang, "verdict", text=say(lang, "size.too_big", f_eff=w.f_eff, padded=w.n + 2 * w.p)))
        return lines
    lines.append(INDENT + f"= {w.substituted()} = {number(w.exact)}")
    if w.exact.denominator == 1:
        lines.append(INDENT + say(lang, "verdict", text=say(lang, "size.fits", o=w.floor)))
    else:
        unseen = max(0, w.p + w.n - ((w.floor - 1) * w.s + w.f_eff))
        lost = say(lang, "size.lost_padding")
        if unseen:
            lost = say(lang, "size.lost_one") if unseen == 1 else say(lang, "size.lost_many", count=unseen)
        verdict = say(lang, "size.no_fit", span=w.span, s=w.s, exact=number(w.exact), floor=w.floor)
        lines.append(INDENT + say(lang, "verdict", text=verdict + say(lang, "sep") + lost))
        lines.append(INDENT + say(lang, "size.fix", examples=_fixes(lang, w)))
    if w.s == 1 and w.f_eff % 2 == 1 and w.exact != w.n:
        lines.append(INDENT + say(lang, "size.keep", p=(w.f_eff - 1) // 2))
    return lines


SEARCH = 100_000  # fixes are looked for among this many paddings and strides (a search past it could hang)


def _fixes(lang: str, w: Window) -> str:
    """The smallest larger padding, and the nearest stride, that make the division whole."""
    examples = []
    for p in range(w.p + 1, w.p + min(w.s, SEARCH) + 1):
        fixed = Window(w.n, w.f, w.s, p, w.d)
        if fixed.exact.denominator == 1:
            examples.append(say(lang, "size.fix_padding", p=p, calc=f"{fixed.substituted()} = {fixed.floor}"))
            break
    candidates = range(1, min(w.span, SEARCH) + 1)
    strides = sorted((s for s in candidates if w.span % s == 0 and s != w.s), key=lambda s: (abs(s - w.s), s))
    if strides:
        fixed = Window(w.n, w.f, strides[0], w.p, w.d)
        examples.append(say(lang, "size.fix_stride", s=strides[0], calc=f"{fixed.substituted()} = {fixed.floor}"))
    return say(lang, "sep").join(examples)


def conv_params(lang: str, f: int, c: int, k: int, groups: int = 1, bias: bool = True) -> list[str]:
    """(F·F·C + 1)·K with the numbers in: (5·5·3 + 1)·10 = 760."""
    per_filter = f"{f}·{f}·{c}" if groups == 1 else f"{f}·{f}·{c}/{groups}"
    total = (f * f * (c // groups) + (1 if bias else 0)) * k
    if not bias:
        formula, calc = say(lang, "params.formula_nobias"), f"{per_filter}·{k}"
    elif groups == 1:
        formula, calc = say(lang, "params.formula"), f"({per_filter} + 1)·{k}"
    else:
        formula, calc = say(lang, "params.formula_grouped", g=groups), f"({per_filter} + 1)·{k}"
    return [
        say(lang, "params.title"),
        INDENT + formula,
        INDENT + say(lang, "params.legend", f=f, c=c, k=k),
        INDENT + f"= {calc} = {total:,}",
    ]


def activation_map(lang: str, k: int, o: int) -> list[str]:
    return [say(lang, "act.title"), INDENT + say(lang, "act.value", k=k, o=o, total=f"{k * o * o:,}")]


def receptive_field_stack(lang: str, kernels: list[int], strides: list[int]) -> list[str]:
    """A chain of windows: 1 + L·(F − 1) when every stride is 1, and the recurrence step by step."""
    lines = [say(lang, "rf.title")]
    if len(set(kernels)) == 1 and set(strides) == {1}:
        f, count = kernels[0], len(kernels)
        lines.append(INDENT + say(lang, "rf.stack_formula"))
        lines.append(INDENT + f"= 1 + {count}·({f} − 1) = {1 + count * (f - 1)}")
    lines.append(INDENT + say(lang, "rf.recurrence"))
    r: int | Fraction = 1
    j: int | Fraction = 1
    for index, (f, s) in enumerate(zip(kernels, strides), start=1):
        step = AxisRF(r, j).then(f, s, 0)
        lines.append(
            INDENT + say(lang, "rf.step", index=index, name=f"#{index}", local=f, f=f, r_prev=r, j_prev=j, r=step.size,
                         s=s, j=step.jump)
        )
        r, j = step.size, step.jump
    lines.append(INDENT + say(lang, "rf.result", name=f"#{len(kernels)}", r=r))
    return lines


def spec_layer(lang: str, network: Network, report: Report, name: str, at: tuple[int, ...] | None) -> list[str]:
    """A layer of a spec: its own arithmetic, the receptive field from the input image to it, and
    (with `at`) the input rows and columns one of its outputs sees."""
    spec = next(layer for layer in leaves(network.layers) if layer.name == name)
    rows = {row.name: row for row in report.layers}
    row = rows[name]
    lines = [say(lang, "layer.head", name=name, kind=row.kind, shape_in=shape_text(row.input_shape),
                 shape_out=shape_text(row.output_shape))]
    lines += _own_arithmetic(lang, spec, row)
    lines.append("")
    lines += _field_from_input(lang, row, rows)
    if at is not None and row.receptive_field is not None:
        lines += _position(lang, row, at, report.input_shape)
    return lines


def _windows(spec: LayerSpec, row: LayerResult) -> tuple[list[Window], int, int] | None:
    """Per-axis windows of a conv or pool row (with its groups and channel counts), or None."""
    args = spec.args
    if not isinstance(args, (Conv, MaxPool, AvgPool)):
        return None
    spatial = row.input_shape[2:]
    rank = len(spatial)
    kernels = per_axis(args.kernel_size, rank, "kernel_size")
    strides = per_axis(args.stride if args.stride is not None else args.kernel_size, rank, "stride")
    dilations = per_axis(getattr(args, "dilation", 1), rank, "dilation")
    effective = tuple(effective_kernel(k, d) for k, d in zip(kernels, dilations))
    pads = resolve_padding(args.padding, rank, spatial, effective, strides)
    windows = [Window(n, k, s, lo, d) for n, k, s, (lo, _), d in zip(spatial, kernels, strides, pads, dilations)]
    groups = args.groups if isinstance(args, Conv) else 1
    return windows, groups, row.input_shape[1]


def _own_arithmetic(lang: str, spec: LayerSpec, row: LayerResult) -> list[str]:
    found = _windows(spec, row)
    if found is None:
        if isinstance(spec.args, Linear):
            n_in = row.input_shape[-1]
            return [INDENT + say(lang, "layer.linear", n_in=n_in, n_out=spec.args.out_features, params=f"{row.params:,}")]
        return [INDENT + say(lang, "layer.plain", params=f"{row.params:,}")]
    windows, groups, channels = found
    lines: list[str] = []
    shown = []
    for window in windows:  # axes with the same arithmetic are explained once
        if window not in shown:
            shown.append(window)
            lines += output_size(lang, window)
    if isinstance(spec.args, Conv):
        f = windows[0].f
        if all(w.f == f for w in windows):
            lines += conv_params(lang, f, channels, spec.args.out_channels, groups, spec.args.bias)
        out = row.output_shape[2:]
        if len(out) == 2 and out[0] == out[1]:
            lines += activation_map(lang, spec.args.out_channels, out[0])
    return lines


def _field_from_input(lang: str, row: LayerResult, rows: dict[str, LayerResult]) -> list[str]:
    """The recurrence along the chain of rows that feed this one, first axis."""
    if row.receptive_field is None:
        return [say(lang, "rf.title"), INDENT + say(lang, "rf.none")]
    chain = [row]
    while chain[-1].input_from is not None:
        chain.append(rows[chain[-1].input_from])
    chain.reverse()
    lines = [say(lang, "rf.title"), INDENT + say(lang, "rf.recurrence")]
    r_prev: Fraction | int = 1
    j_prev: Fraction | int = 1
    index = 0
    for link in chain:
        if link.receptive_field is None:
            return [say(lang, "rf.title"), INDENT + say(lang, "rf.none")]
        axis = link.receptive_field[0]
        if (axis.size, axis.jump) == (r_prev, j_prev):
            continue  # an activation or a norm: the field does not change
        index += 1
        local = 1 + (axis.size - r_prev) / j_prev if j_prev else 1
        stride = Fraction(axis.jump) / j_prev
        lines.append(
            INDENT + say(lang, "rf.step", index=index, name=link.name, local=number(local), f=number(local),
                         r_prev=number(r_prev), j_prev=number(j_prev), r=number(axis.size), s=number(stride),
                         j=number(axis.jump))
        )
        r_prev, j_prev = axis.size, axis.jump
    lines.append(INDENT + say(lang, "rf.result", name=row.name, r=number(r_prev)))
    return lines


def _position(lang: str, row: LayerResult, at: tuple[int, ...], input_shape: tuple[int, ...]) -> list[str]:
    """Which input rows and columns output position `at` sees, and how many of its pixels are padding."""
    assert row.receptive_field is not None
    spans: list[tuple[int | Fraction, int | Fraction]] = []
    inside: int | Fraction = 1
    total = 1
    for axis, index, size in zip(row.receptive_field, at, input_shape[2:]):
        first = axis.start + index * axis.jump
        last = first + axis.size - 1
        spans.append((first, last))
        real = max(0, min(last, size - 1) - max(first, 0) + 1)
        inside *= real
        total *= int(axis.size)
    text = [f"{number(first)}..{number(last)}" for first, last in spans]
    rows_text, cols_text = (text + text)[:2] if len(text) == 1 else (text[0], text[1])
    pad = total - inside
    lines = [INDENT + say(lang, "rf.at", row=at[0], col=at[1] if len(at) > 1 else at[0], name=row.name, rows=rows_text,
                          cols=cols_text)]
    lines.append(INDENT + (say(lang, "rf.padding", pad=pad, total=total) if pad else say(lang, "rf.no_padding")))
    return lines

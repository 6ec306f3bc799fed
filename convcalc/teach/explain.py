"""`convcalc explain`: one layer worked step by step, as the lecture does it on the board.

Each function returns lines of text: the general formula, the formula with the numbers
substituted, the result and the verdict, in the language asked for. The geometry is never
re-derived here: a layer's `window()` (conv, transposed conv, pooling) resolves it, or the
engine's row carries it (`LayerResult.window`), so explain shows exactly what the table computes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from math import prod

from convcalc.engine.report import GroupRef, LayerResult, Report
from convcalc.formats import decimal, grouped, shape_text
from convcalc.layers.args import Axes
from convcalc.layers.conv import Conv, ConvTranspose
from convcalc.layers.kind import CompositeKind, LayerKind
from convcalc.layers.linear import Linear
from convcalc.layers.pool import AvgPool, MaxPool
from convcalc.layers.rf import AxisRF
from convcalc.layers.tensor import AXIS_NAMES, LayerError, TensorInfo
from convcalc.layers.window import AxisWindow, Window, conv_out_len, effective_kernel, resolve_window
from convcalc.network import Network, leaves
from convcalc.teach.text import say

INDENT = "  "
Windowed = Conv | ConvTranspose | MaxPool | AvgPool


def number(value: int | Fraction) -> str:
    return decimal(value)


# ---------------------------------------------------------------------------------------------
# The verdict, as the engine's coverage rule (non_whole_notes) decides it


def verdict_of(a: AxisWindow, out: int, *, ceil_mode: bool = False, transposed: bool = False) -> str:
    """'fits' (whole), 'padding-only' (floored, every input pixel still covered: summary's info),
    'gaps' (floored, the kernel is smaller than the stride: rows between windows are skipped by
    design, summary's info), 'uncovered' (floored, input rows never covered: summary's warning),
    or 'ceil' (ceil_mode)."""
    if transposed or a.whole:
        return "fits"
    if ceil_mode:
        return "ceil"
    if a.effective < a.stride:
        return "gaps"
    return "uncovered" if a.unseen(out) else "padding-only"


def floor_of(a: AxisWindow) -> int:
    """What PyTorch computes for a conv axis (the engine's own rule)."""
    return conv_out_len(a.size, a.effective, a.stride, a.before, a.after)


def axis(n: int, f: int, s: int = 1, p: int = 0, d: int = 1) -> AxisWindow:
    """One conv axis with P on each side (solve and the quiz search these)."""
    return AxisWindow(n, f, s, d, p, p)


def _symmetric(a: AxisWindow) -> bool:
    return a.before == a.after


def term(a: AxisWindow) -> str:
    """The numerator in symbols: N + 2P − F, with D and per-side padding when they matter."""
    padding = "2P" if _symmetric(a) else "P_before + P_after"
    kernel = "F" if a.dilation == 1 else "D·(F − 1) − 1"
    return f"N + {padding} − {kernel}"


def substituted(a: AxisWindow) -> str:
    """(7 + 2 − 3)/3 + 1: 2P is multiplied out, a zero padding left out, as on the board."""
    if _symmetric(a):
        padded = f"{a.size} + {2 * a.before}" if a.before else f"{a.size}"
    else:
        padded = f"{a.size} + {a.before} + {a.after}"
    return f"({padded} − {a.effective})/{a.stride} + 1"


def _legend(lang: str, a: AxisWindow) -> str:
    p = str(a.before) if _symmetric(a) else say(lang, "size.pad_pair", before=a.before, after=a.after)
    legend = say(lang, "size.legend", n=a.size, f=a.kernel, s=a.stride, p=p)
    if a.dilation != 1:
        legend += say(lang, "size.legend_d", d=a.dilation)
    return legend


def output_size(
    lang: str, a: AxisWindow, out: int | None = None, *, ceil_mode: bool = False, mode: str | None = None,
    title: str | None = None,
) -> list[str]:
    """The lecture's output-size check for one resolved axis, with a way out when it does not fit."""
    out = floor_of(a) if out is None else out
    lines = [title or say(lang, "size.title")]
    formula = f"O = ({term(a)})/S + 1"
    if a.dilation != 1:
        formula += say(lang, "size.effective", f_eff=a.effective)
    lines.append(INDENT + formula)
    lines.append(INDENT + _legend(lang, a))
    if mode is not None:
        lines.append(INDENT + say(lang, "size.mode", mode=mode, before=a.before, after=a.after))
    lines.append(INDENT + f"= {substituted(a)} = {number(a.exact)}")
    verdict = verdict_of(a, out, ceil_mode=ceil_mode)
    if verdict == "fits":
        lines.append(INDENT + say(lang, "verdict", text=say(lang, "size.fits", o=out)))
    elif verdict == "ceil":
        key = "size.ceil" if out == -(-a.span // a.stride) + 1 else "size.ceil_dropped"
        lines.append(INDENT + say(lang, "verdict", text=say(lang, key, exact=number(a.exact), o=out)))
    elif verdict == "padding-only":
        text = say(lang, "size.padding_only", exact=number(a.exact), floor=out)
        lines.append(INDENT + say(lang, "verdict", text=text + say(lang, "sep") + say(lang, "size.lost_padding")))
    elif verdict == "gaps":
        text = say(lang, "size.padding_only", exact=number(a.exact), floor=out)
        key = "size.gaps_alternate" if (a.effective, a.stride) == (1, 2) else "size.gaps"
        gaps = say(lang, key, f_eff=a.effective, s=a.stride, gap=a.stride - a.effective)
        lines.append(INDENT + say(lang, "verdict", text=text + say(lang, "sep") + gaps))
    else:
        unseen = a.unseen(out)
        lost = say(lang, "size.lost_one") if unseen == 1 else say(lang, "size.lost_many", count=unseen)
        text = say(lang, "size.no_fit", term=term(a), span=a.span, s=a.stride, exact=number(a.exact), floor=out)
        lines.append(INDENT + say(lang, "verdict", text=text + say(lang, "sep") + lost))
        lines.append(INDENT + say(lang, "size.fix", term=term(a), examples=_fixes(lang, a)))
    if a.stride == 1 and a.effective % 2 == 1 and out != a.size and _symmetric(a):
        key = "size.keep" if a.dilation == 1 else "size.keep_dilated"
        lines.append(INDENT + say(lang, key, p=(a.effective - 1) // 2))
    return lines


def _fixes(lang: str, a: AxisWindow) -> str:
    """The smallest larger padding, and the nearest stride, that make the division whole."""
    examples = []
    if _symmetric(a):
        for p in range(a.before + 1, a.before + a.stride + 1):
            fixed = replace(a, before=p, after=p)
            if fixed.whole:
                examples.append(say(lang, "size.fix_padding", p=p, calc=f"{substituted(fixed)} = {floor_of(fixed)}"))
                break
    near = range(max(1, a.stride - 1000), min(a.span, a.stride + 1000) + 1)  # bounded: N may be 10^17 (a key)
    strides = sorted((s for s in near if a.span % s == 0 and s != a.stride), key=lambda s: (abs(s - a.stride), s))
    if strides:
        fixed = replace(a, stride=strides[0])
        examples.append(say(lang, "size.fix_stride", s=strides[0], calc=f"{substituted(fixed)} = {floor_of(fixed)}"))
    return say(lang, "sep").join(examples)


def transposed_size(lang: str, a: AxisWindow, out: int, title: str | None = None) -> list[str]:
    """A transposed conv's output size: always whole; output_padding picks among the sizes a stride reaches."""
    lines = [title or say(lang, "size.title"), INDENT + "O = (N − 1)·S − 2P + D·(F − 1) + OP + 1"]
    lines.append(INDENT + say(lang, "size.t_legend", n=a.size, f=a.kernel, s=a.stride, p=a.before, d=a.dilation,
                              op=a.output_padding))
    calc = f"({a.size} − 1)·{a.stride} − {2 * a.before} + {a.dilation}·({a.kernel} − 1) + {a.output_padding} + 1"
    lines.append(INDENT + f"= {calc} = {out}")
    lines.append(INDENT + say(lang, "verdict", text=say(lang, "size.fits", o=out)))
    top = max(a.stride, a.dilation) - 1
    if top > 0:
        base = out - a.output_padding
        sizes = ", ".join(str(base + op) for op in range(top + 1))
        lines.append(INDENT + say(lang, "size.t_choices", top=top, sizes=sizes, n=a.size))
    return lines


# ---------------------------------------------------------------------------------------------
# Refusals: the layer's own window() refuses; the words are the catalogue's, in every language


def refusal(lang: str, kind: Windowed, spatial: tuple[int, ...], error: LayerError) -> list[str]:
    """Why the engine (and PyTorch) refuses this layer, as a verdict."""
    reason = _refusal_text(lang, kind, spatial, error)
    return [INDENT + say(lang, "verdict", text=say(lang, "size.refused", reason=reason))]


def _refusal_text(lang: str, kind: Windowed, spatial: tuple[int, ...], error: LayerError) -> str:
    if isinstance(kind, ConvTranspose):
        if error.arg == "output_padding":
            return say(lang, "refuse.output_padding")
        if error.arg == "padding":
            return say(lang, "refuse.t_empty")
        return say(lang, "refuse.other")
    dilation = kind.dilation if isinstance(kind, (Conv, MaxPool)) else 1
    stride: Axes = kind.kernel_size if kind.stride is None else kind.stride
    try:
        axes = resolve_window(spatial, kind.kernel_size, stride, kind.padding, dilation,
                              kernel_one_fits_all=not isinstance(kind, Conv))
    except LayerError:  # 'same' with a stride: resolve_window itself refuses
        return say(lang, "refuse.same_stride")
    for a in axes:
        if isinstance(kind, (MaxPool, AvgPool)) and a.before > a.kernel // 2:
            return say(lang, "refuse.pool_padding", p=a.before, f=a.kernel, half=a.kernel // 2)
    for a in axes:
        if a.effective > a.padded or (isinstance(kind, AvgPool) and len(axes) == 3 and a.size < a.kernel):
            return say(lang, "size.too_big", f_eff=a.effective, padded=a.padded)
    return say(lang, "refuse.other")


# ---------------------------------------------------------------------------------------------
# One windowed layer: every distinct axis once


def window_lines(lang: str, window: Window, *, mode: str | None = None) -> list[str]:
    """The output-size arithmetic of every axis of a resolved window (equal axes explained once)."""
    rank = len(window.axes)
    distinct: dict[tuple[AxisWindow, int], list[str]] = {}
    for name, a, out in zip(AXIS_NAMES[rank], window.axes, window.outputs):
        distinct.setdefault((a, out), []).append(say(lang, f"axis.{name}"))
    lines: list[str] = []
    for (a, out), names in distinct.items():
        title = None
        if len(distinct) > 1:
            title = say(lang, "size.title_axis", axes=say(lang, "and").join(names))
        if window.transposed:
            lines += transposed_size(lang, a, out, title)
        else:
            lines += output_size(lang, a, out, ceil_mode=window.ceil_mode, mode=mode, title=title)
    return lines


def layer_window(kind: Windowed, spatial: tuple[int, ...]) -> Window:
    """The window the layer's own rule resolves (a LayerError when it refuses)."""
    return kind.window(spatial)


def verdict(window: Window) -> str:
    """The worst per-axis verdict: uncovered > gaps > padding-only > ceil > fits."""
    found = {verdict_of(a, o, ceil_mode=window.ceil_mode, transposed=window.transposed)
             for a, o in zip(window.axes, window.outputs)}
    for worst in ("uncovered", "gaps", "padding-only", "ceil", "fits"):
        if worst in found:
            return worst
    return "fits"


def conv_params(lang: str, kernels: tuple[int, ...], c: int, k: int, groups: int = 1, bias: bool = True) -> list[str]:
    """(F·F·C + 1)·K with the numbers in: (5·5·3 + 1)·10 = 760 (F_h·F_w for a non-square kernel)."""
    square = len(set(kernels)) == 1
    if square:
        taps = "·".join("F" for _ in kernels)
        f = str(kernels[0])
    else:
        taps = "·".join(f"F_{n[0]}" for n in AXIS_NAMES[len(kernels)])
        f = "×".join(map(str, kernels))
    per_filter = "·".join(map(str, kernels)) + f"·{c}" + ("" if groups == 1 else f"/{groups}")
    total = (prod(kernels) * (c // groups) + (1 if bias else 0)) * k
    if not bias:
        formula, calc = say(lang, "params.formula_nobias", taps=taps), f"{per_filter}·{k}"
    elif groups == 1:
        formula, calc = say(lang, "params.formula", taps=taps), f"({per_filter} + 1)·{k}"
    else:
        formula, calc = say(lang, "params.formula_grouped", taps=taps, g=groups), f"({per_filter} + 1)·{k}"
    return [
        say(lang, "params.title"),
        INDENT + formula,
        INDENT + say(lang, "params.legend", f=f, c=c, k=k),
        INDENT + f"= {calc} = {grouped(total)}",
    ]


def transposed_params(lang: str, kernels: tuple[int, ...], c: int, k: int, groups: int, bias: bool) -> list[str]:
    """A transposed conv's weight is C × K/G × F·F: the same count as the conv it transposes."""
    total = prod(kernels) * c * (k // groups) + (k if bias else 0)
    per = "·".join(map(str, kernels))
    calc = f"{per}·{c}·{k}" + ("" if groups == 1 else f"/{groups}") + (f" + {k}" if bias else "")
    return [say(lang, "params.title"), INDENT + say(lang, "params.transposed"), INDENT + f"= {calc} = {grouped(total)}"]


def activation_map(lang: str, k: int, outs: tuple[int, ...]) -> list[str]:
    square = len(set(outs)) == 1
    symbols = " × ".join("O" for _ in outs) if square else " × ".join(f"O_{n[0]}" for n in AXIS_NAMES[len(outs)])
    values = " × ".join(map(str, outs))
    total = grouped(k * prod(outs))
    return [say(lang, "act.title"), INDENT + say(lang, "act.value", symbols=symbols, k=k, values=values, total=total)]


# ---------------------------------------------------------------------------------------------
# Receptive field of a stack


def receptive_field_stack(lang: str, kernels: list[int], strides: list[int], dilations: list[int] | None = None
                          ) -> list[str]:
    """A chain of windows: 1 + L·D·(F − 1) when every stride is 1, and the recurrence step by step
    with each layer's effective size D·(F − 1) + 1."""
    dilations = dilations or [1] * len(kernels)
    effective = [effective_kernel(f, d) for f, d in zip(kernels, dilations)]
    lines = [say(lang, "rf.title")]
    if len(set(kernels)) == 1 and set(strides) == {1} and len(set(dilations)) == 1:
        f, count, d = kernels[0], len(kernels), dilations[0]
        if d == 1:
            lines.append(INDENT + say(lang, "rf.stack_formula"))
            lines.append(INDENT + f"= 1 + {count}·({f} − 1) = {1 + count * (f - 1)}")
        else:
            lines.append(INDENT + say(lang, "rf.stack_formula_dilated"))
            lines.append(INDENT + f"= 1 + {count}·{d}·({f} − 1) = {1 + count * d * (f - 1)}")
    if any(d != 1 for d in dilations):
        pairs = ", ".join(f"{d}·({f} − 1) + 1 = {e}" for f, d, e in zip(kernels, dilations, effective))
        lines.append(INDENT + say(lang, "rf.dilated", pairs=pairs))
    lines.append(INDENT + say(lang, "rf.recurrence"))
    field = AxisRF(1, 1)
    for index, (f, s) in enumerate(zip(effective, strides), start=1):
        step = field.then(f, s, 0)
        lines.append(
            INDENT + say(lang, "rf.step", index=index, name=f"#{index}", local=f, f=f, r_prev=field.size,
                         j_prev=field.jump, r=step.size, s=s, j=step.jump)
        )
        field = step
    lines.append(INDENT + say(lang, "rf.result", name=f"#{len(kernels)}", r=field.size))
    return lines


# ---------------------------------------------------------------------------------------------
# A row of a spec: a layer, a composite's part, a join, or a group (a folded block)


@dataclass(frozen=True, slots=True)
class Found:
    """What `--layer NAME` names: one row of the table, or a group of rows (a block, a composite)."""

    row: LayerResult | None
    group: GroupRef | None
    members: tuple[LayerResult, ...]


def find(report: Report, name: str) -> Found | None:
    rows = [row for row in report.layers if row.name == name]
    if rows:
        return Found(rows[0], None, (rows[0],))
    members = tuple(row for row in report.layers if any(g.name == name for g in row.groups))
    if members:
        group = next(g for g in members[0].groups if g.name == name)
        return Found(None, group, members)
    return None


def names(report: Report) -> list[str]:
    """Every name explain accepts: the rows, and the groups they sit in (as --depth folds them)."""
    found = [row.name for row in report.layers]
    for row in report.layers:
        found += [g.name for g in row.groups if g.name not in found]
    return found


def layer_kinds(network: Network, report: Report) -> dict[str, LayerKind]:
    """The checked arguments of every row that is a layer, composite parts included."""
    kinds: dict[str, LayerKind] = {}
    first_input: dict[str, tuple[int, ...]] = {}
    for row in report.layers:
        for group in row.groups:
            first_input.setdefault(group.name, row.input_shape)
    for spec in leaves(network.layers):
        if isinstance(spec.args, CompositeKind):
            shape = first_input.get(spec.name)
            if shape is None:
                continue
            try:
                expansion = spec.args.expand(TensorInfo(shape[1:], None), spec.rank)
            except LayerError:
                continue
            for part in expansion.parts:
                kinds[f"{spec.name}.{part.name}"] = part.args
        else:
            kinds[spec.name] = spec.args
    return kinds


def spec_layer(lang: str, network: Network, report: Report, name: str, at: tuple[int, ...] | None) -> list[str]:
    """A row of a spec: its own arithmetic, the receptive field from the input image to it, and
    (with `at`) the input rows and columns one of its outputs sees."""
    found = find(report, name)
    if found is None:
        raise KeyError(name)
    last = found.members[-1]
    shape_in = found.members[0].input_shape
    if found.row is None:
        assert found.group is not None
        lines = [say(lang, "layer.head", name=name, kind=found.group.kind, shape_in=shape_text(shape_in),
                     shape_out=shape_text(last.output_shape))]
        lines += _group_lines(lang, network, report, found)
    else:
        row = found.row
        lines = [say(lang, "layer.head", name=name, kind=row.kind, shape_in=shape_text(row.input_shape),
                     shape_out=shape_text(row.output_shape))]
        lines += own_arithmetic(lang, layer_kinds(network, report).get(name), row, report)
    lines.append("")
    lines += field_from_input(lang, last, report)
    if at is not None and last.receptive_field is not None:
        lines += _position(lang, name, last, at, report.input_shape)
    return lines


def _group_lines(lang: str, network: Network, report: Report, found: Found) -> list[str]:
    """A block or composite: its rows, their parameter and MAC totals, then each row's own arithmetic."""
    members = found.members
    params = sum(r.params for r in members)
    macs = sum(r.macs for r in members)
    lines = [INDENT + say(lang, "layer.group", count=len(members), names=", ".join(r.name for r in members),
                          params=grouped(params), macs=grouped(macs))]
    kinds = layer_kinds(network, report)
    for row in members:
        own = own_arithmetic(lang, kinds.get(row.name), row, report)
        lines += ["", say(lang, "layer.head", name=row.name, kind=row.kind, shape_in=shape_text(row.input_shape),
                          shape_out=shape_text(row.output_shape))]
        lines += own
    return lines


def own_arithmetic(lang: str, kind: LayerKind | None, row: LayerResult, report: Report) -> list[str]:
    """A row's own formula: the window's output size, a conv's parameters and activation map,
    a linear layer's parameters, a join's rule, or its parameter count."""
    window = row.window
    if window is None:
        if row.kind in ("add", "concat", "mul"):
            return [INDENT + say(lang, f"layer.join_{row.kind}", shape_out=shape_text(row.output_shape))]
        if isinstance(kind, Linear):
            n_in = row.input_shape[-1]
            return [INDENT + say(lang, "layer.linear", n_in=n_in, n_out=kind.out_features, params=grouped(row.params))]
        return [INDENT + say(lang, "layer.plain", params=grouped(row.params))]
    mode = kind.padding if isinstance(kind, Conv) and isinstance(kind.padding, str) else None
    lines = window_lines(lang, window, mode=mode)
    channels, filters = row.input_shape[1], row.output_shape[1]
    if isinstance(kind, Conv):
        lines += conv_params(lang, window.kernels, channels, filters, kind.groups, kind.bias)
        lines += activation_map(lang, filters, row.output_shape[2:])
    elif isinstance(kind, ConvTranspose):
        lines += transposed_params(lang, window.kernels, channels, filters, kind.groups, kind.bias)
        lines += activation_map(lang, filters, row.output_shape[2:])
    if row.shares:
        lines.append(INDENT + say(lang, "layer.shares", other=row.shares))
    return lines


def chain(row: LayerResult, report: Report) -> list[LayerResult]:
    """The rows from the input to `row` along which its receptive field grows.

    A row reads its `input_from`; a join reads the end of one of its paths: the one whose field
    is the join's (the largest), so a residual block is walked layer by layer, not as one step.
    """
    by_name = {r.name: r for r in report.layers}
    previous: dict[str, str | None] = {}
    ends_seen: set[str] = set()
    for current in report.layers:
        previous[current.name] = current.input_from
        if current.kind not in ("add", "concat", "mul"):
            continue
        start = by_name[current.input_from].index if current.input_from in by_name else 0
        inside = [r for r in report.layers if start < r.index < current.index]
        referenced = {previous[r.name] for r in inside} | ends_seen
        ends = [r for r in inside if r.name not in referenced]
        ends_seen.update(r.name for r in ends)
        if ends:
            def size(r: LayerResult) -> Fraction:
                return Fraction(r.receptive_field[0].size) if r.receptive_field else Fraction(-1)
            exact = [r for r in ends if r.receptive_field == current.receptive_field]
            previous[current.name] = (exact or sorted(ends, key=size, reverse=True))[0].name
    links = [row]
    while (before := previous.get(links[-1].name)) is not None and before in by_name:
        links.append(by_name[before])
    return links[::-1]


def field_from_input(lang: str, row: LayerResult, report: Report) -> list[str]:
    """The recurrence along the chain of rows that feed this one; axes whose fields differ (a
    non-square kernel) are worked one after the other."""
    links = chain(row, report)
    if row.receptive_field is None or any(link.receptive_field is None for link in links):
        return [say(lang, "rf.title"), INDENT + say(lang, "rf.none")]
    rank = len(row.receptive_field)
    histories: dict[tuple[tuple[Fraction | int, Fraction | int], ...], list[str]] = {}
    for i, name in enumerate(AXIS_NAMES.get(rank, ())):
        history = tuple((link.receptive_field[i].size, link.receptive_field[i].jump)  # type: ignore[index]
                        for link in links)
        histories.setdefault(history, []).append(say(lang, f"axis.{name}"))
    if not histories:
        return [say(lang, "rf.title"), INDENT + say(lang, "rf.none")]
    lines: list[str] = []
    for history, axes in histories.items():
        title = say(lang, "rf.title") if len(histories) == 1 else say(lang, "rf.title_axis", axes=say(lang, "and").join(axes))
        lines += [title, INDENT + say(lang, "rf.recurrence")]
        r_prev: Fraction | int = 1
        j_prev: Fraction | int = 1
        index = 0
        for link, (size, jump) in zip(links, history):
            if (size, jump) == (r_prev, j_prev):
                continue  # an activation, a norm, a join that keeps the field: nothing changes
            index += 1
            local = 1 + Fraction(size - r_prev) / j_prev if j_prev else Fraction(1)
            stride = Fraction(jump) / j_prev
            lines.append(
                INDENT + say(lang, "rf.step", index=index, name=link.name, local=number(local), f=number(local),
                             r_prev=number(r_prev), j_prev=number(j_prev), r=number(size), s=number(stride),
                             j=number(jump))
            )
            r_prev, j_prev = size, jump
        lines.append(INDENT + say(lang, "rf.result", name=row.name, r=number(r_prev)))
    return lines


def _position(lang: str, name: str, row: LayerResult, at: tuple[int, ...], input_shape: tuple[int, ...]) -> list[str]:
    """Which input rows and columns output position `at` sees, and how many of its pixels are padding."""
    assert row.receptive_field is not None
    spans: list[tuple[int | Fraction, int | Fraction]] = []
    inside: int | Fraction = 1
    total = 1
    for field, index, size in zip(row.receptive_field, at, input_shape[2:]):
        first = field.start + index * field.jump
        last = first + field.size - 1
        spans.append((first, last))
        real = max(0, min(last, size - 1) - max(first, 0) + 1)
        inside *= real
        total *= int(field.size)
    text = [f"{number(first)}..{number(last)}" for first, last in spans]
    rows_text, cols_text = (text + text)[:2] if len(text) == 1 else (text[0], text[1])
    pad = total - inside
    lines = [INDENT + say(lang, "rf.at", row=at[0], col=at[1] if len(at) > 1 else at[0], name=name, rows=rows_text,
                          cols=cols_text)]
    lines.append(INDENT + (say(lang, "rf.padding", pad=pad, total=total) if pad else say(lang, "rf.no_padding")))
    return lines

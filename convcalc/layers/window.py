"""Sliding-window arithmetic shared by convolution and pooling.

Every formula is PyTorch's, quoted in its docstring, and takes one axis at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from convcalc.formats import ratio
from convcalc.layers.args import Axes, Padding
from convcalc.layers.tensor import AXIS_NAMES, LayerError, Note
from convcalc.lazy_dataclass import lazy_dataclass

if TYPE_CHECKING:
    from fractions import Fraction

UNIT = {"length": "position", "height": "row", "width": "column", "depth": "slice"}


T = TypeVar("T")


def per_axis(value: T | tuple[T, ...], rank: int, name: str, *, one_fits_all: bool = True) -> tuple[T, ...]:
    """Broadcast a scalar to every spatial axis, or check a per-axis list has one per axis.

    A one-value list counts for every axis, as PyTorch expands it (`stride: [2]` on a conv2d),
    except where PyTorch does not: a conv's kernel_size (it shapes the weight) and adaptive
    pooling's output_size pass `one_fits_all=False`.
    """
    if isinstance(value, tuple):
        if len(value) == 1 and one_fits_all and not isinstance(value[0], tuple):
            return value * rank
        if len(value) != rank:
            raise LayerError(
                f"'{name}' has {len(value)} values but the layer has {rank} spatial "
                f"{'axis' if rank == 1 else 'axes'}",
                arg=name,
                hint=f"give one value, or exactly {rank}",
            )
        return value
    return (value,) * rank


def effective_kernel(kernel: int, dilation: int) -> int:
    """A dilated kernel spans d·(k − 1) + 1 input pixels."""
    return dilation * (kernel - 1) + 1


def resolve_padding(
    padding: Padding, rank: int, sizes: tuple[int, ...], kernels: tuple[int, ...], strides: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """Padding actually applied, as (before, after) per axis.

    'same' is PyTorch's: stride 1 only, total d·(k − 1), the odd pixel at the end.
    'tf_same' is TensorFlow's SAME: out = ceil(N/S), total = max((out − 1)·S + k_eff − N, 0),
    the odd pixel at the end; ONNX's 'same_upper' is the same rule and 'same_lower' puts the odd
    pixel at the start. 'valid' is no padding.
    """
    if type(padding) is int:  # the common case: one size on both sides of every axis
        return ((padding, padding),) * rank
    if padding == "valid":
        return ((0, 0),) * rank
    if padding == "same":
        if any(s != 1 for s in strides):
            raise LayerError(
                "padding='same' is not supported for strided convolutions (PyTorch refuses it)",
                arg="padding",
                hint="use padding 'tf_same' for TensorFlow's SAME, or an explicit padding",
            )
        return tuple(((k - 1) // 2, (k - 1) - (k - 1) // 2) for k in kernels)
    if padding in ("tf_same", "same_upper", "same_lower"):
        pairs = []
        for n, k, s in zip(sizes, kernels, strides):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            small, large = total // 2, total - total // 2
            pairs.append((large, small) if padding == "same_lower" else (small, large))
        return tuple(pairs)
    if isinstance(padding, str):
        raise LayerError(f"unknown padding mode '{padding}'", arg="padding")
    if isinstance(padding, tuple) and padding and isinstance(padding[0], tuple):
        return per_axis(padding, rank, "padding")
    return tuple((p, p) for p in per_axis(cast("Axes", padding), rank, "padding"))


def conv_out_len(n: int, kernel: int, stride: int, before: int, after: int) -> int:
    """PyTorch Conv: floor((N + P_before + P_after − d·(k − 1) − 1)/S) + 1, `kernel` effective."""
    return (n + before + after - kernel) // stride + 1


def pool_out_len(n: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape.

    out = floor_or_ceil((N + 2P − d·(k − 1) − 1)/S) + 1; under ceil_mode the last window
    must start inside the input or the left padding: if (out − 1)·S >= N + P, drop it.
    """
    span = n + 2 * pad - effective_kernel(kernel, dilation)
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def transposed_out_len(n: int, kernel: int, stride: int, pad: int, output_padding: int) -> int:
    """PyTorch ConvTranspose: (N − 1)·S − 2P + d·(k − 1) + output_padding + 1, `kernel` effective."""
    return (n - 1) * stride - 2 * pad + kernel + output_padding


@lazy_dataclass(frozen=True, slots=True)
class AxisWindow:
    """One axis of a sliding window, as resolved for its input: the numbers the lecture writes.

    N = `size`, F = `kernel`, S = `stride`, D = `dilation`, padding applied `before` and `after`
    (equal unless a SAME mode or [before, after] pair made them differ). A transposed window
    trims `before`/`after` from its output instead and adds `output_padding` at the end.
    """

    size: int
    kernel: int
    stride: int
    dilation: int
    before: int
    after: int
    output_padding: int = 0

    @property
    def effective(self) -> int:
        """F_eff = D·(F − 1) + 1 (`effective_kernel`, spelt out: asked several times per layer)."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def padded(self) -> int:
        return self.size + self.before + self.after

    @property
    def span(self) -> int:
        """N + P_before + P_after − F_eff: how far the window can travel."""
        return self.padded - self.effective

    @property
    def exact(self) -> Fraction:
        """(N + 2P − F_eff)/S + 1 before flooring: whole when the windows tile the input exactly."""
        from fractions import Fraction  # for the teaching commands: a summary's notes use `ratio`

        return Fraction(self.span, self.stride) + 1

    @property
    def whole(self) -> bool:
        """Whether (N + 2P − F_eff)/S + 1 is whole (`span`, spelt out: asked of every window's axes)."""
        return (self.size + self.before + self.after - self.dilation * (self.kernel - 1) - 1) % self.stride == 0

    def unseen(self, out: int) -> int:
        """Input rows past the last window's end (never covered), for `out` windows."""
        return max(0, self.before + self.size - ((out - 1) * self.stride + self.effective))


@lazy_dataclass(frozen=True, slots=True)
class Window:
    """A sliding window over every spatial axis, resolved once by the layer's rule.

    The rule, its PyTorch builder, `explain` and the teaching commands all read this value, so
    none of them can re-derive the geometry differently. `outputs` is what the rule computed.
    """

    axes: tuple[AxisWindow, ...]
    outputs: tuple[int, ...]
    ceil_mode: bool = False
    transposed: bool = False

    @property
    def kernels(self) -> tuple[int, ...]:
        return tuple([a.kernel for a in self.axes])

    @property
    def effective(self) -> tuple[int, ...]:
        return tuple(a.effective for a in self.axes)

    @property
    def strides(self) -> tuple[int, ...]:
        return tuple(a.stride for a in self.axes)

    @property
    def dilations(self) -> tuple[int, ...]:
        return tuple(a.dilation for a in self.axes)

    @property
    def pads(self) -> tuple[tuple[int, int], ...]:
        return tuple((a.before, a.after) for a in self.axes)

    @property
    def padded(self) -> tuple[int, ...]:
        return tuple(a.padded for a in self.axes)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(a.size for a in self.axes)


def resolve_window(
    spatial: tuple[int, ...],
    kernel_size: Axes,
    stride: Axes,
    padding: Padding,
    dilation: Axes,
    *,
    kernel_one_fits_all: bool,
) -> tuple[AxisWindow, ...]:
    """Per-axis kernel, stride, dilation and applied padding for an input of `spatial` sizes."""
    if type(kernel_size) is type(stride) is type(dilation) is type(padding) is int:
        # One number for each (nearly every conv and pooling): every axis alike, nothing broadcast
        # into tuples first (~0.5 µs of a conv's ~6).
        return tuple([AxisWindow(n, kernel_size, stride, dilation, padding, padding) for n in spatial])
    rank = len(spatial)
    kernels = per_axis(kernel_size, rank, "kernel_size", one_fits_all=kernel_one_fits_all)
    strides = per_axis(stride, rank, "stride")
    dilations = per_axis(dilation, rank, "dilation")
    effective = tuple(map(effective_kernel, kernels, dilations))
    pads = resolve_padding(padding, rank, spatial, effective, strides)
    return tuple([
        AxisWindow(n, k, s, d, lo, hi) for n, k, s, d, (lo, hi) in zip(spatial, kernels, strides, dilations, pads)
    ])


def asymmetric_padding_note(window: Window) -> tuple[Note, ...]:
    """When padding differs before and after, say what is applied on each side (an info)."""
    for axis in window.axes:
        if axis.before != axis.after:
            break
    else:
        return ()
    pads = window.pads
    sides = {1: (("left", "right"),), 2: (("top", "bottom"), ("left", "right")),
             3: (("front", "back"), ("top", "bottom"), ("left", "right"))}[len(pads)]
    applied = ", ".join(f"{a} {lo}, {b} {hi}" for (a, b), (lo, hi) in zip(sides, pads))
    return (Note("asymmetric-padding", f"padding applied: {applied}", arg="padding", severity="info"),)


def _skipped_between(stride: int, effective: int, units: list[str]) -> str:
    """What a window narrower than its stride skips: the input between windows, by design."""
    plural = [f"{u}s" for u in units]
    listed = ", ".join(plural[:-1]) + (" and " if len(plural) > 1 else "") + plural[-1]
    gap = stride - effective
    share = "alternate" if (gap, stride) == (1, 2) else f"{gap} of every {stride}"
    return (
        f"{share} {listed} are skipped: the kernel {effective} is smaller than the stride {stride}, "
        "so the input between windows is never read (by design)"
    )


def non_whole_notes(window: Window) -> tuple[Note, ...]:
    """The lecture's rule, (N + 2P − F)/S + 1 must be whole: one note per distinct failure.

    Each note says what PyTorch floors the size to and what the windows never read. When the
    window is narrower than its stride (F_eff < S, a 1x1 conv with stride 2) the rows between
    windows are skipped by design, so the note says so and is an info; a warning is kept for a
    real loss at the end (F_eff ≥ S and input rows past the last window). Axes that fail with
    the same arithmetic share one note ("height and width").
    """
    for a in window.axes:
        if not a.whole:
            break
    else:
        return ()  # the common case, decided without building anything
    rank = len(window.axes)
    failures: dict[tuple[str, int, int, int, int], list[str]] = {}
    for axis, (a, out) in enumerate(zip(window.axes, window.outputs)):
        if a.whole:  # the common case, decided without a Fraction
            continue
        if a.before == a.after:
            numerator = f"{a.size}" + (f" + 2·{a.before}" if a.before else "") + f" − {a.effective}"
        else:
            numerator = f"{a.size} + {a.before} + {a.after} − {a.effective}"
        arithmetic = f"({numerator})/{a.stride} + 1 = {ratio(a.span + a.stride, a.stride)}"
        gap = (a.stride, a.effective) if a.effective < a.stride else (0, 0)
        failures.setdefault((arithmetic, out, a.unseen(out), *gap), []).append(AXIS_NAMES[rank][axis])
    notes = []
    for (arithmetic, out, unseen, stride, effective), axes in failures.items():
        units = [UNIT[a] for a in axes]
        if stride:
            lost = _skipped_between(stride, effective, units)
        elif unseen:
            plural = "s" if unseen > 1 else ""
            count = "" if unseen == 1 else f"{unseen} "
            parts = [f"the last {count}input {u}{plural}" for u in units]
            lost = " and ".join(parts) + (" is" if len(parts) == 1 and unseen == 1 else " are") + " never covered"
        else:
            lost = "only padding is skipped, every input " + " and ".join(units) + " is still covered"
        notes.append(
            Note(
                "non-whole",
                f"{arithmetic} is not whole along the {' and '.join(axes)}: PyTorch floors it to {out}; {lost}",
                arg="stride",
                severity="warning" if unseen and not stride else "info",
            )
        )
    return tuple(notes)

"""Pooling: max and average (1d/2d/3d), adaptive, and global average/max pooling.

Pooling has no weights and counts 0 MACs (its work is comparisons and adds, not weighted
multiply-accumulates), but it moves the receptive field exactly as a convolution does.
"""

from __future__ import annotations

from math import gcd
from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import (
    SAME_MODES,
    Axes,
    OptionalAxes,
    OutputSize,
    arg,
    boolean,
    optional_positive_axes,
    output_size,
    pool_padding,
    positive_axes,
    positive_number,
)
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.rf import Span, check_period, periodic
from convcalc.layers.tensor import AXIS_NAMES, LayerError, Note, Outcome, TensorInfo, spatial_rank
from convcalc.layers.window import (
    Window,
    asymmetric_padding_note,
    conv_out_len,
    non_whole_notes,
    per_axis,
    pool_out_len,
    resolve_window,
)

PoolPadding = Axes | str  # an integer, one per axis, or 'valid' / a SAME mode


def pool_window(
    spatial: tuple[int, ...], family: str, kernel: Axes, stride: OptionalAxes, pad: PoolPadding, dilation: Axes,
    ceil_mode: bool,
) -> Window:
    """The geometry a max, average or power-average pooling resolves for an input of `spatial`
    sizes, with PyTorch's checks: padding at most half the kernel, and a window that fits.

    A SAME mode (TensorFlow's 'tf_same', ONNX's 'same_upper'/'same_lower') pads as a conv does,
    total max((ceil(N/S) − 1)·S + F_eff − N, 0), so out = ceil(N/S); TensorFlow has no ceil mode.
    """
    rank = len(spatial)
    same = pad in SAME_MODES
    if same and ceil_mode:
        raise LayerError(
            f"ceil_mode does not combine with padding '{pad}': SAME padding already gives ceil(N/S)",
            arg="ceil_mode",
            hint="drop ceil_mode, or use integer padding",
        )
    axes = resolve_window(spatial, kernel, kernel if stride is None else stride, pad, dilation, kernel_one_fits_all=True)
    if same:  # padded explicitly before pooling (as TensorFlow does): PyTorch's pooling checks do not apply
        return Window(axes, tuple(conv_out_len(a.size, a.effective, a.stride, a.before, a.after) for a in axes))
    for a in axes:
        # PyTorch's pool shape check: pad <= kernel_size / 2 (the undilated kernel).
        if a.before > a.kernel // 2:
            raise LayerError(
                f"padding {a.before} is more than half the kernel {a.kernel}; PyTorch allows at most {a.kernel // 2}",
                arg="padding",
                hint=f"use padding <= {a.kernel // 2}, or a larger kernel",
            )
    kernels = tuple(a.kernel for a in axes)
    if family in ("avgpool", "lppool") and rank == 3 and any(a.size < a.kernel for a in axes):
        # avg_pool3d (which LPPool3d runs) alone checks the unpadded input against the kernel (pool3d_shape_check's
        # check_input_size), so padding cannot rescue a too-small volume there.
        raise LayerError(
            f"{family}3d needs every input axis at least the kernel {shape_text(kernels)}, "
            f"got {shape_text(spatial)} (PyTorch does not count padding here)",
            arg="kernel_size",
            hint="use a smaller kernel, or pool earlier in the network",
        )
    out = tuple(pool_out_len(a.size, a.kernel, a.stride, a.before, a.dilation, ceil_mode) for a in axes)
    if any(o < 1 for o in out):
        raise LayerError(
            f"kernel {shape_text(tuple(a.effective for a in axes))} is larger than the padded input "
            f"{shape_text(tuple(a.padded for a in axes))}",
            arg="kernel_size",
            hint="use a smaller kernel, or pool earlier in the network",
        )
    return Window(axes, out, ceil_mode=ceil_mode)


def _sliding_pool(x: TensorInfo, rank: int, family: str, window: Window) -> Outcome:
    # Under ceil_mode the last window may hang over the end on purpose: no coverage finding.
    notes = (() if window.ceil_mode else non_whole_notes(window)) + asymmetric_padding_note(window)
    rf = None if x.rf is None else tuple(a.then(w.effective, w.stride, w.before, w.dilation) for a, w in zip(x.rf, window.axes))
    return Outcome(out=TensorInfo((x.channels, *window.outputs), rf), notes=notes, display=f"{family}{rank}d",
                   window=window)


@register("maxpool", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class MaxPool(LayerKind):
    """Max pooling (torch.nn.MaxPool1d/2d/3d); stride defaults to the kernel size.

    Output per axis: floor_or_ceil((N + 2P − d·(F − 1) − 1)/S) + 1. With padding 'tf_same'
    (TensorFlow's SAME), 'same_upper' or 'same_lower' (ONNX): ceil(N/S), the input padded with
    −inf first (the odd pixel at the end, or at the start for same_lower).
    """

    positional: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding")
    example: ClassVar[str] = "maxpool:2"

    kernel_size: Axes = arg(positive_axes, aliases=("kernel", "k"), doc="window size F")
    stride: OptionalAxes = arg(optional_positive_axes, None, aliases=("s",), doc="step S; default F")
    padding: PoolPadding = arg(pool_padding, 0, aliases=("p",),
                               doc="implicit -inf padding, at most F/2, or a SAME mode (padded with -inf first)")
    dilation: Axes = arg(positive_axes, 1, aliases=("d",), doc="spacing between window taps")
    ceil_mode: bool = arg(boolean, False, doc="round the output size up (PyTorch's rule)")

    def window(self, spatial: tuple[int, ...]) -> Window:
        return pool_window(spatial, "maxpool", self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, "maxpool")
        return _sliding_pool(x, rank, "maxpool", self.window(x.spatial))

    def to_torch(self, build: TorchBuild) -> Any:
        if self.padding in SAME_MODES:
            from convcalc.layers.torch_modules import same_pool  # modules for torch: imported only when one is built

            window = self.window(build.shape[1:])
            return same_pool(build, "max", window.pads, self.kernel_size, self.stride, self.dilation)
        return getattr(build.nn, f"MaxPool{build.rank}d")(
            self.kernel_size, self.stride, 0 if self.padding == "valid" else self.padding, self.dilation,
            ceil_mode=self.ceil_mode
        )


@register("avgpool", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class AvgPool(LayerKind):
    """Average pooling (torch.nn.AvgPool1d/2d/3d); stride defaults to the kernel size.

    Output per axis: floor_or_ceil((N + 2P − F)/S) + 1. With padding 'tf_same' (TensorFlow's
    SAME), 'same_upper' or 'same_lower' (ONNX): ceil(N/S), and the average excludes the padding,
    as TensorFlow's does (each window divides by its real input elements; count_include_pad
    applies to integer padding only).
    """

    positional: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding")
    example: ClassVar[str] = "avgpool:2"

    kernel_size: Axes = arg(positive_axes, aliases=("kernel", "k"), doc="window size F")
    stride: OptionalAxes = arg(optional_positive_axes, None, aliases=("s",), doc="step S; default F")
    padding: PoolPadding = arg(pool_padding, 0, aliases=("p",),
                               doc="zero padding, at most F/2, or a SAME mode (padding left out of the average)")
    ceil_mode: bool = arg(boolean, False, doc="round the output size up (PyTorch's rule)")
    count_include_pad: bool = arg(boolean, True, doc="average over padding zeros too")

    def window(self, spatial: tuple[int, ...]) -> Window:
        return pool_window(spatial, "avgpool", self.kernel_size, self.stride, self.padding, 1, self.ceil_mode)

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, "avgpool")
        return _sliding_pool(x, rank, "avgpool", self.window(x.spatial))

    def to_torch(self, build: TorchBuild) -> Any:
        if self.padding in SAME_MODES:
            from convcalc.layers.torch_modules import same_pool  # modules for torch: imported only when one is built

            window = self.window(build.shape[1:])
            return same_pool(build, "avg", window.pads, self.kernel_size, self.stride, 1)
        return getattr(build.nn, f"AvgPool{build.rank}d")(
            self.kernel_size, self.stride, 0 if self.padding == "valid" else self.padding, self.ceil_mode,
            self.count_include_pad
        )


@register("lppool", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class LPPool(LayerKind):
    """Power-average pooling (torch.nn.LPPool1d/2d/3d): (Σ x^p)^(1/p) over each window, p = norm_type.

    Output per axis as average pooling without padding: floor_or_ceil((N − F)/S) + 1; stride
    defaults to the kernel size. No weights, 0 MACs (like every pooling).
    """

    positional: ClassVar[tuple[str, ...]] = ("norm_type", "kernel_size", "stride")
    example: ClassVar[str] = "lppool:2,3"

    norm_type: float = arg(positive_number, aliases=("p", "norm"), doc="the power p (1: sum pooling, ∞: max)")
    kernel_size: Axes = arg(positive_axes, aliases=("kernel", "k"), doc="window size F")
    stride: OptionalAxes = arg(optional_positive_axes, None, aliases=("s",), doc="step S; default F")
    ceil_mode: bool = arg(boolean, False, doc="round the output size up (PyTorch's rule)")

    def window(self, spatial: tuple[int, ...]) -> Window:
        return pool_window(spatial, "lppool", self.kernel_size, self.stride, 0, 1, self.ceil_mode)

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, "lppool")
        return _sliding_pool(x, rank, "lppool", self.window(x.spatial))

    def to_torch(self, build: TorchBuild) -> Any:
        kernel = self.kernel_size
        if build.rank == 1 and isinstance(kernel, tuple) and len(kernel) == 1:
            kernel = kernel[0]  # lp_pool1d multiplies by kernel_size, which must be a number there
        return getattr(build.nn, f"LPPool{build.rank}d")(self.norm_type, kernel, self.stride, self.ceil_mode)


def _adaptive_pool(x: TensorInfo, rank: int | None, family: str, size: OutputSize) -> Outcome:
    """Adaptive pooling: output i along an axis reads [floor(i·N/M), ceil((i + 1)·N/M))."""
    rank = spatial_rank(x, rank, family)
    wanted = per_axis(size, rank, "output_size", one_fits_all=False)
    if rank == 1 and None in wanted:
        raise LayerError(
            f"{family}1d needs a size, not null (PyTorch keeps an axis with null only in 2d and 3d)",
            arg="output_size",
            hint="give the output length",
        )
    out = tuple(n if m is None else m for n, m in zip(x.spatial, wanted))
    notes = []
    rf = None
    if x.rf is not None:
        axes = []
        for axis, (a, n, m) in enumerate(zip(x.rf, x.spatial, out)):
            # window i is [floor(i·N/M), ceil((i + 1)·N/M)): a pattern that repeats every M/gcd windows
            period = m // gcd(n, m)
            check_period(period)
            windows: list[Span] = [(i * n // m, -(-(i + 1) * n // m) - 1) for i in range(period)]
            if n % m:
                from fractions import Fraction  # windows of uneven size: an average jump

                axes.append(a.through(periodic(Fraction(n, m), windows)))
            else:
                axes.append(a.through(periodic(n // m, windows)))
            if n % m:
                notes.append(
                    Note(
                        "uneven-windows",
                        f"adaptive windows differ in size along the {AXIS_NAMES[rank][axis]} ({n} into {m}): "
                        "the receptive field is the largest window's, the jump an average",
                    )
                )
        rf = tuple(axes)
    return Outcome(out=TensorInfo((x.channels, *out), rf), notes=tuple(notes), display=f"{family}{rank}d")


@register("adaptiveavgpool", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class AdaptiveAvgPool(LayerKind):
    """Adaptive average pooling (torch.nn.AdaptiveAvgPool1d/2d/3d): a fixed output size."""

    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    example: ClassVar[str] = "adaptiveavgpool:1"

    output_size: OutputSize = arg(output_size, aliases=("size",), doc="output size per axis; null keeps it")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return _adaptive_pool(x, rank, "adaptiveavgpool", self.output_size)

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"AdaptiveAvgPool{build.rank}d")(self.output_size)


@register("adaptivemaxpool", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class AdaptiveMaxPool(LayerKind):
    """Adaptive max pooling (torch.nn.AdaptiveMaxPool1d/2d/3d): a fixed output size."""

    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    example: ClassVar[str] = "adaptivemaxpool:1"

    output_size: OutputSize = arg(output_size, aliases=("size",), doc="output size per axis; null keeps it")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return _adaptive_pool(x, rank, "adaptivemaxpool", self.output_size)

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"AdaptiveMaxPool{build.rank}d")(self.output_size)


@register("globalavgpool")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class GlobalAvgPool(LayerKind):
    """Global average pooling: every spatial axis to 1 (AdaptiveAvgPool with output size 1)."""

    positional: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[str] = "globalavgpool"

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        result = _adaptive_pool(x, rank, "adaptiveavgpool", 1)
        return Outcome(out=result.out, notes=result.notes, display="globalavgpool")

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"AdaptiveAvgPool{build.rank}d")(1)


@register("globalmaxpool")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class GlobalMaxPool(LayerKind):
    """Global max pooling: every spatial axis to 1 (AdaptiveMaxPool with output size 1)."""

    positional: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[str] = "globalmaxpool"

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        result = _adaptive_pool(x, rank, "adaptivemaxpool", 1)
        return Outcome(out=result.out, notes=result.notes, display="globalmaxpool")

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"AdaptiveMaxPool{build.rank}d")(1)

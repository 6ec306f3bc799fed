"""Pooling: max and average (1d/2d/3d), adaptive, and global average/max pooling.

Pooling has no weights and counts 0 MACs (its work is comparisons and adds, not weighted
multiply-accumulates), but it moves the receptive field exactly as a convolution does.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from convcalc.layers.args import arg, boolean, nonnegative_axes, optional_positive_axes, output_size, positive_axes
from convcalc.layers.registry import register
from convcalc.layers.tensor import AXIS_NAMES, LayerError, Note, Outcome, TensorInfo, shape_text, spatial_rank
from convcalc.layers.window import effective_kernel, non_whole_notes, per_axis, pool_out_len


def _sliding_pool(
    x: TensorInfo, rank: int | None, family: str, kernel: Any, stride: Any, pad: Any, dilation: Any, ceil_mode: bool
) -> Outcome:
    rank = spatial_rank(x, rank, family)
    kernels = per_axis(kernel, rank, "kernel_size")
    strides = per_axis(kernel if stride is None else stride, rank, "stride")
    pads = per_axis(pad, rank, "padding")
    dilations = per_axis(dilation, rank, "dilation")
    for k, p in zip(kernels, pads):
        # PyTorch's pool shape check: pad <= kernel_size / 2 (the undilated kernel).
        if p > k // 2:
            raise LayerError(
                f"padding {p} is more than half the kernel {k}; PyTorch allows at most {k // 2}",
                arg="padding",
                hint=f"use padding <= {k // 2}, or a larger kernel",
            )
    if family == "avgpool" and rank == 3 and any(n < k for n, k in zip(x.spatial, kernels)):
        # avg_pool3d alone checks the unpadded input against the kernel (pool3d_shape_check's
        # check_input_size), so padding cannot rescue a too-small volume there.
        raise LayerError(
            f"avgpool3d needs every input axis at least the kernel {shape_text(kernels)}, "
            f"got {shape_text(x.spatial)} (PyTorch does not count padding here)",
            arg="kernel_size",
            hint="use a smaller kernel, or pool earlier in the network",
        )
    effective = tuple(effective_kernel(k, d) for k, d in zip(kernels, dilations))
    out = tuple(
        pool_out_len(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(x.spatial, kernels, strides, pads, dilations)
    )
    if any(o < 1 for o in out):
        padded = tuple(n + 2 * p for n, p in zip(x.spatial, pads))
        raise LayerError(
            f"kernel {shape_text(effective)} is larger than the padded input {shape_text(padded)}",
            arg="kernel_size",
            hint="use a smaller kernel, or pool earlier in the network",
        )
    notes: tuple[Note, ...] = ()
    if not ceil_mode:
        notes = non_whole_notes(rank, x.spatial, effective, strides, tuple((p, p) for p in pads), out)
    rf = None if x.rf is None else tuple(a.then(k, s, p) for a, k, s, p in zip(x.rf, effective, strides, pads))
    return Outcome(out=TensorInfo((x.channels, *out), rf), notes=notes, display=f"{family}{rank}d")


@register("maxpool", ranked=True)
@dataclass(frozen=True, slots=True, kw_only=True)
class MaxPool:
    """Max pooling (torch.nn.MaxPool1d/2d/3d); stride defaults to the kernel size."""

    positional: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding")
    example: ClassVar[str] = "maxpool:2"

    kernel_size: Any = arg(positive_axes, aliases=("kernel", "k"), doc="window size F")
    stride: Any = arg(optional_positive_axes, None, aliases=("s",), doc="step S; default F")
    padding: Any = arg(nonnegative_axes, 0, aliases=("p",), doc="implicit -inf padding, at most F/2")
    dilation: Any = arg(positive_axes, 1, aliases=("d",), doc="spacing between window taps")
    ceil_mode: bool = arg(boolean, False, doc="round the output size up (PyTorch's rule)")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return _sliding_pool(x, rank, "maxpool", self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)


@register("avgpool", ranked=True)
@dataclass(frozen=True, slots=True, kw_only=True)
class AvgPool:
    """Average pooling (torch.nn.AvgPool1d/2d/3d); stride defaults to the kernel size."""

    positional: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding")
    example: ClassVar[str] = "avgpool:2"

    kernel_size: Any = arg(positive_axes, aliases=("kernel", "k"), doc="window size F")
    stride: Any = arg(optional_positive_axes, None, aliases=("s",), doc="step S; default F")
    padding: Any = arg(nonnegative_axes, 0, aliases=("p",), doc="zero padding, at most F/2")
    ceil_mode: bool = arg(boolean, False, doc="round the output size up (PyTorch's rule)")
    count_include_pad: bool = arg(boolean, True, doc="average over padding zeros too")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return _sliding_pool(x, rank, "avgpool", self.kernel_size, self.stride, self.padding, 1, self.ceil_mode)


def _adaptive_pool(x: TensorInfo, rank: int | None, family: str, size: Any) -> Outcome:
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
            axes.append(a.then(-(-n // m), Fraction(n, m), 0))
            if n % m:
                notes.append(
                    Note(
                        "uneven-windows",
                        f"adaptive windows differ in size along the {AXIS_NAMES[rank][axis]} ({n} into {m}): "
                        "the receptive field is the first window's, the jump an average",
                    )
                )
        rf = tuple(axes)
    return Outcome(out=TensorInfo((x.channels, *out), rf), notes=tuple(notes), display=f"{family}{rank}d")


@register("adaptiveavgpool", ranked=True)
@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptiveAvgPool:
    """Adaptive average pooling (torch.nn.AdaptiveAvgPool1d/2d/3d): a fixed output size."""

    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    example: ClassVar[str] = "adaptiveavgpool:1"

    output_size: Any = arg(output_size, aliases=("size",), doc="output size per axis; null keeps it")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return _adaptive_pool(x, rank, "adaptiveavgpool", self.output_size)


@register("adaptivemaxpool", ranked=True)
@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptiveMaxPool:
    """Adaptive max pooling (torch.nn.AdaptiveMaxPool1d/2d/3d): a fixed output size."""

    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    example: ClassVar[str] = "adaptivemaxpool:1"

    output_size: Any = arg(output_size, aliases=("size",), doc="output size per axis; null keeps it")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return _adaptive_pool(x, rank, "adaptivemaxpool", self.output_size)


@register("globalavgpool")
@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalAvgPool:
    """Global average pooling: every spatial axis to 1 (AdaptiveAvgPool with output size 1)."""

    positional: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[str] = "globalavgpool"

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        result = _adaptive_pool(x, rank, "adaptiveavgpool", 1)
        return Outcome(out=result.out, notes=result.notes, display="globalavgpool")


@register("globalmaxpool")
@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalMaxPool:
    """Global max pooling: every spatial axis to 1 (AdaptiveMaxPool with output size 1)."""

    positional: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[str] = "globalmaxpool"

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        result = _adaptive_pool(x, rank, "adaptivemaxpool", 1)
        return Outcome(out=result.out, notes=result.notes, display="globalmaxpool")

"""Convolution and transposed convolution, 1d/2d/3d: torch.nn.Conv*d and ConvTranspose*d."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import prod
from typing import Any, ClassVar

from convcalc.layers.args import (
    arg,
    boolean,
    nonnegative_axes,
    optional_positive_int,
    padding,
    positive_axes,
    positive_int,
)
from convcalc.layers.registry import register
from convcalc.layers.rf import AxisRF, exact
from convcalc.layers.tensor import (
    LayerError,
    Outcome,
    TensorInfo,
    bias_shape,
    check_channels,
    shape_text,
    spatial_rank,
)
from convcalc.layers.window import (
    asymmetric_padding_note,
    conv_out_len,
    effective_kernel,
    non_whole_notes,
    per_axis,
    resolve_padding,
)


def check_groups(groups: int, in_channels: int, out_channels: int) -> None:
    """Grouped convolution splits both channel counts into `groups` equal parts."""
    for name, count in (("in_channels", in_channels), ("out_channels", out_channels)):
        if count % groups:
            raise LayerError(
                f"groups={groups} does not divide {name}={count}",
                arg="groups",
                hint=f"{name} must be a multiple of groups",
            )


@register("conv", ranked=True)
@dataclass(frozen=True, slots=True, kw_only=True)
class Conv:
    """Convolution: K filters of size F over C input channels (in groups).

    Output per axis: floor((N + 2P − d·(F − 1) − 1)/S) + 1. Parameters: F^d·(C/g)·K + K
    (bias). MACs: every output element costs F^d·(C/g) multiply-accumulates; bias adds are
    not counted.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding")
    example: ClassVar[str] = "conv:64,3,p=1"

    out_channels: int = arg(positive_int, aliases=("out",), doc="number of filters K")
    kernel_size: Any = arg(positive_axes, aliases=("kernel", "k"), doc="filter size F")
    stride: Any = arg(positive_axes, 1, aliases=("s",), doc="step S between windows")
    padding: Any = arg(padding, 0, aliases=("p",), doc="zeros added on each side (P), or a mode")
    dilation: Any = arg(positive_axes, 1, aliases=("d",), doc="spacing between kernel taps")
    groups: int = arg(positive_int, 1, aliases=("g",), doc="channel groups; C for depthwise")
    bias: bool = arg(boolean, True, doc="add a learned bias per filter")
    in_channels: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, "conv")
        channels = x.channels
        check_channels(self.in_channels, channels, "in_channels")
        check_groups(self.groups, channels, self.out_channels)
        kernels = per_axis(self.kernel_size, rank, "kernel_size", one_fits_all=False)
        strides = per_axis(self.stride, rank, "stride")
        dilations = per_axis(self.dilation, rank, "dilation")
        effective = tuple(effective_kernel(k, d) for k, d in zip(kernels, dilations))
        pads = resolve_padding(self.padding, rank, x.spatial, effective, strides)
        padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.spatial, pads))
        if any(k > n for k, n in zip(effective, padded)):
            described = shape_text(kernels)
            if effective != kernels:
                described = f"{shape_text(kernels)} (dilated to {shape_text(effective)})"
            raise LayerError(
                f"kernel {described} is larger than the padded input {shape_text(padded)}",
                arg="kernel_size",
                hint="use a smaller kernel, more padding, or a larger input",
            )
        out = tuple(conv_out_len(n, k, s, lo, hi) for n, k, s, (lo, hi) in zip(x.spatial, effective, strides, pads))
        notes = non_whole_notes(rank, x.spatial, effective, strides, pads, out) + asymmetric_padding_note(rank, pads)
        taps = prod(kernels) * (channels // self.groups)
        rf = None
        if x.rf is not None:
            rf = tuple(a.then(k, s, lo) for a, k, s, (lo, _) in zip(x.rf, effective, strides, pads))
        return Outcome(
            out=TensorInfo((self.out_channels, *out), rf),
            weights=((self.out_channels, channels // self.groups, *kernels), *bias_shape(self.bias, self.out_channels)),
            macs=taps * self.out_channels * prod(out),
            notes=notes,
            display=f"conv{rank}d",
        )


@register("convtranspose", "deconv", ranked=True)
@dataclass(frozen=True, slots=True, kw_only=True)
class ConvTranspose:
    """Transposed convolution (torch.nn.ConvTranspose1d/2d/3d), the gradient of a convolution.

    Output per axis: (N − 1)·S − 2P + d·(F − 1) + output_padding + 1, with output_padding
    below max(S, d). Parameters: F^d·(C/g)·K + K. MACs are counted from the input side: every
    input element is scattered through F^d·(K/g) weights, so C·N^d·(K/g)·F^d in all.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding")
    example: ClassVar[str] = "convtranspose:64,2,2"

    out_channels: int = arg(positive_int, aliases=("out",), doc="number of output channels K")
    kernel_size: Any = arg(positive_axes, aliases=("kernel", "k"), doc="filter size F")
    stride: Any = arg(positive_axes, 1, aliases=("s",), doc="upsampling factor S")
    padding: Any = arg(nonnegative_axes, 0, aliases=("p",), doc="trimmed from each side of the output: d·(F − 1) − P is the conv's")
    output_padding: Any = arg(nonnegative_axes, 0, aliases=("op",), doc="added to one side of the output, below max(S, d)")
    dilation: Any = arg(positive_axes, 1, aliases=("d",), doc="spacing between kernel taps")
    groups: int = arg(positive_int, 1, aliases=("g",), doc="channel groups")
    bias: bool = arg(boolean, True, doc="add a learned bias per output channel")
    in_channels: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, "convtranspose")
        channels = x.channels
        check_channels(self.in_channels, channels, "in_channels")
        check_groups(self.groups, channels, self.out_channels)
        kernels = per_axis(self.kernel_size, rank, "kernel_size", one_fits_all=False)
        strides = per_axis(self.stride, rank, "stride")
        pads = per_axis(self.padding, rank, "padding")
        extras = per_axis(self.output_padding, rank, "output_padding")
        dilations = per_axis(self.dilation, rank, "dilation")
        for extra, s, d in zip(extras, strides, dilations):
            if extra >= max(s, d):
                raise LayerError(
                    f"output_padding {extra} must be smaller than the stride {s} or the dilation {d} (PyTorch's rule)",
                    arg="output_padding",
                    hint="output_padding only picks among the sizes a stride can produce: use 0 .. max(S, d) − 1",
                )
        effective = tuple(effective_kernel(k, d) for k, d in zip(kernels, dilations))
        out = tuple(
            (n - 1) * s - 2 * p + k + extra for n, s, p, k, extra in zip(x.spatial, strides, pads, effective, extras)
        )
        if any(n < 1 for n in out):
            raise LayerError(
                f"the output would be {shape_text(out)}: (N − 1)·S − 2P + d·(F − 1) + output_padding + 1 is below 1",
                arg="padding",
                hint="use less padding or a larger kernel or stride (PyTorch returns an empty tensor or fails here)",
            )
        rf = None
        if x.rf is not None:
            # Zero insertion divides the jump by S; then a stride-1 conv padded by k_eff − 1 − P.
            rf = tuple(
                AxisRF(a.size, exact(Fraction(a.jump) / s), a.start).then(k, 1, k - 1 - p)
                for a, k, s, p in zip(x.rf, effective, strides, pads)
            )
        per_input = prod(kernels) * (self.out_channels // self.groups)
        return Outcome(
            out=TensorInfo((self.out_channels, *out), rf),
            weights=((channels, self.out_channels // self.groups, *kernels), *bias_shape(self.bias, self.out_channels)),
            macs=channels * prod(x.spatial) * per_input,
            display=f"convtranspose{rank}d",
        )

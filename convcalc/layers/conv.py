"""Convolution, 1d/2d/3d: torch.nn.Conv1d/Conv2d/Conv3d."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, ClassVar

from convcalc.layers.args import arg, boolean, optional_positive_int, padding, positive_axes, positive_int
from convcalc.layers.registry import register
from convcalc.layers.tensor import (
    LayerError,
    Outcome,
    TensorInfo,
    bias_shape,
    check_channels,
    shape_text,
    spatial_rank,
)
from convcalc.layers.window import conv_out_len, effective_kernel, non_whole_notes, per_axis, resolve_padding


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
        for name, count in (("in_channels", channels), ("out_channels", self.out_channels)):
            if count % self.groups:
                raise LayerError(
                    f"groups={self.groups} does not divide {name}={count}",
                    arg="groups",
                    hint=f"{name} must be a multiple of groups",
                )
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
        notes = non_whole_notes(rank, x.spatial, effective, strides, pads, out)
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

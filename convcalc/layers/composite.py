"""Composite kinds: one spec line that stands for several layers, each shown as its own row.

`separable` (depthwise then pointwise), `spatial_separable` (F×1 then 1×F) and `deform_conv`
(the offset predictor, the v2 mask predictor, then the deformable conv itself). A composite's
`expand` returns its parts; the engine runs them as a block named after the composite, so the
table shows the parts and `--depth` folds them back into one row.
"""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import (
    Axes,
    Padding,
    arg,
    boolean,
    nonnegative_axes,
    nonnegative_int,
    optional_positive_int,
    padding,
    positive_axes,
    positive_int,
)
from convcalc.layers.conv import Conv, check_groups
from convcalc.layers.kind import CompositeKind, LayerKind, NotCheckable, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.tensor import Expansion, LayerError, Note, Outcome, Part, TensorInfo, spatial_rank
from convcalc.layers.window import per_axis


def _plain_conv_params(kernels: tuple[int, ...], cin: int, cout: int, bias: bool) -> int:
    return prod(kernels) * cin * cout + (cout if bias else 0)


def _saving(ours: int, plain: int, kernels: tuple[int, ...], cin: int, cout: int) -> Note:
    ratio = plain / ours
    return Note(
        "parameter-saving",
        f"{ours:,} parameters where a plain {shape_text(kernels)} conv from {cin} to {cout} channels has "
        f"{plain:,} ({ratio:.1f}x fewer)",
        severity="info",
    )


@register("separable", "separableconv", "depthwiseseparable")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Separable(CompositeKind):
    """Depthwise-separable convolution: a depthwise F×F conv (groups = C), then a pointwise 1×1 conv.

    Parameters F^d·C·m + C·m·K (+ biases), against F^d·C·K + K for a plain conv: the
    report states the saving. `depth_multiplier` m gives each input channel m filters.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding")
    example: ClassVar[str] = "separable:64,3,p=1"

    out_channels: int = arg(positive_int, aliases=("out",), doc="channels after the pointwise conv")
    kernel_size: Axes = arg(positive_axes, aliases=("kernel", "k"), doc="depthwise filter size F")
    stride: Axes = arg(positive_axes, 1, aliases=("s",), doc="depthwise stride")
    padding: Padding = arg(padding, 0, aliases=("p",), doc="depthwise padding, or a mode")
    dilation: Axes = arg(positive_axes, 1, aliases=("d",), doc="depthwise dilation")
    depth_multiplier: int = arg(positive_int, 1, aliases=("m",), doc="depthwise filters per input channel")
    bias: bool = arg(boolean, True, doc="a bias on both convs")

    def expand(self, x: TensorInfo, rank: int | None) -> Expansion:
        rank = spatial_rank(x, rank, "separable")
        channels = x.channels
        mid = channels * self.depth_multiplier
        kernels = per_axis(self.kernel_size, rank, "kernel_size", one_fits_all=False)
        depthwise = Conv(
            out_channels=mid, kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
            dilation=self.dilation, groups=channels, bias=self.bias,
        )
        pointwise = Conv(out_channels=self.out_channels, kernel_size=1, bias=self.bias)
        ours = prod(kernels) * mid + (mid if self.bias else 0) + mid * self.out_channels + (
            self.out_channels if self.bias else 0
        )
        plain = _plain_conv_params(kernels, channels, self.out_channels, self.bias)
        return Expansion(
            (
                Part("depthwise", depthwise, f"conv{rank}d", rank),
                Part("pointwise", pointwise, f"conv{rank}d", rank),
            ),
            (_saving(ours, plain, kernels, channels, self.out_channels),),
        )


@register("spatialseparable")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class SpatialSeparable(CompositeKind):
    """Spatially separable convolution: an F×1 conv, then a 1×F conv (Inception's 7×1, 1×7).

    The F×1 conv carries the vertical stride and padding, the 1×F conv the horizontal ones;
    `mid_channels` (default: out) is the width between them.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding")
    example: ClassVar[str] = "spatialseparable:64,3,p=1"

    out_channels: int = arg(positive_int, aliases=("out",), doc="channels after the 1×F conv")
    kernel_size: int = arg(positive_int, aliases=("kernel", "k"), doc="F, the length of both 1-D filters")
    stride: int = arg(positive_int, 1, aliases=("s",), doc="stride S along each axis")
    padding: int = arg(nonnegative_int, 0, aliases=("p",), doc="padding P along each axis")
    mid_channels: int | None = arg(optional_positive_int, None, aliases=("mid",), doc="channels between the convs; default out")
    bias: bool = arg(boolean, True, doc="a bias on both convs")

    def expand(self, x: TensorInfo, rank: int | None) -> Expansion:
        if len(x.spatial) != 2:
            raise LayerError(
                f"spatial_separable works on (C, H, W) inputs, got {shape_text(x.shape)}",
                hint="for 1-D inputs a plain conv is already separable",
            )
        f, s = self.kernel_size, self.stride
        p = self.padding
        mid = self.mid_channels or self.out_channels
        vertical = Conv(out_channels=mid, kernel_size=(f, 1), stride=(s, 1), padding=(p, 0), bias=self.bias)
        horizontal = Conv(out_channels=self.out_channels, kernel_size=(1, f), stride=(1, s), padding=(0, p), bias=self.bias)
        channels = x.channels
        ours = f * channels * mid + (mid if self.bias else 0) + f * mid * self.out_channels + (
            self.out_channels if self.bias else 0
        )
        plain = _plain_conv_params((f, f), channels, self.out_channels, self.bias)
        return Expansion(
            (Part("vertical", vertical, "conv2d", 2), Part("horizontal", horizontal, "conv2d", 2)),
            (_saving(ours, plain, (f, f), channels, self.out_channels),),
        )


@kind_dataclass(frozen=True, slots=True, kw_only=True)
class DeformConvCore(LayerKind):
    """The deformable conv itself (torchvision.ops.DeformConv2d), a part of `deform_conv` only.

    Shapes, weights and MACs are a regular conv's; the sampling positions move by the learned
    offsets, so the receptive field is nominal (the bilinear sampling is not counted in MACs).
    """

    family: ClassVar[str] = "deformconv"  # a part only, never registered: weight sharing compares this

    out_channels: int
    kernel_size: Axes
    stride: Axes
    padding: Axes
    dilation: Axes
    groups: int
    bias: bool

    def as_conv(self) -> Conv:
        return Conv(
            out_channels=self.out_channels, kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
            dilation=self.dilation, groups=self.groups, bias=self.bias,
        )

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        conv = self.as_conv()
        result = conv.infer(x, 2)
        note = Note(
            "nominal-rf",
            "the receptive field is nominal: the sampling offsets are learned, so the real field moves with the input",
            severity="info",
        )
        out = TensorInfo(result.out.shape, result.out.rf, nominal=True)
        return Outcome(out, result.weights, result.buffers, result.macs, (*result.notes, note), "deformconv2d",
                       result.window)

    def to_torch(self, build: TorchBuild) -> Any:
        """torchvision.ops.DeformConv2d, called with the input and the offsets (and v2 mask) its
        sibling parts predicted (`Part.extra_inputs`)."""
        try:
            from torchvision.ops import DeformConv2d  # type: ignore[import-not-found, unused-ignore]
        except (ImportError, RuntimeError) as missing:  # absent, or built for another torch (its ops fail to load)
            raise NotCheckable(f"needs torchvision.ops.DeformConv2d, which does not import here ({missing})") from None
        return DeformConv2d(
            build.shape[0], self.out_channels, self.kernel_size, self.stride, self.padding, self.dilation, self.groups,
            self.bias,
        )


@register("deformconv", "deformconv2d")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class DeformConv(CompositeKind):
    """Deformable convolution (Dai et al. 2017; v2, modulated: Zhu et al. 2019), as
    torchvision.ops.DeformConv2d fed by the usual offset-predicting conv.

    Rows: `offset`, a conv with 2·kh·kw·offset_groups outputs; `mask` (v2 only), a conv with
    kh·kw·offset_groups outputs; `conv`, the deformable conv, shaped like a regular conv.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding")
    example: ClassVar[str] = "deformconv:64,3,p=1"

    out_channels: int = arg(positive_int, aliases=("out",), doc="number of filters K")
    kernel_size: Axes = arg(positive_axes, aliases=("kernel", "k"), doc="filter size F")
    stride: Axes = arg(positive_axes, 1, aliases=("s",), doc="step S between windows")
    padding: Axes = arg(nonnegative_axes, 0, aliases=("p",), doc="zeros added on each side (P)")
    dilation: Axes = arg(positive_axes, 1, aliases=("d",), doc="spacing between kernel taps")
    groups: int = arg(positive_int, 1, aliases=("g",), doc="channel groups of the deformable conv")
    offset_groups: int = arg(positive_int, 1, doc="groups of input channels sharing one offset field")
    modulated: bool = arg(boolean, False, aliases=("v2",), doc="add the v2 mask predictor")
    bias: bool = arg(boolean, True, doc="a bias on the deformable conv")

    def expand(self, x: TensorInfo, rank: int | None) -> Expansion:
        if len(x.spatial) != 2:
            raise LayerError(
                f"deform_conv works on (C, H, W) inputs, got {shape_text(x.shape)}",
                hint="torchvision's DeformConv2d is 2-D only",
            )
        check_groups(self.groups, x.channels, self.out_channels)
        if x.channels % self.offset_groups:
            raise LayerError(
                f"offset_groups={self.offset_groups} does not divide the {x.channels} input channels",
                arg="offset_groups",
                hint="choose offset_groups that divides the input channels",
            )
        taps = prod(per_axis(self.kernel_size, 2, "kernel_size", one_fits_all=False))
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        offset = Conv(out_channels=2 * taps * self.offset_groups, kernel_size=k, stride=s, padding=p, dilation=d)
        parts = [Part("offset", offset, "conv2d", 2, reads_input=True)]
        if self.modulated:
            mask = Conv(out_channels=taps * self.offset_groups, kernel_size=k, stride=s, padding=p, dilation=d)
            parts.append(Part("mask", mask, "conv2d", 2, reads_input=True))
        core = DeformConvCore(
            out_channels=self.out_channels, kernel_size=k, stride=s, padding=p, dilation=d, groups=self.groups,
            bias=self.bias,
        )
        extra = ("offset", "mask") if self.modulated else ("offset",)
        parts.append(Part("conv", core, "deformconv2d", 2, reads_input=True, extra_inputs=extra))
        return Expansion(tuple(parts))

"""Normalisation and learned scaling: BatchNorm 1d/2d/3d, LayerNorm, LayerNorm2d, GroupNorm, layer scale,
InstanceNorm 1d/2d/3d, LocalResponseNorm.

BatchNorm's running mean and variance (and its num_batches_tracked counter) are buffers, not
parameters: torchvision does not count them, Keras calls them non-trainable. MACs: one per
element, the normalise-and-scale x̂·γ + β being one multiply-accumulate.
"""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import (
    OptionalAxes,
    any_int,
    arg,
    boolean,
    number,
    optional_positive_axes,
    optional_positive_int,
    positive_int,
)
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.tensor import (
    LayerError,
    Outcome,
    TensorInfo,
    affine_shapes,
    batched_axis,
    check_channels,
    spatial_rank,
)

_BATCHNORM = {1: "batchnorm1d", 2: "batchnorm2d", 3: "batchnorm3d"}  # the kind as shown, by the rank read


@register("batchnorm", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class BatchNorm(LayerKind):
    """Batch normalisation over the channel axis (torch.nn.BatchNorm1d/2d/3d).

    Parameters 2C (γ, β) when affine; buffers 2C + 1 (running mean, variance, batch counter).
    """

    positional: ClassVar[tuple[str, ...]] = ("num_features",)
    example: ClassVar[str] = "batchnorm"

    num_features: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")
    eps: float = arg(number, 1e-5, doc="added to the variance")
    momentum: float | None = arg(number, 0.1, doc="running-statistics momentum")
    affine: bool = arg(boolean, True, doc="learn γ and β")
    track_running_stats: bool = arg(boolean, True, doc="keep running mean/variance buffers")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        # BatchNorm1d takes (C) or (C, L); 2d takes (C, H, W); 3d takes (C, D, H, W).
        have = max(1, len(x.spatial))
        if len(x.spatial) > 3 or (rank is not None and rank != have):
            layouts = {1: "(C) or (C, L)", 2: "(C, H, W)", 3: "(C, D, H, W)"}
            raise LayerError(
                f"batchnorm{rank or have}d needs an input of shape {layouts.get(rank or have, '(C, ...)')}, "
                f"got {shape_text(x.shape)}",
                hint="write 'batchnorm' to take the rank from the input",
            )
        channels = x.channels
        check_channels(self.num_features, channels, "num_features")
        return Outcome(
            out=x,
            weights=affine_shapes(self.affine, (channels,)),
            buffers=2 * channels + 1 if self.track_running_stats else 0,
            macs=prod(x.shape),
            display=_BATCHNORM[have],
        )

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"BatchNorm{build.rank}d")(
            build.shape[0], self.eps, self.momentum, self.affine, self.track_running_stats
        )


@register("layernorm")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class LayerNorm(LayerKind):
    """Layer normalisation over the trailing axes (torch.nn.LayerNorm).

    `normalized_shape` defaults to the last axis. Parameters: 2·prod(normalized_shape) with
    affine and bias, prod(normalized_shape) with affine alone.
    """

    positional: ClassVar[tuple[str, ...]] = ("normalized_shape",)
    example: ClassVar[str] = "layernorm"
    layout_aware: ClassVar[bool] = True  # normalises the trailing axes wherever the channels are

    normalized_shape: OptionalAxes = arg(optional_positive_axes, None, aliases=("shape",), doc="trailing axes normalised")
    eps: float = arg(number, 1e-5, doc="added to the variance")
    elementwise_affine: bool = arg(boolean, True, aliases=("affine",), doc="learn a per-element scale")
    bias: bool = arg(boolean, True, doc="learn a per-element shift (with affine)")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        shape = self.normalized_shape
        if shape is None:
            shape = (x.shape[-1],)
        elif not isinstance(shape, tuple):
            shape = (shape,)
        if tuple(x.shape[-len(shape) :]) != tuple(shape) or len(shape) > len(x.shape):
            raise LayerError(
                f"normalized_shape {list(shape)} does not match the trailing axes of its input {shape_text(x.shape)}",
                arg="normalized_shape",
                hint="normalized_shape must equal the input's last axes",
            )
        weights: tuple[tuple[int, ...], ...] = ()
        if self.elementwise_affine:
            weights = affine_shapes(True, tuple(shape))[: 2 if self.bias else 1]
        return Outcome(out=x, weights=weights, macs=prod(x.shape))

    def to_torch(self, build: TorchBuild) -> Any:
        normalized = self.normalized_shape if self.normalized_shape is not None else build.shape[-1]
        return build.nn.LayerNorm(normalized, self.eps, self.elementwise_affine, bias=self.bias)


@register("groupnorm")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class GroupNorm(LayerKind):
    """Group normalisation (torch.nn.GroupNorm): C channels in G groups; parameters 2C (γ and β),
    C with `bias: false`, none without affine."""

    positional: ClassVar[tuple[str, ...]] = ("num_groups",)
    example: ClassVar[str] = "groupnorm:32"

    num_groups: int = arg(positive_int, aliases=("groups", "g"), doc="number of groups G")
    num_channels: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")
    eps: float = arg(number, 1e-5, doc="added to the variance")
    affine: bool = arg(boolean, True, doc="learn per-channel γ and β")
    bias: bool = arg(boolean, True, doc="learn the shift β (with affine)")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        channels = x.channels
        check_channels(self.num_channels, channels, "num_channels")
        if channels % self.num_groups:
            raise LayerError(
                f"num_groups={self.num_groups} does not divide the {channels} input channels",
                arg="num_groups",
                hint="choose a number of groups that divides the channels",
            )
        weights = affine_shapes(self.affine, (channels,))[: 2 if self.bias else 1]
        return Outcome(out=x, weights=weights, macs=prod(x.shape))

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.GroupNorm(self.num_groups, build.shape[0], self.eps, self.affine, bias=self.bias)


@register("layernorm2d")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class LayerNorm2d(LayerKind):
    """LayerNorm over the channels of a channel-first tensor (torchvision's LayerNorm2d, ConvNeXt's
    stem and downsampling): each position's C values are normalised together, the same as
    permute to channels-last, LayerNorm(C), permute back. Parameters 2C (C without bias, none
    without affine); MACs one per element.
    """

    positional: ClassVar[tuple[str, ...]] = ("num_channels",)
    example: ClassVar[str] = "layernorm2d"

    num_channels: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")
    eps: float = arg(number, 1e-5, doc="added to the variance (ConvNeXt uses 1e-6)")
    elementwise_affine: bool = arg(boolean, True, aliases=("affine",), doc="learn a per-channel scale")
    bias: bool = arg(boolean, True, doc="learn a per-channel shift (with affine)")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        check_channels(self.num_channels, x.channels, "num_channels")
        weights = affine_shapes(self.elementwise_affine, (x.channels,))[: 2 if self.bias else 1]
        return Outcome(out=x, weights=weights, macs=prod(x.shape))

    def to_torch(self, build: TorchBuild) -> Any:
        from convcalc.layers.torch_modules import LAYERNORM2D  # modules for torch: imported only when one is built

        return build.make(LAYERNORM2D, build.shape[0], self.eps, self.elementwise_affine, self.bias)


@register("layerscale")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class LayerScale(LayerKind):
    """Layer scale (ConvNeXt, CaiT): the input times a learned per-channel factor γ, owned by no
    other layer. Parameters C, shaped to broadcast along `dim` (dim 1, channel-first: (C, 1, 1),
    torchvision's ConvNeXt; dim −1, channels-last: (C)). MACs one per element.
    """

    positional: ClassVar[tuple[str, ...]] = ("init_values",)
    example: ClassVar[str] = "layer_scale:1e-6"
    layout_aware: ClassVar[bool] = True  # a multiply by a broadcast factor: the field is the input's

    init_values: float = arg(number, 1e-6, aliases=("init", "layer_scale"), doc="initial γ (ConvNeXt: 1e-6)")
    dim: int = arg(any_int, 1, doc="the channel axis γ runs along (batch is 0; -1 for channels-last)")

    def scale_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        axis = batched_axis(self.dim, len(shape), "dim")
        return (shape[axis], *([1] * (len(shape) - axis - 1)))

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return Outcome(out=x, weights=(self.scale_shape(x.shape),), macs=prod(x.shape))

    def to_torch(self, build: TorchBuild) -> Any:
        try:
            shape = self.scale_shape(build.shape)
        except LayerError as problem:  # an axis out of range: PyTorch's x.size(dim) refuses it the same way
            raise IndexError(problem.message) from None
        from convcalc.layers.torch_modules import LAYER_SCALE  # modules for torch: imported only when one is built

        return build.make(LAYER_SCALE, shape, self.init_values)


@register("instancenorm", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class InstanceNorm(LayerKind):
    """Instance normalisation per sample and channel over the spatial axes (torch.nn.InstanceNorm1d/2d/3d):
    y = (x − E[x]) / √(Var[x] + ε) · γ + β.

    Unlike BatchNorm, affine and track_running_stats default to False: parameters 2C (γ, β) when
    affine, buffers 2C + 1 (running mean, variance, batch counter) when tracking. Without running
    statistics PyTorch needs more than one spatial element ("Expected more than 1 spatial element").
    """

    positional: ClassVar[tuple[str, ...]] = ("num_features",)
    example: ClassVar[str] = "instancenorm"

    num_features: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")
    eps: float = arg(number, 1e-5, doc="added to the variance")
    momentum: float | None = arg(number, 0.1, doc="running-statistics momentum")
    affine: bool = arg(boolean, False, doc="learn γ and β")
    track_running_stats: bool = arg(boolean, False, doc="keep running mean/variance buffers")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        have = spatial_rank(x, rank, "instancenorm")
        channels = x.channels
        check_channels(self.num_features, channels, "num_features")
        if prod(x.spatial) == 1 and not self.track_running_stats:
            raise LayerError(
                f"instance norm over a single spatial element ({shape_text(x.shape)}) divides by a zero variance: "
                "PyTorch refuses it (\"Expected more than 1 spatial element\")",
                hint="normalise before the spatial axes shrink to 1, or keep running statistics",
            )
        return Outcome(
            out=x,
            weights=affine_shapes(self.affine, (channels,)),
            buffers=2 * channels + 1 if self.track_running_stats else 0,
            macs=prod(x.shape),
            display=f"instancenorm{have}d",
        )

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"InstanceNorm{build.rank}d")(
            build.shape[0], self.eps, self.momentum, self.affine, self.track_running_stats
        )


@register("localresponsenorm", "lrn")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class LocalResponseNorm(LayerKind):
    """Local response normalisation across channels (torch.nn.LocalResponseNorm, AlexNet's original):
    b_c = a_c · (k + α/n · Σ_{c′} a_{c′}²)^(−β), the sum over the n = `size` neighbouring channels.

    Shape kept, no parameters; the receptive field is the input's (it mixes channels, not
    positions). MACs: `size` per element (the windowed sum of squares).
    """

    positional: ClassVar[tuple[str, ...]] = ("size",)
    example: ClassVar[str] = "lrn:5"

    size: int = arg(positive_int, aliases=("n",), doc="number of neighbouring channels n")
    alpha: float = arg(number, 1e-4, doc="multiplicative factor α")
    beta: float = arg(number, 0.75, doc="exponent β")
    k: float = arg(number, 1.0, doc="additive factor k")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        if not x.spatial:
            raise LayerError(
                f"local response norm needs channels and at least one spatial axis, got {shape_text(x.shape)} "
                "(PyTorch: \"Expected 3D or higher dimensionality input\")",
                hint="normalise before flatten",
            )
        return Outcome(out=x, macs=self.size * prod(x.shape))

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.LocalResponseNorm(self.size, self.alpha, self.beta, self.k)

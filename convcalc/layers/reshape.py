"""Layers that move elements without computing on them: flatten, permute, channel shuffle,
dropout and stochastic depth."""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import Axes, any_int, arg, boolean, int_list, positive_int, probability, stochastic_depth_mode
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo, batched_axis


@register("flatten")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Flatten(LayerKind):
    """Flatten (torch.nn.Flatten): merge axes start_dim..end_dim (the batch axis is dim 0)."""

    positional: ClassVar[tuple[str, ...]] = ("start_dim", "end_dim")
    example: ClassVar[str] = "flatten"

    start_dim: int = arg(any_int, 1, doc="first axis merged (batch is 0)")
    end_dim: int = arg(any_int, -1, doc="last axis merged")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        start = batched_axis(self.start_dim, len(x.shape), "start_dim")
        end = batched_axis(self.end_dim, len(x.shape), "end_dim")
        if start > end:
            raise LayerError(
                f"start_dim {self.start_dim} comes after end_dim {self.end_dim} in a {shape_text(x.shape)} input",
                arg="start_dim",
            )
        shape = (*x.shape[:start], prod(x.shape[start : end + 1]), *x.shape[end + 1 :])
        rf = x.rf if start == end else None
        return Outcome(out=TensorInfo(shape, rf))

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.Flatten(self.start_dim, self.end_dim)


@register("dropout", "dropout1d", "dropout2d", "dropout3d", "alphadropout")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Dropout(LayerKind):
    """Dropout (torch.nn.Dropout and friends): zeroes elements while training; shape kept."""

    positional: ClassVar[tuple[str, ...]] = ("p",)
    example: ClassVar[str] = "dropout:0.5"

    p: float = arg(probability, 0.5, doc="probability of zeroing")
    inplace: bool = arg(boolean, False, doc="accepted for PyTorch compatibility")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return Outcome(out=x)

    def to_torch(self, build: TorchBuild) -> Any:
        """The module the spelling names: Dropout, Dropout1d/2d/3d or AlphaDropout."""
        return getattr(build.nn, _DROPOUT_MODULES[build.spelling])(self.p)


_DROPOUT_MODULES = {"dropout": "Dropout", "dropout1d": "Dropout1d", "dropout2d": "Dropout2d",
                    "dropout3d": "Dropout3d", "alphadropout": "AlphaDropout"}


@register("stochasticdepth", "droppath")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class StochasticDepth(LayerKind):
    """Stochastic depth (torchvision.ops.StochasticDepth, timm's DropPath): drops a residual
    branch per sample while training, the identity at inference. Shape kept; no parameters."""

    positional: ClassVar[tuple[str, ...]] = ("p",)
    example: ClassVar[str] = "stochastic_depth:0.1"
    layout_aware: ClassVar[bool] = True

    p: float = arg(probability, 0.5, doc="probability of dropping the branch")
    mode: str = arg(stochastic_depth_mode, "row", doc="'row' (per sample) or 'batch'")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return Outcome(out=x)

    def to_torch(self, build: TorchBuild) -> Any:
        """At inference (verify runs in eval mode) StochasticDepth is the identity."""
        return build.nn.Identity()


@register("channelshuffle")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class ChannelShuffle(LayerKind):
    """Channel shuffle (torch.nn.ChannelShuffle, ShuffleNet): C channels as G groups of C/G,
    transposed, so the next grouped conv sees every group. Shape kept; no parameters, 0 MACs."""

    positional: ClassVar[tuple[str, ...]] = ("groups",)
    example: ClassVar[str] = "channel_shuffle:2"

    groups: int = arg(positive_int, aliases=("g",), doc="number of groups G; must divide C")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        if len(x.spatial) < 1:
            raise LayerError(
                f"channel_shuffle needs channels and at least one spatial axis, got {shape_text(x.shape)} "
                "(PyTorch refuses a (N, C) input)",
                hint="shuffle before flatten",
            )
        if x.channels % self.groups:
            raise LayerError(
                f"groups={self.groups} does not divide the {x.channels} input channels",
                arg="groups",
                hint="choose a number of groups that divides the channels",
            )
        return Outcome(out=x)

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.ChannelShuffle(self.groups)


@register("permute")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Permute(LayerKind):
    """Permute (torch.permute, torchvision's Permute): reorder the axes; `dims` counts the batch
    as 0, which must stay first. Output axis i is input axis dims[i]. ConvNeXt's
    `permute: [0, 2, 3, 1]` makes (C, H, W) channels-last (H, W, C); the receptive field follows
    the spatial axes wherever they go, and `permute: [0, 3, 1, 2]` brings them back.
    """

    positional: ClassVar[tuple[str, ...]] = ("dims",)
    example: ClassVar[str] = "permute:[0,2,3,1]"
    layout_aware: ClassVar[bool] = True

    dims: Axes = arg(int_list, aliases=("dim",), doc="the new order of the axes, batch (0) included")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        full = len(x.shape) + 1
        dims = self.dims if isinstance(self.dims, tuple) else (self.dims,)
        if len(dims) != full:
            raise LayerError(
                f"'dims' has {len(dims)} values but the input is {full}-d with the batch ({shape_text(x.shape)} per sample)",
                arg="dims",
                hint=f"give all {full} axes, batch (0) first",
            )
        if any(not -full <= d < full for d in dims) or len({d % full for d in dims}) != full:
            raise LayerError(
                f"'dims' {list(dims)} is not an order of the axes 0..{full - 1}", arg="dims",
                hint="each axis once, e.g. [0, 2, 3, 1]",
            )
        order = [d % full for d in dims]
        if order[0] != 0:
            raise LayerError(
                f"'dims' {list(dims)} moves the batch axis: a deliberate limit of the format, whose "
                "shapes are per sample with the batch first",
                arg="dims",
                hint="keep 0 first",
            )
        perm = tuple(d - 1 for d in order[1:])  # per sample: output axis i is input axis perm[i]
        shape = tuple(x.shape[axis] for axis in perm)
        if x.rf is None:
            return Outcome(out=TensorInfo(shape, None, x.nominal))
        placed = tuple(perm.index(axis) for axis in (x.layout or range(1, len(x.shape))))
        if 0 in placed:  # a spatial axis is in front: carry where each field's axis went
            return Outcome(out=TensorInfo(shape, x.rf, x.nominal, placed))
        # The channels are first again: the fields in positional order, channel-first as usual.
        rf = tuple(x.rf[placed.index(position)] for position in range(1, len(shape)))
        return Outcome(out=TensorInfo(shape, rf, x.nominal))

    def to_torch(self, build: TorchBuild) -> Any:
        dims = self.dims if isinstance(self.dims, tuple) else (self.dims,)
        from convcalc.layers.torch_modules import PERMUTE  # modules for torch: imported only when one is built

        return build.make(PERMUTE, dims)

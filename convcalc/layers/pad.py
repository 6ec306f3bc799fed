"""Padding layers: ZeroPad, ConstantPad, ReflectionPad and ReplicationPad, 1d/2d/3d.

`padding` is PyTorch's: one size for every side, or (before, after) pairs starting from the
last axis: (left, right) in 1-D, (left, right, top, bottom) in 2-D, (..., front, back) in 3-D.
Each spatial axis grows by its two paddings: out = N + P_before + P_after. No parameters, no MACs.
The receptive field moves as after a padded window of size 1: the first output sits
`P_before` pixels before the first input pixel, so its start shifts by −P_before·jump (for
reflection and replication too: the field is geometric, as a conv's over zero padding is).
"""

from __future__ import annotations

from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import arg, number, pad_sizes
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo, spatial_rank

PadSizes = int | tuple[int, ...]


def pad_pairs(padding: PadSizes, rank: int) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis in shape order (D, H, W), from PyTorch's last-axis-first list."""
    if isinstance(padding, int):
        return ((padding, padding),) * rank
    if len(padding) != 2 * rank:
        raise LayerError(
            f"'padding' has {len(padding)} values but a {rank}-d pad needs {2 * rank} "
            f"(before and after for each of {rank} spatial ax{'is' if rank == 1 else 'es'}, last axis first)",
            arg="padding",
            hint="give one value for every side, or " + ", ".join(("left, right", "top, bottom", "front, back")[:rank]),
        )
    return tuple((padding[2 * i], padding[2 * i + 1]) for i in reversed(range(rank)))


class _Pad(LayerKind):
    """Shared rule of the four padding kinds; `module` is PyTorch's class name without the rank."""

    __slots__ = ()
    positional: ClassVar[tuple[str, ...]] = ("padding",)
    module: ClassVar[str]
    padding: PadSizes

    def check_fits(self, pairs: tuple[tuple[int, int], ...], spatial: tuple[int, ...]) -> None:
        """Reflection's own limit; the others pad any input."""

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, self.family)
        pairs = pad_pairs(self.padding, rank)
        self.check_fits(pairs, x.spatial)
        spatial = tuple(n + before + after for n, (before, after) in zip(x.spatial, pairs))
        rf = None if x.rf is None else tuple(a.then(1, 1, before) for a, (before, _) in zip(x.rf, pairs))
        return Outcome(out=TensorInfo((x.channels, *spatial), rf, x.nominal), display=f"{self.family}{rank}d")

    def torch_args(self) -> tuple[Any, ...]:
        return (self.padding,)

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"{self.module}{build.rank}d")(*self.torch_args())


@register("zeropad", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class ZeroPad(_Pad):
    """Zero padding (torch.nn.ZeroPad1d/2d/3d): out = N + P_before + P_after on each spatial axis."""

    example: ClassVar[str] = "zero_pad:1"
    module: ClassVar[str] = "ZeroPad"

    padding: PadSizes = arg(pad_sizes, doc="the padding of each side")


@register("constantpad", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class ConstantPad(_Pad):
    """Constant padding (torch.nn.ConstantPad1d/2d/3d): out = N + P_before + P_after, filled with `value`."""

    positional: ClassVar[tuple[str, ...]] = ("padding", "value")
    example: ClassVar[str] = "constant_pad:1,0.5"
    module: ClassVar[str] = "ConstantPad"

    padding: PadSizes = arg(pad_sizes, doc="the padding of each side")
    value: float = arg(number, doc="the fill value")

    def torch_args(self) -> tuple[Any, ...]:
        return (self.padding, self.value)


@register("reflectionpad", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class ReflectionPad(_Pad):
    """Reflection padding (torch.nn.ReflectionPad1d/2d/3d): out = N + P_before + P_after, mirrored
    about the edge pixel, so each padding must be less than its axis (PyTorch: "Padding size
    should be less than the corresponding input dimension")."""

    example: ClassVar[str] = "reflection_pad:1"
    module: ClassVar[str] = "ReflectionPad"

    padding: PadSizes = arg(pad_sizes, doc="the padding of each side, each less than its axis")

    def check_fits(self, pairs: tuple[tuple[int, int], ...], spatial: tuple[int, ...]) -> None:
        for n, (before, after) in zip(spatial, pairs):
            if before >= n or after >= n:
                raise LayerError(
                    f"reflection padding ({before}, {after}) does not fit an axis of {n}: "
                    f"each side must be less than the axis ({shape_text(spatial)})",
                    arg="padding",
                    hint="pad less, or use replication_pad or zero_pad",
                )


@register("replicationpad", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class ReplicationPad(_Pad):
    """Replication padding (torch.nn.ReplicationPad1d/2d/3d): out = N + P_before + P_after, the
    edge pixel repeated."""

    example: ClassVar[str] = "replication_pad:1"
    module: ClassVar[str] = "ReplicationPad"

    padding: PadSizes = arg(pad_sizes, doc="the padding of each side")

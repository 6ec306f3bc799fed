"""Layers that resize the spatial axes without weights: upsample, pixel (un)shuffle, crop.

Their receptive fields are exact per output position: an upsampling layer's own field repeats
every few outputs (`AxisRF` with phases), and the jump becomes j/scale, kept exact as a Fraction.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import (
    Axes,
    OptionalAxes,
    Scale,
    arg,
    nonnegative_axes,
    optional_boolean,
    optional_positive_axes,
    optional_scale,
    positive_axes,
    positive_int,
    upsample_mode,
)
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.rf import AxisRF, Span, check_period, periodic
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo, spatial_rank
from convcalc.layers.window import per_axis

_MODE_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _resampling(mode: str, ratio: Fraction, align_corners: bool, inputs: int, outputs: int) -> AxisRF:
    """Upsampling's own field along one axis: what output q reads of its input, by PyTorch's rule.

    `ratio` is input pixels per output (1/scale_factor, or N/M for a size; (N − 1)/(M − 1) with
    align_corners). nearest reads floor(q·ratio), nearest-exact floor((q + ½)·ratio); the linear
    modes read the two inputs around src = (q + ½)·ratio − ½ (q·ratio with align_corners), and
    only one where src is whole (the other's weight is 0); bicubic reads four, or one where src is
    whole. The pattern repeats every ratio's-denominator outputs: an exact periodic field.

    Taps past the input's ends are clamped to its edge pixels by PyTorch. Like padding in a
    convolution's field, they stay in the pattern, except where every output lies in one period
    (a 1x1 map broadcast back to H×W, as in ASPP's image pooling): there each span is the real one.
    """
    period = ratio.denominator
    check_period(period)
    clamp = outputs <= period
    phases: list[Span] = []
    for q in range(period):
        if mode in ("nearest", "nearest-exact"):
            low = math.floor((q if mode == "nearest" else q + Fraction(1, 2)) * ratio)
            high = low
        else:
            src = q * ratio if align_corners else (q + Fraction(1, 2)) * ratio - Fraction(1, 2)
            base = math.floor(src)
            reach = 0 if src == base else (1 if mode != "bicubic" else 2)
            low, high = base - (1 if reach == 2 else 0), base + reach
        phases.append((min(max(low, 0), inputs - 1), min(max(high, 0), inputs - 1)) if clamp else (low, high))
    return periodic(ratio, phases)


@register("upsample", "interpolate")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Upsample(LayerKind):
    """Upsampling (torch.nn.Upsample, F.interpolate) to a size or by a scale factor.

    Output per axis: `size`, or floor(N·scale_factor) as PyTorch computes it. No weights, no MACs
    (interpolation weights are fixed, like pooling's).
    """

    positional: ClassVar[tuple[str, ...]] = ("size", "scale_factor", "mode")
    example: ClassVar[str] = "upsample:scale_factor=2"

    size: OptionalAxes = arg(optional_positive_axes, None, doc="output size per axis")
    scale_factor: Scale = arg(optional_scale, None, aliases=("scale",), doc="multiplier per axis")
    mode: str = arg(upsample_mode, "nearest", doc="nearest, nearest-exact, linear, bilinear, bicubic, trilinear")
    align_corners: bool | None = arg(optional_boolean, None, doc="linear modes only: align the corner pixels")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, None, "upsample")
        if (self.size is None) == (self.scale_factor is None):
            raise LayerError(
                "upsample needs either size or scale_factor, not both and not neither",
                arg="size" if self.size is not None else None,
                hint="give size: [H, W] for a fixed size, or scale_factor: 2",
            )
        wanted = _MODE_RANK.get(self.mode)
        if wanted is not None and wanted != rank:
            raise LayerError(
                f"mode '{self.mode}' works on {wanted}-d inputs, and this input has {rank} spatial "
                f"{'axis' if rank == 1 else 'axes'}",
                arg="mode",
                hint={1: "use 'linear'", 2: "use 'bilinear' or 'bicubic'", 3: "use 'trilinear'"}[rank],
            )
        if self.align_corners is not None and wanted is None:
            raise LayerError(
                f"align_corners applies to linear, bilinear, bicubic and trilinear modes, not '{self.mode}'",
                arg="align_corners",
                hint="leave align_corners out with nearest modes",
            )
        if self.size is not None:
            out = per_axis(self.size, rank, "size", one_fits_all=False)
            ratios = tuple(Fraction(n, m) for m, n in zip(out, x.spatial))
        else:
            assert self.scale_factor is not None  # exactly one of size and scale_factor, checked above
            scales = per_axis(self.scale_factor, rank, "scale_factor", one_fits_all=False)
            out = tuple(math.floor(n * s) for n, s in zip(x.spatial, scales))
            ratios = tuple(1 / Fraction(str(s)) for s in scales)  # PyTorch reads 1/scale_factor, not N/M
            if any(m < 1 for m in out):
                raise LayerError(
                    f"scale_factor gives an empty output {shape_text(out)}", arg="scale_factor", hint="use a larger factor"
                )
        if self.align_corners:  # the corner pixels of input and output coincide
            ratios = tuple(Fraction(n - 1, m - 1) if m > 1 else Fraction(0) for n, m in zip(x.spatial, out))
        rf = None
        if x.rf is not None:
            rf = tuple(
                a.through(_resampling(self.mode, r, bool(self.align_corners), n, m))
                for a, r, n, m in zip(x.rf, ratios, x.spatial, out)
            )
        return Outcome(out=TensorInfo((x.channels, *out), rf))

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.Upsample(self.size, self.scale_factor, self.mode, self.align_corners)


def _two_spatial_axes(x: TensorInfo, family: str) -> None:
    if len(x.spatial) != 2:
        raise LayerError(
            f"{family} works on (C, H, W) inputs, got {shape_text(x.shape)}: other ranks are a deliberate limit "
            "of the format (PyTorch reads the last three axes as (C, H, W), whatever they mean)",
            hint="PyTorch shuffles the last two axes only",
        )


@register("pixelshuffle")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class PixelShuffle(LayerKind):
    """Pixel shuffle (torch.nn.PixelShuffle): (C·r², H, W) -> (C, H·r, W·r), sub-pixel upsampling."""

    positional: ClassVar[tuple[str, ...]] = ("upscale_factor",)
    example: ClassVar[str] = "pixelshuffle:2"

    upscale_factor: int = arg(positive_int, aliases=("r",), doc="upscaling factor r")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        _two_spatial_axes(x, "pixelshuffle")
        r = self.upscale_factor
        if x.channels % (r * r):
            raise LayerError(
                f"the {x.channels} input channels are not a multiple of r² = {r * r}",
                arg="upscale_factor",
                hint=f"give the layer before it a multiple of {r * r} channels",
            )
        rf = None
        if x.rf is not None:
            rf = tuple(a.through(_resampling("nearest", Fraction(1, r), False, n, n * r)) for a, n in zip(x.rf, x.spatial))
        return Outcome(out=TensorInfo((x.channels // (r * r), *(n * r for n in x.spatial)), rf))

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.PixelShuffle(self.upscale_factor)


@register("pixelunshuffle")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class PixelUnshuffle(LayerKind):
    """Pixel unshuffle (torch.nn.PixelUnshuffle): (C, H·r, W·r) -> (C·r², H, W).

    Each output position's r² channels hold an r×r block of the input, so the receptive field
    grows as an r×r kernel with stride r would.
    """

    positional: ClassVar[tuple[str, ...]] = ("downscale_factor",)
    example: ClassVar[str] = "pixelunshuffle:2"

    downscale_factor: int = arg(positive_int, aliases=("r",), doc="downscaling factor r")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        _two_spatial_axes(x, "pixelunshuffle")
        r = self.downscale_factor
        if any(n % r for n in x.spatial):
            raise LayerError(
                f"the input's height and width {shape_text(x.spatial)} are not multiples of {r}",
                arg="downscale_factor",
                hint=f"crop or pad the input to a multiple of {r}",
            )
        rf = None if x.rf is None else tuple(a.then(r, r, 0) for a in x.rf)
        return Outcome(out=TensorInfo((x.channels * r * r, *(n // r for n in x.spatial)), rf))

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.PixelUnshuffle(self.downscale_factor)


@register("crop", "centercrop")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Crop(LayerKind):
    """Crop the spatial axes to `size`, centred unless `offset` says where to start.

    No torch.nn module does this; verify runs it as tensor slicing. U-Net crops its skip
    connections this way.
    """

    positional: ClassVar[tuple[str, ...]] = ("size",)
    example: ClassVar[str] = "crop:8"

    size: Axes = arg(positive_axes, doc="output size per axis")
    offset: OptionalAxes = arg(nonnegative_axes, None, doc="first kept index per axis; default centred, (N − size)//2")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, None, "crop")
        sizes = per_axis(self.size, rank, "size")
        offsets = crop_offsets(self, x.spatial)
        if any(o + m > n for o, m, n in zip(offsets, sizes, x.spatial)):
            raise LayerError(
                f"cannot crop {shape_text(sizes)} at offset {shape_text(offsets)} from {shape_text(x.spatial)}",
                arg="size",
                hint="the crop must fit inside its input",
            )
        rf = None if x.rf is None else tuple(a.then(1, 1, -o) for a, o in zip(x.rf, offsets))
        return Outcome(out=TensorInfo((x.channels, *sizes), rf))

    def to_torch(self, build: TorchBuild) -> Any:
        """No torch.nn module crops; tensor slicing does, and that is what a spec's crop means."""
        starts = crop_offsets(self, build.shape[1:])
        sizes = per_axis(self.size, len(build.shape) - 1, "size")
        window = (slice(None), slice(None), *(slice(o, o + m) for o, m in zip(starts, sizes)))

        class Crop(build.nn.Module):  # type: ignore[misc, name-defined]  # torch.nn arrives at run time
            def forward(self, x: Any) -> Any:
                if any(o + m > n for o, m, n in zip(starts, sizes, x.shape[2:])):
                    # slicing would clamp silently
                    raise ValueError(f"a {sizes} crop at {starts} does not fit in {tuple(x.shape[2:])}")
                return x[window]

        return Crop()


def crop_offsets(crop: Crop, spatial: tuple[int, ...]) -> tuple[int, ...]:
    """Where a crop starts on each axis: given, or centred with the odd pixel after."""
    sizes = per_axis(crop.size, len(spatial), "size")
    if crop.offset is None:
        return tuple(max(0, (n - m) // 2) for n, m in zip(spatial, sizes))
    return per_axis(crop.offset, len(spatial), "offset")

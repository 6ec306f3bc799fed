"""Convolution and transposed convolution, 1d/2d/3d: torch.nn.Conv*d and ConvTranspose*d."""

from __future__ import annotations

from math import gcd, prod
from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import (
    Axes,
    Padding,
    arg,
    boolean,
    nonnegative_axes,
    optional_positive_int,
    padding,
    positive_axes,
    positive_int,
)
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.rf import AxisRF, Span, periodic
from convcalc.layers.tensor import LayerError, Note, Outcome, TensorInfo, bias_shape, check_channels, spatial_rank
from convcalc.layers.window import (
    AxisWindow,
    Window,
    asymmetric_padding_note,
    conv_out_len,
    non_whole_notes,
    per_axis,
    resolve_window,
    transposed_out_len,
)

_DISPLAY = {1: "conv1d", 2: "conv2d", 3: "conv3d"}  # the kind as shown, by the rank resolved


def _kernel_too_large(axes: tuple[AxisWindow, ...]) -> LayerError:
    kernels = tuple(a.kernel for a in axes)
    effective = tuple(a.effective for a in axes)
    described = shape_text(kernels)
    if effective != kernels:
        described = f"{shape_text(kernels)} (dilated to {shape_text(effective)})"
    return LayerError(
        f"kernel {described} is larger than the padded input {shape_text(tuple(a.padded for a in axes))}",
        arg="kernel_size",
        hint="use a smaller kernel, more padding, or a larger input",
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
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Conv(LayerKind):
    """Convolution: K filters of size F over C input channels (in groups).

    Output per axis: floor((N + 2P − d·(F − 1) − 1)/S) + 1. Parameters: F^d·(C/g)·K + K
    (bias). MACs: every output element costs F^d·(C/g) multiply-accumulates; bias adds are
    not counted.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding")
    example: ClassVar[str] = "conv:64,3,p=1"

    out_channels: int = arg(positive_int, aliases=("out",), doc="number of filters K")
    kernel_size: Axes = arg(positive_axes, aliases=("kernel", "k"), doc="filter size F")
    stride: Axes = arg(positive_axes, 1, aliases=("s",), doc="step S between windows")
    padding: Padding = arg(padding, 0, aliases=("p",), doc="zeros added on each side (P), or a mode")
    dilation: Axes = arg(positive_axes, 1, aliases=("d",), doc="spacing between kernel taps")
    groups: int = arg(positive_int, 1, aliases=("g",), doc="channel groups; C for depthwise")
    bias: bool = arg(boolean, True, doc="add a learned bias per filter")
    in_channels: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")

    def window(self, spatial: tuple[int, ...]) -> Window:
        """The geometry this conv resolves for an input of `spatial` sizes (kernel too large: an error)."""
        axes = resolve_window(spatial, self.kernel_size, self.stride, self.padding, self.dilation, kernel_one_fits_all=False)
        outputs = []
        for a in axes:
            effective = a.effective
            if effective > a.padded:
                raise _kernel_too_large(axes)
            outputs.append(conv_out_len(a.size, effective, a.stride, a.before, a.after))
        return Window(axes, tuple(outputs))

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, "conv")
        channels = x.shape[0]
        check_channels(self.in_channels, channels, "in_channels")
        if self.groups != 1:  # one group divides anything
            check_groups(self.groups, channels, self.out_channels)
        window = self.window(x.shape[1:])
        axes, out = window.axes, window.outputs
        notes = non_whole_notes(window) + asymmetric_padding_note(window)
        kernels = window.kernels
        per_group = channels // self.groups
        rf = None
        if x.rf is not None:
            rf = tuple([a.then(w.effective, w.stride, w.before, w.dilation) for a, w in zip(x.rf, axes)])
        return Outcome(
            TensorInfo((self.out_channels, *out), rf),
            ((self.out_channels, per_group, *kernels), *bias_shape(self.bias, self.out_channels)),  # weights
            0,  # buffers
            prod(kernels) * per_group * self.out_channels * prod(out),  # macs: taps per output element, times outputs
            notes,
            _DISPLAY[rank],
            window,
        )

    def to_torch(self, build: TorchBuild) -> Any:
        nn, rank, channels = build.nn, build.rank, build.shape[0]
        conv = getattr(nn, f"Conv{rank}d")
        padding = self.padding
        pairs_needed = padding in ("tf_same", "same_upper", "same_lower") or (
            isinstance(padding, tuple) and bool(padding) and isinstance(padding[0], tuple)
        )
        if not pairs_needed:
            return conv(channels, self.out_channels, self.kernel_size, self.stride, padding, self.dilation, self.groups,
                        self.bias)
        # TensorFlow/ONNX SAME and [before, after] pairs have no Conv argument: pad first, as TF does.
        window = self.window(build.shape[1:])
        flat = [p for pair in reversed(window.pads) for p in pair]  # F.pad order: last axis first
        pad = getattr(nn, f"ZeroPad{rank}d")(tuple(flat))
        return nn.Sequential(
            pad, conv(channels, self.out_channels, self.kernel_size, self.stride, 0, self.dilation, self.groups, self.bias)
        )


def output_padding_note(window: Window) -> tuple[Note, ...]:
    """A transposed conv one short of N·S (64 -> 127 for stride 2) when another output_padding
    reaches N·S: say which (an info; the conv it inverts maps both sizes back to N)."""
    short = []
    for a, out in zip(window.axes, window.outputs):
        wanted = a.size * a.stride
        extra = a.output_padding + wanted - out
        if out == wanted - 1 and extra < max(a.stride, a.dilation):
            short.append((out, wanted, extra))
    if not short:
        return ()
    out, wanted, extra = short[0]
    return (
        Note(
            "output-padding",
            f"the output is {out}, one short of {wanted} (the input times the stride): output_padding {extra} gives "
            f"{wanted}",
            arg="output_padding",
            severity="info",
        ),
    )


def transposed_rf(a: AxisRF, w: AxisWindow) -> AxisRF:
    """The field after a transposed conv: output o reads input i = (o + P − t·d)/S for each tap t
    where that is whole, so outputs read different numbers of inputs (a k=2, S=2 layer: one each).

    The layer's own field repeats every S outputs, moved by one input: its S spans, composed
    with the input's field, are exact for every output position (`AxisRF.through`).
    """
    s, d, k, p = w.stride, w.dilation, w.kernel, w.before
    phases: list[Span] = []
    for o in range(s):
        reads = [(o + p - t * d) // s for t in range(k) if (o + p - t * d) % s == 0]
        phases.append((min(reads), max(reads)) if reads else None)
    from fractions import Fraction

    return a.through(periodic(Fraction(1, s), phases), step=d // gcd(d, s))  # its taps: d/gcd(d, S) inputs apart


@register("convtranspose", "deconv", ranked=True)
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class ConvTranspose(LayerKind):
    """Transposed convolution (torch.nn.ConvTranspose1d/2d/3d), the gradient of a convolution.

    Output per axis: (N − 1)·S − 2P + d·(F − 1) + output_padding + 1, with output_padding
    below max(S, d). Parameters: F^d·(C/g)·K + K. MACs are counted from the input side: every
    input element is scattered through F^d·(K/g) weights, so C·N^d·(K/g)·F^d in all.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding")
    example: ClassVar[str] = "convtranspose:64,2,2"

    out_channels: int = arg(positive_int, aliases=("out",), doc="number of output channels K")
    kernel_size: Axes = arg(positive_axes, aliases=("kernel", "k"), doc="filter size F")
    stride: Axes = arg(positive_axes, 1, aliases=("s",), doc="upsampling factor S")
    padding: Axes = arg(nonnegative_axes, 0, aliases=("p",), doc="trimmed from each side of the output: d·(F − 1) − P is the conv's")
    output_padding: Axes = arg(nonnegative_axes, 0, aliases=("op",), doc="added to one side of the output, below max(S, d)")
    dilation: Axes = arg(positive_axes, 1, aliases=("d",), doc="spacing between kernel taps")
    groups: int = arg(positive_int, 1, aliases=("g",), doc="channel groups")
    bias: bool = arg(boolean, True, doc="add a learned bias per output channel")
    in_channels: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected C, checked")

    def window(self, spatial: tuple[int, ...]) -> Window:
        """The geometry this transposed conv resolves for an input of `spatial` sizes: kernel,
        stride, dilation, the padding trimmed from each side of the output, and output_padding."""
        rank = len(spatial)
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
        axes = tuple(
            AxisWindow(n, k, s, d, p, p, extra)
            for n, k, s, d, p, extra in zip(spatial, kernels, strides, dilations, pads, extras)
        )
        out = tuple(transposed_out_len(a.size, a.effective, a.stride, a.before, a.output_padding) for a in axes)
        if any(n < 1 for n in out):
            raise LayerError(
                f"the output would be {shape_text(out)}: (N − 1)·S − 2P + d·(F − 1) + output_padding + 1 is below 1",
                arg="padding",
                hint="use less padding or a larger kernel or stride (PyTorch returns an empty tensor or fails here)",
            )
        return Window(axes, out, transposed=True)

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        rank = spatial_rank(x, rank, "convtranspose")
        channels = x.channels
        check_channels(self.in_channels, channels, "in_channels")
        check_groups(self.groups, channels, self.out_channels)
        window = self.window(x.spatial)
        rf = None if x.rf is None else tuple(transposed_rf(a, w) for a, w in zip(x.rf, window.axes))
        per_input = prod(window.kernels) * (self.out_channels // self.groups)
        return Outcome(
            notes=output_padding_note(window),
            out=TensorInfo((self.out_channels, *window.outputs), rf),
            weights=(
                (channels, self.out_channels // self.groups, *window.kernels),
                *bias_shape(self.bias, self.out_channels),
            ),
            macs=channels * prod(x.spatial) * per_input,
            display=f"convtranspose{rank}d",
            window=window,
        )

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, f"ConvTranspose{build.rank}d")(
            build.shape[0], self.out_channels, self.kernel_size, self.stride, self.padding, self.output_padding,
            self.groups, self.bias, self.dilation,
        )

"""PyTorch modules for every layer kind, table-driven by family.

This package is the only place convcalc imports torch, and it does so lazily: importing
convcalc, or running any command but verify, never loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convcalc.layers import lookup
from convcalc.layers.resize import crop_offsets
from convcalc.layers.window import effective_kernel, per_axis, resolve_padding
from convcalc.network import LayerSpec


def _rank(spec_rank: int | None, shape: tuple[int, ...]) -> int:
    return spec_rank if spec_rank is not None else max(1, len(shape) - 1)


def _conv(nn: Any, a: Any, rank: int, shape: tuple[int, ...]) -> Any:
    conv = getattr(nn, f"Conv{rank}d")
    padding = a.padding
    explicit_pairs = padding in ("tf_same", "same_upper", "same_lower") or (
        isinstance(padding, tuple) and padding and isinstance(padding[0], tuple)
    )
    if not explicit_pairs:
        return conv(shape[0], a.out_channels, a.kernel_size, a.stride, padding, a.dilation, a.groups, a.bias)
    # TensorFlow/ONNX SAME and [before, after] pairs have no Conv argument: pad first, as TF does.
    kernels = per_axis(a.kernel_size, rank, "kernel_size", one_fits_all=False)
    dilations = per_axis(a.dilation, rank, "dilation")
    strides = per_axis(a.stride, rank, "stride")
    effective = tuple(effective_kernel(k, d) for k, d in zip(kernels, dilations))
    pairs = resolve_padding(padding, rank, shape[1:], effective, strides)
    flat = [p for pair in reversed(pairs) for p in pair]  # F.pad order: last axis first
    pad = getattr(nn, f"ZeroPad{rank}d")(tuple(flat))
    return nn.Sequential(pad, conv(shape[0], a.out_channels, a.kernel_size, a.stride, 0, a.dilation, a.groups, a.bias))


def _norm_batch(nn: Any, a: Any, rank: int, shape: tuple[int, ...]) -> Any:
    return getattr(nn, f"BatchNorm{rank}d")(shape[0], a.eps, a.momentum, a.affine, a.track_running_stats)


def _layernorm(nn: Any, a: Any, rank: int, shape: tuple[int, ...]) -> Any:
    normalized = a.normalized_shape if a.normalized_shape is not None else shape[-1]
    return nn.LayerNorm(normalized, a.eps, a.elementwise_affine, bias=a.bias)


def _crop(nn: Any, a: Any, rank: int, shape: tuple[int, ...]) -> Any:
    """No torch.nn module crops; tensor slicing does, and that is what a spec's crop means."""
    starts = crop_offsets(a, shape[1:])
    sizes = per_axis(a.size, len(shape) - 1, "size")
    window = (slice(None), slice(None), *(slice(o, o + m) for o, m in zip(starts, sizes)))

    class Crop(nn.Module):  # type: ignore[misc]
        def forward(self, x: Any) -> Any:
            if any(o + m > n for o, m, n in zip(starts, sizes, x.shape[2:])):
                raise ValueError(f"a {sizes} crop at {starts} does not fit in {tuple(x.shape[2:])}")  # slicing would clamp
            return x[window]

    return Crop()


def _deform_core(nn: Any, a: Any, rank: int, shape: tuple[int, ...]) -> Any:
    try:
        from torchvision.ops import DeformConv2d  # type: ignore[import-not-found]
    except (ImportError, RuntimeError) as missing:  # absent, or built for another torch (its ops fail to load)
        raise NotCheckable(f"needs torchvision.ops.DeformConv2d, which does not import here ({missing})") from None
    return DeformConv2d(shape[0], a.out_channels, a.kernel_size, a.stride, a.padding, a.dilation, a.groups, a.bias)


_DROPOUT = {"dropout": "Dropout", "dropout1d": "Dropout1d", "dropout2d": "Dropout2d", "dropout3d": "Dropout3d",
            "alphadropout": "AlphaDropout"}

BUILDERS: dict[str, Callable[[Any, Any, int, tuple[int, ...]], Any]] = {
    "conv": _conv,
    "convtranspose": lambda nn, a, r, s: getattr(nn, f"ConvTranspose{r}d")(
        s[0], a.out_channels, a.kernel_size, a.stride, a.padding, a.output_padding, a.groups, a.bias, a.dilation
    ),
    "upsample": lambda nn, a, r, s: nn.Upsample(a.size, a.scale_factor, a.mode, a.align_corners),
    "pixelshuffle": lambda nn, a, r, s: nn.PixelShuffle(a.upscale_factor),
    "pixelunshuffle": lambda nn, a, r, s: nn.PixelUnshuffle(a.downscale_factor),
    "crop": _crop,
    "maxpool": lambda nn, a, r, s: getattr(nn, f"MaxPool{r}d")(a.kernel_size, a.stride, a.padding, a.dilation,
                                                                  ceil_mode=a.ceil_mode),
    "avgpool": lambda nn, a, r, s: getattr(nn, f"AvgPool{r}d")(a.kernel_size, a.stride, a.padding, a.ceil_mode,
                                                                  a.count_include_pad),
    "adaptiveavgpool": lambda nn, a, r, s: getattr(nn, f"AdaptiveAvgPool{r}d")(a.output_size),
    "adaptivemaxpool": lambda nn, a, r, s: getattr(nn, f"AdaptiveMaxPool{r}d")(a.output_size),
    "globalavgpool": lambda nn, a, r, s: getattr(nn, f"AdaptiveAvgPool{r}d")(1),
    "globalmaxpool": lambda nn, a, r, s: getattr(nn, f"AdaptiveMaxPool{r}d")(1),
    "linear": lambda nn, a, r, s: nn.Linear(s[-1], a.out_features, a.bias),
    "flatten": lambda nn, a, r, s: nn.Flatten(a.start_dim, a.end_dim),
    "batchnorm": _norm_batch,
    "layernorm": _layernorm,
    "groupnorm": lambda nn, a, r, s: nn.GroupNorm(a.num_groups, s[0], a.eps, a.affine),
    "sigmoid": lambda nn, a, r, s: nn.Sigmoid(),
    "tanh": lambda nn, a, r, s: nn.Tanh(),
    "identity": lambda nn, a, r, s: nn.Identity(),
    "relu": lambda nn, a, r, s: nn.ReLU(),
    "relu6": lambda nn, a, r, s: nn.ReLU6(),
    "silu": lambda nn, a, r, s: nn.SiLU(),
    "hardswish": lambda nn, a, r, s: nn.Hardswish(),
    "hardsigmoid": lambda nn, a, r, s: nn.Hardsigmoid(),
    "gelu": lambda nn, a, r, s: nn.GELU(a.approximate),
    "leakyrelu": lambda nn, a, r, s: nn.LeakyReLU(a.negative_slope),
    "elu": lambda nn, a, r, s: nn.ELU(a.alpha),
    "softmax": lambda nn, a, r, s: nn.Softmax(a.dim),
    "logsoftmax": lambda nn, a, r, s: nn.LogSoftmax(a.dim),
    "prelu": lambda nn, a, r, s: nn.PReLU(a.num_parameters, a.init),
}


class NotCheckable(Exception):
    """A layer kind with no PyTorch counterpart here: verify reports it, never passes it."""


def build_module(layer: LayerSpec, shape: tuple[int, ...]) -> Any:
    """The torch.nn module for one layer whose per-sample input shape is `shape`."""
    from torch import nn

    entry = lookup(layer.kind)
    if entry is None:
        if layer.kind == "deformconvcore":  # deform_conv's own part
            return _deform_core(nn, layer.args, 2, shape)
        raise NotCheckable(f"unknown layer kind '{layer.kind}'")
    if entry.family == "dropout":
        return getattr(nn, _DROPOUT[layer.kind])(layer.args.p)
    builder = BUILDERS.get(entry.family)
    if builder is None:
        raise NotCheckable(f"PyTorch has no module for '{entry.family}'")
    return builder(nn, layer.args, _rank(entry.rank, shape), shape).eval()

"""Small torch.nn modules for kinds PyTorch has no class for (permute, LayerNorm2d, layer scale,
TensorFlow's SAME pooling). Each factory receives `torch.nn` from `verify`; torch itself is
imported inside the factories only, so importing convcalc never loads it.
"""

from __future__ import annotations

from typing import Any


def permute(nn: Any, dims: tuple[int, ...]) -> Any:
    """x.permute(*dims), as torchvision.ops.misc.Permute."""

    class Permute(nn.Module):  # type: ignore[misc]  # nn is torch.nn (Any), passed in
        def forward(self, x: Any) -> Any:
            return x.permute(*dims)

    return Permute()


def layernorm2d(nn: Any, channels: int, eps: float, affine: bool, bias: bool) -> Any:
    """torchvision's LayerNorm2d: LayerNorm over the channels of an NCHW tensor (permute, norm, permute back)."""

    class LayerNorm2d(nn.LayerNorm):  # type: ignore[misc]  # nn is torch.nn (Any), passed in
        def forward(self, x: Any) -> Any:
            return super().forward(x.movedim(1, -1)).movedim(-1, 1)

    return LayerNorm2d(channels, eps, affine, bias=bias)


def layer_scale(nn: Any, shape: tuple[int, ...], init: float) -> Any:
    """x times a learned tensor of `shape` (ConvNeXt's layer_scale: (C, 1, 1))."""
    import torch

    class LayerScale(nn.Module):  # type: ignore[misc]  # nn is torch.nn (Any), passed in
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.full(shape, float(init)))

        def forward(self, x: Any) -> Any:
            return x * self.scale

    return LayerScale()


def same_pool(nn: Any, kind: str, rank: int, pads: tuple[tuple[int, int], ...], kernel: Any, stride: Any,
              dilation: Any) -> Any:
    """TensorFlow's SAME (or ONNX's SAME_UPPER/LOWER) pooling: pad, then pool without padding.

    Max pads with −inf, so padding never wins. Average divides by the real input elements in
    each window, as TensorFlow does (its average excludes the padding): the windowed sum of the
    zero-padded input over the windowed sum of a zero-padded mask of ones.
    """
    import torch
    import torch.nn.functional as F  # PyTorch's own convention

    flat = tuple(p for pair in reversed(pads) for p in pair)  # F.pad order: last axis first
    if kind == "max":
        pool = getattr(nn, f"MaxPool{rank}d")(kernel, stride, 0, dilation)
        return nn.Sequential(getattr(nn, f"ConstantPad{rank}d")(flat, float("-inf")), pool)
    avg = getattr(nn, f"AvgPool{rank}d")(kernel, stride, 0)

    class SameAvgPool(nn.Module):  # type: ignore[misc]  # nn is torch.nn (Any), passed in
        def forward(self, x: Any) -> Any:
            ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
            return avg(F.pad(x, flat)) / avg(F.pad(ones, flat))

    return SameAvgPool()

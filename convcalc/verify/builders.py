"""The PyTorch module for one layer: each kind builds its own (`LayerKind.to_torch`, beside its
rule); this module only supplies `torch.nn` and the input's shape and rank.

This package is the only place convcalc imports torch, and it does so lazily: importing
convcalc, or running any command but verify, never loads it.
"""

from __future__ import annotations

from typing import Any

from convcalc.layers.kind import CompositeKind, TorchBuild
from convcalc.network import LayerSpec


def build_module(layer: LayerSpec, shape: tuple[int, ...]) -> Any:
    """The torch.nn module, in eval mode, for one layer whose per-sample input shape is `shape`.

    A kind without a PyTorch counterpart raises `NotCheckable` with its stated reason.
    """
    from torch import nn

    if isinstance(layer.args, CompositeKind):
        raise TypeError(f"{layer.name}: a composite is built part by part, not as one module")
    rank = layer.rank if layer.rank is not None else max(1, len(shape) - 1)
    return layer.args.to_torch(TorchBuild(nn, shape, rank, layer.kind)).eval()


def build_field_module(layer: LayerSpec, shape: tuple[int, ...]) -> Any:
    """The module for measuring receptive fields by gradient: the layer's own module, remade so
    that no path can hide. Every weight is positive (no cancellation), max pooling becomes a
    sum over the same windows (a max passes the gradient to one input only), adaptive max
    becomes adaptive average, element-wise activations become identities (ReLU and its kin zero
    some gradients) and normalisations too (their statistics span the whole map, which the
    engine's convention, like the Distill article's, leaves out of the field)."""
    import torch
    from torch import nn

    module = build_module(layer, shape)
    module = _remade(module, nn)
    with torch.no_grad():
        for parameter in module.parameters():
            fan = max(1, parameter[0].numel()) if parameter.dim() > 1 else 1
            parameter.copy_((torch.rand_like(parameter) + 0.5) / fan)
    return module.double()


def _remade(module: Any, nn: Any) -> Any:
    replaced = _replacement(module, nn)
    if replaced is not None:
        return replaced
    for name, child in list(module.named_children()):
        setattr(module, name, _remade(child, nn))
    return module


_NORMS = ("BatchNorm", "InstanceNorm", "GroupNorm", "LayerNorm", "LocalResponseNorm")
_KEPT_ACTIVATIONS = ("Softmax", "LogSoftmax", "Softmin", "Softmax2d", "MultiheadAttention")


def _replacement(module: Any, nn: Any) -> Any:
    name = type(module).__name__
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)):
        return _window_sum(module, nn)
    if isinstance(module, (nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)):
        rank = int(name[-2])
        return getattr(nn, f"AdaptiveAvgPool{rank}d")(module.output_size)
    if any(name.startswith(norm) for norm in _NORMS) and not list(module.children()):
        return nn.Identity()
    if type(module).__module__ == "torch.nn.modules.activation" and name not in _KEPT_ACTIVATIONS:
        return nn.Identity()
    if name.startswith(("ReflectionPad", "ReplicationPad")):
        # the field is geometric (a padded position is no input pixel), as over zero padding
        return getattr(nn, f"ZeroPad{name[-2]}d")(module.padding)
    if isinstance(module, (nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d)) and module.value == float("-inf"):
        module.value = 0.0  # SAME max pooling pads with −inf; the windows now sum
    return None


def _window_sum(pool: Any, nn: Any) -> Any:
    """Sum over exactly the windows `pool` takes (a depthwise conv of ones over the padded input),
    ceil_mode included: the extra end padding is whatever makes the output as long as the pool's."""
    import torch
    import torch.nn.functional as F  # PyTorch's own convention

    class WindowSum(nn.Module):  # type: ignore[misc]  # nn is torch.nn (Any), passed in
        def forward(self, x: Any) -> Any:
            rank = x.dim() - 2
            out = pool(x.detach()).shape[2:]
            kernel, stride, padding, dilation = (
                _axes(value, rank) for value in (pool.kernel_size, pool.stride or pool.kernel_size, pool.padding,
                                                 pool.dilation)
            )
            pads = []
            for n, m, k, s, p, d in zip(x.shape[2:], out, kernel, stride, padding, dilation):
                after = (m - 1) * s + d * (k - 1) + 1 - n - p
                pads.append((p, after))
            flat = [v for pair in reversed(pads) for v in pair]
            channels = x.shape[1]
            weight = torch.ones((channels, 1, *kernel), dtype=x.dtype, device=x.device)
            conv = getattr(F, f"conv{rank}d")
            return conv(F.pad(x, flat), weight, None, stride, 0, dilation, channels)

    return WindowSum()


def _axes(value: Any, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank

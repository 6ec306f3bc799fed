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

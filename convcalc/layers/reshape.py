"""Layers that move elements without computing on them: flatten and dropout."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, ClassVar

from convcalc.formats import shape_text
from convcalc.layers.args import any_int, arg, boolean, probability
from convcalc.layers.kind import LayerKind, TorchBuild
from convcalc.layers.registry import register
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo


def batched_axis(dim: int, rank: int, name: str) -> int:
    """A PyTorch dim (counting the batch axis as 0, negatives from the end) as a per-sample index."""
    full = rank + 1
    if not -full <= dim < full:
        raise LayerError(f"'{name}' {dim} is out of range for a {full}-d tensor (batch included)", arg=name)
    index = dim % full
    if index == 0:
        raise LayerError(
            f"'{name}' {dim} is the batch axis",
            arg=name,
            hint="dims count the batch as 0; per-sample axes start at 1",
        )
    return index - 1


@register("flatten")
@dataclass(frozen=True, slots=True, kw_only=True)
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
@dataclass(frozen=True, slots=True, kw_only=True)
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

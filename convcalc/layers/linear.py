"""Fully connected layers: torch.nn.Linear, applied to the last axis."""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

from convcalc.layers.args import arg, boolean, optional_positive_int, positive_int
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo, bias_shape


@register("linear", "dense", "fc")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Linear(LayerKind):
    """Linear (fully connected): y = xWᵀ + b on the last axis, other axes kept.

    Parameters: in·out + out (bias). MACs: in·out per position of the leading axes.
    """

    positional: ClassVar[tuple[str, ...]] = ("out_features",)
    example: ClassVar[str] = "linear:10"
    layout_aware: ClassVar[bool] = True  # on channels-last tensors it mixes channels only

    out_features: int = arg(positive_int, aliases=("out",), doc="output features")
    bias: bool = arg(boolean, True, doc="add a learned bias per output")
    in_features: int | None = arg(optional_positive_int, None, aliases=("in",), doc="expected input features, checked")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        features = x.shape[-1]
        if self.in_features is not None and self.in_features != features:
            hint = "add a flatten before it" if len(x.shape) > 1 else f"set in_features to {features}"
            raise LayerError(
                f"expects {self.in_features} input features but its input's last axis has {features}",
                arg="in_features",
                hint=hint,
            )
        leading = prod(x.shape[:-1])
        # A linear map mixes the whole last axis: when that axis is spatial the layout is gone;
        # when it holds the channels (channels-last, after a permute) the field is kept, as a 1x1 conv keeps it.
        channels_last = x.layout is not None and x.channel_axis == len(x.shape) - 1
        out = TensorInfo((*x.shape[:-1], self.out_features), x.rf, x.nominal, x.layout) if channels_last else (
            TensorInfo((*x.shape[:-1], self.out_features), None)
        )
        return Outcome(
            out=out,
            weights=((self.out_features, features), *bias_shape(self.bias, self.out_features)),
            macs=leading * features * self.out_features,
        )

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.Linear(build.shape[-1], self.out_features, self.bias)

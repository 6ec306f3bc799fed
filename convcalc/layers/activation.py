"""Element-wise activations: shape and receptive field unchanged, no MACs.

Only PReLU has parameters (one slope, or one per channel).
"""

from __future__ import annotations

from typing import Any, ClassVar

from convcalc.layers.args import any_int, approximate, arg, boolean, number, positive_int
from convcalc.layers.kind import LayerKind, TorchBuild, kind_dataclass
from convcalc.layers.registry import register
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo


class _Elementwise(LayerKind):
    """Shared rule: output is the input, nothing learned, nothing multiplied-and-accumulated.

    `module` names the torch.nn class of an activation built without arguments (or with its
    `inplace` flag only, which changes no count).
    """

    __slots__ = ()
    positional: ClassVar[tuple[str, ...]] = ()
    module: ClassVar[str | None] = None
    layout_aware: ClassVar[bool] = True  # element by element: a permuted tensor keeps its field

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        return Outcome(out=x)

    def to_torch(self, build: TorchBuild) -> Any:
        if self.module is None:
            return super().to_torch(build)
        return getattr(build.nn, self.module)()


def _simple(family: str, module: str, summary: str, *also: str) -> type[LayerKind]:
    """An argument-free activation such as Sigmoid: one docstring, one spelling set."""
    module_name = module

    @register(family, *also)
    @kind_dataclass(frozen=True, slots=True, kw_only=True)
    class Simple(_Elementwise):
        __doc__ = summary
        example: ClassVar[str] = family
        module: ClassVar[str | None] = module_name

    Simple.__name__ = Simple.__qualname__ = family.capitalize()
    return Simple


Sigmoid = _simple("sigmoid", "Sigmoid", "Sigmoid (torch.nn.Sigmoid): 1 / (1 + e^−x).")
Tanh = _simple("tanh", "Tanh", "Tanh (torch.nn.Tanh).")
Identity = _simple("identity", "Identity", "Identity (torch.nn.Identity): passes its input through.")


def _inplace_activation(family: str, module: str, summary: str) -> type[LayerKind]:
    """An activation whose only PyTorch argument is `inplace`, which changes no count."""
    module_name = module

    @register(family)
    @kind_dataclass(frozen=True, slots=True, kw_only=True)
    class Inplace(_Elementwise):
        __doc__ = summary
        example: ClassVar[str] = family
        module: ClassVar[str | None] = module_name
        inplace: bool = arg(boolean, False, doc="accepted for PyTorch compatibility")

    Inplace.__name__ = Inplace.__qualname__ = family.capitalize()
    return Inplace


ReLU = _inplace_activation("relu", "ReLU", "ReLU (torch.nn.ReLU): max(0, x).")
ReLU6 = _inplace_activation("relu6", "ReLU6", "ReLU6 (torch.nn.ReLU6): min(max(0, x), 6).")
SiLU = _inplace_activation("silu", "SiLU", "SiLU / swish (torch.nn.SiLU): x·sigmoid(x).")
Hardswish = _inplace_activation("hardswish", "Hardswish", "Hardswish (torch.nn.Hardswish), MobileNetV3's activation.")
Hardsigmoid = _inplace_activation("hardsigmoid", "Hardsigmoid", "Hardsigmoid (torch.nn.Hardsigmoid).")
Mish = _inplace_activation("mish", "Mish", "Mish (torch.nn.Mish): x·tanh(softplus(x)).")


@register("gelu")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class GELU(_Elementwise):
    """GELU (torch.nn.GELU): x·Φ(x), exact or with the tanh approximation."""

    positional: ClassVar[tuple[str, ...]] = ("approximate",)
    example: ClassVar[str] = "gelu"

    approximate: str = arg(approximate, "none", doc="'none' or 'tanh'")

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.GELU(self.approximate)


@register("leakyrelu")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class LeakyReLU(_Elementwise):
    """LeakyReLU (torch.nn.LeakyReLU): x for x > 0, negative_slope·x otherwise."""

    positional: ClassVar[tuple[str, ...]] = ("negative_slope",)
    example: ClassVar[str] = "leaky_relu:0.2"

    negative_slope: float = arg(number, 0.01, aliases=("slope",), doc="slope for negative inputs")
    inplace: bool = arg(boolean, False, doc="accepted for PyTorch compatibility")

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.LeakyReLU(self.negative_slope)


@register("elu")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class ELU(_Elementwise):
    """ELU (torch.nn.ELU): x for x > 0, alpha·(eˣ − 1) otherwise."""

    positional: ClassVar[tuple[str, ...]] = ("alpha",)
    example: ClassVar[str] = "elu"

    alpha: float = arg(number, 1.0, doc="saturation value for negative inputs")
    inplace: bool = arg(boolean, False, doc="accepted for PyTorch compatibility")

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.ELU(self.alpha)


class _AlongDim(_Elementwise):
    """Softmax-like: normalises along one axis, which must exist; `module` is built with `dim`."""

    __slots__ = ()
    dim: int

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        if not -(len(x.shape) + 1) <= self.dim <= len(x.shape):
            raise LayerError(f"'dim' {self.dim} is out of range for a {len(x.shape) + 1}-d tensor", arg="dim")
        return Outcome(out=x)

    def to_torch(self, build: TorchBuild) -> Any:
        return getattr(build.nn, self.module or "")(self.dim)


@register("softmax")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class Softmax(_AlongDim):
    """Softmax (torch.nn.Softmax) along `dim` (default −1, the last axis)."""

    positional: ClassVar[tuple[str, ...]] = ("dim",)
    example: ClassVar[str] = "softmax"
    module: ClassVar[str | None] = "Softmax"

    dim: int = arg(any_int, -1, doc="axis normalised (batch is 0)")


@register("logsoftmax")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class LogSoftmax(_AlongDim):
    """LogSoftmax (torch.nn.LogSoftmax) along `dim` (default −1, the last axis)."""

    positional: ClassVar[tuple[str, ...]] = ("dim",)
    example: ClassVar[str] = "log_softmax"
    module: ClassVar[str | None] = "LogSoftmax"

    dim: int = arg(any_int, -1, doc="axis normalised (batch is 0)")


@register("prelu")
@kind_dataclass(frozen=True, slots=True, kw_only=True)
class PReLU(_Elementwise):
    """PReLU (torch.nn.PReLU): a learned negative slope, shared (1) or one per channel (C)."""

    positional: ClassVar[tuple[str, ...]] = ("num_parameters",)
    example: ClassVar[str] = "prelu"

    num_parameters: int = arg(positive_int, 1, doc="1, or the number of channels")
    init: float = arg(number, 0.25, doc="initial slope")

    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        channels = x.shape[0] if len(x.shape) > 0 else 1
        if self.num_parameters not in (1, channels):
            raise LayerError(
                f"num_parameters must be 1 or the {channels} input channels (got {self.num_parameters})",
                arg="num_parameters",
            )
        return Outcome(out=x, weights=((self.num_parameters,),))

    def to_torch(self, build: TorchBuild) -> Any:
        return build.nn.PReLU(self.num_parameters, self.init)

"""Each layer kind's ONNX form: one emitter per family in `EMITTERS`, writing nodes and zero-filled
initializers (named like PyTorch's state dict) into an `OnnxGraph`. `to_onnx` walks the spec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any

from convcalc.errors import SpecError
from convcalc.formats import shape_text
from convcalc.layers.tensor import Outcome
from convcalc.network import LayerSpec

Tensor = tuple[str, tuple[int, ...]]  # a tensor's name and its shape, batch included


@dataclass(slots=True)
class OnnxGraph:
    helper: Any
    nodes: list[Any] = field(default_factory=list)
    initializers: list[Any] = field(default_factory=list)
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def weight(self, name: str, shape: tuple[int, ...], value: float = 0.0) -> str:
        import struct

        data = bytes(4 * prod(shape)) if value == 0.0 else struct.pack("<f", value) * prod(shape)
        self.initializers.append(self.helper.make_tensor(name, 1, list(shape), data, raw=True))
        return name

    def ints(self, name: str, values: list[int]) -> str:
        self.initializers.append(self.helper.make_tensor(name, 7, [len(values)], values))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def mark(self, kind: str) -> None:
        """The spelling the last node came from, where ONNX has one operator for two kinds
        (GlobalAveragePool: globalavgpool or adaptiveavgpool to 1), so an import gives it back."""
        entry = self.nodes[-1].metadata_props.add()
        entry.key, entry.value = "convcalc.kind", kind


Emit = Callable[[OnnxGraph, LayerSpec, Any, Outcome, Tensor], str]


def params(g: OnnxGraph, spec: LayerSpec, outcome: Outcome, names: tuple[str, ...]) -> list[str]:
    return [g.weight(f"{spec.name}.{n}", shape) for n, shape in zip(names, outcome.weights)]


def window_attrs(outcome: Outcome, *, pads: bool = True) -> dict[str, Any]:
    window = outcome.window
    assert window is not None
    attrs: dict[str, Any] = {"kernel_shape": list(window.kernels), "strides": list(window.strides)}
    if pads:
        attrs["pads"] = [a.before for a in window.axes] + [a.after for a in window.axes]
    return attrs


def _conv(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    attrs = window_attrs(outcome)
    assert outcome.window is not None
    return g.node("Conv", [x[0], *params(g, spec, outcome, ("weight", "bias"))], spec.name,
                  dilations=list(outcome.window.dilations), group=args.groups, **attrs)


def _conv_transpose(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    window = outcome.window
    assert window is not None
    attrs = window_attrs(outcome)
    return g.node("ConvTranspose", [x[0], *params(g, spec, outcome, ("weight", "bias"))], spec.name,
                  dilations=list(window.dilations), group=args.groups,
                  output_padding=[a.output_padding for a in window.axes], **attrs)


def _max_pool(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    assert outcome.window is not None
    return g.node("MaxPool", [x[0]], spec.name, dilations=list(outcome.window.dilations),
                  ceil_mode=int(args.ceil_mode), **window_attrs(outcome))


def _avg_pool(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    return g.node("AveragePool", [x[0]], spec.name, ceil_mode=int(args.ceil_mode),
                  count_include_pad=int(args.count_include_pad), **window_attrs(outcome))


def _adaptive(op: str, pool: str) -> Emit:
    def emit(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
        spatial, out = x[1][2:], outcome.out.shape[1:]
        if all(o == 1 for o in out):
            return g.node(op, [x[0]], spec.name)
        if any(n % o for n, o in zip(spatial, out)):
            raise SpecError(f"cannot export {spec.name} to ONNX: adaptive pooling {shape_text(spatial)} -> "
                            f"{shape_text(out)} has uneven windows, which ONNX pooling cannot express", spec.span)
        kernel = [n // o for n, o in zip(spatial, out)]
        return g.node(pool, [x[0]], spec.name, kernel_shape=kernel, strides=kernel)

    return emit


def _linear(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    out_features, in_features = outcome.weights[0]
    bias = [g.weight(f"{spec.name}.bias", outcome.weights[1])] if len(outcome.weights) > 1 else []
    if len(x[1]) == 2:
        weight = g.weight(f"{spec.name}.weight", (out_features, in_features))
        return g.node("Gemm", [x[0], weight, *bias], spec.name, transB=1)
    weight = g.weight(f"{spec.name}.weight", (in_features, out_features))  # MatMul reads PyTorch's weight transposed
    if not bias:
        return g.node("MatMul", [x[0], weight], spec.name)
    product = g.node("MatMul", [x[0], weight], f"{spec.name}.matmul")
    return g.node("Add", [product, bias[0]], spec.name)


def _batchnorm(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    channels = x[1][1]
    if not args.affine:
        raise SpecError(f"cannot export {spec.name} to ONNX: BatchNormalization always has a scale and shift", spec.span)
    scale, bias = params(g, spec, outcome, ("weight", "bias"))
    mean = g.weight(f"{spec.name}.running_mean", (channels,))
    var = g.weight(f"{spec.name}.running_var", (channels,), 1.0)
    return g.node("BatchNormalization", [x[0], scale, bias, mean, var], spec.name, epsilon=args.eps)


def _layernorm(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    axes = len(outcome.weights[0]) if outcome.weights else 1
    return g.node("LayerNormalization", [x[0], *params(g, spec, outcome, ("weight", "bias"))], spec.name,
                  axis=-axes, epsilon=args.eps)


def _groupnorm(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    names = params(g, spec, outcome, ("weight", "bias"))
    if len(names) != 2:
        raise SpecError(f"cannot export {spec.name} to ONNX: GroupNormalization always has a scale and shift", spec.span)
    return g.node("GroupNormalization", [x[0], *names], spec.name, num_groups=args.num_groups, epsilon=args.eps)


def _simple(op: str, **fixed: Any) -> Emit:
    def emit(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
        attrs = {key: (getattr(args, value[1:]) if isinstance(value, str) and value.startswith("@") else value)
                 for key, value in fixed.items()}
        return g.node(op, [x[0]], spec.name, **attrs)

    return emit


def _relu6(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    return g.node("Clip", [x[0], _scalar(g, f"{spec.name}.min", 0.0), _scalar(g, f"{spec.name}.max", 6.0)], spec.name)


def _scalar(g: OnnxGraph, name: str, value: float) -> str:
    g.initializers.append(g.helper.make_tensor(name, 1, [], [value]))
    return name


def _silu(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    gate = g.node("Sigmoid", [x[0]], f"{spec.name}.sigmoid")
    return g.node("Mul", [x[0], gate], spec.name)


def _prelu(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    count = args.num_parameters
    shape = (count, *([1] * (len(x[1]) - 2))) if count > 1 else (1,)
    return g.node("PRelu", [x[0], g.weight(f"{spec.name}.weight", shape, 0.25)], spec.name)


def _flatten(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    rank = len(x[1])
    if args.end_dim % rank == rank - 1:
        return g.node("Flatten", [x[0]], spec.name, axis=args.start_dim % rank)
    shape = g.ints(f"{spec.name}.shape", [x[1][0], *outcome.out.shape])
    return g.node("Reshape", [x[0], shape], spec.name)


def _dropout(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    return g.node("Dropout", [x[0], _scalar(g, f"{spec.name}.ratio", args.p)], spec.name)


def _upsample(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    mode = {"nearest": "nearest", "nearest-exact": "nearest", "bicubic": "cubic"}.get(args.mode, "linear")
    transform = "align_corners" if args.align_corners else ("asymmetric" if mode == "nearest" else "pytorch_half_pixel")
    sizes = g.ints(f"{spec.name}.sizes", [x[1][0], *outcome.out.shape])
    extra = {"nearest_mode": "floor"} if args.mode == "nearest" else {}
    return g.node("Resize", [x[0], "", "", sizes], spec.name, mode=mode, coordinate_transformation_mode=transform, **extra)


def _crop(g: OnnxGraph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    from convcalc.layers.resize import crop_offsets

    starts = list(crop_offsets(args, x[1][2:]))
    ends = [s + n for s, n in zip(starts, outcome.out.shape[1:])]
    axes = list(range(2, len(x[1])))
    return g.node("Slice", [x[0], g.ints(f"{spec.name}.starts", starts), g.ints(f"{spec.name}.ends", ends),
                            g.ints(f"{spec.name}.axes", axes)], spec.name)


EMITTERS: dict[str, Emit] = {
    "conv": _conv, "convtranspose": _conv_transpose, "maxpool": _max_pool, "avgpool": _avg_pool,
    "adaptiveavgpool": _adaptive("GlobalAveragePool", "AveragePool"),
    "adaptivemaxpool": _adaptive("GlobalMaxPool", "MaxPool"),
    "globalavgpool": _simple("GlobalAveragePool"), "globalmaxpool": _simple("GlobalMaxPool"),
    "linear": _linear, "batchnorm": _batchnorm, "layernorm": _layernorm, "groupnorm": _groupnorm,
    "relu": _simple("Relu"), "sigmoid": _simple("Sigmoid"), "tanh": _simple("Tanh"), "identity": _simple("Identity"),
    "relu6": _relu6, "silu": _silu, "hardswish": _simple("HardSwish"),
    "hardsigmoid": _simple("HardSigmoid", alpha=1 / 6, beta=0.5), "gelu": _simple("Gelu", approximate="@approximate"),
    "leakyrelu": _simple("LeakyRelu", alpha="@negative_slope"), "elu": _simple("Elu", alpha="@alpha"),
    "softmax": _simple("Softmax", axis="@dim"), "logsoftmax": _simple("LogSoftmax", axis="@dim"), "prelu": _prelu,
    "flatten": _flatten, "dropout": _dropout, "upsample": _upsample, "crop": _crop,
    "pixelshuffle": _simple("DepthToSpace", blocksize="@upscale_factor", mode="CRD"),
}

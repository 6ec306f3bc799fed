"""Keras layers to layer kinds (one entry per class in `LAYERS`); `from_keras` walks the graph.

Keras to a spec: a model's `to_json()` config (Sequential or Functional, Keras 2 or 3), read
as plain JSON, without TensorFlow.

Keras is channels-last; a spec is channels-first: the input (H, W, C) becomes (C, H, W), and a
layer that works on the last axis (Dense, BatchNormalization, Concatenate, Softmax) is mapped
to the channel axis, or reported where that axis is not the channels. `padding='same'` is
TensorFlow's SAME (`tf_same`: the odd pixel after), `'valid'` is none. A layer's `activation`
becomes a layer of its own after it. Keras counts BatchNormalization's moving mean and variance
as non-trainable parameters; here they are buffers, as in PyTorch, and the written spec says how
the totals correspond (convcalc's parameters = Keras' trainable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convcalc.interop.blocks import fields_of
from convcalc.interop.model import Leaf, compact
from convcalc.layers import lookup
from convcalc.layers.args import ArgValue
from convcalc.layers.kind import CompositeKind
from convcalc.layers.tensor import LayerError, TensorInfo
from convcalc.spec.build import RawLayer, build_layer

Shape = tuple[int, ...]  # channels first, no batch


class Refused(Exception):
    """The layer cannot be a spec layer: why."""


_ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "elu": "elu",
                "gelu": "gelu", "swish": "silu", "silu": "silu", "relu6": "relu6", "hard_swish": "hardswish",
                "hard_silu": "hardswish", "hard_sigmoid": "hardsigmoid", "leaky_relu": "leakyrelu",
                "log_softmax": "logsoftmax"}


def leaf(kind: str, name: str = "", **args: Any) -> Leaf:
    if lookup(kind) is None:
        raise Refused(f"no convcalc layer kind '{kind}' yet")
    defaults = dict(fields_of(kind))
    kept = tuple((k, compact(v)) for k, v in args.items() if not (type(v) is type(defaults.get(k)) and v == defaults.get(k)))
    return Leaf(kind, kept, name)


def out_shape(item: Leaf, shape: Shape) -> Shape:
    """The engine's own rule for one layer, to know the channels the next layer reads."""
    raw = RawLayer(item.kind, None, keywords={k: ArgValue(list(v) if isinstance(v, tuple) else v) for k, v in item.args})
    spec, _ = build_layer(raw)
    try:
        if isinstance(spec.args, CompositeKind):
            raise Refused("composite")
        return spec.args.infer(TensorInfo(shape, None), spec.rank).out.shape
    except LayerError as problem:
        raise Refused(f"impossible for its input {list(shape)}: {problem.message}") from None


def activation(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    name = config.get("activation") or "linear"
    if isinstance(name, dict):  # Keras 3 may serialise the activation as an object
        name = name.get("config", {}).get("name", name.get("class_name", "linear"))
    if name == "linear":
        return []
    kind = _ACTIVATIONS.get(name)
    if kind is None:
        raise Refused(f"activation '{name}' has no convcalc layer kind")
    if kind in ("softmax", "logsoftmax"):
        return [leaf(kind, dim=1 if len(shape) > 1 else -1)]
    return [leaf(kind)]


def tf_padding(config: dict[str, Any]) -> Any:
    padding = config.get("padding", "valid")
    if padding == "valid":
        return 0
    if padding == "same":
        return "tf_same"
    raise Refused(f"padding '{padding}' has no spec form")


def axes(value: Any, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (int(value),) * rank


def _conv(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    rank = len(shape) - 1
    return [leaf(f"conv{rank}d", config["name"], out_channels=config["filters"],
                 kernel_size=axes(config["kernel_size"], rank), stride=axes(config.get("strides", 1), rank),
                 padding=tf_padding(config), dilation=axes(config.get("dilation_rate", 1), rank),
                 groups=config.get("groups", 1), bias=config.get("use_bias", True))]


def _conv_transpose(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    """Keras' output per axis: N·S with 'same'; (N − 1)·S + K with 'valid' (N·S when K < S), which
    PyTorch's (N − 1)·S − 2P + K + output_padding reaches with the P and output_padding below."""
    rank = len(shape) - 1
    kernels, strides = axes(config["kernel_size"], rank), axes(config.get("strides", 1), rank)
    if config.get("output_padding") is not None or any(d != 1 for d in axes(config.get("dilation_rate", 1), rank)):
        raise Refused("output_padding or dilation on a transposed conv is not mapped")
    pads, extra = [], []
    for k, s in zip(kernels, strides):
        p = max(0, -(-(k - s) // 2)) if config.get("padding") == "same" else 0
        pads.append(p)
        extra.append(s - k + 2 * p if config.get("padding") == "same" or k < s else 0)
    return [leaf(f"convtranspose{rank}d", config["name"], out_channels=config["filters"], kernel_size=kernels,
                 stride=strides, padding=tuple(pads), output_padding=tuple(extra), bias=config.get("use_bias", True))]


def _depthwise(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    rank = len(shape) - 1
    channels = shape[0]
    return [leaf(f"conv{rank}d", config["name"], out_channels=channels * config.get("depth_multiplier", 1),
                 kernel_size=axes(config["kernel_size"], rank), stride=axes(config.get("strides", 1), rank),
                 padding=tf_padding(config), dilation=axes(config.get("dilation_rate", 1), rank), groups=channels,
                 bias=config.get("use_bias", True))]


def _pool(kind: str) -> Callable[[dict[str, Any], Shape], list[Leaf]]:
    def make(config: dict[str, Any], shape: Shape) -> list[Leaf]:
        rank = len(shape) - 1
        size = axes(config.get("pool_size", 2), rank)
        if config.get("padding", "valid") != "valid":
            raise Refused("padding 'same' on pooling needs a SAME pooling kind, which convcalc does not have yet")
        strides = config.get("strides")
        return [leaf(f"{kind}{rank}d", config["name"], kernel_size=size,
                     stride=axes(strides, rank) if strides is not None else size)]

    return make


def _global(kind: str) -> Callable[[dict[str, Any], Shape], list[Leaf]]:
    def make(config: dict[str, Any], shape: Shape) -> list[Leaf]:
        pool = leaf(f"adaptive{kind}{len(shape) - 1}d", config["name"], output_size=1)
        return [pool] if config.get("keepdims") else [pool, leaf("flatten")]

    return make


def _dense(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    if len(shape) > 1:
        raise Refused("Dense on a spatial tensor works on its channels (channels-last); a spec's linear reads the last axis")
    return [leaf("linear", config["name"], out_features=config["units"], bias=config.get("use_bias", True))]


def _batchnorm(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    axis = config.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if axis not in (-1, len(shape)) or config.get("center", True) != config.get("scale", True):
        raise Refused("BatchNormalization over other than the channels, or with only one of center and scale")
    return [leaf(f"batchnorm{max(1, len(shape) - 1)}d", config["name"], eps=float(config.get("epsilon", 1e-3)),
                 affine=bool(config.get("scale", True)))]


def _relu(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    top, slope = config.get("max_value"), config.get("negative_slope", 0.0)
    if top in (None,) and not slope:
        return [leaf("relu", config["name"])]
    if top == 6 and not slope:
        return [leaf("relu6", config["name"])]
    if top is None:
        return [leaf("leakyrelu", config["name"], negative_slope=float(slope))]
    raise Refused(f"ReLU with max_value {top} and negative_slope {slope} has no layer kind")


def _upsampling(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    rank = len(shape) - 1
    mode = {"nearest": "nearest", "bilinear": "bilinear"}.get(config.get("interpolation", "nearest"))
    if mode is None:
        raise Refused(f"interpolation '{config.get('interpolation')}' is not mapped")
    return [leaf("upsample", config["name"], scale_factor=tuple(float(s) for s in axes(config.get("size", 2), rank)),
                 mode=mode)]


def _softmax(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    if config.get("axis", -1) != -1:
        raise Refused("Softmax over other than the last (channel) axis")
    return [leaf("softmax", config["name"], dim=1 if len(shape) > 1 else -1)]


def _activation_layer(config: dict[str, Any], shape: Shape) -> list[Leaf]:
    made = activation(config, shape)
    return [Leaf(m.kind, m.args, config["name"]) for m in made] or [leaf("identity", config["name"])]


LAYERS: dict[str, Callable[[dict[str, Any], Shape], list[Leaf]]] = {
    "Conv1D": _conv, "Conv2D": _conv, "Conv3D": _conv, "Conv2DTranspose": _conv_transpose,
    "Conv1DTranspose": _conv_transpose, "Conv3DTranspose": _conv_transpose, "DepthwiseConv2D": _depthwise,
    "MaxPooling1D": _pool("maxpool"), "MaxPooling2D": _pool("maxpool"), "MaxPooling3D": _pool("maxpool"),
    "AveragePooling1D": _pool("avgpool"), "AveragePooling2D": _pool("avgpool"), "AveragePooling3D": _pool("avgpool"),
    "GlobalAveragePooling1D": _global("avgpool"), "GlobalAveragePooling2D": _global("avgpool"),
    "GlobalAveragePooling3D": _global("avgpool"), "GlobalMaxPooling1D": _global("maxpool"),
    "GlobalMaxPooling2D": _global("maxpool"), "GlobalMaxPooling3D": _global("maxpool"),
    "Dense": _dense, "BatchNormalization": _batchnorm, "ReLU": _relu, "Softmax": _softmax,
    "Activation": _activation_layer, "UpSampling1D": _upsampling, "UpSampling2D": _upsampling,
    "UpSampling3D": _upsampling,
    "Flatten": lambda config, shape: [leaf("flatten", config["name"])],
    "Dropout": lambda config, shape: [leaf("dropout", config["name"], p=float(config.get("rate", 0.5)))],
    "SpatialDropout2D": lambda config, shape: [leaf("dropout2d", config["name"], p=float(config.get("rate", 0.5)))],
    "LeakyReLU": lambda config, shape: [leaf("leakyrelu", config["name"], negative_slope=float(
        config.get("negative_slope", config.get("alpha", 0.3))))],
    "ELU": lambda config, shape: [leaf("elu", config["name"], alpha=float(config.get("alpha", 1.0)))],
}
ACTIVATED = {"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv1DTranspose", "Conv3DTranspose",
              "DepthwiseConv2D", "Dense", "SeparableConv1D", "SeparableConv2D"}
JOINS = {"Add": "add", "Concatenate": "concat", "Multiply": "mul"}

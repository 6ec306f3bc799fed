"""ONNX operators to layer kinds: one handler per op_type in `OPS`, its attributes read as PyTorch
names them; each returns the layers and which inputs are parameters (counted from initializers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any

from convcalc.interop.blocks import fields_of
from convcalc.interop.model import Leaf, compact
from convcalc.layers import lookup


class Refused(Exception):
    """The node cannot be a layer: why."""


@dataclass(slots=True)
class OnnxNode:
    proto: Any
    attrs: dict[str, Any]
    inputs: list[str]  # tensor inputs (not constants)
    consts: list[Any]  # every input's constant value, or None


Handler = Callable[[OnnxNode, tuple[int, ...]], tuple[tuple[Leaf, ...], list[int]]]
# returns the layers (their names set later) and which inputs are parameters (counted)


def _leaf(kind: str, **args: Any) -> Leaf:
    if lookup(kind) is None:
        raise Refused(f"no convcalc layer kind '{kind}' yet")
    defaults = dict(fields_of(kind))
    kept = tuple((k, compact(v) if k != "normalized_shape" else v) for k, v in args.items()
                 if not (type(v) is type(defaults.get(k)) and v == defaults.get(k)))
    return Leaf(kind, kept, "")


def _pads(node: OnnxNode, rank: int, pool: bool) -> Any:
    auto = node.attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if pool:
            raise Refused(f"auto_pad {auto} on pooling: a spec's pooling padding is a size")
        return auto.lower()
    if auto == "VALID":
        return 0
    pads = list(node.attrs.get("pads", [0] * (2 * rank)))
    before, after = pads[:rank], pads[rank:]
    if before == after:
        return tuple(before)
    if pool:
        raise Refused(f"pads {pads} differ before and after; a spec's pooling pads both sides alike")
    return tuple(zip(before, after))


def _conv(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    weight = node.consts[1]
    if weight is None:
        raise Refused("its weight is computed, not an initializer")
    rank = len(weight.shape) - 2
    kind = f"conv{rank}d" if node.proto.op_type == "Conv" else f"convtranspose{rank}d"
    group = node.attrs.get("group", 1)
    args: dict[str, Any] = {
        "out_channels": int(weight.shape[0]) if kind.startswith("conv" + str(rank)) else int(weight.shape[1]) * group,
        "kernel_size": tuple(node.attrs.get("kernel_shape", weight.shape[2:])),
        "stride": tuple(node.attrs.get("strides", [1] * rank)),
        "padding": _pads(node, rank, pool=False),
        "dilation": tuple(node.attrs.get("dilations", [1] * rank)),
        "groups": group, "bias": len(node.proto.input) > 2 and bool(node.proto.input[2]),
    }
    if node.proto.op_type == "ConvTranspose":
        if "output_shape" in node.attrs or isinstance(args["padding"], str) or (
            isinstance(args["padding"], tuple) and args["padding"] and isinstance(args["padding"][0], tuple)
        ):
            raise Refused("output_shape, auto_pad or uneven pads on a transposed conv have no spec form")
        args["output_padding"] = tuple(node.attrs.get("output_padding", [0] * rank))
    return (_leaf(kind, **args),), [1, 2]


def _pool(kind: str) -> Handler:
    def handle(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
        kernel = tuple(node.attrs["kernel_shape"])
        rank = len(kernel)
        args: dict[str, Any] = {"kernel_size": kernel, "stride": tuple(node.attrs.get("strides", [1] * rank)),
                                "padding": _pads(node, rank, pool=True),
                                "ceil_mode": bool(node.attrs.get("ceil_mode", 0))}
        if kind == "maxpool":
            args["dilation"] = tuple(node.attrs.get("dilations", [1] * rank))
            if len(node.proto.output) > 1 and node.proto.output[1]:
                raise Refused("returns the indices too")
        elif kind == "avgpool":
            args["count_include_pad"] = bool(node.attrs.get("count_include_pad", 0))
        else:
            args["norm_type"] = float(node.attrs.get("p", 2))
        return (_leaf(f"{kind}{rank}d", **args),), []

    return handle


def _deform(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    weight = node.consts[1]
    if weight is None:
        raise Refused("its weight is computed, not an initializer")
    rank = len(weight.shape) - 2
    padding = _pads(node, rank, pool=False)
    if not isinstance(padding, tuple) or (padding and isinstance(padding[0], tuple)):
        raise Refused("a deformable conv pads both sides alike here")
    return (_leaf("deformconv", out_channels=int(weight.shape[0]), kernel_size=tuple(weight.shape[2:]),
                  stride=tuple(node.attrs.get("strides", [1] * rank)), padding=padding,
                  dilation=tuple(node.attrs.get("dilations", [1] * rank)), groups=node.attrs.get("group", 1),
                  offset_groups=node.attrs.get("offset_group", 1), modulated=bool(node.attrs.get("_modulated")),
                  bias=len(node.proto.input) > 3 and bool(node.proto.input[3])),), [1, 3]


def _gemm(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    weight = node.consts[1]
    if weight is None or node.attrs.get("transA", 0) or node.attrs.get("alpha", 1.0) != 1.0 or node.attrs.get("beta", 1.0) != 1.0:
        raise Refused("only x·Wᵀ + b with a constant W is a linear layer")
    out = weight.shape[0] if node.attrs.get("transB", 0) else weight.shape[1]
    return (_leaf("linear", out_features=int(out), bias=len(node.proto.input) > 2),), [1, 2]


def _matmul(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    weight = node.consts[1]
    if weight is None or len(weight.shape) != 2:
        raise Refused("a product of two computed tensors is not a layer")
    bias = node.attrs.get("_bias") is not None
    return (_leaf("linear", out_features=int(weight.shape[1]), bias=bias),), [1]


def _batchnorm(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    rank = max(1, len(shape) - 2)
    return (_leaf(f"batchnorm{rank}d", eps=float(node.attrs.get("epsilon", 1e-5))),), [1, 2]


def _norm(kind: str) -> Handler:
    def handle(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
        eps = float(node.attrs.get("epsilon", 1e-5))
        if kind == "layernorm":
            axis = node.attrs.get("axis", -1) % len(shape)
            return (_leaf("layernorm", normalized_shape=tuple(shape[axis:]), eps=eps, bias=len(node.proto.input) > 2),), [1, 2]
        if kind == "groupnorm":
            return (_leaf("groupnorm", num_groups=int(node.attrs["num_groups"]), eps=eps),), [1, 2]
        return (_leaf(f"instancenorm{len(shape) - 2}d", eps=eps, affine=True),), [1, 2]

    return handle


def _simple(kind: str, **renamed: str | tuple[str, Any]) -> Handler:
    def handle(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
        args = {}
        for arg, source in renamed.items():
            name, default = source if isinstance(source, tuple) else (source, None)
            value = node.attrs.get(name, default)
            args[arg] = value.decode() if isinstance(value, bytes) else value
        return (_leaf(kind, **args),), []

    return handle


def _clip(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    low = node.consts[1] if len(node.consts) > 1 else None
    high = node.consts[2] if len(node.consts) > 2 else None
    if low is not None and high is not None and float(low) == 0.0 and float(high) == 6.0:
        return (_leaf("relu6"),), []
    raise Refused("a Clip other than [0, 6] (ReLU6) has no layer kind")


def _hardsigmoid(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    if abs(node.attrs.get("alpha", 0.2) - 1 / 6) > 1e-6 or abs(node.attrs.get("beta", 0.5) - 0.5) > 1e-6:
        raise Refused("HardSigmoid's alpha and beta differ from PyTorch's (1/6, 0.5)")
    return (_leaf("hardsigmoid"),), []


def _prelu(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    slope = node.consts[1]
    if slope is None:
        raise Refused("its slope is computed")
    return (_leaf("prelu", num_parameters=int(prod(slope.shape))),), [1]


def _dropout(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    ratio = node.consts[1] if len(node.consts) > 1 and node.consts[1] is not None else node.attrs.get("ratio", 0.5)
    return (_leaf("dropout", p=float(ratio)),), []


def _reshape(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    out = node.attrs.get("_out")
    if out is not None and len(shape) > 2 and tuple(out[1:]) == (prod(shape[1:]),):
        return (_leaf("flatten"),), []
    raise Refused(f"a reshape to {list(out or [])} is not a flatten; a spec has no general reshape")


def _resize(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    rank = len(shape) - 2
    mode = node.attrs.get("mode", b"nearest")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    spelled = {"nearest": "nearest", "cubic": "bicubic", "linear": {1: "linear", 2: "bilinear", 3: "trilinear"}[rank]}[mode]
    transform = node.attrs.get("coordinate_transformation_mode", b"half_pixel")
    align = (transform.decode() if isinstance(transform, bytes) else transform) == "align_corners"
    consts = node.consts + [None] * 4
    scales, sizes = consts[2] if node.proto.op_type == "Resize" else consts[1], consts[3]
    args: dict[str, Any] = {"mode": spelled}
    if spelled != "nearest":
        args["align_corners"] = align
    if sizes is not None and sizes.size:
        args["size"] = tuple(int(v) for v in sizes[2:])
    elif scales is not None and scales.size:
        args["scale_factor"] = tuple(float(v) for v in scales[2:])
    else:
        raise Refused("its sizes or scales are computed")
    return (_leaf("upsample", **args),), []


def _global(kind: str) -> Handler:
    def handle(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
        if node.attrs.get("_kind") == f"global{kind}":  # convcalc's own export says which spelling it was
            return (_leaf(f"global{kind}"),), []
        return (_leaf(f"adaptive{kind}{len(shape) - 2}d", output_size=1),), []

    return handle


def _slice(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    consts = node.consts + [None] * 5
    starts, ends, axes, steps = consts[1], consts[2], consts[3], consts[4]
    if starts is None or ends is None:
        raise Refused("its starts and ends are computed")
    rank = len(shape)
    axes = list(range(len(starts))) if axes is None else [int(a) % rank for a in axes]
    if steps is not None and any(int(s) != 1 for s in steps):
        raise Refused("a strided slice is not a crop")
    begin, size = list(shape[2:]), list(shape[2:])
    for axis, start, end in zip(axes, starts, ends):
        if axis < 2:
            raise Refused("slices the batch or channel axis; a crop cuts spatial axes")
        n = shape[axis]
        first, last = min(max(int(start) + (n if start < 0 else 0), 0), n), min(max(int(end) + (n if end < 0 else 0), 0), n)
        begin[axis - 2], size[axis - 2] = first, last - first
    return (_leaf("crop", size=tuple(size), offset=tuple(v if a + 2 in axes else 0 for a, v in enumerate(begin))),), []


def _flatten(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    return (_leaf("flatten", start_dim=int(node.attrs.get("axis", 1))),), []


def _reduce_mean(node: OnnxNode, shape: tuple[int, ...]) -> tuple[tuple[Leaf, ...], list[int]]:
    axes = node.consts[1] if len(node.consts) > 1 and node.consts[1] is not None else node.attrs.get("axes")
    rank = len(shape)
    if axes is None or sorted(int(a) % rank for a in axes) != list(range(2, rank)):
        raise Refused("a mean over other than every spatial axis has no layer kind")
    pool = _leaf(f"adaptiveavgpool{rank - 2}d", output_size=1)
    return ((pool,) if node.attrs.get("keepdims", 1) else (pool, _leaf("flatten"))), []


OPS: dict[str, Handler] = {
    "Conv": _conv, "ConvTranspose": _conv, "MaxPool": _pool("maxpool"), "AveragePool": _pool("avgpool"),
    "LpPool": _pool("lppool"), "GlobalAveragePool": _global("avgpool"), "GlobalMaxPool": _global("maxpool"), "Slice": _slice,
    "Gemm": _gemm, "MatMul": _matmul, "BatchNormalization": _batchnorm, "LayerNormalization": _norm("layernorm"),
    "GroupNormalization": _norm("groupnorm"), "InstanceNormalization": _norm("instancenorm"),
    "Relu": _simple("relu"), "Sigmoid": _simple("sigmoid"), "Tanh": _simple("tanh"), "Identity": _simple("identity"),
    "LeakyRelu": _simple("leakyrelu", negative_slope=("alpha", 0.01)), "Elu": _simple("elu", alpha=("alpha", 1.0)),
    "Gelu": _simple("gelu", approximate=("approximate", "none")), "HardSwish": _simple("hardswish"),
    "HardSigmoid": _hardsigmoid, "Softmax": _simple("softmax", dim=("axis", -1)),
    "LogSoftmax": _simple("logsoftmax", dim=("axis", -1)), "PRelu": _prelu, "Clip": _clip, "Dropout": _dropout,
    "Flatten": _flatten, "Reshape": _reshape, "Resize": _resize, "Upsample": _resize, "ReduceMean": _reduce_mean,
    "DepthToSpace": _simple("pixelshuffle", upscale_factor="blocksize"), "_SiLU": _simple("silu"),
    "_DeformConv": _deform,
}
JOINS = {"Add": "add", "Sum": "add", "Mul": "mul", "Concat": "concat"}
PASS = {"Cast", "Contiguous"}

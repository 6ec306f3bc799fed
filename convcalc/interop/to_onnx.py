"""A spec as an ONNX graph: one node per layer (named by the layer's dotted name, its output tensor
too), zero-filled initializers named like PyTorch's state dict (`conv1.weight`), checked by
`onnx.checker` (full check, which runs shape inference strictly) and cross-checked against
the engine's shapes, so a spec opens in Netron with the sizes convcalc computed.

Each kind is one entry in `_EMITTERS`, keyed by family; a kind without one is named in the
error. The `onnx` package is imported inside `onnx_bytes` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any

from convcalc.errors import ConvcalcError, SpecError
from convcalc.formats import shape_text
from convcalc.layers.kind import CompositeKind, LayerKind
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo
from convcalc.network import Branches, LayerSpec, Network, Visitor, part_spec, walk

OPSET = 21  # GroupNormalization's per-channel scale (opset 21) matches PyTorch's
Tensor = tuple[str, tuple[int, ...]]  # a tensor's name and its shape, batch included


class OnnxMissing(ConvcalcError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs the onnx package: pip install 'convcalc[onnx]'")


@dataclass(slots=True)
class _Graph:
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


Emit = Callable[[_Graph, LayerSpec, Any, Outcome, Tensor], str]


def _params(g: _Graph, spec: LayerSpec, outcome: Outcome, names: tuple[str, ...]) -> list[str]:
    return [g.weight(f"{spec.name}.{n}", shape) for n, shape in zip(names, outcome.weights)]


def _window_attrs(outcome: Outcome, *, pads: bool = True) -> dict[str, Any]:
    window = outcome.window
    assert window is not None
    attrs: dict[str, Any] = {"kernel_shape": list(window.kernels), "strides": list(window.strides)}
    if pads:
        attrs["pads"] = [a.before for a in window.axes] + [a.after for a in window.axes]
    return attrs


def _conv(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    attrs = _window_attrs(outcome)
    assert outcome.window is not None
    return g.node("Conv", [x[0], *_params(g, spec, outcome, ("weight", "bias"))], spec.name,
                  dilations=list(outcome.window.dilations), group=args.groups, **attrs)


def _conv_transpose(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    window = outcome.window
    assert window is not None
    attrs = _window_attrs(outcome)
    return g.node("ConvTranspose", [x[0], *_params(g, spec, outcome, ("weight", "bias"))], spec.name,
                  dilations=list(window.dilations), group=args.groups,
                  output_padding=[a.output_padding for a in window.axes], **attrs)


def _max_pool(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    assert outcome.window is not None
    return g.node("MaxPool", [x[0]], spec.name, dilations=list(outcome.window.dilations),
                  ceil_mode=int(args.ceil_mode), **_window_attrs(outcome))


def _avg_pool(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    return g.node("AveragePool", [x[0]], spec.name, ceil_mode=int(args.ceil_mode),
                  count_include_pad=int(args.count_include_pad), **_window_attrs(outcome))


def _adaptive(op: str, pool: str) -> Emit:
    def emit(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
        spatial, out = x[1][2:], outcome.out.shape[1:]
        if all(o == 1 for o in out):
            return g.node(op, [x[0]], spec.name)
        if any(n % o for n, o in zip(spatial, out)):
            raise SpecError(f"cannot export {spec.name} to ONNX: adaptive pooling {shape_text(spatial)} -> "
                            f"{shape_text(out)} has uneven windows, which ONNX pooling cannot express", spec.span)
        kernel = [n // o for n, o in zip(spatial, out)]
        return g.node(pool, [x[0]], spec.name, kernel_shape=kernel, strides=kernel)

    return emit


def _linear(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    names = _params(g, spec, outcome, ("weight", "bias"))
    if len(x[1]) == 2:
        return g.node("Gemm", [x[0], *names], spec.name, transB=1)
    # MatMul reads (in, out): a transposed copy of PyTorch's (out, in) weight
    g.initializers.pop(0 - len(names))
    transposed = g.weight(f"{spec.name}.weight", (outcome.weights[0][1], outcome.weights[0][0]))
    g.initializers.insert(len(g.initializers) - 1 - (len(names) - 1), g.initializers.pop())
    if len(names) == 1:
        return g.node("MatMul", [x[0], transposed], spec.name)
    product = g.node("MatMul", [x[0], transposed], f"{spec.name}.matmul")
    return g.node("Add", [product, names[1]], spec.name)


def _batchnorm(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    channels = x[1][1]
    if not args.affine:
        raise SpecError(f"cannot export {spec.name} to ONNX: BatchNormalization always has a scale and shift", spec.span)
    scale, bias = _params(g, spec, outcome, ("weight", "bias"))
    mean = g.weight(f"{spec.name}.running_mean", (channels,))
    var = g.weight(f"{spec.name}.running_var", (channels,), 1.0)
    return g.node("BatchNormalization", [x[0], scale, bias, mean, var], spec.name, epsilon=args.eps)


def _layernorm(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    axes = len(outcome.weights[0]) if outcome.weights else 1
    return g.node("LayerNormalization", [x[0], *_params(g, spec, outcome, ("weight", "bias"))], spec.name,
                  axis=-axes, epsilon=args.eps)


def _groupnorm(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    names = _params(g, spec, outcome, ("weight", "bias"))
    if len(names) != 2:
        raise SpecError(f"cannot export {spec.name} to ONNX: GroupNormalization always has a scale and shift", spec.span)
    return g.node("GroupNormalization", [x[0], *names], spec.name, num_groups=args.num_groups, epsilon=args.eps)


def _simple(op: str, **fixed: Any) -> Emit:
    def emit(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
        attrs = {key: (getattr(args, value[1:]) if isinstance(value, str) and value.startswith("@") else value)
                 for key, value in fixed.items()}
        return g.node(op, [x[0]], spec.name, **attrs)

    return emit


def _relu6(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    return g.node("Clip", [x[0], _scalar(g, f"{spec.name}.min", 0.0), _scalar(g, f"{spec.name}.max", 6.0)], spec.name)


def _scalar(g: _Graph, name: str, value: float) -> str:
    g.initializers.append(g.helper.make_tensor(name, 1, [], [value]))
    return name


def _silu(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    gate = g.node("Sigmoid", [x[0]], f"{spec.name}.sigmoid")
    return g.node("Mul", [x[0], gate], spec.name)


def _prelu(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    count = args.num_parameters
    shape = (count, *([1] * (len(x[1]) - 2))) if count > 1 else (1,)
    return g.node("PRelu", [x[0], g.weight(f"{spec.name}.weight", shape, 0.25)], spec.name)


def _flatten(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    rank = len(x[1])
    if args.end_dim % rank == rank - 1:
        return g.node("Flatten", [x[0]], spec.name, axis=args.start_dim % rank)
    shape = g.ints(f"{spec.name}.shape", [x[1][0], *outcome.out.shape])
    return g.node("Reshape", [x[0], shape], spec.name)


def _dropout(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    return g.node("Dropout", [x[0], _scalar(g, f"{spec.name}.ratio", args.p)], spec.name)


def _upsample(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    mode = {"nearest": "nearest", "nearest-exact": "nearest", "bicubic": "cubic"}.get(args.mode, "linear")
    transform = "align_corners" if args.align_corners else ("asymmetric" if mode == "nearest" else "pytorch_half_pixel")
    sizes = g.ints(f"{spec.name}.sizes", [x[1][0], *outcome.out.shape])
    extra = {"nearest_mode": "floor"} if args.mode == "nearest" else {}
    return g.node("Resize", [x[0], "", "", sizes], spec.name, mode=mode, coordinate_transformation_mode=transform, **extra)


def _crop(g: _Graph, spec: LayerSpec, args: Any, outcome: Outcome, x: Tensor) -> str:
    from convcalc.layers.resize import crop_offsets

    starts = list(crop_offsets(args, x[1][2:]))
    ends = [s + n for s, n in zip(starts, outcome.out.shape[1:])]
    axes = list(range(2, len(x[1])))
    return g.node("Slice", [x[0], g.ints(f"{spec.name}.starts", starts), g.ints(f"{spec.name}.ends", ends),
                            g.ints(f"{spec.name}.axes", axes)], spec.name)


_EMITTERS: dict[str, Emit] = {
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


class _Exporter(Visitor[Tensor]):
    def __init__(self, graph: _Graph) -> None:
        self.graph = graph

    def emit(self, spec: LayerSpec, args: LayerKind, x: Tensor) -> Tensor:
        try:
            outcome = args.infer(TensorInfo(x[1][1:], None), spec.rank)
        except LayerError as problem:
            raise SpecError(f"{spec.name} ({spec.kind}): {problem.message}", spec.span, problem.hint) from None
        emitter = _EMITTERS.get(args.family)
        if emitter is None:
            raise SpecError(f"cannot export {spec.name} ({spec.kind}) to ONNX: no ONNX operator is mapped for it",
                            spec.span, "export --to torch, then torch.onnx.export")
        first_node, first_init = len(self.graph.nodes), len(self.graph.initializers)
        name = emitter(self.graph, spec, args, outcome, x)
        if args.family in ("globalavgpool", "globalmaxpool"):
            self.graph.mark(args.family)
        if spec.shares and outcome.weights:
            self.share(spec, first_node, first_init)
        shape = (x[1][0], *outcome.out.shape)
        self.graph.shapes[name] = shape
        return name, shape

    def share(self, spec: LayerSpec, first_node: int, first_init: int) -> None:
        """Shared weights: the nodes just made read the initializers of the layer they share."""
        assert spec.shares is not None
        made = self.graph.initializers[first_init:]
        del self.graph.initializers[first_init:]
        renamed = {t.name: spec.shares + t.name[len(spec.name):] for t in made if t.name.startswith(spec.name + ".")}
        kept = [t for t in made if t.name not in renamed]
        self.graph.initializers += kept
        for node in self.graph.nodes[first_node:]:
            node.input[:] = [renamed.get(i, i) for i in node.input]

    def layer(self, layer: LayerSpec, x: Tensor, path: str) -> Tensor:
        if not isinstance(layer.args, CompositeKind):
            return self.emit(layer, layer.args, x)
        expansion = layer.args.expand(TensorInfo(x[1][1:], None), layer.rank)
        out, made = x, dict[str, Tensor]()
        for part in expansion.parts:
            read = x if part.reads_input else out
            if part.extra_inputs:
                out = self.deform(part_spec(layer, part), part.args, read, [made[name] for name in part.extra_inputs])
            else:
                out = self.emit(part_spec(layer, part), part.args, read)
            made[part.name] = out
        return out

    def deform(self, spec: LayerSpec, args: LayerKind, x: Tensor, extra: list[Tensor]) -> Tensor:
        """A deformable conv reads the offsets (and v2 mask) its sibling parts predicted: ONNX DeformConv."""
        outcome = args.infer(TensorInfo(x[1][1:], None), spec.rank)
        window = outcome.window
        assert window is not None
        weights = _params(self.graph, spec, outcome, ("weight", "bias"))
        offset = extra[0]
        inputs = [x[0], weights[0], offset[0], weights[1] if len(weights) > 1 else "", *(m[0] for m in extra[1:])]
        name = self.graph.node("DeformConv", inputs, spec.name, dilations=list(window.dilations),
                               group=getattr(args, "groups", 1), offset_group=offset[1][1] // (2 * prod(window.kernels)),
                               **_window_attrs(outcome))
        shape = (x[1][0], *outcome.out.shape)
        self.graph.shapes[name] = shape
        return name, shape

    def join(self, node: Branches, x: Tensor, outs: list[Tensor], path: str) -> Tensor:
        names = [o[0] for o in outs]
        if node.join == "add":
            name, shape = names[0], outs[0][1]
            for index, other in enumerate(names[1:], 1):
                name = self.graph.node("Add", [name, other], node.name if index == len(names) - 1 else f"{node.name}.{index}")
        elif node.join == "concat":
            name = self.graph.node("Concat", names, node.name, axis=1)
            shape = (x[1][0], sum(o[1][1] for o in outs), *outs[0][1][2:])
        else:
            name, shape = self.graph.node("Mul", [x[0], names[0]], node.name), x[1]
        self.graph.shapes[name] = shape
        return name, shape


def onnx_model(network: Network) -> Any:
    """The ONNX ModelProto, checked, its inferred shapes equal to the engine's."""
    try:
        import onnx
    except ImportError:
        raise OnnxMissing("export --to onnx") from None
    graph = _Graph(onnx.helper)
    batch_shape = (network.batch, *network.input_shape)
    out, shape = walk(network.layers, ("input", batch_shape), _Exporter(graph))
    proto = onnx.helper.make_graph(
        graph.nodes, network.name, [onnx.helper.make_tensor_value_info("input", 1, list(batch_shape))],
        [onnx.helper.make_tensor_value_info(out, 1, list(shape))], graph.initializers,
    )
    model = onnx.helper.make_model(proto, opset_imports=[onnx.helper.make_opsetid("", OPSET)], producer_name="convcalc")
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as problem:
        raise ConvcalcError(f"the ONNX graph for {network.name} does not pass onnx.checker: {problem}") from None
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    known = {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim) for v in inferred.graph.value_info}
    differ = [f"{name}: convcalc {shape_text(s)}, ONNX {shape_text(known[name])}"
              for name, s in graph.shapes.items() if name in known and known[name] != s]
    if differ:
        raise ConvcalcError("onnx.shape_inference disagrees with convcalc:\n  " + "\n  ".join(differ))
    return model


def onnx_bytes(network: Network) -> bytes:
    return bytes(onnx_model(network).SerializeToString())

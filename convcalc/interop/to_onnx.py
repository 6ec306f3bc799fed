"""A spec as an ONNX graph: one node per layer (named by the layer's dotted name, its output tensor
too), zero-filled initializers named like PyTorch's state dict (`conv1.weight`), checked by
`onnx.checker` (full check, which runs shape inference strictly) and cross-checked against
the engine's shapes, so a spec opens in Netron with the sizes convcalc computed.

Each kind is one entry in `onnx_emit.EMITTERS`, keyed by family; a kind without one is named in the
error. The `onnx` package is imported inside `onnx_bytes` only.
"""

from __future__ import annotations

from math import prod
from typing import Any

from convcalc.errors import ConvcalcError, SpecError
from convcalc.formats import shape_text
from convcalc.interop.model import OnnxMissing
from convcalc.interop.onnx_emit import EMITTERS, OnnxGraph, Tensor, params, window_attrs
from convcalc.layers.kind import CompositeKind, LayerKind
from convcalc.layers.tensor import LayerError, TensorInfo
from convcalc.network import Branches, LayerSpec, Network, Visitor, part_spec, walk

OPSET = 21  # GroupNormalization's per-channel scale (opset 21) matches PyTorch's


class _Exporter(Visitor[Tensor]):
    def __init__(self, graph: OnnxGraph) -> None:
        self.graph = graph

    def emit(self, spec: LayerSpec, args: LayerKind, x: Tensor) -> Tensor:
        try:
            outcome = args.infer(TensorInfo(x[1][1:], None), spec.rank)
        except LayerError as problem:
            raise SpecError(f"{spec.name} ({spec.kind}): {problem.message}", spec.span, problem.hint) from None
        emitter = EMITTERS.get(args.family)
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
        weights = params(self.graph, spec, outcome, ("weight", "bias"))
        offset = extra[0]
        inputs = [x[0], weights[0], offset[0], weights[1] if len(weights) > 1 else "", *(m[0] for m in extra[1:])]
        name = self.graph.node("DeformConv", inputs, spec.name, dilations=list(window.dilations),
                               group=getattr(args, "groups", 1), offset_group=offset[1][1] // (2 * prod(window.kernels)),
                               **window_attrs(outcome))
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
        elif node.join == "mul":
            name, shape = self.graph.node("Mul", [x[0], names[0]], node.name), x[1]
        else:  # never guess: a construct without an ONNX form is said so
            raise ConvcalcError(
                f"{node.name} ({node.join}) cannot be exported to ONNX yet",
                node.span,
                "export --to torch writes it (then torch.onnx.export), or leave the construct out",
            )
        self.graph.shapes[name] = shape
        return name, shape


def onnx_model(network: Network) -> Any:
    """The ONNX ModelProto, checked, its inferred shapes equal to the engine's."""
    try:
        import onnx
    except ImportError:
        raise OnnxMissing("export --to onnx") from None
    graph = OnnxGraph(onnx.helper)
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

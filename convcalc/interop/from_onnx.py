"""ONNX to a spec: each node maps to a layer kind or a join by op_type (`onnx_ops.OPS`),
parameters are counted from the initializers, and every shape is cross-checked against
`onnx.shape_inference`: a disagreement is an error, never a silent table.

Names: a node named like a module path (`layer1.0.conv1`, as convcalc's own export writes)
keeps it; a node from `torch.onnx.export` takes its module path from the exporter's name-scope
metadata; anything else keeps its node name. Two-node idioms are read as the one layer they
are: Sigmoid then Mul by the same input (SiLU), MatMul then Add of a constant (Linear), and a
zero Pad before a Conv (the Conv's padding). Only the `onnx` package is needed.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from convcalc.errors import ConvcalcError, SpecError
from convcalc.formats import shape_text
from convcalc.interop.graph import GraphNode, NotATree, to_tree
from convcalc.interop.model import ImportProblem, Item, Leaf, Model, OnnxMissing, Unsupported
from convcalc.interop.onnx_ops import JOINS, OPS, PASS, OnnxNode, Refused
from convcalc.network import Network, map_layers

_TORCH_NN = "torch.nn.modules."


def import_onnx(path: str) -> Model:
    """`convcalc import onnx`: the file's graph as a Model, every shape checked against ONNX's."""
    try:
        import onnx
    except ImportError:
        raise OnnxMissing("reading ONNX") from None
    try:
        proto = onnx.load(path)
    except Exception as problem:  # noqa: BLE001  # a missing file, or protobuf's DecodeError for a non-ONNX one
        raise SpecError(f"cannot read ONNX file '{path}': {problem}", hint="check the path and that it is an .onnx model") from None
    reader = _Reader(onnx, proto, Path(path).name)
    model = reader.model()
    reader.cross_check(model)
    return model


def read_onnx(path: str) -> Network:
    """What `convcalc summary model.onnx` reads: the imported spec, loaded back."""
    from convcalc.interop.spec_file import to_spec

    network = to_spec(import_onnx(path), path).network
    # Places in the spec written on the way are no place in the .onnx file: diagnostics name the layer only.
    return replace(network, layers=map_layers(network.layers, lambda layer: replace(layer, span=None, arg_spans={})))


def _text(value: Any) -> Any:
    """ONNX keeps string attributes as bytes (auto_pad=b'SAME_UPPER')."""
    return value.decode() if isinstance(value, bytes) else value


class _Reader:
    def __init__(self, onnx: Any, proto: Any, source: str) -> None:
        self.onnx, self.graph, self.source = onnx, proto.graph, source
        self.consts: dict[str, Any] = {t.name: onnx.numpy_helper.to_array(t) for t in self.graph.initializer}
        for node in self.graph.node:
            if node.op_type == "Constant":
                self.consts[node.output[0]] = onnx.numpy_helper.to_array(node.attribute[0].t)
        inferred = onnx.shape_inference.infer_shapes(proto)
        self.shapes: dict[str, tuple[int, ...]] = {}
        for value in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
            dims = value.type.tensor_type.shape.dim
            self.shapes[value.name] = tuple(d.dim_value if d.HasField("dim_value") else 0 for d in dims)
        self.consumers: Counter[str] = Counter(i for node in self.graph.node for i in node.input)
        self.producer = {out: node for node in self.graph.node for out in node.output}
        self.alias: dict[str, str] = {}
        self.problems: list[Unsupported] = []
        self.types: dict[tuple[str, ...], str] = {}
        self.taken: set[tuple[tuple[str, ...], str]] = set()
        self.expect: dict[str, str] = {}  # a row's dotted name -> the ONNX tensor it must match
        self.params = 0  # parameter elements in the initializers the layers read
        self.owner: dict[str, str] = {}  # an initializer -> the first layer that reads it (later ones share it)

    def fail(self, node: Any, why: str) -> None:
        self.problems.append(Unsupported(node.name or node.output[0], f"ONNX {node.op_type}", why))

    def model(self) -> Model:
        inputs = [v for v in self.graph.input if v.name not in self.consts]
        if len(inputs) != 1:
            raise SpecError(f"{self.source}: the graph has {len(inputs)} inputs; a spec has one")
        source = inputs[0].name
        shape = self.shapes.get(source, ())
        if len(shape) < 2 or 0 in shape[1:]:
            raise SpecError(f"{self.source}: the input '{source}' has no fixed shape ({list(shape)})",
                            hint="export with a fixed input size (only the batch may be symbolic)")
        skip, fused = self.fusions()
        nodes: list[GraphNode] = []
        for node in self.graph.node:
            if node.op_type == "Constant" or id(node) in skip:
                continue
            made = self.node(node, fused.get(id(node)))
            if made is not None:
                nodes.append(made)
        outputs = self.graph.output
        if len(outputs) != 1:
            self.problems.append(Unsupported("output", "", f"{len(outputs)} outputs; a spec has one"))
        items: tuple[Item, ...] = ()
        if not self.problems:
            try:
                items = to_tree(nodes, source, self.alias.get(outputs[0].name, outputs[0].name), self.types)
            except NotATree as problem:
                self.problems.append(problem.problem)
        if self.problems:
            raise ImportProblem(self.source, self.problems)
        return Model(self.graph.name or Path(self.source).stem, tuple(shape[1:]), items, self.source)

    def fusions(self) -> tuple[set[int], dict[int, dict[str, Any]]]:
        """Idioms of two nodes that are one layer: the first is skipped, the second carries it."""
        skip: set[int] = set()
        fused: dict[int, dict[str, Any]] = {}
        for node in self.graph.node:
            only = [i for i in node.input if self.consumers[i] == 1]
            if node.op_type == "Mul" and len(node.input) == 2:
                for a, s in (node.input, node.input[::-1]):
                    gate = self.producer.get(s)
                    if gate is not None and gate.op_type == "Sigmoid" and gate.input[0] == a and s in only:
                        skip.add(id(gate))
                        fused[id(node)] = {"_op": "_SiLU", "_inputs": [a]}
            elif node.op_type == "Add" and len(node.input) == 2:
                for m, b in (node.input, node.input[::-1]):
                    matmul = self.producer.get(m)
                    if matmul is not None and matmul.op_type == "MatMul" and b in self.consts and m in only \
                            and matmul.input[1] in self.consts:
                        skip.add(id(matmul))
                        fused[id(node)] = {"_op": "MatMul", "_inputs": list(matmul.input), "_bias": b}
            elif node.op_type in ("Conv",) and node.input[0] in only:
                pad = self.producer.get(node.input[0])
                if pad is not None and pad.op_type == "Pad" and self._zero_pad(pad):
                    skip.add(id(pad))
                    fused[id(node)] = {"_pad": self.consts[pad.input[1]].tolist(), "_inputs": [pad.input[0], *node.input[1:]]}
            elif node.op_type == "DeformConv":
                self._deform(node, only, skip, fused)
        return skip, fused

    def _deform(self, node: Any, only: list[str], skip: set[int], fused: dict[int, dict[str, Any]]) -> None:
        """DeformConv whose offsets (and mask) come from convs of its own input: one deform_conv layer."""
        inputs = [*node.input, "", ""]
        predictors = [self.producer.get(inputs[2]), self.producer.get(inputs[4]) if inputs[4] else None]
        if predictors[0] is None or inputs[2] not in only:
            return
        extra: list[str] = []
        for predictor in predictors:
            if predictor is None:
                continue
            if predictor.op_type != "Conv" or predictor.input[0] != node.input[0]:
                return
            extra += [i for i in predictor.input[1:] if i in self.consts]
        skip.update(id(p) for p in predictors if p is not None)
        fused[id(node)] = {"_op": "_DeformConv", "_inputs": [node.input[0], node.input[1], "", inputs[3]],
                           "_extra": extra, "_modulated": predictors[1] is not None}

    def _zero_pad(self, pad: Any) -> bool:
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in pad.attribute}
        mode = attrs.get("mode", b"constant")
        value = self.consts.get(pad.input[2]) if len(pad.input) > 2 and pad.input[2] else 0
        pads = self.consts.get(pad.input[1]) if len(pad.input) > 1 else None
        if pads is None or mode not in (b"constant", "constant") or value is None or float(value) != 0.0:
            return False
        half = len(pads) // 2
        return bool(pads[0] == pads[1] == pads[half] == pads[half + 1] == 0)

    def node(self, node: Any, fused: dict[str, Any] | None) -> GraphNode | None:
        attrs = {a.name: _text(self.onnx.helper.get_attribute_value(a)) for a in node.attribute}
        attrs["_kind"] = next((p.value for p in node.metadata_props if p.key == "convcalc.kind"), None)
        op = node.op_type
        names = list(node.input)
        if fused:
            op = fused.get("_op", op)
            names = fused.get("_inputs", names)
            attrs.update(fused)
            if "_pad" in fused:
                self._fold_pad(attrs, fused["_pad"])
        tensors = [self.alias.get(i, i) for i in names if i and i not in self.consts]
        output = node.output[0]
        if op in PASS and len(tensors) == 1:
            self.alias[output] = tensors[0]
            return None
        scope, name = self.naming(node)
        if op == "_DeformConv" and name == "conv" and scope:  # convcalc's export names the parts name.offset, name.conv
            scope, name = scope[:-1], scope[-1]
        full = ".".join((*scope, name))
        self.expect[full] = output
        if op in JOINS:
            if len(tensors) != len(names):
                self.fail(node, f"{op} with a constant: a join combines computed tensors")
                return None
            if op == "Concat" and attrs.get("axis", 0) % max(1, len(self.shapes.get(output, ()))) != 1:
                self.fail(node, f"concatenates along axis {attrs.get('axis')}; a spec's concat stacks channels (axis 1)")
                return None
            return GraphNode(output, tuple(tensors), scope, join=JOINS[op], name=name, where=f"ONNX {op}")
        handler = OPS.get(op)
        if handler is None:
            self.fail(node, f"no convcalc layer kind for ONNX {op}")
            return None
        if op == "Reshape":
            attrs["_out"] = self.shapes.get(output)
        shape_in = self.shapes.get(tensors[0], ()) if tensors else ()
        try:
            leaves, params = handler(OnnxNode(node, attrs, tensors, [self.consts.get(i) for i in names]), shape_in)
        except Refused as why:
            self.fail(node, str(why))
            return None
        weights = [names[i] for i in params if i < len(names) and names[i] in self.consts]
        weights += [attrs["_bias"]] if "_bias" in attrs else []
        weights += attrs.get("_extra", [])
        shared = self.owner.get(weights[0]) if weights else None
        if shared is None:
            self.params += sum(int(self.consts[w].size) for w in weights)
            self.owner.update({w: full for w in weights})
        named = (*leaves[:-1], Leaf(leaves[-1].kind, leaves[-1].args, name, shared))
        return GraphNode(output, tuple(tensors), scope, named, where=f"ONNX {node.op_type}")

    def _fold_pad(self, attrs: dict[str, Any], pads: list[int]) -> None:
        half = len(pads) // 2
        before, after = pads[2:half], pads[half + 2 :]
        rank = len(before)
        own = list(attrs.get("pads", [0] * (2 * rank)))
        attrs["pads"] = [a + b for a, b in zip(before, own[:rank])] + [a + b for a, b in zip(after, own[rank:])]

    def naming(self, node: Any) -> tuple[tuple[str, ...], str]:
        """The scope (module path) and the name within it, once per scope."""
        metadata = {p.key: p.value for p in node.metadata_props}
        scopes, classes = metadata.get("pkg.torch.onnx.name_scopes"), metadata.get("pkg.torch.onnx.class_hierarchy")
        if scopes and classes:
            paths, kinds = ast.literal_eval(scopes), ast.literal_eval(classes)
            for path, kind in zip(paths[1:-1], kinds[1:-1]):
                self.types[tuple(path.split("."))] = kind.rsplit(".", 1)[-1]
            module = paths[-2] if len(paths) > 1 else ""
            if module and len(kinds) > 1 and kinds[-2].startswith(_TORCH_NN):
                *scope, name = module.split(".")
            else:
                # a function's op name carries the exporter's graph-wide counter (add_7): per scope it is add
                scope, name = (module.split(".") if module else []), re.sub(r"_\d+$", "", paths[-1])
        else:
            text = node.name or node.output[0]
            *scope, name = re.sub(r"[/:]+", "_", text).strip("_").split(".")
        name = name or node.op_type.lower()
        key, count = (tuple(scope), name), 0
        while key in self.taken:
            count += 1
            key = (tuple(scope), f"{name}_{count}")
        self.taken.add(key)
        return key

    def cross_check(self, model: Model) -> None:
        """Every row's shape against onnx.shape_inference's, and the parameters against the initializers."""
        from convcalc.interop.spec_file import to_spec

        report = to_spec(model, self.source).report
        differ = []
        for row in report.layers:
            tensor = self.expect.get(row.name)
            theirs = self.shapes.get(tensor or "")
            if theirs and theirs[1:] != row.output_shape[1:] and 0 not in theirs[1:]:
                differ.append(f"{row.name}: convcalc {shape_text(row.output_shape[1:])}, ONNX {shape_text(theirs[1:])}")
        if report.totals.params != self.params:
            differ.append(f"parameters: convcalc {report.totals.params:,}, the initializers {self.params:,}")
        if differ:
            raise ConvcalcError(f"{self.source}: onnx.shape_inference disagrees with convcalc (batch aside):\n  "
                                + "\n  ".join(differ), hint="the shapes recorded in the file and convcalc's rules disagree: re-export the model, or report it")

"""Keras to a spec: a model's `to_json()` config (Sequential or Functional, Keras 2 or 3), read
as plain JSON, without TensorFlow. Layers map through `keras_layers.LAYERS`; this module walks
the graph (inbound nodes), converts channels-last shapes to the spec's channels-first, folds a
ZeroPadding before a 'valid' conv into the conv's padding, and says how Keras' totals
correspond to convcalc's.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from convcalc.errors import SpecError
from convcalc.formats import grouped
from convcalc.interop.graph import GraphNode, NotATree, to_tree
from convcalc.interop.keras_layers import (
    ACTIVATED,
    JOINS,
    LAYERS,
    Refused,
    activation,
    axes,
    leaf,
    out_shape,
    tf_padding,
)
from convcalc.interop.model import ImportProblem, Item, Leaf, Model, Unsupported
from convcalc.spec.build import parse_shape

Shape = tuple[int, ...]


def import_keras(path: str, input_shape: str | None = None) -> Model:
    """`convcalc import keras`: the JSON config as a Model."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise SpecError(f"cannot read Keras JSON '{path}': {problem}", hint="save it with model.to_json()") from None
    if not isinstance(data, dict) or "config" not in data:
        raise SpecError(f"'{path}' is not a Keras model config", hint="save it with model.to_json()")
    model = _Reader(data, Path(path).name, input_shape).model()
    from convcalc.interop.spec_file import to_spec

    totals = to_spec(model, path).report.totals
    return replace(model, notes=model.notes + (_correspondence(model.items, totals.params, totals.buffers),))


def _correspondence(items: tuple[Item, ...], params: int, buffers: int) -> str:
    norms = sum(1 for item in items if isinstance(item, Leaf) and item.kind.startswith("batchnorm"))
    if not norms:
        return f"Keras' model.summary(): Total params {grouped(params)}, all trainable, as here."
    moving = buffers - norms  # each BatchNorm also counts one batch counter here (PyTorch's num_batches_tracked)
    return (f"Keras' model.summary(): Total params {grouped(params + moving)} = Trainable {grouped(params)} (the "
            f"parameters here) + Non-trainable {grouped(moving)} (BatchNorm moving mean and variance: buffers here).")


class _Reader:
    def __init__(self, data: dict[str, Any], source: str, input_shape: str | None) -> None:
        self.source, self.cls = source, data.get("class_name", "")
        config = data["config"]
        self.layers: list[dict[str, Any]] = config if isinstance(config, list) else config.get("layers", [])
        self.config = config if isinstance(config, dict) else {}
        self.given = parse_shape(input_shape.replace(",", "x"), None) if input_shape else None
        self.problems: list[Unsupported] = []
        self.shapes: dict[str, Shape] = {}

    def fail(self, layer: dict[str, Any], why: str) -> None:
        self.problems.append(Unsupported(_name(layer), f"Keras {layer.get('class_name')}", why))

    def model(self) -> Model:
        edges = self.edges()
        source = self.input_name(edges)
        nodes: list[GraphNode] = []
        folded: dict[str, Any] = {}
        consumers: dict[str, int] = {}
        for inputs in edges.values():
            for i in inputs:
                consumers[i] = consumers.get(i, 0) + 1
        alias: dict[str, str] = {}
        for layer in self.layers:
            name, kind = _name(layer), layer.get("class_name", "")
            inputs = [alias.get(i, i) for i in edges.get(name, [])]
            if kind == "InputLayer" or name == source:
                continue
            if not inputs or any(i not in self.shapes for i in inputs):
                self.fail(layer, "its input is not known (a layer of several inputs or outputs?)")
                continue
            shape = self.shapes[inputs[0]]
            config = {**layer.get("config", {}), "name": name}
            if kind == "ZeroPadding2D" and consumers.get(name) == 1:
                folded[name] = (inputs[0], _pairs(config.get("padding", 1)))
                alias[name] = inputs[0]
                continue
            pad = next((folded[i][1] for i in edges.get(name, []) if i in folded), None)
            made = self.layer(layer, kind, config, inputs, shape, pad)
            if made is not None:
                nodes.append(made)
        outputs = self.output_names(edges)
        items: tuple[Item, ...] = ()
        if len(outputs) != 1:
            self.problems.append(Unsupported("outputs", "", f"{len(outputs)} outputs; a spec has one"))
        elif not self.problems:
            try:
                items = to_tree(nodes, source, alias.get(outputs[0], outputs[0]), {})
            except NotATree as problem:
                self.problems.append(problem.problem)
        if self.problems:
            raise ImportProblem(self.source, self.problems)
        return Model(str(self.config.get("name") or Path(self.source).stem), self.shapes[source], items, self.source)

    def layer(self, layer: dict[str, Any], kind: str, config: dict[str, Any], inputs: list[str], shape: Shape,
              pad: tuple[tuple[int, int], ...] | None) -> GraphNode | None:
        name = config["name"]
        if kind in JOINS:
            return self.join(layer, JOINS[kind], config, inputs)
        try:
            if kind in ("SeparableConv1D", "SeparableConv2D"):
                return self.separable(config, inputs, shape)
            handler = LAYERS.get(kind)
            if handler is None:
                raise Refused(f"Keras {kind} has no convcalc layer kind")
            leaves = handler(config, shape)
            if pad is not None:
                if not leaves[0].kind.startswith("conv") or tf_padding(config) != 0:
                    raise Refused("a ZeroPadding2D before a layer other than a 'valid' conv has no spec form yet")
                leaves[0] = replace(leaves[0], args=(*[(k, v) for k, v in leaves[0].args if k != "padding"], ("padding", pad)))
            if kind in ACTIVATED:
                leaves += activation(config, shape)
            out = shape
            for item in leaves:
                out = out_shape(item, out)
        except Refused as why:
            self.fail(layer, str(why))
            return None
        self.shapes[name] = out
        return GraphNode(name, tuple(inputs[:1]), (), tuple(leaves), where=f"Keras {kind}")

    def separable(self, config: dict[str, Any], inputs: list[str], shape: Shape) -> GraphNode:
        rank, channels = len(shape) - 1, shape[0]
        common = {"kernel_size": axes(config["kernel_size"], rank), "stride": axes(config.get("strides", 1), rank),
                  "padding": tf_padding(config), "dilation": axes(config.get("dilation_rate", 1), rank)}
        depthwise = leaf(f"conv{rank}d", "depthwise", out_channels=channels * config.get("depth_multiplier", 1),
                         groups=channels, bias=False, **common)
        pointwise = leaf(f"conv{rank}d", "pointwise", out_channels=config["filters"], kernel_size=1,
                         bias=config.get("use_bias", True))
        leaves = [depthwise, pointwise, *activation(config, shape)]
        out = shape
        for item in leaves:
            out = out_shape(item, out)
        self.shapes[config["name"]] = out
        return GraphNode(config["name"], tuple(inputs[:1]), (config["name"],), tuple(leaves), where="Keras SeparableConv")

    def join(self, layer: dict[str, Any], join: str, config: dict[str, Any], inputs: list[str]) -> GraphNode | None:
        shapes = [self.shapes[i] for i in inputs]
        if join == "concat":
            axis = config.get("axis", -1)
            if axis not in (-1, len(shapes[0])):
                self.fail(layer, f"concatenates along axis {axis}; a spec's concat stacks channels (the last axis in Keras)")
                return None
            self.shapes[config["name"]] = (sum(s[0] for s in shapes), *shapes[0][1:])
        else:
            self.shapes[config["name"]] = shapes[0]
        return GraphNode(config["name"], tuple(inputs), (), join=join, name=config["name"], where=f"Keras {layer.get('class_name')}")

    def edges(self) -> dict[str, list[str]]:
        """Each layer's input layers: from inbound nodes (Functional), or the previous layer (Sequential)."""
        edges: dict[str, list[str]] = {}
        previous = "input"
        for layer in self.layers:
            name = _name(layer)
            inbound = layer.get("inbound_nodes")
            if inbound:
                edges[name] = _history(inbound[0])
            elif layer.get("class_name") != "InputLayer":
                edges[name] = [previous]
            previous = name
        return edges

    def input_name(self, edges: dict[str, list[str]]) -> str:
        first = self.layers[0] if self.layers else {}
        name = _name(first) if first.get("class_name") == "InputLayer" else "input"
        config = first.get("config", {})
        batch_shape = (config.get("batch_shape") or config.get("batch_input_shape") or self.config.get("build_input_shape"))
        if self.given is not None:
            shape = self.given
        elif batch_shape:
            if any(v is None for v in batch_shape[1:]):
                raise SpecError(f"{self.source}: the input shape {batch_shape} has unknown sizes", hint="give --input HxWxC")
            shape = tuple(int(v) for v in batch_shape[1:])
        else:
            raise SpecError(f"{self.source}: the JSON has no input shape", hint="give --input HxWxC (channels last, as Keras)")
        self.shapes[name] = (shape[-1], *shape[:-1])  # channels last -> channels first
        return name

    def output_names(self, edges: dict[str, list[str]]) -> list[str]:
        outputs = self.config.get("output_layers")
        if outputs:
            listed = outputs if isinstance(outputs[0], list) else [outputs]
            return [entry[0] for entry in listed]
        return [_name(self.layers[-1])] if self.layers else []


def _history(node: Any) -> list[str]:
    """Layer names a node reads: Keras 3's `keras_history`, or Keras 2's [name, node, tensor, kwargs]."""
    found: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if "keras_history" in value.get("config", {}):
                found.append(value["config"]["keras_history"][0])
                return
            for inner in value.values():
                visit(inner)
        elif isinstance(value, list):
            if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):
                found.append(value[0])
                return
            for inner in value:
                visit(inner)

    visit(node)
    return found


def _name(layer: dict[str, Any]) -> str:
    return str(layer.get("name") or layer.get("config", {}).get("name", ""))


def _pairs(padding: Any) -> tuple[tuple[int, int], ...]:
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    return tuple((p, p) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in padding)

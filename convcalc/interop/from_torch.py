"""PyTorch to a spec: trace an nn.Module with torch.fx, map each node to a layer kind or a join.

Modules map by class name through convcalc's registry (nn.Conv2d -> conv2d), their arguments
read from the module's attributes of the same names (a kind's fields are PyTorch's argument
names), so a kind added to the registry is imported without a change here. Functions and tensor
methods map the same way by name (F.max_pool2d -> max_pool2d), with their positional argument
names from their signatures, ATen schemas or `torch_ops._POSITIONAL`. Joins: `+`, `torch.add` -> residual; `*` ->
gate; `torch.cat(..., 1)` -> concat. Module names are kept: `layer1.0.conv1`.

torch is imported inside `import_module` only (and torch_export, where fx cannot trace); nothing
here loads it at import time.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from convcalc.errors import SpecError, TorchMissing
from convcalc.interop.graph import GraphNode, NotATree, to_tree
from convcalc.interop.model import ImportProblem, Leaf, Model, Unsupported
from convcalc.interop.torch_ops import (
    JOIN_NAMES,
    JOINS,
    PASS_THROUGH,
    SKIP_FIELDS,
    function_leaves,
    is_tensor,
    operator_name,
    plain,
    shape_of,
)
from convcalc.layers import lookup


def load_factory(target: str) -> Callable[..., Any]:
    """`package.module:factory` or `path/to/file.py:factory`: the callable that builds the model."""
    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        raise SpecError(f"expected MODULE:FACTORY (got {target!r})", hint="for example models.py:resnet50 or mypkg.nets:Net")
    try:
        if module_name.endswith(".py") or Path(module_name).is_file():
            path = Path(module_name).resolve()
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules.setdefault(path.stem, module)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except (ImportError, OSError, SyntaxError) as problem:
        raise SpecError(f"cannot import '{module_name}': {problem}", hint="check the module path and that it imports") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise SpecError(f"'{module_name}' has no callable '{attr}'", hint="name a class or a function that returns the model")
    return factory  # type: ignore[no-any-return]  # checked callable above


def import_torch(target: str, input_shape: tuple[int, ...], kwargs: str | None = None) -> Model:
    """The `convcalc import torch` entry: build the model from MODULE:FACTORY and trace it."""
    try:
        import torch  # noqa: F401  # only to say clearly when it is missing
    except ImportError:
        raise TorchMissing("import torch needs PyTorch: pip install 'convcalc[torch]'") from None
    factory = load_factory(target)
    try:
        arguments = json.loads(kwargs) if kwargs else {}
    except json.JSONDecodeError as problem:
        raise SpecError(f"--kwargs is not JSON: {problem}", hint="""for example --kwargs '{"num_classes": 10}'""") from None
    if not isinstance(arguments, dict):
        raise SpecError("--kwargs must be a JSON object", hint="""for example --kwargs '{"num_classes": 10}'""")
    try:
        model = factory(**arguments)
    except Exception as problem:  # noqa: BLE001  # the factory's own error, whatever it is
        raise SpecError(f"{target}(**{arguments!r}) raised {type(problem).__name__}: {problem}",
                        hint="check --kwargs against the factory's arguments") from None
    return import_module(model, input_shape, name=getattr(factory, "__name__", "model"), source=target)


def import_module(module: Any, input_shape: tuple[int, ...], *, name: str = "model", source: str = "") -> Model:
    """A live nn.Module, traced on a zero input of `input_shape` (C, *spatial; batch 1)."""
    import torch
    from torch import fx
    from torch.fx.passes.shape_prop import ShapeProp

    module = module.eval()

    class _Tracer(fx.Tracer):
        def is_leaf_module(self, m: Any, qualified_name: str) -> bool:
            """torch.nn's modules, and a childless module named like a kind (the Crop that
            exported code defines): both are one layer, not traced into."""
            named_like_kind = lookup(type(m).__name__) is not None and not any(True for _ in m.children())
            return bool(super().is_leaf_module(m, qualified_name)) or named_like_kind

    tracer = _Tracer()
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(module)
    except Exception as problem:  # noqa: BLE001  # fx raises TraceError, TypeError, NotImplementedError ... on dynamic code
        from convcalc.interop.torch_export import exported_graph

        reason = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        return _Converter(exported_graph(module, input_shape, source or name, reason), module, input_shape, name,
                          source).convert()
    try:
        with torch.no_grad():
            ShapeProp(fx.GraphModule(tracer.root, graph)).propagate(torch.zeros((1, *input_shape)))
    except Exception as problem:  # noqa: BLE001  # the model's own error on this input
        raise SpecError(f"{source or name} fails on a {list(input_shape)} input: {problem}") from None
    return _Converter(graph, module, input_shape, name, source).convert()


class _Converter:
    """An fx graph (from symbolic tracing, or torch.export's rewritten by torch_export) to a Model."""

    def __init__(self, graph: Any, root: Any, input_shape: tuple[int, ...], name: str, source: str) -> None:
        self.graph, self.input_shape, self.name, self.source = graph, input_shape, name, source
        self.modules = dict(root.named_modules())
        self.problems: list[Unsupported] = []
        self.types: dict[tuple[str, ...], str] = {}
        self.alias: dict[str, str] = {}  # a pass-through node -> the node it passes on
        self.calls: dict[str, int] = {}  # module target -> how often it was called
        self.stored: set[str] = set()  # get_attr nodes: parameters and buffers read directly
        import torch

        self.torch_dir = str(Path(torch.__file__).parent)  # frames inside torch are not the model's source

    def convert(self) -> Model:
        nodes: list[GraphNode] = []
        source = output = ""
        for node in self.graph.nodes:
            if node.op == "placeholder":
                if source:
                    self.problems.append(Unsupported(node.name, "", "a second input; a spec has one"))
                source = node.name
            elif node.op == "output":
                result = node.args[0]
                if isinstance(result, (tuple, list)) and len(result) == 1:  # torch.export returns a tuple
                    result = result[0]
                if not hasattr(result, "name"):
                    self.problems.append(Unsupported("output", "", "returns several tensors; a spec has one output"))
                else:
                    output = self.alias.get(result.name, result.name)
            elif node.op == "get_attr":
                self.stored.add(node.name)
            elif not is_tensor(node):
                continue
            else:
                converted = self.node(node)
                if converted is not None:
                    nodes.append(converted)
        if not self.problems:
            try:
                items = to_tree(nodes, source, output, self.types)
            except NotATree as problem:
                self.problems.append(problem.problem)
        if self.problems:
            raise ImportProblem(self.source or self.name, self.problems)
        return Model(self.name, self.input_shape, items, self.source)

    def inputs(self, node: Any) -> tuple[str, ...]:
        found: list[str] = []

        def visit(value: Any) -> None:
            if hasattr(value, "op") and (value.op in ("placeholder", "get_attr") or is_tensor(value)):
                found.append(self.alias.get(value.name, value.name))
            elif isinstance(value, (list, tuple)):
                for v in value:
                    visit(v)
            elif isinstance(value, dict):
                for v in value.values():
                    visit(v)

        visit(node.args)
        visit(node.kwargs)
        return tuple(found)

    def where(self, node: Any) -> str:
        trace = node.meta.get("stack_trace") or ""
        places = [(f, line) for f, line in re.findall(r'File "([^"]+)", line (\d+)', trace) if not f.startswith(self.torch_dir)]
        at = f"{Path(places[-1][0]).name}:{places[-1][1]}" if places else ""
        if node.op == "call_module":
            kind = type(self.modules[node.target]).__name__
            return f"{node.target}: {kind}" + (f" at {at}" if at else "")
        return at

    def scope(self, node: Any) -> tuple[str, ...]:
        stack = node.meta.get("nn_module_stack") or {}
        paths = [path for path, _ in stack.values()]
        for path, kind in stack.values():
            if path:  # torch.export lists the root module too, as ''
                self.types[tuple(path.split("."))] = getattr(kind, "__name__", str(kind)).rsplit(".", 1)[-1]
        if node.op == "call_module":
            return tuple(node.target.split("."))[:-1]
        return tuple(paths[-1].split(".")) if paths and paths[-1] else ()

    def node(self, node: Any) -> GraphNode | None:
        inputs = self.inputs(node)
        scope = self.scope(node)
        where = self.where(node)
        label = node.target if node.op == "call_module" else node.name

        def fail(why: str) -> None:
            self.problems.append(Unsupported(label, where, why))

        stored = [i for i in inputs if i in self.stored]
        if stored:
            fail(f"reads the stored tensor '{stored[0]}' (a parameter or buffer used directly); a layer reads one input")
            return None
        if node.op == "call_module":
            return self.module_node(node, inputs, scope, where, fail)
        target = node.target
        op_name = operator_name(target)
        join = JOINS.get(target) or JOIN_NAMES.get(op_name)
        if join is not None:
            return self.join_node(node, join, inputs, scope, where, fail)
        if op_name in PASS_THROUGH and len(inputs) == 1:
            self.alias[node.name] = inputs[0]
            return None
        leaves = function_leaves(node, op_name, fail)
        if leaves is None:
            return None
        return GraphNode(node.name, inputs, scope, leaves, where=where)

    def module_node(self, node: Any, inputs: tuple[str, ...], scope: tuple[str, ...], where: str,
                    fail: Callable[[str], None]) -> GraphNode | None:
        module = self.modules[node.target]
        kind = type(module).__name__
        entry = lookup(kind)
        if entry is None:
            fail(f"nn.{kind} has no convcalc layer kind (run 'convcalc kinds')")
            return None
        args: list[tuple[str, Any]] = []
        for f in dataclasses.fields(entry.kind):  # type: ignore[arg-type]  # kinds are dataclasses
            if f.name in SKIP_FIELDS or not hasattr(module, f.name):
                continue
            value = getattr(module, f.name)
            if f.name == "bias" and not isinstance(value, bool):
                value = value is not None
            value = plain(value, f.name)
            if not (type(value) is type(f.default) and value == f.default):
                args.append((f.name, value))
        if getattr(module, "return_indices", False):
            fail("returns pooling indices as well")
            return None
        count = self.calls.get(node.target, 0)
        self.calls[node.target] = count + 1
        local = node.target.rsplit(".", 1)[-1]
        shared = None
        if count:
            local = f"{local}_{count}"
            shared = node.target if any(True for _ in module.parameters()) else None
        weights = list(module.parameters())
        frozen = bool(weights) and not any(p.requires_grad for p in weights)
        leaf = Leaf(kind.lower(), tuple(args), local, shared, trainable=not frozen)
        return GraphNode(node.name, inputs, scope, (leaf,), where=where)

    def join_node(self, node: Any, join: str, inputs: tuple[str, ...], scope: tuple[str, ...], where: str,
                  fail: Callable[[str], None]) -> GraphNode | None:
        if join == "concat":
            dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
            rank = len(shape_of(node))
            if not isinstance(dim, int) or dim % rank != 1:
                fail(f"concatenates along dim {dim}; a spec's concat stacks channels (dim 1)")
                return None
        elif len(inputs) != len(node.args) or node.kwargs.get("alpha", 1) != 1:
            fail(f"{'adds' if join == 'add' else 'multiplies'} a constant or a scaled tensor; a join combines computed tensors")
            return None
        return GraphNode(node.name, inputs, scope, join=join, where=where)

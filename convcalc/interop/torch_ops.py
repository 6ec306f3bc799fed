"""How torch.fx nodes read as layers: ATen and torch function names, their arguments by name, and
the shapes ShapeProp or torch.export recorded. `from_torch` holds the graph walk."""

from __future__ import annotations

import dataclasses
import inspect
import operator
from collections.abc import Callable
from math import prod
from typing import Any

from convcalc.interop.model import Leaf, compact
from convcalc.layers import lookup

SKIP_FIELDS = {"in_channels", "in_features", "num_features", "num_channels", "inplace"}  # input-decided, or no effect
_NOT_COMPACT = {"normalized_shape"}  # (8, 8) is two axes here, not "8 on every axis"
PASS_THROUGH = {"contiguous", "clone", "detach", "float", "to"}
_POSITIONAL = {  # builtins without a Python signature: their arguments in order (after the input)
    "relu": (), "relu_": (), "sigmoid": (), "tanh": (), "flatten": ("start_dim", "end_dim"),
    "softmax": ("dim",), "log_softmax": ("dim",), "dropout": ("p", "training"),
}
JOINS: dict[Any, str] = {operator.add: "add", operator.iadd: "add", operator.mul: "mul", operator.imul: "mul"}
JOIN_NAMES = {"add": "add", "add_": "add", "mul": "mul", "mul_": "mul", "cat": "concat", "concat": "concat",
               "concatenate": "concat"}


def function_leaves(node: Any, op_name: str, fail: Callable[[str], None]) -> tuple[Leaf, ...] | None:
    shape_in = shape_of(node.args[0]) if node.args and hasattr(node.args[0], "meta") else ()
    shape_out = shape_of(node)
    if op_name in ("view", "reshape"):
        if len(shape_in) > 2 and shape_out == (shape_in[0], prod(shape_in[1:])):
            return (Leaf("flatten", (), ""),)
        fail(f"{op_name} to {list(shape_out)} is not a flatten; a spec has no general reshape")
        return None
    if op_name == "mean":
        dims = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
        keep = node.kwargs.get("keepdim", node.args[2] if len(node.args) > 2 else False)
        dims = (dims,) if isinstance(dims, int) else tuple(dims or ())
        rank = len(shape_in)
        if rank < 3 or sorted(d % rank for d in dims) != list(range(2, rank)):
            fail(f"mean over dims {list(dims)}; only a mean over every spatial axis (global average pooling) is a layer")
            return None
        pool = Leaf(f"adaptiveavgpool{rank - 2}d", (("output_size", 1),), "")
        return (pool,) if keep else (pool, Leaf("flatten", (), ""))
    entry = lookup(op_name)
    if entry is None:
        fail(f"{op_name} has no convcalc layer kind (run 'convcalc kinds')")
        return None
    names = _positional(node.target, op_name)
    given = dict(zip(names, node.args[1:]))
    given.update(node.kwargs)
    if given.get("return_indices"):
        fail("returns pooling indices as well")
        return None
    known = {f.name: f for f in dataclasses.fields(entry.kind)}  # type: ignore[arg-type]  # kinds are dataclasses
    args = []
    for key, value in given.items():
        if key in known and key not in SKIP_FIELDS:
            value = plain(value, key)
            default = known[key].default
            if not (type(value) is type(default) and value == default):
                args.append((key, value))
    return (Leaf(op_name.rstrip("_").lower(), tuple(args), ""),)


def operator_name(target: Any) -> str:
    """A method's name, a function's, or an ATen operator's (`aten::max_pool2d` from torch.export)."""
    if isinstance(target, str):
        return target
    schema = getattr(target, "_schema", None)
    if schema is not None:
        return str(schema.name).split("::")[-1]
    return str(getattr(target, "__name__", target))


def _positional(target: Any, name: str) -> tuple[str, ...]:
    if isinstance(target, str):  # a tensor method: self is the input
        return _POSITIONAL.get(name, ())
    schema = getattr(target, "_schema", None)
    if schema is not None:  # an ATen operator: its schema names the arguments as PyTorch does
        return tuple(a.name for a in schema.arguments)[1:]
    try:
        parameters = list(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return _POSITIONAL.get(name, ())
    return tuple(parameters[1:])


def plain(value: Any, name: str) -> Any:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        value = tuple(plain(v, name) for v in value)
        return value if name in _NOT_COMPACT else compact(value)
    return value


def shape_of(node: Any) -> tuple[int, ...]:
    meta = node.meta.get("tensor_meta", node.meta.get("val"))  # ShapeProp's, or torch.export's fake tensor
    return tuple(int(n) for n in meta.shape) if meta is not None and hasattr(meta, "shape") else ()


def is_tensor(node: Any) -> bool:
    meta = node.meta.get("tensor_meta", node.meta.get("val"))
    return meta is not None and hasattr(meta, "shape")

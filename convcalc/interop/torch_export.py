"""The fallback where torch.fx cannot trace (control flow on shapes, say): torch.export, which runs
the model on the given input, with its ATen graph folded back to module calls.

torch.export records each operation with the stack of modules it ran in. Consecutive operations
inside one call of a torch.nn leaf module (Conv2d's aten.conv2d, BatchNorm2d's
aten.batch_norm) become one `call_module` node for that module, which the fx converter maps as
it maps symbolic tracing's; everything else stays an ATen call (aten.add, aten.cat,
aten.flatten), mapped by the operator's name and schema.
"""

from __future__ import annotations

from typing import Any

from convcalc.errors import SpecError


def exported_graph(module: Any, input_shape: tuple[int, ...], label: str, fx_reason: str) -> Any:
    """An fx.Graph of module calls and ATen operations, or a SpecError naming both tracers' reasons."""
    import torch
    from torch import fx

    try:
        program = torch.export.export(module, (torch.zeros((1, *input_shape)),), strict=False)
    except Exception as problem:  # noqa: BLE001  # export raises many kinds (UserError, GuardOnDataDependent, ...)
        reason = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
        raise SpecError(
            f"cannot trace {label}: torch.fx: {fx_reason}; torch.export: {reason}",
            hint="data-dependent control flow cannot be traced; move it out of forward() or import an ONNX export",
        ) from None
    source = program.module().graph
    graph = fx.Graph()
    env: dict[Any, Any] = {}
    group: tuple[str, Any] | None = None  # (the call's stack key, its call_module node)
    for node in source.nodes:
        if node.op == "output":
            graph.output(fx.node.map_arg(node.args[0], lambda n: env[n]))
            continue
        if node.op == "call_module":  # torch.export's guard check, not the model's
            continue
        if node.op != "call_function":
            env[node] = graph.node_copy(node, lambda n: env[n])
            group = None
            continue
        leaf = _leaf_call(module, node)
        if leaf is None:
            env[node] = graph.node_copy(node, lambda n: env[n])
            group = None
        elif group is not None and group[0] == leaf[0]:
            group[1].meta["val"] = node.meta.get("val")  # the call's output is its last operation's
            env[node] = group[1]
        else:
            first = node.args[0]
            call = graph.call_module(leaf[1], (env[first],))
            call.meta = {**node.meta}
            env[node] = call
            group = (leaf[0], call)
    return graph


def _leaf_call(root: Any, node: Any) -> tuple[str, str] | None:
    """(stack key, module path) when `node` runs inside a call of a torch.nn module without children."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return None
    key, (path, _) = list(stack.items())[-1]
    if not path:
        return None
    try:
        module = root.get_submodule(path)
    except AttributeError:
        return None
    leaf = type(module).__module__.startswith("torch.nn") and not any(True for _ in module.children())
    return (key, path) if leaf else None

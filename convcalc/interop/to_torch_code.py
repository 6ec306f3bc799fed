"""A spec as a self-contained PyTorch file: one nn.Module whose submodules carry the spec's
layer names (`self.layer1["0"].conv1`), and a forward() that follows the graph.

Each layer's module is what its kind's own `to_torch` builds for `verify` (so the exported code
means what verify checks): `to_torch` is called with a stand-in for `torch.nn` that records the
constructor call as source text instead of building it. Groups become nn.ModuleDicts; a layer
that shares another's weights calls that layer's module. The file imports torch only.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass
from typing import Any

from convcalc.errors import SpecError
from convcalc.layers.composite import DeformConvCore
from convcalc.layers.graph import JOINS, PathEnd
from convcalc.layers.kind import CompositeKind, LayerKind, NotCheckable, TorchBuild
from convcalc.layers.resize import Crop, crop_offsets
from convcalc.layers.tensor import LayerError, TensorInfo
from convcalc.layers.torch_modules import SourceModule
from convcalc.layers.window import per_axis
from convcalc.network import Branches, LayerSpec, Network, Visitor, part_spec, walk

# nn.ModuleDict's public attributes (torch 2.13): add_module refuses a submodule of such a name, so
# the exported module calls it NAME_ (the file's docstring lists every rename).
_TAKEN = frozenset({
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "clear", "compile",
    "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
    "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "items", "keys", "load_state_dict", "modules",
    "mtia", "named_buffers", "named_children", "named_modules", "named_parameters", "parameters", "pop",
    "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter", "register_state_dict_post_hook",
    "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule", "share_memory",
    "state_dict", "to", "to_empty", "train", "training", "type", "update", "values", "xpu", "zero_grad",
})


@dataclass(frozen=True, slots=True)
class _Call:
    """A recorded constructor call, rendered as Python source."""

    name: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]

    def __str__(self) -> str:
        signature = _SIGNATURES.get(re.sub(r"[123]d$", "Nd", self.name.removeprefix("nn.")))
        if signature is None or len(self.args) > len(signature):
            parts = [_literal(a) for a in self.args] + [f"{k}={_literal(v)}" for k, v in self.kwargs]
            return f"{self.name}({', '.join(parts)})"
        given = {**dict(zip((p for p, _ in signature), self.args)), **dict(self.kwargs)}
        parts = []
        for param, default in signature:
            if param not in given:
                continue
            value = given[param]
            if default is _REQUIRED:
                parts.append(_literal(value))
            elif not (type(value) is type(default) and value == default):
                parts.append(f"{param}={_literal(value)}")
        return f"{self.name}({', '.join(parts)})"


_REQUIRED = object()
# torch.nn constructors' parameters in order, with defaults: the exported code names every
# argument that is not the default, so it reads like hand-written PyTorch.
_SIGNATURES: dict[str, tuple[tuple[str, Any], ...]] = {
    "ConvNd": (("in_channels", _REQUIRED), ("out_channels", _REQUIRED), ("kernel_size", _REQUIRED), ("stride", 1),
               ("padding", 0), ("dilation", 1), ("groups", 1), ("bias", True)),
    "ConvTransposeNd": (("in_channels", _REQUIRED), ("out_channels", _REQUIRED), ("kernel_size", _REQUIRED),
                        ("stride", 1), ("padding", 0), ("output_padding", 0), ("groups", 1), ("bias", True),
                        ("dilation", 1)),
    "MaxPoolNd": (("kernel_size", _REQUIRED), ("stride", None), ("padding", 0), ("dilation", 1), ("ceil_mode", False)),
    "AvgPoolNd": (("kernel_size", _REQUIRED), ("stride", None), ("padding", 0), ("ceil_mode", False),
                  ("count_include_pad", True)),
    "BatchNormNd": (("num_features", _REQUIRED), ("eps", 1e-5), ("momentum", 0.1), ("affine", True),
                    ("track_running_stats", True)),
    "Linear": (("in_features", _REQUIRED), ("out_features", _REQUIRED), ("bias", True)),
    "GroupNorm": (("num_groups", _REQUIRED), ("num_channels", _REQUIRED), ("eps", 1e-5), ("affine", True)),
    "Upsample": (("size", None), ("scale_factor", None), ("mode", "nearest"), ("align_corners", None)),
}


def _literal(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"  # repr(-inf) is no Python literal
    return str(value) if isinstance(value, _Call) else repr(value)


class _Recorder:
    """Stands in for `torch.nn`: `nn.Conv2d(3, 64, 7)` returns the call, not a module."""

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> _Call:
            return _Call(f"nn.{name}", args, tuple(kwargs.items()))

        return record


_CROP = '''

class Crop(nn.Module):
    """convcalc's crop: the spatial axes cut to `size` from `offset` (no torch.nn module does this)."""

    def __init__(self, size: tuple[int, ...], offset: tuple[int, ...]) -> None:
        super().__init__()
        self.size, self.offset = size, offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for axis, (start, length) in enumerate(zip(self.offset, self.size)):
            x = x.narrow(2 + axis, start, length)
        return x
'''


class _Exporter(Visitor[tuple[str, tuple[int, ...]]]):
    def __init__(self) -> None:
        self.init: list[str] = []
        self.forward: list[str] = []
        self.containers: set[str] = set()
        self.count = 0
        self.needs: set[str] = set()
        self.renamed: set[str] = set()
        self.sources: dict[str, str] = {}  # convcalc's own modules the file must define (layers/torch_modules)

    def record_custom(self, module: SourceModule, args: tuple[Any, ...]) -> _Call:
        self.sources[module.name] = module.source
        return _Call(module.name, args, ())

    def safe(self, name: str) -> str:
        parts = []
        for part in name.split("."):
            if part in _TAKEN:
                self.renamed.add(part)
                part += "_"
            parts.append(part)
        return ".".join(parts)

    def ref(self, name: str) -> str:
        parts = self.safe(name).split(".")
        head = parts[0]
        text = f"self.{head}" if head.isidentifier() and not keyword.iskeyword(head) else f"getattr(self, {head!r})"
        for part in parts[1:]:
            text += f".{part}" if part.isidentifier() and not keyword.iskeyword(part) else f"[{part!r}]"
        return text

    def put(self, name: str, source: str) -> None:
        parts = self.safe(name).split(".")
        for depth in range(1, len(parts)):
            self._assign(".".join(parts[:depth]), "nn.ModuleDict()")
        self._assign(".".join(parts), source)

    def _assign(self, name: str, source: str) -> None:
        if name in self.containers:
            return
        self.containers.add(name)
        parent, _, last = name.rpartition(".")
        if not parent:
            target = f"self.{last}" if last.isidentifier() and not keyword.iskeyword(last) else None
            self.init.append(f"{target} = {source}" if target else f"self.add_module({last!r}, {source})")
        else:
            self.init.append(f"{self.ref(parent)}[{last!r}] = {source}")

    def var(self) -> str:
        self.count += 1
        return f"x{self.count}"

    def module_source(self, spec: LayerSpec, args: LayerKind, shape: tuple[int, ...]) -> str:
        rank = spec.rank if spec.rank is not None else max(1, len(shape) - 1)
        if isinstance(args, Crop):
            self.needs.add("crop")
            sizes = per_axis(args.size, len(shape) - 1, "size")
            return f"Crop({tuple(sizes)!r}, {tuple(crop_offsets(args, shape[1:]))!r})"
        if isinstance(args, DeformConvCore):
            self.needs.add("deform")
            return (f"DeformConv2d({shape[0]}, {args.out_channels}, {args.kernel_size!r}, {args.stride!r}, "
                    f"{args.padding!r}, {args.dilation!r}, {args.groups}, bias={args.bias})")
        try:
            built = args.to_torch(TorchBuild(_Recorder(), shape, rank, spec.kind, custom=self.record_custom))
        except NotCheckable as reason:
            raise SpecError(f"cannot export {spec.name} ({spec.kind}) to PyTorch: {reason}", spec.span) from None
        except Exception as problem:  # noqa: BLE001  # a builder that needs real torch (a custom class): say which layer
            raise SpecError(f"cannot export {spec.name} ({spec.kind}) to PyTorch: {problem}", spec.span) from None
        return str(built)

    def call(self, spec: LayerSpec, args: LayerKind, x: tuple[str, tuple[int, ...]], extra: tuple[str, ...] = ()) -> tuple[str, tuple[int, ...]]:
        try:
            out = args.infer(TensorInfo(x[1], None), spec.rank).out.shape
        except LayerError as problem:
            raise SpecError(f"{spec.name} ({spec.kind}): {problem.message}", spec.span, problem.hint) from None
        if spec.shares:
            module = self.ref(spec.shares)
        else:
            self.put(spec.name, self.module_source(spec, args, x[1]))
            module = self.ref(spec.name)
            if not spec.trainable:
                self.init.append(f"{module}.requires_grad_(False)  # trainable: false")
        name = self.var()
        self.forward.append(f"{name} = {module}({', '.join((x[0], *extra))})")
        return name, out

    def layer(self, layer: LayerSpec, x: tuple[str, tuple[int, ...]], path: str) -> tuple[str, tuple[int, ...]]:
        if isinstance(layer.args, CompositeKind):
            try:
                expansion = layer.args.expand(TensorInfo(x[1], None), layer.rank)
            except LayerError as problem:
                raise SpecError(f"{layer.name} ({layer.kind}): {problem.message}", layer.span, problem.hint) from None
            out, made = x, dict[str, str]()
            for part in expansion.parts:
                extra = tuple(made[name] for name in part.extra_inputs)
                out = self.call(part_spec(layer, part), part.args, x if part.reads_input else out, extra)
                made[part.name] = out[0]
            return out
        return self.call(layer, layer.args, x)

    def inputs(self, node: Branches, x: tuple[str, tuple[int, ...]]) -> list[tuple[str, tuple[int, ...]]]:
        """Each path's input: `x`, or (a split) the slices the join's own source cuts."""
        join = JOINS[node.join]
        cut = join.inputs_source(node, x[0], x[1][0])
        if cut is None:
            return [x] * len(node.paths)
        shapes = [t.shape for t in join.inputs(node, TensorInfo(x[1], None))]
        names = [self.var() for _ in shapes]
        self.forward.append(f"{', '.join(names)} = {cut}")
        return list(zip(names, shapes))

    def join(self, node: Branches, x: tuple[str, tuple[int, ...]], outs: list[tuple[str, tuple[int, ...]]], path: str) -> tuple[str, tuple[int, ...]]:
        """The join's own expression (`Join.source`); its shape by the engine's own rule."""
        join = JOINS[node.join]
        ends = [PathEnd(label, TensorInfo(shape, None), None, None) for label, (_, shape) in zip(node.labels, outs)]
        shape = join.rule(node, TensorInfo(x[1], None), ends).out.shape
        name = self.var()
        self.forward.append(f"{name} = {join.source(x[0], [o[0] for o in outs])}")
        return name, shape


def class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    return text if text[0].isalpha() else "Net" + text


def torch_code(network: Network, source: str = "") -> str:
    """The Python source of a module file that builds `network` in PyTorch."""
    exporter = _Exporter()
    out, _ = walk(network.layers, ("x", (network.input_shape)), exporter)
    cls = class_name(network.name)
    lines = [
        f'"""{network.name}, exported by convcalc{f" from {source}" if source else ""}: an nn.Module with the spec\'s layer',
        'names and a forward() that follows its graph. Build it with `Model()` (or `build()`).',
    ]
    if exporter.renamed:
        names = ", ".join(f"{n} -> {n}_" for n in sorted(exporter.renamed))
        lines.append(f"Renamed, as nn.Module keeps these names for itself: {names}.")
    lines[-1] += '"""'
    lines += [
        "",
        "from __future__ import annotations",
        "",
        "import torch",
        "from torch import nn",
    ]
    if any("F." in source for source in exporter.sources.values()):
        lines.append("from torch.nn import functional as F")
    if "deform" in exporter.needs:
        lines.append("from torchvision.ops import DeformConv2d")
    lines.append("")
    lines.append(f"INPUT_SHAPE = {(network.batch, *network.input_shape)!r}  # batch first")
    if "crop" in exporter.needs:
        lines.append(_CROP.rstrip("\n"))
    for name in sorted(exporter.sources):
        lines += ["", "", *exporter.sources[name].strip("\n").splitlines()]
    lines += ["", "", f"class {cls}(nn.Module):", "    def __init__(self) -> None:", "        super().__init__()"]
    lines += [f"        {line}" for line in exporter.init]
    lines += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    lines += [f"        {line}" for line in exporter.forward]
    lines += [f"        return {out}", "", "", f"Model = {cls}" if cls != "Model" else "", "", "",
              "def build() -> nn.Module:", f"    return {cls}()", "", "",
              'if __name__ == "__main__":',
              "    model = build().eval()",
              "    with torch.no_grad():",
              "        y = model(torch.zeros(INPUT_SHAPE))",
              '    print(f"{sum(p.numel() for p in model.parameters()):,} parameters; output {tuple(y.shape)}")']
    return "\n".join(line for line in _squeeze(lines)) + "\n"


def _squeeze(lines: list[str]) -> list[str]:
    """No more than two blank lines in a row (the optional alias line may be empty)."""
    out: list[str] = []
    for line in lines:
        if not line and len(out) >= 2 and not out[-1] and not out[-2]:
            continue
        out.append(line)
    return out

"""Run a network as real torch.nn modules, layer by layer, and diff against the engine's report.

Zero-filled float32 inputs under torch.inference_mode(): the check is about shapes and counts,
not values. The memory guard runs before torch allocates anything. When the engine rejected a
layer, the layers before it run as usual and then PyTorch is asked about that layer too: an
impossible layer that PyTorch accepts is a disagreement like any other.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from convcalc.engine import Refusal, Trace
from convcalc.engine.report import LayerResult
from convcalc.errors import SpecError, TorchMissing
from convcalc.formats import grouped, shape_text
from convcalc.layers.graph import JOINS
from convcalc.layers.kind import CompositeKind, NotCheckable
from convcalc.layers.tensor import TensorInfo
from convcalc.network import Branches, LayerSpec, Network, Visitor, part_spec, walk
from convcalc.verify.builders import build_module
from convcalc.verify.fields import FieldCheck, check_fields, field_bytes

FLOAT32_BYTES = 4
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


@dataclass(frozen=True, slots=True)
class LayerCheck:
    """The engine's numbers for one row beside PyTorch's (None where PyTorch never got there).

    `not_checkable` says why a layer could not be built in PyTorch; such a layer is neither
    passed nor failed, and the run goes on with a zero tensor of the engine's shape.
    """

    layer: LayerResult
    torch_shape: tuple[int, ...] | None
    torch_params: int | None
    torch_buffers: int | None
    error: str | None = None
    not_checkable: str | None = None
    field: FieldCheck | None = None  # the receptive field by gradient, when it was measured

    @property
    def status(self) -> str:
        if self.not_checkable is not None:
            return "not checkable"
        same = (self.torch_shape, self.torch_params, self.torch_buffers) == (
            self.layer.output_shape,
            self.layer.params,
            self.layer.buffers,
        )
        fits = self.field is None or self.field.agrees
        return "agrees" if self.error is None and same and fits else "differs"

    @property
    def agrees(self) -> bool:
        return self.status == "agrees"

    def divergence(self) -> str:
        """The first thing that differs, said as 'engine said X, PyTorch produced Y'."""
        name = f"{self.layer.name} ({self.layer.kind})"
        if self.not_checkable is not None:
            return f"{name}: not checkable: {self.not_checkable}"
        if self.error is not None:
            return f"{name}: the engine accepted this layer, PyTorch raised: {self.error}"
        pairs = (
            ("output shape", self.layer.output_shape, self.torch_shape),
            ("parameters", self.layer.params, self.torch_params),
            ("buffers", self.layer.buffers, self.torch_buffers),
        )
        for what, ours, theirs in pairs:
            if ours != theirs:
                return f"{name}: engine said {what} {_text(ours)}, PyTorch produced {_text(theirs)}"
        if self.field is not None and self.field.problem is not None:
            return f"{name}: {self.field.problem}"
        return f"{name}: agrees"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A layer the engine found impossible, and what PyTorch made of it."""

    name: str
    kind: str
    engine_message: str
    torch_error: str | None  # PyTorch's error: it agrees the layer is impossible
    torch_shape: tuple[int, ...] | None  # what PyTorch produced when it accepted the layer
    not_checkable: str | None = None

    @property
    def torch_agrees(self) -> bool:
        return self.torch_error is not None

    def divergence(self) -> str:
        head = f"{self.name} ({self.kind}): the engine rejected this layer: {self.engine_message}"
        if self.not_checkable is not None:
            return f"{head}; PyTorch could not be asked: {self.not_checkable}"
        if self.torch_error is not None:
            return f"{head}; PyTorch rejects it too: {self.torch_error}"
        return f"{head}, PyTorch accepted it and produced {_text(self.torch_shape)}"


@dataclass(frozen=True, slots=True)
class Verification:
    checks: tuple[LayerCheck, ...]
    device: str
    peak_bytes: int
    rejected: Rejection | None = None
    fields: str = "checked"  # receptive fields by gradient: "checked", or why they were not

    @property
    def agrees(self) -> bool:
        """No row differs, and PyTorch does not accept a layer the engine rejected.

        A run that checked nothing agrees only when it stopped at a layer both refuse (the first
        layer impossible): then there is simply nothing before it to compare.
        """
        if self.rejected is not None and not self.rejected.torch_agrees:
            return False
        if not self.checks and self.rejected is None:
            return False
        return all(check.status != "differs" for check in self.checks)

    @property
    def first_divergence(self) -> LayerCheck | None:
        return next((check for check in self.checks if check.status == "differs"), None)

    @property
    def not_checkable(self) -> tuple[LayerCheck, ...]:
        return tuple(check for check in self.checks if check.status == "not checkable")


def _text(value: tuple[int, ...] | int | None) -> str:
    """A shape as 1x6x28x28, a count as 48,120: how the verify table writes them."""
    return shape_text(value) if isinstance(value, tuple) else grouped(value) if isinstance(value, int) else str(value)


def parse_bytes(text: str) -> int:
    """'2GiB', '512MiB', '1GB', '1000' -> bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*", text, re.IGNORECASE)
    if not match:
        raise SpecError(f"--max-memory must be a size such as 2GiB or 512MiB (got {text!r})")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


def peak_bytes(input_shape: tuple[int, ...], rows: Sequence[LayerResult]) -> int:
    """Forward peak estimate: weights and buffers, plus the largest input + output pair alive at once,
    plus, where branches meet, every path's output held until the join (about twice the join's)."""
    elements = [math.prod(input_shape)] + [math.prod(row.output_shape) for row in rows]
    pairs = max((a + b for a, b in itertools.pairwise(elements)), default=elements[0])
    joins = [2 * math.prod(row.output_shape) for row in rows if row.kind in JOINS]  # every path held until the join
    weights = sum(row.params + row.buffers for row in rows)
    return (weights + pairs + max(joins, default=0)) * FLOAT32_BYTES


class _Stop(Exception):
    """PyTorch rejected a layer (or was asked about the rejected one): the run ends there."""


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class _Runner(Visitor[Any]):
    """Runs the network tree in the engine's order, so check k pairs with the trace's row k.

    A layer that shares another's weights runs the very module built for that layer, so PyTorch
    itself shows whether sharing counts the parameters once: only parameters not seen before count.
    """

    def __init__(self, torch: Any, device: str, rows: Sequence[LayerResult], refusal: Refusal | None) -> None:
        self.torch, self.device = torch, device
        self.rows = iter(rows)
        self.refusal = refusal
        self.rejection: Rejection | None = None
        self.modules: dict[str, Any] = {}
        self.seen: set[int] = set()
        self.checks: list[LayerCheck] = []

    def module(self, spec: LayerSpec, x: Any) -> Any:
        module = self.modules.get(spec.shares) if spec.shares else None
        if module is None:
            module = build_module(spec, tuple(x.shape[1:])).to(self.device)
        self.modules[spec.name] = module
        return module

    def composite(self, spec: LayerSpec, kind: CompositeKind, x: Any) -> Any:
        """A composite's parts, expanded by the same rule the engine used, each a checked row."""
        expansion = kind.expand(TensorInfo(tuple(x.shape[1:]), None), spec.rank)
        out, made = x, dict[str, Any]()
        for part in expansion.parts:
            extra = tuple(made[name] for name in part.extra_inputs)
            out = self.run_layer(part_spec(spec, part), x if part.reads_input else out, extra)
            made[part.name] = out
        return out

    def layer(self, layer: LayerSpec, x: Any, path: str) -> Any:
        if isinstance(layer.args, CompositeKind):
            return self.composite(layer, layer.args, x)
        return self.run_layer(layer, x, ())

    def run_layer(self, spec: LayerSpec, x: Any, extra: tuple[Any, ...]) -> Any:
        row = next(self.rows, None)
        if row is None:  # the engine stopped here: ask PyTorch about the refused layer
            self.ask_about_refused(spec, x)
            raise _Stop
        try:
            module = self.module(spec, x)
            out = module(x, *extra)
        except NotCheckable as reason:
            self.checks.append(LayerCheck(row, None, None, None, not_checkable=str(reason)))
            return self.torch.zeros(row.output_shape, device=self.device)
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            self.checks.append(LayerCheck(row, None, None, None, _first_line(error)))
            raise _Stop from None
        new = [p for p in module.parameters() if id(p) not in self.seen]
        self.seen.update(id(p) for p in new)
        buffers = 0 if spec.shares else sum(b.numel() for b in module.buffers())
        self.checks.append(LayerCheck(row, tuple(out.shape), sum(p.numel() for p in new), buffers))
        return out

    def ask_about_refused(self, spec: LayerSpec, x: Any) -> None:
        refusal = self.refusal
        assert refusal is not None and refusal.layer == spec, "verify ran past the engine's rows"
        name, kind, message = spec.name, spec.kind, refusal.problem
        try:
            out = self.module(spec, x)(x)
        except NotCheckable as reason:
            self.rejection = Rejection(name, kind, message, None, None, str(reason))
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            self.rejection = Rejection(name, kind, message, _first_line(error), None)
        else:
            if out.numel() == 0:  # an empty tensor is no result: the engine's refusal stands
                self.rejection = Rejection(name, kind, message, f"an empty output {tuple(out.shape)}", None)
            else:
                self.rejection = Rejection(name, kind, message, None, tuple(out.shape))

    def inputs(self, node: Branches, x: Any) -> list[Any]:
        return JOINS[node.join].torch_inputs(self.torch, node, x)

    def join(self, node: Branches, x: Any, outs: list[Any], path: str) -> Any:
        row = next(self.rows)
        try:
            out = JOINS[node.join].torch(self.torch, x, outs)
        except RuntimeError as error:
            self.checks.append(LayerCheck(row, None, None, None, _first_line(error)))
            raise _Stop from None
        self.checks.append(LayerCheck(row, tuple(out.shape), 0, 0))
        return out


def verify(
    network: Network,
    traced: Trace,
    *,
    device: str = "cpu",
    max_memory: int = 2 * 2**30,
    fields: bool = True,
) -> Verification:
    """Build each layer in torch, run zeros through it, compare shapes, parameters and buffers,
    then (`fields`) every row's receptive field by gradient: by default for small networks only
    (CONVCALC_VERIFY_FIELDS=full: always, memory permitting; 0: never).

    `traced` is the engine's trace: its rows, and the layer it refused, if any (then the rows
    before that layer are checked, and PyTorch is asked whether it refuses the layer too).
    """
    rows = traced.rows
    batch = traced.batch
    input_shape = (batch, *network.input_shape)
    estimate = peak_bytes(input_shape, rows)
    if estimate > max_memory:
        raise SpecError(
            f"verify would need about {estimate:,} bytes ({estimate / 2**30:.2f} GiB) at batch {batch}, "
            f"more than --max-memory {max_memory:,}",
            hint="raise --max-memory, or lower --batch",
        )
    try:
        with warnings.catch_warnings():
            # A CPU torch without numpy warns at import; verify never converts to numpy.
            warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
            import torch
    except ImportError:
        raise TorchMissing from None
    if device == "cuda" and not torch.cuda.is_available():
        raise SpecError("--device cuda: PyTorch sees no CUDA device here", hint="use --device cpu")
    runner = _Runner(torch, device, rows, traced.refusal)
    with torch.inference_mode():
        try:
            walk(network.layers, torch.zeros(input_shape, device=device), runner)
        except _Stop:
            pass
    checks = tuple(runner.checks)
    status = _fields_status(network, traced, checks, fields, max_memory)
    if status == "checked":
        measured = check_fields(network, rows, torch, device)
        checks = tuple(replace(check, field=measured.get(check.layer.index)) for check in checks)
    return Verification(checks, device, estimate, runner.rejection, status)


def _fields_status(
    network: Network, traced: Trace, checks: tuple[LayerCheck, ...], wanted: bool, max_memory: int
) -> str:
    """Whether receptive fields are measured, or why not (said in the verdict)."""
    mode = os.environ.get("CONVCALC_VERIFY_FIELDS", "small")
    if not wanted or mode == "0":
        return "not asked for"
    if traced.refusal is not None or any(check.status == "differs" for check in checks):
        return "not measured: the shapes differ first"
    need = field_bytes(network.input_shape, traced.rows)
    if need > max_memory:
        return f"not measured: the gradients would need about {need / 2**30:.2f} GiB, more than --max-memory"
    if mode != "full" and need > DEFAULT_FIELD_BYTES:
        # one backward pass per row: minutes on a CPU for an ImageNet-sized network
        return "not measured: a large network (CONVCALC_VERIFY_FIELDS=full measures it)"
    return "checked"


DEFAULT_FIELD_BYTES = 64 * 2**20

"""Run a network as real torch.nn modules, layer by layer, and diff against the engine's report.

Zero-filled float32 inputs under torch.inference_mode(): the check is about shapes and counts,
not values. The memory guard runs before torch allocates anything.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

from convcalc.engine.report import LayerResult, Report
from convcalc.errors import SpecError
from convcalc.network import Branches, Group, LayerSpec, Network, Node
from convcalc.verify.builders import build_module

FLOAT32_BYTES = 4
JOINS = ("add", "concat", "mul")
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


class TorchMissing(Exception):
    """verify was asked for but PyTorch is not installed."""


@dataclass(frozen=True, slots=True)
class LayerCheck:
    """The engine's numbers for one layer beside PyTorch's (None where PyTorch never got there)."""

    layer: LayerResult
    torch_shape: tuple[int, ...] | None
    torch_params: int | None
    torch_buffers: int | None
    error: str | None = None

    @property
    def agrees(self) -> bool:
        return self.error is None and (self.torch_shape, self.torch_params, self.torch_buffers) == (
            self.layer.output_shape,
            self.layer.params,
            self.layer.buffers,
        )

    def divergence(self) -> str:
        """The first thing that differs, said as 'engine said X, PyTorch produced Y'."""
        name = f"{self.layer.name} ({self.layer.kind})"
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
        return f"{name}: agrees"


@dataclass(frozen=True, slots=True)
class Verification:
    checks: tuple[LayerCheck, ...]
    device: str
    peak_bytes: int

    @property
    def agrees(self) -> bool:
        return len(self.checks) > 0 and all(check.agrees for check in self.checks)

    @property
    def first_divergence(self) -> LayerCheck | None:
        return next((check for check in self.checks if not check.agrees), None)


def _text(value: Any) -> str:
    return "x".join(map(str, value)) if isinstance(value, tuple) else f"{value:,}" if isinstance(value, int) else str(value)


def parse_bytes(text: str) -> int:
    """'2GiB', '512MiB', '1GB', '1000' -> bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*", text, re.IGNORECASE)
    if not match:
        raise SpecError(f"--max-memory must be a size such as 2GiB or 512MiB (got {text!r})")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


def peak_bytes(report: Report) -> int:
    """Forward peak estimate: weights and buffers, plus the largest input + output pair alive at once,
    plus, where branches meet, every path's output held until the join (about twice the join's)."""
    sizes = [report.input_shape] + [layer.output_shape for layer in report.layers]
    elements = [math.prod(shape) for shape in sizes]
    pairs = max(a + b for a, b in itertools.pairwise(elements))
    joins = [2 * math.prod(layer.output_shape) for layer in report.layers if layer.kind in JOINS]
    return (report.totals.params + report.totals.buffers + pairs + max(joins, default=0)) * FLOAT32_BYTES


class _Stop(Exception):
    """PyTorch rejected a layer: the run ends there, the check holding PyTorch's message is recorded."""


class _Runner:
    """Runs the network tree in the engine's order, so check k pairs with the report's row k.

    A layer that shares another's weights runs the very module built for that layer, so PyTorch
    itself shows whether sharing counts the parameters once: only parameters not seen before count.
    """

    def __init__(self, torch: Any, device: str, rows: list[LayerResult]) -> None:
        self.torch, self.device = torch, device
        self.rows = iter(rows)
        self.modules: dict[str, Any] = {}
        self.seen: set[int] = set()
        self.checks: list[LayerCheck] = []

    def sequence(self, nodes: tuple[Node, ...], x: Any) -> Any:
        for node in nodes:
            if isinstance(node, LayerSpec):
                x = self.layer(node, x)
            elif isinstance(node, Group):
                x = self.sequence(node.nodes, x)
            else:
                x = self.branches(node, x)
        return x

    def layer(self, spec: LayerSpec, x: Any) -> Any:
        row = next(self.rows)
        try:
            module = self.modules.get(spec.shares) if spec.shares else None
            if module is None:
                module = build_module(spec, tuple(x.shape[1:])).to(self.device)
            self.modules[spec.name] = module
            out = module(x)
        except (RuntimeError, ValueError, TypeError) as error:
            self.checks.append(LayerCheck(row, None, None, None, str(error).strip().splitlines()[0]))
            raise _Stop from None
        new = [p for p in module.parameters() if id(p) not in self.seen]
        self.seen.update(id(p) for p in new)
        buffers = 0 if spec.shares else sum(b.numel() for b in module.buffers())
        self.checks.append(LayerCheck(row, tuple(out.shape), sum(p.numel() for p in new), buffers))
        return out

    def branches(self, node: Branches, x: Any) -> Any:
        outs = [self.sequence(path, x) if path else x for path in node.paths]
        row = next(self.rows)
        try:
            if node.join == "add":
                out = outs[0]
                for other in outs[1:]:
                    out = out + other
            elif node.join == "concat":
                out = self.torch.cat(outs, dim=1)
            else:
                out = x * outs[0]
        except RuntimeError as error:
            self.checks.append(LayerCheck(row, None, None, None, str(error).strip().splitlines()[0]))
            raise _Stop from None
        self.checks.append(LayerCheck(row, tuple(out.shape), 0, 0))
        return out


def verify(network: Network, report: Report, *, device: str = "cpu", max_memory: int = 2 * 2**30) -> Verification:
    """Build each layer in torch, run zeros through it, compare shapes, parameters and buffers."""
    estimate = peak_bytes(report)
    if estimate > max_memory:
        raise SpecError(
            f"verify would need about {estimate:,} bytes ({estimate / 2**30:.2f} GiB) at batch {report.batch}, "
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
    runner = _Runner(torch, device, list(report.layers))
    with torch.inference_mode():
        try:
            runner.sequence(network.layers, torch.zeros(report.input_shape, device=device))
        except _Stop:
            pass
    return Verification(tuple(runner.checks), device, estimate)

"""Receptive fields measured by gradient, beside the engine's.

The network is rebuilt with modules made for it (`build_field_module`: positive weights, max
pooling as a window sum, no zeroing activations, normalisations as identities) and run in
float64 on a positive random input, one sample per probe. For each row, one backward pass from
a few output positions of that row — the corners and a run of positions from the centre — gives
each probe's input gradient; the extent of its nonzero entries, per axis, is the field PyTorch
shows. A gate's branch is detached, as the engine's convention leaves the squeeze out.

Each probe's extent must equal the engine's field of that output (`AxisRF.span`: start + p·jump
onwards for a regular field, its phase's span after upsampling) when that lies inside the input,
and lie within it (clipped to the input) otherwise: a field at the edge also covers padding of
inner layers and rows a floor dropped, which no gradient reaches.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convcalc.engine.report import LayerResult
from convcalc.layers.graph import JOINS
from convcalc.layers.kind import CompositeKind, NotCheckable
from convcalc.layers.rf import AxisRF
from convcalc.layers.tensor import TensorInfo
from convcalc.network import Branches, LayerSpec, Network, Visitor, part_spec, walk
from convcalc.verify.builders import build_field_module

RUN = 8  # positions probed from the centre on: a period of the upsampling pattern, up to 8
FLOAT64_BYTES = 8


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """One row's field: the engine's sizes, PyTorch's largest measured extent per axis, and what
    differs (None when they agree)."""

    engine: tuple[int, ...]
    measured: tuple[int, ...]
    problem: str | None

    @property
    def agrees(self) -> bool:
        return self.problem is None


def probes(spatial: Sequence[int], rank: int) -> list[tuple[int, ...]]:
    """The corners, the centre and the positions after it along the diagonal (clamped)."""
    corners = sorted(set(itertools.product(*[(0, n - 1) for n in spatial])))
    centre = [tuple(min(n - 1, (n - 1) // 2 + step) for n in spatial) for step in range(RUN)]
    found = corners + centre
    return found + [found[-1]] * (2**rank + RUN - len(found))  # every row probes as many samples


def field_bytes(input_shape: tuple[int, ...], rows: Sequence[LayerResult]) -> int:
    """Every row's output kept for the backward passes, one sample per probe, float64."""
    count = 2 ** (len(input_shape) - 1) + RUN
    per_sample = math.prod(input_shape) + sum(math.prod(row.output_shape[1:]) for row in rows)
    return int(2 * per_sample * count * FLOAT64_BYTES)


class _FieldRunner(Visitor[Any]):
    """Runs the remade modules in the engine's order; row k's output is kept beside row k."""

    def __init__(self, torch: Any, device: str, rows: Sequence[LayerResult]) -> None:
        self.torch, self.device = torch, device
        self.rows = iter(rows)
        self.modules: dict[str, Any] = {}
        self.outputs: list[tuple[LayerResult, Any, bool, bool]] = []  # row, output, measurable, exact
        self.blind = False  # a module PyTorch lacks stands in as zeros: later rows cannot be measured
        self.cropped = False
        self.inexact = False  # see `_reads_outside`

    def layer(self, layer: LayerSpec, x: Any, path: str) -> Any:
        if isinstance(layer.args, CompositeKind):
            expansion = layer.args.expand(TensorInfo(tuple(x.shape[1:]), None), layer.rank)
            out, made = x, dict[str, Any]()
            for part in expansion.parts:
                extra = tuple(made[name] for name in part.extra_inputs)
                out = self.run(part_spec(layer, part), x if part.reads_input else out, extra)
                made[part.name] = out
            return out
        return self.run(layer, x, ())

    def run(self, spec: LayerSpec, x: Any, extra: tuple[Any, ...]) -> Any:
        row = next(self.rows)
        try:
            module = self.modules.get(spec.shares or "") or build_field_module(spec, tuple(x.shape[1:])).to(self.device)
            self.modules[spec.name] = module
            out = module(x, *extra)
        except NotCheckable:
            self.blind = True
            out = self.torch.zeros((x.shape[0], *row.output_shape[1:]), dtype=x.dtype, device=self.device)
        self.inexact = self.inexact or (self.cropped and _reads_outside(row))
        self.cropped = self.cropped or _crops(row)
        self.outputs.append((row, out, not self.blind, not self.inexact))
        return out

    def inputs(self, node: Branches, x: Any) -> list[Any]:
        return JOINS[node.join].torch_inputs(self.torch, node, x)

    def join(self, node: Branches, x: Any, outs: list[Any], path: str) -> Any:
        row = next(self.rows)
        if node.join == "mul":  # the gate's squeeze is left out of the field, as the engine does
            outs = [out.detach() for out in outs]
        out = JOINS[node.join].torch(self.torch, x, outs)
        self.outputs.append((row, out, not self.blind, not self.inexact))
        return out


def _crops(row: LayerResult) -> bool:
    """A crop, or a transposed conv's padding (which trims its output): input pixels outside what
    it keeps lie inside the network's input, where a later layer's padding then maps."""
    if row.kind == "crop":
        return True
    return row.kind.startswith("convtranspose") and row.window is not None and any(
        a.before or a.after for a in row.window.axes
    )


def _reads_outside(row: LayerResult) -> bool:
    """Whether a layer's field counts positions outside its input: padding, taps past the ends.

    The engine counts them (Distill's convention), and no gradient reaches them. Before any crop
    they lie outside the network's input too, where a measured field need only lie within the
    engine's; after a crop they can fall inside it, so from there on fields compare that way only.
    """
    if row.window is not None:
        transposed = row.kind.startswith("convtranspose")  # its taps pass the input's ends where F_eff > S
        return any(a.before or a.after or (transposed and a.effective > a.stride) for a in row.window.axes)
    return row.kind.startswith(("zeropad", "constantpad", "reflectionpad", "replicationpad", "upsample"))


def check_fields(network: Network, rows: Sequence[LayerResult], torch: Any, device: str) -> dict[int, FieldCheck]:
    """Each measurable row's field check, by row index. Rows without a spatial field, nominal
    ones (after a deformable conv) and rows after a module PyTorch lacks are left out."""
    spatial = network.input_shape[1:]
    rank = len(spatial)
    if rank == 0 or not rows:
        return {}
    count = 2**rank + RUN
    generator = torch.Generator(device="cpu").manual_seed(17)
    x = (torch.rand((count, *network.input_shape), generator=generator, dtype=torch.float64) + 0.5).to(device)
    x.requires_grad_(True)
    runner = _FieldRunner(torch, device, rows)
    with torch.enable_grad():
        walk(network.layers, x, runner)
        checks = {}
        for row, out, measurable, exact in runner.outputs:
            rf = row.receptive_field
            if rf is None or row.rf_nominal or not measurable or len(rf) != rank:
                continue
            checks[row.index] = _check_row(torch, x, row, rf, out, spatial, exact)
    return checks


def _check_row(
    torch: Any, x: Any, row: LayerResult, rf: tuple[AxisRF, ...], out: Any, spatial: tuple[int, ...], exact: bool
) -> FieldCheck:
    axes = row.rf_layout if row.rf_layout is not None else tuple(range(1, len(rf) + 1))
    sizes = [out.shape[1 + axis] for axis in axes]
    positions = probes(sizes, len(rf))
    mask = torch.zeros_like(out)
    for sample, position in enumerate(positions):
        index: list[Any] = [sample] + [slice(None)] * (out.dim() - 1)
        for axis, p in zip(axes, position):
            index[1 + axis] = p
        mask[tuple(index)] = 1.0
    weights = torch.rand(out.shape, dtype=out.dtype, device=out.device) + 0.5  # no channel sum can cancel
    if not out.requires_grad:
        return _compare(rf, positions, [None] * len(positions), spatial, exact)
    (grad,) = torch.autograd.grad((out * weights * mask).sum(), x, retain_graph=True, allow_unused=True)
    extents: list[tuple[tuple[int, int] | None, ...] | None] = []
    for sample in range(len(positions)):
        seen = grad[sample].abs().sum(dim=0) > 0 if grad is not None else None  # over the channels
        if seen is None or not bool(seen.any()):
            extents.append(None)
            continue
        per_axis = []
        for axis in range(len(spatial)):
            others = tuple(a for a in range(len(spatial)) if a != axis)
            line = seen.any(dim=others) if others else seen
            where = torch.nonzero(line).flatten()
            per_axis.append((int(where.min()), int(where.max())))
        extents.append(tuple(per_axis))
    return _compare(rf, positions, extents, spatial, exact)


def _compare(
    rf: tuple[AxisRF, ...],
    positions: list[tuple[int, ...]],
    extents: list[tuple[tuple[int, int] | None, ...] | None],
    spatial: tuple[int, ...],
    exact: bool,
) -> FieldCheck:
    engine = tuple(int(a.size) for a in rf)
    largest = [0] * len(rf)
    problems: list[str] = []
    # A probe whose gradient is empty everywhere (its field lies in some layer's padding along one
    # axis, or it reads no input at all, as some outputs of a transposed conv) agrees with the
    # engine unless the engine put its field wholly inside the input along every axis.
    dark = [extent is None and not all(_inside(a, p, n, exact) for a, p, n in zip(rf, position, spatial))
            for position, extent in zip(positions, extents)]
    for axis, (a, n) in enumerate(zip(rf, spatial)):
        for position, extent, padding_only in zip(positions, extents, dark):
            if padding_only:
                continue
            seen = None if extent is None else extent[axis]
            p = position[axis]
            if seen is not None:
                largest[axis] = max(largest[axis], seen[1] - seen[0] + 1)
            expected = _expected(a, p, n)
            # A field that reaches the input's edge may also reach a layer's padding or the rows
            # a floor dropped on the way, which no gradient sees: there the measured field lies
            # within the engine's; one inside the input is the engine's exactly.
            within = seen is None or (expected is not None and expected[0] <= seen[0] and seen[1] <= expected[1])
            if (seen != expected) if _inside(a, p, n, exact) else not within:
                problems.append(
                    f"output {p} along axis {axis + 1}: engine said input {_span(expected)}, "
                    f"PyTorch's gradient reaches {_span(seen)}"
                )
                break
    problem = None
    if problems:
        problem = f"receptive field: {problems[0]}"
    return FieldCheck(engine, tuple(largest), problem)


def _inside(a: AxisRF, p: int, n: int, exact: bool) -> bool:
    """Whether output `p`'s field lies inside the input, off its edges, where it must be exact."""
    reads = a.span(p)
    return exact and reads is not None and 0 < reads[0] and reads[1] < n - 1


def _expected(a: AxisRF, p: int, n: int) -> tuple[int, int] | None:
    """The input indices output `p` reads along an axis of `n` inputs, clipped to the input
    (None: padding only, or no input at all)."""
    reads = a.span(p)
    if reads is None:
        return None
    low, high = max(reads[0], 0), min(reads[1], n - 1)
    return None if low > high else (low, high)


def _span(extent: tuple[int, int] | None) -> str:
    return "none" if extent is None else f"{extent[0]}..{extent[1]}"

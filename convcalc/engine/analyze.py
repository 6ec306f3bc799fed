"""The engine: walk a Network through each layer kind's rules and collect a Report.

Pure Python and third-party free; it raises `SpecError` for an impossible layer and records soft
problems as `Diagnostic`s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import prod

from convcalc.engine.joins import PathEnd, join
from convcalc.engine.memory import DTYPE_BYTES, OPTIMIZER_STATES, training_bytes
from convcalc.engine.report import GroupRef, LayerResult, Report, Totals
from convcalc.errors import Diagnostic, SpecError
from convcalc.layers import Entry, lookup
from convcalc.layers.rf import AxisRF
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo, shape_text
from convcalc.network import Branches, Group, LayerSpec, Network, Node, part_spec
from convcalc.source import Span


def _input_tensor(shape: tuple[int, ...]) -> TensorInfo:
    """Channel-first input: every axis after C is spatial and starts with a 1-pixel field."""
    rf = tuple(AxisRF() for _ in shape[1:]) if len(shape) > 1 else None
    return TensorInfo(shape, rf)


class LayerRejected(SpecError):
    """The engine found a layer impossible. It keeps the rows before it, so `verify` can ask
    PyTorch whether it agrees that the layer is impossible."""

    def __init__(self, error: SpecError, layer: LayerSpec, rows: tuple[LayerResult, ...], batch: int) -> None:
        super().__init__(error.message, error.span, error.hint)
        self.layer = layer
        self.rows = rows
        self.batch = batch


def _apply(layer: LayerSpec, entry: Entry | None, x: TensorInfo) -> tuple[Outcome, str, str]:
    """The layer's outcome, its kind as shown, and its family (what weight sharing compares)."""
    if entry is not None:
        label, family = entry.display or entry.family, entry.family
    elif hasattr(layer.args, "infer"):  # a composite's own part (the core of deform_conv)
        label = family = layer.kind
    else:  # the front ends reject unknown kinds; a hand-built Network may not
        raise SpecError(f"{layer.name}: unknown layer kind '{layer.kind}'", layer.span)
    try:
        outcome = layer.args.infer(x, entry.rank if entry else None)
    except LayerError as problem:
        raise _rule_error(layer, label, problem) from None
    return outcome, outcome.display or label, family


def _rule_error(layer: LayerSpec, label: str, problem: LayerError) -> SpecError:
    span = layer.arg_spans.get(problem.arg or "", layer.span)
    return SpecError(f"{layer.name} ({label}): {problem.message}", span, problem.hint)


@dataclass(frozen=True, slots=True)
class _Weights:
    """What a layer's weights look like, for a later layer that shares them."""

    family: str
    kind: str
    shapes: tuple[tuple[int, ...], ...]


class _Walk:
    """One pass over the network tree, in execution order, appending a row per layer and join."""

    def __init__(self, batch: int, strict: bool) -> None:
        self.batch = batch
        self.strict = strict
        self.rows: list[LayerResult] = []
        self.diagnostics: list[Diagnostic] = []
        self.weights: dict[str, _Weights] = {}

    def sequence(
        self, nodes: tuple[Node, ...], x: TensorInfo, groups: tuple[GroupRef, ...], path: str
    ) -> TensorInfo:
        for position, node in enumerate(nodes):
            where = f"{path}.{position}" if path else str(position)
            if isinstance(node, LayerSpec):
                x = self.layer(node, x, groups, where)
            elif isinstance(node, Group):
                x = self.sequence(node.nodes, x, (*groups, GroupRef(node.name, node.kind, where, node.span)), where)
            else:
                x = self.branches(node, x, groups, where)
        return x

    def layer(self, layer: LayerSpec, x: TensorInfo, groups: tuple[GroupRef, ...], path: str) -> TensorInfo:
        entry = lookup(layer.kind)
        if entry is not None and hasattr(entry.kind, "expand"):
            return self.composite(layer, entry, x, groups, path)
        try:
            outcome, kind, family = _apply(layer, entry, x)
        except SpecError as error:
            raise LayerRejected(error, layer, tuple(self.rows), self.batch) from None
        out = outcome.out if outcome.out.nominal or not x.nominal else replace(outcome.out, nominal=True)
        found = []
        for note in outcome.notes:
            span = layer.arg_spans.get(note.arg or "", layer.span)
            message = f"{layer.name} ({kind}): {note.message}"
            if self.strict and note.code == "non-whole":
                raise SpecError(
                    message, span, "choose padding and stride so that (N + 2P − F)/S + 1 is whole, or drop --strict"
                )
            found.append(Diagnostic(note.code, note.severity, message, layer.name, span))
        params, shares = outcome.params, None
        if layer.shares is not None:
            self.check_share(layer, kind, family, outcome)
            # A layer without weights (relu in a shared block) shares nothing worth a mark.
            params, shares = 0, layer.shares if outcome.weights else None
        self.weights[layer.name] = _Weights(family, kind, outcome.weights)
        return self.add_row(
            layer.name, kind, path, x, out, params, outcome.buffers, outcome.macs, found, layer.span, groups, shares
        )

    def composite(self, layer: LayerSpec, entry: Entry, x: TensorInfo, groups: tuple[GroupRef, ...], path: str) -> TensorInfo:
        """A composite kind runs as a block of its parts, named `layer.part`; its notes go on the last row."""
        label = entry.display or entry.family
        try:
            expansion = layer.args.expand(x, entry.rank)
        except LayerError as problem:
            raise LayerRejected(_rule_error(layer, label, problem), layer, tuple(self.rows), self.batch) from None
        inner = (*groups, GroupRef(layer.name, label, path, layer.span))
        out = x
        for position, part in enumerate(expansion.parts):
            spec = part_spec(layer, part.name, part.kind, part.args)
            out = self.layer(spec, x if part.reads_input else out, inner, f"{path}.{position}")
        found = [
            Diagnostic(note.code, note.severity, f"{layer.name} ({label}): {note.message}", layer.name, layer.span)
            for note in expansion.notes
        ]
        if found:
            self.diagnostics.extend(found)
            self.rows[-1] = replace(self.rows[-1], diagnostics=self.rows[-1].diagnostics + tuple(found))
        return out

    def check_share(self, layer: LayerSpec, kind: str, family: str, outcome: Outcome) -> None:
        span = layer.arg_spans.get("shared", layer.span)
        target = self.weights.get(layer.shares or "")
        if target is None:
            raise SpecError(
                f"{layer.name} ({kind}) shares the weights of '{layer.shares}', which is not a layer before it",
                span,
                "name a layer that runs earlier, by its full dotted name as the table shows it",
            )
        if target.family != family or target.shapes != outcome.weights:
            ours = ", ".join(shape_text(s) for s in outcome.weights) or "none"
            theirs = ", ".join(shape_text(s) for s in target.shapes) or "none"
            raise SpecError(
                f"{layer.name} ({kind}) cannot share the weights of {layer.shares} ({target.kind}): "
                f"it needs weights {ours}, {layer.shares} has {theirs}",
                span,
                "a shared layer needs the same kind, channels and kernel as the layer it shares",
            )

    def branches(self, node: Branches, x: TensorInfo, groups: tuple[GroupRef, ...], path: str) -> TensorInfo:
        ends = []
        for label, nodes in zip(node.labels, node.paths):
            before = len(self.rows)
            out = self.sequence(nodes, x, groups, f"{path}.{label}")
            last = self.rows[-1] if len(self.rows) > before else None
            ends.append(PathEnd(label, out, last.name if last else None, last.span if last else None))
        joined = join(node, x, ends)
        found = []
        if joined.misaligned:
            message = (
                f"{node.name} ({node.join}): the paths' receptive fields are not aligned ({joined.misaligned}); "
                "the field shown is the largest"
            )
            found.append(Diagnostic("rf-misaligned", "warning", message, node.name, node.span))
        return self.add_row(node.name, node.join, path, x, joined.out, 0, 0, joined.macs, found, node.span, groups, None)

    def add_row(
        self,
        name: str,
        kind: str,
        path: str,
        x: TensorInfo,
        out: TensorInfo,
        params: int,
        buffers: int,
        macs: int,
        found: list[Diagnostic],
        span: Span | None,
        groups: tuple[GroupRef, ...],
        shares: str | None,
    ) -> TensorInfo:
        """Record a row; returns its output, marked as made by this row."""
        self.diagnostics.extend(found)
        self.rows.append(
            LayerResult(
                index=len(self.rows) + 1,
                name=name,
                kind=kind,
                path=path,
                output_shape=(self.batch, *out.shape),
                params=params,
                trainable_params=params,
                buffers=buffers,
                macs=macs * self.batch,
                activations=prod(out.shape) * self.batch,
                receptive_field=out.rf,
                rf_nominal=out.nominal,
                diagnostics=tuple(found),
                span=span,
                groups=groups,
                shares=shares,
                input_shape=(self.batch, *x.shape),
                input_from=x.producer,
            )
        )
        return replace(out, producer=name)


def analyze(
    network: Network,
    *,
    batch: int | None = None,
    dtype: str = "float32",
    optimizer: str = "adam",
    strict: bool = False,
) -> Report:
    """Shapes, parameters, MACs, memory and receptive fields of every layer of `network`.

    `strict` turns a non-whole (N + 2P − F)/S + 1 from a warning into an error.
    """
    if dtype not in DTYPE_BYTES:
        raise SpecError(f"unknown dtype '{dtype}'", hint="use one of " + ", ".join(DTYPE_BYTES))
    if optimizer not in OPTIMIZER_STATES:
        raise SpecError(f"unknown optimizer '{optimizer}'", hint="use one of " + ", ".join(OPTIMIZER_STATES))
    batch = network.batch if batch is None else batch
    walk = _Walk(batch, strict)
    x = walk.sequence(network.layers, _input_tensor(network.input_shape), (), "")
    results, diagnostics = walk.rows, walk.diagnostics
    size = DTYPE_BYTES[dtype]
    params = sum(r.params for r in results)
    buffers = sum(r.buffers for r in results)
    activation_bytes = sum(r.activations for r in results) * size
    input_bytes = prod(network.input_shape) * batch * size
    totals = Totals(
        params=params,
        trainable_params=sum(r.trainable_params for r in results),
        buffers=buffers,
        macs=sum(r.macs for r in results),
        param_bytes=params * size,
        buffer_bytes=buffers * size,
        activation_bytes=activation_bytes,
        input_bytes=input_bytes,
        training_bytes=training_bytes(params * size, buffers * size, activation_bytes, input_bytes, optimizer),
    )
    return Report(
        name=network.name,
        input_shape=(batch, *network.input_shape),
        output_shape=(batch, *x.shape),
        layers=tuple(results),
        totals=totals,
        diagnostics=tuple(diagnostics),
        batch=batch,
        dtype=dtype,
        optimizer=optimizer,
    )


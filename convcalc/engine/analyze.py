"""The engine: walk a Network through each layer kind's rules and collect a Report.

Pure Python and third-party free; it raises `SpecError` for an impossible layer (`trace` returns
it as a `Refusal` with the rows before it) and records soft problems as `Diagnostic`s.
"""

from __future__ import annotations

from dataclasses import replace
from math import prod
from typing import cast

from convcalc.engine.collector import collector_paused
from convcalc.engine.memory import DTYPE_BYTES, OPTIMIZER_STATES, training_bytes
from convcalc.engine.report import GroupRef, LayerResult, Report, Totals
from convcalc.errors import Diagnostic, SpecError
from convcalc.formats import shape_text
from convcalc.layers.graph import JOINS, PathEnd
from convcalc.layers.kind import CompositeKind, LayerKind
from convcalc.layers.rf import AxisRF
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo
from convcalc.layers.window import Window
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.limits import ELEMENTS
from convcalc.network import Branches, Group, LayerSpec, Network, Visitor, part_spec, walk
from convcalc.source import Span


def _input_tensor(shape: tuple[int, ...]) -> TensorInfo:
    """Channel-first input: every axis after C is spatial and starts with a 1-pixel field."""
    rf = tuple(AxisRF() for _ in shape[1:]) if len(shape) > 1 else None
    return TensorInfo(shape, rf)


@lazy_dataclass(frozen=True, slots=True)
class Refusal:
    """A layer the engine found impossible: the layer, its kind as shown, the rule's own words
    (`problem`, without the `name (kind): ` prefix) and the error a person reads."""

    layer: LayerSpec
    kind: str
    problem: str
    error: SpecError


@lazy_dataclass(frozen=True, slots=True)
class Trace:
    """The rows the engine produced, in order, and the layer that stopped it, if one did.

    `verify` reads a trace rather than a report, so it can ask PyTorch whether it agrees that the
    refused layer is impossible; `analyze` turns a refusal into its error.
    """

    rows: tuple[LayerResult, ...]
    diagnostics: tuple[Diagnostic, ...]
    batch: int
    output: TensorInfo | None
    refusal: Refusal | None


class _Refused(Exception):
    """Ends the walk at an impossible layer (caught in `trace`, never seen outside)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.problem)
        self.refusal = refusal


def _refusal(layer: LayerSpec, label: str, problem: LayerError) -> _Refused:
    span = layer.arg_spans.get(problem.arg or "", layer.span)
    error = SpecError(f"{layer.name} ({label}): {problem.message}", span, problem.hint)
    return _Refused(Refusal(layer, label, problem.message, error))


class _Walk(Visitor[TensorInfo]):
    """One pass over the network tree, in execution order, appending a row per layer and join."""

    def __init__(self, batch: int, strict: bool) -> None:
        self.batch = batch
        self.strict = strict
        self.rows: list[LayerResult] = []
        self.diagnostics: list[Diagnostic] = []
        # name -> (family, kind as shown, weight shapes): what a later layer sharing its weights must match
        self.weights: dict[str, tuple[str, str, tuple[tuple[int, ...], ...]]] = {}
        self.batched: dict[tuple[int, ...], tuple[int, ...]] = {}  # shape -> (batch, *shape), one tuple each
        self.groups: tuple[GroupRef, ...] = ()
        self.spans: dict[str, Span | None] = {}  # each row's place in the spec, for join errors
        self.max_elements = ELEMENTS.value()
        self.composite: dict[type, bool] = {}  # kind class -> whether it is a CompositeKind (an ABC: slow to ask)

    def enter(self, group: Group, path: str) -> None:
        self.groups = (*self.groups, GroupRef(group.name, group.kind, path, group.span))

    def leave(self, group: Group) -> None:
        self.groups = self.groups[:-1]

    def layer(self, layer: LayerSpec, x: TensorInfo, path: str) -> TensorInfo:
        args = layer.args
        composite = self.composite.get(type(args))
        if composite is None:
            composite = self.composite[type(args)] = isinstance(args, CompositeKind)
        if composite:
            return self.expand(layer, cast("CompositeKind", args), x, path)
        rule: LayerKind = args  # type: ignore[assignment]  # not a composite: a LayerKind (cast() is a call per row)
        seen = x if x.layout is None or rule.layout_aware else TensorInfo(x.shape, None, x.nominal)
        try:
            outcome = rule.infer(seen, layer.rank)
        except LayerError as problem:
            raise _refusal(layer, layer.label, problem) from None
        kind, name = outcome.display or layer.label, layer.name
        out = outcome.out if outcome.out.nominal or not x.nominal else replace(outcome.out, nominal=True)
        found: list[Diagnostic] = []
        for note in outcome.notes:
            span = layer.arg_spans.get(note.arg or "", layer.span)
            message = f"{name} ({kind}): {note.message}"
            if self.strict and note.code == "non-whole":
                raise SpecError(
                    message, span, "choose padding and stride so that (N + 2P − F)/S + 1 is whole, or drop --strict"
                )
            found.append(Diagnostic(note.code, note.severity, message, name, span))
        weights = outcome.weights
        params = outcome.params
        shares = None
        if layer.shares is not None:
            self.check_share(layer, kind, rule.family, outcome)
            # A layer without weights (relu in a shared block) shares nothing worth a mark.
            params, shares = 0, layer.shares if weights else None
        self.weights[name] = (rule.family, kind, weights)
        return self.add_row(
            name, kind, path, x, out, params, outcome.buffers, outcome.macs, found, layer.span, shares,
            outcome.window, layer.trainable,
        )

    def expand(self, layer: LayerSpec, kind: CompositeKind, x: TensorInfo, path: str) -> TensorInfo:
        """A composite kind runs as a block of its parts, named `layer.part`; its notes go on the last row."""
        try:
            expansion = kind.expand(x, layer.rank)
        except LayerError as problem:
            raise _refusal(layer, layer.label, problem) from None
        outer = self.groups
        self.groups = (*outer, GroupRef(layer.name, layer.label, path, layer.span))
        out = x
        for position, part in enumerate(expansion.parts):
            out = self.layer(part_spec(layer, part), x if part.reads_input else out, f"{path}.{position}")
        self.groups = outer
        found = [
            Diagnostic(note.code, note.severity, f"{layer.name} ({layer.label}): {note.message}", layer.name, layer.span)
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
        their_family, their_kind, their_shapes = target
        if their_family != family or their_shapes != outcome.weights:
            ours = ", ".join(shape_text(s) for s in outcome.weights) or "none"
            theirs = ", ".join(shape_text(s) for s in their_shapes) or "none"
            raise SpecError(
                f"{layer.name} ({kind}) cannot share the weights of {layer.shares} ({their_kind}): "
                f"it needs weights {ours}, {layer.shares} has {theirs}",
                span,
                "a shared layer needs the same kind, channels and kernel as the layer it shares",
            )

    def inputs(self, node: Branches, x: TensorInfo) -> list[TensorInfo]:
        return JOINS[node.join].inputs(node, x)

    def join(self, node: Branches, x: TensorInfo, outs: list[TensorInfo], path: str) -> TensorInfo:
        ends = []
        for label, nodes, out in zip(node.labels, node.paths, outs):
            producer = out.producer if nodes else None  # an empty path is the identity
            ends.append(PathEnd(label, out, producer, self.spans.get(producer or "")))
        joined = JOINS[node.join].rule(node, x, ends)
        found = []
        if joined.misaligned:
            message = (
                f"{node.name} ({node.join}): the paths' receptive fields are not aligned ({joined.misaligned}); "
                "the field shown is the largest"
            )
            found.append(Diagnostic("rf-misaligned", "warning", message, node.name, node.span))
        return self.add_row(node.name, node.join, path, x, joined.out, 0, 0, joined.macs, found, node.span, None, None)

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
        shares: str | None,
        window: Window | None,
        trainable: bool = True,
    ) -> TensorInfo:
        """Record a row; returns its output, marked as made by this row."""
        activations = prod(out.shape) * self.batch
        if activations > self.max_elements:
            ELEMENTS.check(activations, span, f"{name} ({kind}): its output {shape_text((self.batch, *out.shape))}")
        if found:
            self.diagnostics.extend(found)
        self.spans[name] = span
        # The shapes with the batch: rows share one tuple per distinct shape (most rows repeat a few)
        output_shape = self.batched.get(out.shape)
        if output_shape is None:
            output_shape = self.batched[out.shape] = (self.batch, *out.shape)
        input_shape = self.batched.get(x.shape)
        if input_shape is None:
            input_shape = self.batched[x.shape] = (self.batch, *x.shape)
        # Positional, in LayerResult's field order: once per row, and keywords cost as much again.
        self.rows.append(
            LayerResult(
                len(self.rows) + 1,  # index
                name,
                kind,
                path,
                output_shape,
                params,
                params if trainable else 0,  # trainable_params
                buffers,
                macs * self.batch,  # macs
                activations,
                out.rf,  # receptive_field
                tuple(found) if found else (),  # diagnostics
                span,
                self.groups,
                shares,
                out.nominal,  # rf_nominal
                input_shape,
                x.producer,  # input_from
                window,
                out.layout,  # rf_layout
            )
        )
        return TensorInfo(out.shape, out.rf, out.nominal, out.layout, name)  # `replace` would cost more than the row


def trace(network: Network, *, batch: int | None = None, strict: bool = False) -> Trace:
    """Every row of `network` up to the first impossible layer (and that layer, as a refusal).

    Errors that are not one layer's rule (paths that do not fit a join, a bad weight share, a
    non-whole division under `strict`) are raised as `SpecError`.
    """
    batch = network.batch if batch is None else batch
    ELEMENTS.check(prod(network.input_shape) * batch, network.span, f"the input {shape_text((batch, *network.input_shape))}")
    walk_ = _Walk(batch, strict)
    with collector_paused():
        try:
            out: TensorInfo | None = walk(network.layers, _input_tensor(network.input_shape), walk_)
            refusal = None
        except _Refused as stopped:
            out, refusal = None, _with_layout_hint(stopped.refusal, network.input_shape)
    return Trace(tuple(walk_.rows), tuple(walk_.diagnostics), batch, out, refusal)


_CHANNELS_LAST = {2: "L×C", 3: "H×W×C", 4: "D×H×W×C"}


def _with_layout_hint(refusal: Refusal, shape: tuple[int, ...]) -> Refusal:
    """A refused layer on an input that looks channels-last (32x32x3: a small last axis, larger
    ones before it, Keras' habit) also says so: the rank rule read the 3 as a width."""
    last = shape[-1]
    if len(shape) not in _CHANNELS_LAST or last > 4 or shape[0] <= 4 or any(n <= last for n in shape[:-1]):
        return refusal
    error = refusal.error
    first = "x".join(str(n) for n in (last, *shape[:-1]))
    note = (
        f"the input {shape_text(shape)} looks like {_CHANNELS_LAST[len(shape)]}, channels last (Keras' habit); "
        f"convcalc reads channels first, as PyTorch does: write {first}"
    )
    hint = note if error.hint is None else f"{error.hint}\n  hint: {note}"
    return replace(refusal, error=SpecError(error.message, error.span, hint))


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
    traced = trace(network, batch=batch, strict=strict)
    if traced.refusal is not None:
        raise traced.refusal.error
    assert traced.output is not None  # no refusal: the walk reached the end
    batch, x = traced.batch, traced.output
    results, diagnostics = traced.rows, traced.diagnostics
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
        training_bytes=training_bytes(params * size, buffers * size, activation_bytes, input_bytes, optimizer,
                                      trainable_bytes=sum(r.trainable_params for r in results) * size),
    )
    largest = max(totals.macs * 2, totals.training_bytes, totals.param_bytes)
    if largest >= 2**63:  # FLOPs are 2·MACs; every total must stay an exact 64-bit integer for JSON readers
        raise SpecError(
            f"this network's totals reach {largest:.2e}, past 2^63: no 64-bit counter can hold them",
            network.span,
            "check the channel counts and sizes: no real network is this large",
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


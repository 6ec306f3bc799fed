"""The engine: walk a Network through each layer kind's rules and collect a Report.

Pure Python and third-party free; it raises `SpecError` for an impossible layer and records soft
problems as `Diagnostic`s.
"""

from __future__ import annotations

from math import prod

from convcalc.engine.memory import DTYPE_BYTES, OPTIMIZER_STATES, training_bytes
from convcalc.engine.report import LayerResult, Report, Totals
from convcalc.errors import Diagnostic, SpecError
from convcalc.layers import lookup
from convcalc.layers.rf import AxisRF
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo
from convcalc.network import LayerSpec, Network


def _input_tensor(shape: tuple[int, ...]) -> TensorInfo:
    """Channel-first input: every axis after C is spatial and starts with a 1-pixel field."""
    rf = tuple(AxisRF() for _ in shape[1:]) if len(shape) > 1 else None
    return TensorInfo(shape, rf)


def _apply(layer: LayerSpec, x: TensorInfo) -> tuple[Outcome, str]:
    entry = lookup(layer.kind)
    if entry is None:  # the front ends reject unknown kinds; a hand-built Network may not
        raise SpecError(f"{layer.name}: unknown layer kind '{layer.kind}'", layer.span)
    try:
        outcome = entry.kind.infer(layer.args, x, entry.rank)
    except LayerError as problem:
        label = entry.display or entry.family
        span = layer.arg_spans.get(problem.arg or "", layer.span)
        raise SpecError(f"{layer.name} ({label}): {problem.message}", span, problem.hint) from None
    return outcome, outcome.display or entry.display or entry.family


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
    x = _input_tensor(network.input_shape)
    results: list[LayerResult] = []
    diagnostics: list[Diagnostic] = []
    for index, layer in enumerate(network.layers):
        outcome, kind = _apply(layer, x)
        found = []
        for note in outcome.notes:
            span = layer.arg_spans.get(note.arg or "", layer.span)
            message = f"{layer.name} ({kind}): {note.message}"
            if strict and note.code == "non-whole":
                raise SpecError(
                    message, span, "choose padding and stride so that (N + 2P − F)/S + 1 is whole, or drop --strict"
                )
            found.append(Diagnostic(note.code, "warning", message, layer.name, span))
        diagnostics.extend(found)
        x = outcome.out
        results.append(
            LayerResult(
                index=index + 1,
                name=layer.name,
                kind=kind,
                path=str(index),
                output_shape=(batch, *x.shape),
                params=outcome.params,
                trainable_params=outcome.params,
                buffers=outcome.buffers,
                macs=outcome.macs * batch,
                activations=prod(x.shape) * batch,
                receptive_field=x.rf,
                diagnostics=tuple(found),
                span=layer.span,
            )
        )
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


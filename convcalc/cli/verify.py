"""`convcalc verify`: the spec built and run in PyTorch, compared with the engine row by row."""

from __future__ import annotations

from enum import Enum

import typer

from convcalc.cli.app import BATCH, command, show
from convcalc.errors import ExitCode


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"


class VerifyFormat(str, Enum):
    table = "table"
    json = "json"


@command()
def verify(
    spec: str = typer.Argument(..., help="A spec file (YAML).", show_default=False),
    device: Device = typer.Option(Device.cpu, "--device", help="Where PyTorch runs the layers."),
    batch: int | None = BATCH,
    max_memory: str = typer.Option("2GiB", "--max-memory", help="Refuse a run whose estimated peak is larger."),
    fmt: VerifyFormat = typer.Option(VerifyFormat.table, "--format", "-f", help="Output format."),
) -> ExitCode:
    """Build the spec in PyTorch, run it, and compare every layer's shape, parameters and buffers.

    Exit 0 when all agree, 1 on any disagreement (PyTorch accepting a layer the engine rejects
    included), 2 for a bad spec (both reject a layer), bad usage or no PyTorch.
    """
    from convcalc.engine import trace
    from convcalc.render.dispatch import render_verification
    from convcalc.spec import load_spec
    from convcalc.verify.run import parse_bytes
    from convcalc.verify.run import verify as run_verify

    network = load_spec(spec)
    limit = parse_bytes(max_memory)
    traced = trace(network, batch=batch)  # a refused layer still runs: PyTorch may accept it
    result = run_verify(network, traced, device=device.value, max_memory=limit)
    show(render_verification(result, network.name, fmt.value))
    if not result.agrees:
        return ExitCode.FAILED
    if traced.refusal is not None:
        raise traced.refusal.error  # both refuse the layer: the spec is impossible; the boundary prints it
    return ExitCode.OK

"""`convcalc verify`: the spec built and run in PyTorch, compared with the engine row by row."""

# No `from __future__ import annotations`: typer reads these annotations on every run (cli.app says why).

import re
from enum import Enum

import typer

from convcalc.cli.app import BATCH, command, errors_as_json, show
from convcalc.errors import ExitCode


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"


class VerifyFormat(str, Enum):
    table = "table"
    json = "json"


def memory_limit(text: str) -> int:
    """--max-memory: a size (2GiB, 512MiB, 1GB) or a plain number of bytes, written out or in
    scientific notation (1e9, 2.5e9)."""
    from decimal import Decimal

    from convcalc.verify.run import parse_bytes

    if re.fullmatch(r"\s*\d+(\.\d+)?[eE]\+?\d{1,2}\s*", text):  # two exponent digits: far past any machine
        text = str(int(Decimal(text.strip())))
    return parse_bytes(text)


@command()
def verify(
    items: list[str] = typer.Argument(
        ..., metavar="SPEC | LAYER...", show_default=False, help="A spec file (YAML; - reads stdin), or layer strings with -i."
    ),
    input_shape: str | None = typer.Option(
        None, "-i", "--input", metavar="CxHxW",
        help="Input shape without batch: the input of layer strings, or a replacement for the spec's input.",
    ),
    device: Device = typer.Option(Device.cpu, "--device", help="Where PyTorch runs the layers."),
    batch: int | None = BATCH,
    max_memory: str = typer.Option(
        "2GiB", "--max-memory", metavar="SIZE", help="Refuse a run whose estimated peak is larger: 2GiB, 512MiB, 1e9 (bytes)."
    ),
    fmt: VerifyFormat = typer.Option(VerifyFormat.table, "--format", "-f", help="Output format."),
) -> ExitCode:
    """Build the spec in PyTorch, run it, and compare every layer's shape, parameters and buffers.

    Exit codes: 0 when all agree; 1 on any disagreement, PyTorch accepting a layer the engine rejects included; 2 for a bad spec (both reject a layer), bad usage or no PyTorch.
    """
    from convcalc.engine import trace
    from convcalc.render.dispatch import render_verification
    from convcalc.spec.read import read_network
    from convcalc.verify.run import verify as run_verify

    if fmt is VerifyFormat.json:
        errors_as_json()
    network = read_network(items, input_shape, batch)
    limit = memory_limit(max_memory)
    traced = trace(network, batch=batch)  # a refused layer still runs: PyTorch may accept it
    result = run_verify(network, traced, device=device.value, max_memory=limit)
    show(render_verification(result, network.name, fmt.value))
    if not result.agrees:
        return ExitCode.FAILED
    if traced.refusal is not None:
        errors_as_json(False)  # the JSON above already says which layer both refused
        raise traced.refusal.error  # both refuse the layer: the spec is impossible; the boundary prints it
    return ExitCode.OK

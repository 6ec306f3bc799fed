"""The command line: parse options, run the engine, pick a renderer, map errors to exit codes.

This is the only module that prints. Exit codes: 0 ok, 2 unreadable or impossible spec, or bad
usage (typer/click use 2 for usage errors too).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import NoReturn

import typer

from convcalc.engine import Report, analyze
from convcalc.errors import SpecError
from convcalc.network import Network

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Shapes, parameters, MACs, memory and receptive fields of CNNs, from a spec.",
)

EXIT_BAD_SPEC = 2


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class Dtype(str, Enum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int8 = "int8"


class Optimizer(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    rmsprop = "rmsprop"
    adam = "adam"


def fail(error: SpecError) -> NoReturn:
    typer.echo(error.render(), err=True)
    raise typer.Exit(EXIT_BAD_SPEC)


def read_network(items: list[str], input_shape: str | None, batch: int | None) -> Network:
    """One spec file, or (with -i) layer strings."""
    from convcalc.spec import load_spec, parse_layer_strings

    if input_shape is not None:
        return parse_layer_strings(input_shape, items, batch=batch or 1)
    if len(items) != 1 or (":" in items[0] and not Path(items[0]).exists()):
        raise SpecError(
            "give one spec file, or layer strings with an input shape",
            hint="convcalc summary net.yaml   or   convcalc summary -i 3x32x32 conv:10,5,p=2 relu",
        )
    return load_spec(items[0])


def render(report: Report, fmt: Format) -> None:
    if fmt is Format.table:
        from rich.console import Console

        from convcalc.render.table import to_table

        console = Console(width=None if sys.stdout.isatty() else 120)
        console.print(to_table(report))
        return
    if fmt is Format.json:
        from convcalc.render.to_json import to_json

        text = to_json(report)
    elif fmt is Format.csv:
        from convcalc.render.to_csv import to_csv

        text = to_csv(report)
    else:
        from convcalc.render.to_markdown import to_markdown

        text = to_markdown(report)
    typer.echo(text, nl=False)
    for d in report.diagnostics:
        where = f"{d.span}: " if d.span else ""
        typer.echo(f"{where}{d.severity}: {d.message}", err=True)


@app.command()
def summary(
    items: list[str] = typer.Argument(..., help="A spec file (YAML), or layer strings with -i.", show_default=False),
    input_shape: str | None = typer.Option(None, "-i", "--input", help="Input shape for layer strings: CxHxW."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    batch: int | None = typer.Option(None, "--batch", "-b", min=1, help="Batch size (default: the spec's, or 1)."),
    dtype: Dtype = typer.Option(Dtype.float32, "--dtype", help="Element type for memory."),
    optimizer: Optimizer = typer.Option(Optimizer.adam, "--optimizer", help="Optimizer for the training-memory estimate."),
    strict: bool = typer.Option(False, "--strict", help="A non-whole (N + 2P − F)/S + 1 is an error."),
    depth: int | None = typer.Option(
        None, "--depth", "-d", min=1, help="Levels of nesting to show; deeper blocks fold into one row (1: top level)."
    ),
) -> None:
    """Per-layer table: output shape, parameters, MACs, receptive field and jump, with totals."""
    try:
        network = read_network(items, input_shape, batch)
        report = analyze(network, batch=batch, dtype=dtype.value, optimizer=optimizer.value, strict=strict)
    except SpecError as error:
        fail(error)
    if depth is not None:
        from convcalc.engine.fold import fold

        report = fold(report, depth)
    render(report, fmt)


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"


class VerifyFormat(str, Enum):
    table = "table"
    json = "json"


EXIT_DISAGREE = 1


@app.command()
def verify(
    spec: str = typer.Argument(..., help="A spec file (YAML).", show_default=False),
    device: Device = typer.Option(Device.cpu, "--device", help="Where PyTorch runs the layers."),
    batch: int | None = typer.Option(None, "--batch", "-b", min=1, help="Batch size (default: the spec's, or 1)."),
    max_memory: str = typer.Option("2GiB", "--max-memory", help="Refuse a run whose estimated peak is larger."),
    fmt: VerifyFormat = typer.Option(VerifyFormat.table, "--format", "-f", help="Output format."),
) -> None:
    """Build the spec in PyTorch, run it, and compare every layer's shape, parameters and buffers.

    Exit 0 when all agree, 1 on any disagreement (PyTorch accepting a layer the engine rejects
    included), 2 for a bad spec (both reject a layer), bad usage or no PyTorch.
    """
    from convcalc.engine import trace
    from convcalc.spec import load_spec
    from convcalc.verify.run import TorchMissing, parse_bytes
    from convcalc.verify.run import verify as run_verify

    try:
        network = load_spec(spec)
        limit = parse_bytes(max_memory)
        traced = trace(network, batch=batch)  # a refused layer still runs: PyTorch may accept it
        result = run_verify(network, traced, device=device.value, max_memory=limit)
    except SpecError as error:
        fail(error)
    except TorchMissing:
        typer.echo("verify needs PyTorch: pip install 'convcalc[torch]'", err=True)
        raise typer.Exit(EXIT_BAD_SPEC) from None
    if fmt is VerifyFormat.json:
        from convcalc.render.verify_table import verify_json

        typer.echo(verify_json(result, network.name), nl=False)
    else:
        from rich.console import Console

        from convcalc.render.verify_table import verify_table

        Console(width=None if sys.stdout.isatty() else 120).print(verify_table(result, network.name))
    if not result.agrees:
        raise typer.Exit(EXIT_DISAGREE)
    if traced.refusal is not None:
        fail(traced.refusal.error)  # both refuse the layer: the spec is impossible, exit 2 with the engine's message


@app.command()
def kinds() -> None:
    """List every layer kind, its spellings and its positional arguments."""
    from convcalc.layers import kinds as all_kinds
    from convcalc.layers.registry import family_spellings

    for kind in all_kinds():
        summary_line = (kind.__doc__ or "").strip().splitlines()[0]
        names = ", ".join(family_spellings(kind))
        order = ",".join(kind.positional) or "-"
        typer.echo(f"{names}\n    positional: {order}; example: {kind.example}\n    {summary_line}")


def main() -> None:
    app(prog_name="convcalc")


# The teaching commands live in their own module and register on `app`; imported last, when
# everything they use from here exists.
import convcalc.cli_teach  # noqa: F401

"""`convcalc summary` and `convcalc kinds`: the analysis of a network, and the kinds it may use."""

from __future__ import annotations

import typer

from convcalc.cli.app import (
    BATCH,
    FAIL_ON,
    STRICT,
    Dtype,
    FailOn,
    Format,
    Optimizer,
    command,
    echo,
    errors_as_json,
    show,
    warn,
)
from convcalc.errors import ExitCode


@command()
def summary(
    items: list[str] = typer.Argument(
        ..., metavar="SPEC... | LAYER...", show_default=False,
        help="Spec files (YAML; - reads one from stdin), each summarised in turn; or layer strings with -i.",
    ),
    input_shape: str | None = typer.Option(
        None, "-i", "--input", metavar="CxHxW",
        help="Input shape without batch: the input of layer strings, or a replacement for each spec's input.",
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    batch: int | None = BATCH,
    dtype: Dtype = typer.Option(Dtype.float32, "--dtype", help="Element type for memory."),
    optimizer: Optimizer = typer.Option(Optimizer.adam, "--optimizer", help="Optimizer for the training-memory estimate."),
    strict: bool = STRICT,
    fail_on: FailOn = FAIL_ON,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No warnings or infos on stderr (errors still are); --fail-on still counts them."),
    depth: int | None = typer.Option(
        None, "--depth", "-d", min=1, help="Levels of nesting to show; deeper blocks fold into one row (1: top level)."
    ),
    columns: str | None = typer.Option(
        None, "--columns", "-c", metavar="LIST", show_default=False,
        help="Table and Markdown columns: #, name, kind, input, output, params, params%, macs, rf, jump. "
        "A list (name,output,params) is shown as given; +input,+params% adds to the default set, -kind removes.",
    ),
) -> ExitCode:
    """Per-layer table: output shape, parameters, MACs, receptive field and jump, with totals."""
    from convcalc.checks.result import fails
    from convcalc.engine import analyze
    from convcalc.engine.fold import fold
    from convcalc.errors import SpecError
    from convcalc.render.dispatch import diagnostic_line, render_reports
    from convcalc.render.summary import parse_columns
    from convcalc.spec.read import read_networks

    if fmt is Format.json:
        errors_as_json()
    chosen = parse_columns(columns)
    reports = []
    for network in read_networks(items, input_shape, batch):
        report = analyze(network, batch=batch, dtype=dtype.value, optimizer=optimizer.value)
        unread = [d for d in report.diagnostics if d.code == "non-whole" and d.severity == "warning"]
        if strict and unread:
            hint = "choose padding and stride so that (N + 2P − F)/S + 1 is whole, or drop --strict"
            raise SpecError(unread[0].message, unread[0].span, hint)
        reports.append(report if depth is None else fold(report, depth))
    show(render_reports(reports, fmt.value, chosen))
    diagnostics = [d for report in reports for d in report.diagnostics]
    if not quiet:
        warn([diagnostic_line(d) for d in diagnostics])
    failing = any(fails(d.severity, fail_on.value) for d in diagnostics)
    return ExitCode.FAILED if failing else ExitCode.OK


@command()
def kinds() -> None:
    """List every layer kind, its spellings and its positional arguments."""
    from convcalc.layers import kinds as all_kinds
    from convcalc.layers.registry import family_spellings

    for kind in all_kinds():
        summary_line = (kind.__doc__ or "").strip().splitlines()[0]
        names = ", ".join(family_spellings(kind))
        order = ",".join(kind.positional) or "-"
        echo(f"{names}\n    positional: {order}; example: {kind.example}\n    {summary_line}")

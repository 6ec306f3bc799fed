"""`convcalc summary` and `convcalc kinds`: the analysis of a network, and the kinds it may use."""

# No `from __future__ import annotations`: typer reads these annotations on every run (cli.app says why).

from convcalc.cli.app import (
    BATCH,
    FAIL_ON,
    STRICT,
    Argument,
    Dtype,
    FailOn,
    Format,
    Optimizer,
    Option,
    command,
    echo,
    errors_as_json,
    plain_output,
    show,
    warn,
)
from convcalc.errors import ExitCode, UsageError, fails
from convcalc.quick_exit import keep_until_exit


@command()
def summary(
    items: list[str] = Argument(
        ..., metavar="SPEC... | LAYER...", show_default=False,
        help="Spec files (YAML; - reads one from stdin), each summarised in turn; or layer strings with -i.",
    ),
    input_shape: str | None = Option(
        None, "-i", "--input", metavar="CxHxW",
        help="Input shape without batch: the input of layer strings, or a replacement for each spec's input.",
    ),
    fmt: Format = Option(Format.table, "--format", "-f", help="Output format."),
    batch: int | None = BATCH,
    dtype: Dtype = Option(Dtype.float32, "--dtype", help="Element type for memory."),
    optimizer: Optimizer = Option(Optimizer.adam, "--optimizer", help="Optimizer for the training-memory estimate."),
    strict: bool = STRICT,
    fail_on: FailOn = FAIL_ON,
    quiet: bool = Option(False, "--quiet", "-q", help="No warnings or infos on stderr (errors still are); --fail-on still counts them."),
    depth: int | None = Option(
        None, "--depth", "-d", min=1, help="Levels of nesting to show; deeper blocks fold into one row (1: top level)."
    ),
    columns: str | None = Option(
        None, "--columns", "-c", metavar="LIST", show_default=False,
        help="Table and Markdown columns: #, name, kind, input, output, params, params%, macs, rf, jump. "
        "A list (name,output,params) is shown as given; +input,+params% adds to the default set, -kind removes.",
    ),
    bars: bool = Option(False, "--bars", help="Table only: bar columns for activation size and params."),
) -> ExitCode:
    """Per-layer table: output shape, parameters, MACs, receptive field and jump, with totals."""
    from convcalc.engine import analyze
    from convcalc.engine.fold import fold
    from convcalc.errors import SpecError
    from convcalc.render.dispatch import diagnostic_line, render_reports
    from convcalc.render.summary import BAR_COLUMNS, parse_columns
    from convcalc.spec.read import read_networks

    if fmt is Format.json:
        errors_as_json()
    if bars and fmt is not Format.table:
        raise UsageError(f"--bars draws bars in the table format only (got --format {fmt.value})")
    chosen = parse_columns(columns) + (BAR_COLUMNS if bars else ())
    networks = read_networks(items, input_shape, batch)
    reports = []
    for network in networks:
        report = analyze(network, batch=batch, dtype=dtype.value, optimizer=optimizer.value)
        keep_until_exit(report)  # freed with the process, not one object at a time on return (quick_exit)
        unread = [d for d in report.diagnostics if d.code == "non-whole" and d.severity == "warning"]
        if strict and unread:
            hint = "choose padding and stride so that (N + 2P − F)/S + 1 is whole, or drop --strict"
            raise SpecError(unread[0].message, unread[0].span, hint)
        reports.append(report if depth is None else fold(report, depth))
    keep_until_exit(networks, reports)
    show(render_reports(reports, fmt.value, chosen, plain=plain_output()))
    diagnostics = [d for report in reports for d in report.diagnostics]
    if not quiet:
        warn([diagnostic_line(d) for d in diagnostics])
    failing = any(fails(d.severity, fail_on.value) for d in diagnostics)
    return ExitCode.FAILED if failing else ExitCode.OK


def _summary_line(doc: str | None) -> str:
    """A kind's docstring's first sentence, whole: docstrings wrap mid-sentence, so the first
    paragraph is joined before it is cut at the first full stop."""
    paragraph = " ".join((doc or "").strip().split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[: end + 1]


@command()
def kinds(
    kind: str | None = Argument(
        None, metavar="[KIND]", show_default=False, help="One kind (any spelling, e.g. conv or Conv2d): its arguments in full."
    ),
) -> None:
    """List every layer kind: its spellings, positional arguments, an example and what it is."""
    import dataclasses
    import difflib
    import shutil
    import textwrap

    from convcalc.layers import kinds as all_kinds
    from convcalc.layers.registry import family_spellings, lookup, spellings

    width = min(96, shutil.get_terminal_size((96, 24)).columns - 1)  # a terminal's width, 96 when piped

    def wrapped(text: str, indent: str = "    ") -> str:
        return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)

    if kind is None:
        for each in all_kinds():
            names = ", ".join(family_spellings(each))
            order = ",".join(each.positional) or "-"
            usage = wrapped(f"positional: {order}; example: {each.example}")
            echo(f"{textwrap.fill(names, width=width)}\n{usage}\n{wrapped(_summary_line(each.__doc__))}")
        return
    entry = lookup(kind)
    if entry is None:
        close = difflib.get_close_matches(kind.lower(), spellings(), n=1)
        raise UsageError(
            f"unknown layer kind {kind!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
            hint="convcalc kinds lists them all",
        )
    found = entry.kind
    lines = [", ".join(family_spellings(found)), ""]
    paragraphs = (found.__doc__ or "").strip().split("\n\n")
    lines.append("\n\n".join(wrapped(" ".join(paragraph.split()), "") for paragraph in paragraphs))
    lines += ["", f"positional: {', '.join(found.positional) or '-'}", f"example: {found.example}", "", "arguments:"]
    for field in dataclasses.fields(found):  # type: ignore[arg-type]  # every kind is a dataclass (registry contract)
        if "check" not in field.metadata:
            continue
        spelled = ", ".join([field.name, *field.metadata.get("aliases", ())])
        default = "required" if field.default is dataclasses.MISSING else f"default {field.default!r}"
        lines.append(f"  {spelled} ({default}): {field.metadata.get('doc', '')}".rstrip(": "))
    echo("\n".join(lines))

"""`convcalc diagram` and `convcalc report`: pictures of a network, written to files.

The pictures are built in `convcalc.pictures` (text in, text out); this module reads the spec,
parses the options and writes the file atomically (a temporary file in the same folder, then
`os.replace`), so a reader never sees half a picture. Without `-o` the picture goes to stdout.
"""

# No `from __future__ import annotations`: typer reads these annotations on every run (cli.app says why).

import os
from enum import Enum
from pathlib import Path

import typer

from convcalc.cli.app import BATCH, Dtype, Optimizer, command, echo, warn
from convcalc.errors import UsageError


class Style(str, Enum):
    volume = "volume"
    flat = "flat"


class ReportStyle(str, Enum):
    auto = "auto"
    volume = "volume"
    flat = "flat"


ITEMS = typer.Argument(..., help="A spec file (YAML), or layer strings with -i.", show_default=False)
INPUT = typer.Option(None, "-i", "--input", help="Input shape for layer strings: CxHxW.")
DEPTH = typer.Option(None, "--depth", "-d", min=1, help="Fold blocks deeper than N levels into one box (as summary).")
VOLUME_LIMIT = 30  # `report --style auto`: more drawn activations than this get the flat diagram


def write_atomic(path: str, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same folder and `os.replace`."""
    import tempfile  # here, not at the top: every run typer handles imports this module, --help too

    target = Path(path)
    temporary: str | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False, newline=""
        ) as handle:
            temporary = handle.name
            handle.write(text)
        mask = os.umask(0)  # a temporary file is private; the picture gets the mode a plain open() would give
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, target)
    except OSError as problem:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        hint = "check that the folder exists" if not target.parent.is_dir() else None
        raise UsageError(f"cannot write '{path}': {problem.strerror or problem}", hint=hint) from None


def _deliver(text: str, output: str | None) -> None:
    if output is None:
        echo(text, newline=False)
    else:
        write_atomic(output, text)


def parse_at(text: str | None) -> tuple[int, ...] | None:
    """`--at ROW,COL` (or one number for a 1-D layer), counted from 0."""
    if text is None:
        return None
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--at must be ROW,COL: whole numbers separated by a comma (got {text!r})",
                         hint="for example --at 3,4 (counted from 0)") from None
    return values


@command()
def diagram(
    items: list[str] = ITEMS,
    input_shape: str | None = INPUT,
    output: str | None = typer.Option(None, "-o", "--output", help="SVG file to write (default: stdout)."),
    style: Style = typer.Option(Style.volume, "--style", help="volume: 3D boxes sized by C×H×W; flat: compact blocks."),
    depth: int | None = DEPTH,
    receptive_field: str | None = typer.Option(
        None, "--receptive-field", "--rf", help="Draw the input pixels one output position of this layer sees."
    ),
    at: str | None = typer.Option(None, "--at", help="That position: ROW,COL from 0 (default: the centre)."),
) -> None:
    """An SVG picture of the network: volumes, a flat block diagram, or a receptive field."""
    from convcalc.engine import analyze
    from convcalc.pictures.flat import flat_svg
    from convcalc.pictures.graph import fold_marked
    from convcalc.pictures.volume import volume_svg
    from convcalc.render.dispatch import diagnostic_lines
    from convcalc.spec.read import read_network

    position = parse_at(at)
    if position is not None and receptive_field is None:
        raise UsageError("--at needs --receptive-field LAYER", hint="diagram SPEC --receptive-field conv3 --at 3,4")
    if depth is not None and receptive_field is not None:
        raise UsageError("--depth folds the network diagram; the receptive-field view always follows single layers",
                         hint="leave out --depth")
    report = analyze(read_network(items, input_shape, None))
    if receptive_field is not None:
        from convcalc.pictures.field import field_view
        from convcalc.pictures.rfview import rf_svg

        text = rf_svg(report, field_view(report, receptive_field, position))
    else:
        folded_report, folded = fold_marked(report, depth)
        text = (volume_svg if style is Style.volume else flat_svg)(folded_report, folded)
    _deliver(text, output)
    warn(diagnostic_lines(report))


@command()
def report(
    items: list[str] = ITEMS,
    input_shape: str | None = INPUT,
    output: str | None = typer.Option(None, "-o", "--output", help="HTML file to write (default: stdout)."),
    batch: int | None = BATCH,
    dtype: Dtype = typer.Option(Dtype.float32, "--dtype", help="Element type for memory."),
    optimizer: Optimizer = typer.Option(Optimizer.adam, "--optimizer", help="Optimizer for the training-memory estimate."),
    style: ReportStyle = typer.Option(
        ReportStyle.auto, "--style", help=f"The diagram's style; auto: volume up to {VOLUME_LIMIT} boxes, else flat."
    ),
    depth: int | None = DEPTH,
) -> None:
    """One self-contained HTML file: table, totals, warnings, diagram, interactive receptive fields."""
    from convcalc.engine import analyze
    from convcalc.pictures.flat import flat_svg
    from convcalc.pictures.graph import build, fold_marked, nodes
    from convcalc.pictures.page import html_report
    from convcalc.pictures.volume import volume_svg
    from convcalc.render.dispatch import diagnostic_lines
    from convcalc.spec.read import read_network

    network = read_network(items, input_shape, batch)
    result = analyze(network, batch=batch, dtype=dtype.value, optimizer=optimizer.value)
    folded_report, folded = fold_marked(result, depth)
    chosen = style.value
    if style is ReportStyle.auto:
        chosen = "volume" if len(nodes(build(folded_report, folded=folded))) <= VOLUME_LIMIT else "flat"
    picture = (volume_svg if chosen == "volume" else flat_svg)(folded_report, folded)
    _deliver(html_report(result, picture), output)
    warn(diagnostic_lines(result))

"""The summary table fits the width it is drawn at without cutting a name or a number: columns
give way in the stated order (render/table.py's FIT_STEPS), and piped output is full width.

Rich output is rendered by a Console of fixed width, no colour, not a terminal (Rich's recipe)."""

from __future__ import annotations

import io

import pytest
from conftest import EXAMPLES
from rich.console import Console

from convcalc.engine import analyze
from convcalc.errors import UsageError
from convcalc.formats import grouped
from convcalc.render.summary import DEFAULT_COLUMNS, parse_columns
from convcalc.render.table import FIT_STEPS, to_table
from convcalc.spec import load_spec
from convcalc.spec.from_cli import parse_layer_strings


def drawn(renderable: object, width: int) -> str:
    console = Console(width=width, color_system=None, force_terminal=False, file=io.StringIO())
    console.print(renderable)
    out = console.file.getvalue()
    assert isinstance(out, str)
    return out


@pytest.fixture(scope="module")
def resnet50():
    return analyze(load_spec(str(EXAMPLES / "resnet50.yaml")))


def header(text: str) -> list[str]:
    line = next(line for line in text.splitlines() if "name" in line.split())
    return line.split()


def rows(text: str, report) -> list[list[str]]:
    """The table rows, one per layer, found by the name at their start (or after the index)."""
    found = []
    lines = iter(text.splitlines())
    for layer in report.layers:
        for line in lines:
            words = line.split()
            if layer.name in words[:2]:
                found.append(words)
                break
        else:
            pytest.fail(f"no row for {layer.name}")
    return found


def test_resnet50_at_80_columns_shows_every_name_and_whole_numbers(resnet50):
    text = drawn(to_table(resnet50), 80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    assert header(text) == ["name", "output", "shape", "params", "MACs", "RF", "jump"]
    for layer, words in zip(resnet50.layers, rows(text, resnet50)):
        assert words[0] == layer.name
        assert words[2:4] == [grouped(layer.params), grouped(layer.macs)]
    assert "(left out to fit 80 columns: kind, #." in " ".join(text.split())


def test_resnet50_at_60_columns_keeps_the_receptive_field(resnet50):
    text = drawn(to_table(resnet50), 60)
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "…" not in text
    assert header(text) == ["name", "output", "shape", "params", "RF"]
    fc = rows(text, resnet50)[-1]
    assert fc == ["fc", "1x1000", "2.05", "M", "—"]
    assert "left out to fit 60 columns: kind, #, jump, MACs; params as magnitudes" in " ".join(text.split())


def test_the_whole_table_fits_a_wide_terminal_without_a_note(resnet50):
    text = drawn(to_table(resnet50), 140)
    assert header(text) == ["#", "name", "kind", "output", "shape", "params", "MACs", "RF", "jump"]
    assert "left out" not in text


@pytest.mark.parametrize("width", range(24, 130, 7))
def test_no_width_cuts_a_name_or_a_number(resnet50, width):
    """Below the narrowest layout the name folds onto a second line; nothing is ever cut with '…'."""
    text = drawn(to_table(resnet50, parse_columns("+input,+params%")), width)
    assert "…" not in text


def test_columns_give_way_in_the_stated_order(resnet50):
    table = to_table(resnet50, parse_columns("+input,+params%"))
    dropped = [key for action, key in FIT_STEPS if action == "drop" and key in table.columns]
    previous: tuple[str, ...] = ()
    for width in range(table.natural_width(), 20, -1):
        layout = table.layout(width)
        assert layout.dropped[: len(previous)] == previous  # once gone, a column stays gone
        assert list(layout.dropped) == dropped[: len(layout.dropped)]
        previous = layout.dropped
    assert previous == tuple(dropped)  # at the narrowest, all that may go has gone: name, output, params stay
    assert table.layout(20).columns == ("name", "output", "params")


def test_input_and_percent_columns():
    report = analyze(parse_layer_strings("3x32x32", ["conv:10,5,p=2", "relu", "flatten", "linear:10"]))
    text = drawn(to_table(report, parse_columns("+input,+params%")), 200)
    assert header(text) == ["#", "name", "kind", "input", "shape", "output", "shape", "params", "params", "%", "MACs", "RF", "jump"]
    lines = [line.split() for line in text.splitlines()]
    assert ["1", "conv1", "conv2d", "1x3x32x32", "1x10x32x32", "760", "0.7%", "768,000", "5", "1"] in lines
    assert ["2", "relu1", "relu", "1x10x32x32", "1x10x32x32", "0", "—", "0", "5", "1"] in lines
    assert ["4", "linear1", "linear", "1x10240", "1x10", "102,410", "99.3%", "102,400", "—", "—"] in lines


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        (None, DEFAULT_COLUMNS),
        ("name,output,params", ("name", "output", "params")),
        ("params,RF", ("name", "params", "rf")),  # the name always comes along
        ("+input,+params%", ("#", "name", "kind", "input", "output", "params", "params%", "macs", "rf", "jump")),
        ("-kind,-jump,-name", ("#", "name", "output", "params", "macs", "rf")),
        ("index,output_shape,MACs", ("#", "name", "output", "macs")),
    ],
)
def test_columns_option(text, columns):
    assert parse_columns(text) == columns


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,parms", "unknown column 'parms'; did you mean 'params'?"),
        ("+input,kind", "--columns mixes a list with edits ('+input,kind')"),
        (",", "--columns is empty"),
    ],
)
def test_bad_columns(text, message):
    with pytest.raises(UsageError) as caught:
        parse_columns(text)
    assert caught.value.message == message


def test_piped_output_is_full_width(run):
    """Not a terminal: the console is as wide as the table (here wider than 120), rows never wrap."""
    code, out, _ = run("summary", str(EXAMPLES / "resnet50.yaml"), "--columns", "+input,+params%")
    assert code == 0
    table_lines = [line for line in out.splitlines() if "layer4.2.downsample" in line or "layer4.0.downsample_bn" in line]
    assert table_lines and all("1x1024x14x14" in line or "1x2048x7x7" in line for line in table_lines)
    assert "left out" not in out
    assert max(len(line.rstrip()) for line in out.splitlines()) > 120


def test_markdown_takes_the_columns(run):
    code, out, _ = run("summary", "-i", "1x8", "linear:4", "--format", "markdown", "--columns", "name,input,params%")
    assert code == 0
    assert "| name | input shape | params % |\n|---|---|---:|\n| linear1 | 1x1x8 | 100.0% |\n" in out

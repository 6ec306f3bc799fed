"""The piped summary table written without Rich is Rich's own output, byte for byte.

Rich is the reference here: each table is also drawn by `render.table.SummaryTable` through the
CLI's `show`, exactly as a piped `convcalc summary` drew it before the plain writer existed.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.text import Text

from convcalc.cli.app import plain_output, show
from convcalc.engine import analyze
from convcalc.engine.report import Report
from convcalc.render import plain_table
from convcalc.render.dispatch import render_reports
from convcalc.render.plain_table import PIPED_MIN_WIDTH, plain_tables
from convcalc.render.summary import BAR_COLUMNS, COLUMNS, DEFAULT_COLUMNS
from convcalc.render.table import to_table
from convcalc.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
COLUMN_SETS = {
    "default": DEFAULT_COLUMNS,
    "every column": tuple(COLUMNS),
    "bars": DEFAULT_COLUMNS + BAR_COLUMNS,
    "few": ("name", "output"),
    "numbers first": ("params", "name", "macs"),
}
_reports: dict[str, Report] = {}


def report_of(path: Path) -> Report:
    if path.name not in _reports:
        _reports[path.name] = analyze(load_spec(path))
    return _reports[path.name]


def rich_text(reports: list[Report], columns: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    """What the CLI printed piped before the plain writer: Rich's renderable through `show`."""
    capsys.readouterr()
    show(render_reports(reports, "table", columns, plain=False))
    return capsys.readouterr().out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("columns", list(COLUMN_SETS.values()), ids=list(COLUMN_SETS))
def test_every_example_reads_as_rich_prints_it(path, columns, capsys):
    report = report_of(path)
    plain = plain_tables([report], columns)
    assert plain is not None, "the examples are plain ASCII: the writer must cover them"
    assert plain == rich_text([report], columns, capsys)


@pytest.mark.parametrize("name", ["", "x", "a  b", "net \\ 'v2'"])
def test_titles_read_as_rich_prints_them(name, capsys):
    report = dataclasses.replace(report_of(EXAMPLES[0]), name=name)
    plain = plain_tables([report], DEFAULT_COLUMNS)
    assert plain is not None and plain == rich_text([report], DEFAULT_COLUMNS, capsys)


def test_several_reports_are_separated_as_rich_separates_them(capsys):
    reports = [report_of(path) for path in EXAMPLES[:3]]
    assert plain_tables(reports, DEFAULT_COLUMNS) == rich_text(reports, DEFAULT_COLUMNS, capsys)


def test_a_table_wider_than_the_piped_minimum_sets_the_width_of_the_note(capsys):
    """The closing note wraps at the table's width when the table is wider than 120 columns."""
    report = max((report_of(path) for path in EXAMPLES), key=lambda r: max(len(layer.name) for layer in r.layers))
    columns = (*COLUMNS, *BAR_COLUMNS)
    plain = plain_tables([report], columns)
    assert plain is not None and max(map(len, plain.splitlines())) > PIPED_MIN_WIDTH
    assert plain == rich_text([report], columns, capsys)


# What the rules do not cover goes to Rich: these names must make the writer step aside.
@pytest.mark.parametrize("name", ["网络", "net[1]", "net:v2", "tab\tname", " padded", "x" * 400, "emoji 🙂"])
def test_a_title_the_rules_do_not_cover_is_left_to_rich(name):
    report = dataclasses.replace(report_of(EXAMPLES[0]), name=name)
    assert plain_tables([report], DEFAULT_COLUMNS) is None


def test_a_layer_name_the_rules_do_not_cover_is_left_to_rich():
    report = report_of(EXAMPLES[0])
    first = dataclasses.replace(report.layers[0], name="卷积1")
    assert plain_tables([dataclasses.replace(report, layers=(first, *report.layers[1:]))], DEFAULT_COLUMNS) is None


names = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=150)  # "" too: Rich draws no title


@settings(max_examples=150, deadline=None)
@given(name=names)
def test_any_title_is_rich_s_or_left_to_rich(name):
    report = dataclasses.replace(report_of(EXAMPLES[0]), name=name)
    plain = plain_tables([report], ("name", "output"))
    buffer = io.StringIO()
    table = to_table(report, ("name", "output"))
    console = Console(file=buffer, width=PIPED_MIN_WIDTH)
    console.width = max(PIPED_MIN_WIDTH, Measurement.get(console, console.options.update_width(10**6), table).maximum)
    console.print(table)
    if plain is not None:
        assert plain == buffer.getvalue()


words = st.lists(
    st.tuples(st.text("abcXYZ.,;-·→", min_size=1, max_size=30), st.text(" ", min_size=1, max_size=4)), min_size=1, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(words=words, width=st.integers(1, 80))
def test_the_note_wraps_as_rich_wraps_a_paragraph(words, width):
    text = "".join(word + gap for word, gap in words)
    ours = plain_table._wrapped(text, width)
    if ours is None:  # a word wider than a line: Rich folds it, and so does Rich draw it then
        assert any(len(word) > width for word, _ in words)
        return
    buffer = io.StringIO()
    Console(file=buffer, width=width).print(Text(text))
    assert "\n".join(ours) + "\n" == buffer.getvalue()


def test_every_character_trusted_as_one_cell_is_one_cell_for_rich():
    assert all(cell_len(character) == 1 for character in plain_table._ONE_CELL)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [({}, True), ({"FORCE_COLOR": "1"}, False), ({"FORCE_COLOR": ""}, True), ({"TTY_COMPATIBLE": "1"}, False),
     ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True)],
)
def test_plain_output_is_where_rich_would_print_no_styles(environment, expected, monkeypatch, capsys):
    for key in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    assert plain_output() is expected
    console = Console()  # Rich's own reading of the same settings, on the captured (piped) stdout
    assert (console.color_system is None) is expected


def test_a_terminal_is_never_plain_output(monkeypatch):
    """In a terminal `show` fits the table to its width with Rich, even where Rich's settings
    (TTY_COMPATIBLE=0, an empty FORCE_COLOR) say it is no terminal for colours."""

    class Terminal(io.StringIO):
        encoding = "utf-8"

        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    for key, value in (("TTY_COMPATIBLE", "0"), ("FORCE_COLOR", "")):
        monkeypatch.setenv(key, value)
        assert plain_output() is False
        monkeypatch.delenv(key)
    assert plain_output() is False


def test_a_piped_table_loads_no_rich():
    """The table budget of issue 12: a piped `convcalc summary` of ResNet-50 never imports Rich."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('\\nrich loaded: ' + str('rich' in sys.modules)))\n"
        "from convcalc.cli import main\n"
        "sys.argv = ['convcalc', 'summary', 'examples/resnet50.yaml']\n"
        "sys.exit(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stderr.endswith("rich loaded: False")
    assert "ResNet-50" in done.stdout.splitlines()[0]

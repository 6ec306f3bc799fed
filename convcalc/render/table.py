"""The Rich table: the main job of `convcalc summary`, fitted to the width it is drawn at.

A truncated number reads as a wrong number, so the table never cuts one. When the columns do not
fit, it gives up room in a fixed order (`FIT_STEPS`): the added columns (params %, input shape)
go first, then kind, the index, MACs shortened to a magnitude, jump, params shortened, MACs,
and the receptive field last. Names stay whole; only when nothing else is left to give does the
name column wrap. A note under the table says what was left out. Piped output is drawn at the
table's full width (the CLI sizes its console by `__rich_measure__`), so nothing is left out there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from convcalc.engine.report import Report
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.render.summary import COLUMNS, DEFAULT_COLUMNS, conventions, table_width, total_lines, warned

# What gives way when the table is too wide, first to last: ("drop", key) leaves a column out,
# ("short", key) writes its numbers as magnitudes (118.01 M), still whole.
FIT_STEPS = (
    ("drop", "activations_bar"), ("drop", "params_bar"), ("drop", "params%"), ("drop", "input"), ("drop", "kind"), ("drop", "#"), ("short", "macs"),
    ("drop", "jump"), ("short", "params"), ("drop", "macs"), ("drop", "rf"),
)


@lazy_dataclass(frozen=True, slots=True)
class Layout:
    """The columns a table shows at one width, which of them are short, and what was given up."""

    columns: tuple[str, ...]
    short: frozenset[str]
    dropped: tuple[str, ...]


@lazy_dataclass(frozen=True, slots=True)
class SummaryTable:
    """The renderable `to_table` returns: the layer table laid out for the width it is given."""

    report: Report
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    # each column's cells and width, full and short, worked out once: laying out reads them often
    _memo: dict[tuple[str, bool], list[str]] = field(default_factory=dict, compare=False, repr=False)
    _widths: dict[tuple[str, bool], int] = field(default_factory=dict, compare=False, repr=False)

    def _cells(self, key: str, short: bool) -> list[str]:
        column = COLUMNS[key]
        short = bool(short and column.short)
        cells = self._memo.get((key, short))
        if cells is None:
            cell = column.short if short and column.short else column.cell
            cells = self._memo[key, short] = [cell(layer, self.report) for layer in self.report.layers]
        return cells

    def _width(self, key: str, short: bool) -> int:
        width = self._widths.get((key, short))
        if width is None:
            width = self._widths[key, short] = max([cell_len(COLUMNS[key].header), *map(cell_len, self._cells(key, short))])
        return width

    def layout(self, width: int) -> Layout:
        """Give up room in `FIT_STEPS` order until the table fits in `width` (or nothing is left to give)."""
        columns, short, dropped = list(self.columns), set[str](), list[str]()
        full = {key: self._width(key, False) for key in columns}
        brief = {key: self._width(key, True) for key in columns}

        def needed() -> int:
            return table_width([brief[k] if k in short else full[k] for k in columns])

        for action, key in FIT_STEPS:
            if needed() <= width:
                break
            if key not in columns:
                continue
            if action == "drop":
                columns.remove(key)
                dropped.append(key)
            elif brief[key] < full[key]:
                short.add(key)
        return Layout(tuple(columns), frozenset(short), tuple(dropped))

    def natural_width(self) -> int:
        return table_width([self._width(key, False) for key in self.columns])

    def table(self, layout: Layout, console: Console | None = None, options: ConsoleOptions | None = None) -> Table:
        """The Rich table of `layout`. Given the console it is drawn on, the title, headers and
        cells are made `Text`s once, as Rich itself would make them from the strings, and each
        column that never wraps gets the width Rich would measure for it: Rich would otherwise
        turn every string into a `Text` twice and measure every cell, for the same result."""
        title: str | Text = self.report.name
        if console is not None and options is not None:
            title = _text(console, options, self.report.name, "table.title")
        table = Table(title=title, box=box.SIMPLE_HEAD)
        cells: list[list[str] | list[Text]] = []
        for key in layout.columns:
            column = COLUMNS[key]
            strings = self._cells(key, key in layout.short)
            header: str | Text = column.header
            texts: list[str] | list[Text] = strings
            width = None
            if console is not None and options is not None:
                header = _text(console, options, column.header)
                texts = [_text(console, options, cell) for cell in strings]
                if key != "name":
                    width = max(_widest_line(text) for text in [header, *texts])
            # The name may wrap (never be cut) when nothing else is left to give; numbers never wrap.
            table.add_column(
                header, justify="right" if column.numeric else "left", no_wrap=key != "name", overflow="fold",
                width=width,
            )
            cells.append(texts)
        for row, layer in enumerate(self.report.layers):
            table.add_row(*(column[row] for column in cells), style="yellow" if warned(layer) else None)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        layout = self.layout(options.max_width)
        yield self.table(layout, console, options)
        yield from _fit_note(layout, options.max_width)
        totals = Table.grid(padding=(0, 2))
        totals.add_column(style="bold", overflow="fold")
        totals.add_column(overflow="fold")  # a number too long for a narrow terminal folds, never '…'
        for label, value in total_lines(self.report):
            totals.add_row(_text(console, options, label), _text(console, options, value))
        yield totals
        # The diagnostics themselves go to stderr with their file:line:col, as in every format
        # (`render.dispatch.diagnostic_lines`); the table only marks the rows they concern.
        yield Text(conventions(self.report), style="dim")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """Full width is the table's own; the prose below wraps to whatever width it gets."""
        least = self.layout(0)
        return Measurement(table_width([self._width(k, k in least.short) for k in least.columns]), self.natural_width())


def _text(console: Console, options: ConsoleOptions, text: str, style: str = "") -> Text:
    """The `Text` Rich makes of a string in a table (`console.render_str(text, style=style,
    highlight=False)`). A string with no markup (`[`) and no emoji code (`:`), as nearly every
    cell is, becomes `Text(text, style=style)` there whatever the console's settings: made here
    directly, without Rich's markup parser or the emoji table it imports."""
    if "[" in text or ":" in text:
        return console.render_str(text, style=style, markup=options.markup, highlight=False)
    return Text(text, style=style)


def _widest_line(text: Text) -> int:
    """A `Text`'s widest line, as Rich measures it (`Text.__rich_measure__`'s maximum)."""
    lines = text.plain.splitlines()
    return max(cell_len(line) for line in lines) if lines else 0


def _fit_note(layout: Layout, width: int) -> Iterator[Text]:
    if not layout.dropped and not layout.short:
        return
    parts = []
    if layout.dropped:
        parts.append(f"left out to fit {width} columns: " + ", ".join(COLUMNS[key].header for key in layout.dropped))
    if layout.short:
        shortened = ", ".join(COLUMNS[key].header for key in layout.columns if key in layout.short)
        parts.append(f"{shortened} as magnitudes" + ("" if layout.dropped else f" to fit {width} columns"))
    yield Text(f"({'; '.join(parts)}. --columns chooses; piped output is full width)", style="dim")


def to_table(report: Report, columns: tuple[str, ...] = DEFAULT_COLUMNS) -> SummaryTable:
    return SummaryTable(report, columns)

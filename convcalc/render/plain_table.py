"""The summary table as plain text, for output that is piped: what Rich prints there, without Rich.

Piped (no terminal, so no colours), `convcalc summary` prints the table at its full width and at
least `PIPED_MIN_WIDTH` columns (`cli.app.show`): nothing is left out or wrapped inside the table,
and every style (bold headers, yellow rows, dim notes) prints as nothing. What remains is text
fixed by a few rules — padded cells, a rule under the header, the title centred, the totals grid,
the closing note word-wrapped as Rich wraps it — and writing that text directly costs ~1 ms
against ~60 ms for importing Rich and ~40 ms for its layout engine on ResNet-50 (issue 12's
budget for the table is 150 ms over a bare Python start).

It is the same table, not a look-alike: `tests/test_plain_table.py` compares it byte for byte
with Rich's output of `render.table.SummaryTable` for every example spec and random reports.
Whatever those rules do not cover returns None and Rich draws it: a character whose width is not
plainly one cell (CJK names, emoji), text Rich would read as markup (`[`) or an emoji code (`:`),
tabs or line breaks, a title wider than the table, a word too long to wrap.
"""

from __future__ import annotations

import re

from convcalc.engine.report import Report
from convcalc.render.summary import COLUMNS, conventions, table_width, total_lines

PIPED_MIN_WIDTH = 120  # piped output is never narrower than this (cli.app.show sizes its console so)

# Characters one cell wide for Rich (rich.cells.cell_len), checked by a test: printable ASCII and
# the few others convcalc's own cells and totals write (marks, dashes, arrows, bars).
_ONE_CELL = frozenset(map(chr, range(0x20, 0x7F))) | frozenset("·×—→⚠≈…²▏▎▍▌▋▊▉█")
_WORD = re.compile(r"\s*\S+\s*")  # a word and the spaces after it, as Rich's wrap splits text


def _one_cell_each(text: str) -> bool:
    return _ONE_CELL.issuperset(text)


def _plain(text: str) -> bool:
    """A string Rich draws as written (`render.table._text` makes a `Text` of it directly, no
    markup or emoji code read), each character one cell wide."""
    return "[" not in text and ":" not in text and _one_cell_each(text)


def plain_tables(reports: list[Report], columns: tuple[str, ...]) -> str | None:
    """Every report's table (a blank line between two), as Rich prints them piped; None when one
    of them has text the rules here do not cover (Rich draws them all then)."""
    tables = []
    for report in reports:
        table = _Table.of(report, columns)
        if table is None:
            return None
        tables.append(table)
    width = max(PIPED_MIN_WIDTH, *(table.width for table in tables))
    parts = []
    for table in tables:
        text = table.render(width)
        if text is None:
            return None
        parts.append(text)
    return "\n".join(parts)


class _Table:
    """One report's cells, checked plain, and the widths of its columns."""

    def __init__(self, report: Report, headers: list[str], cells: list[list[str]], right: list[bool]) -> None:
        self.report = report
        self.headers = headers
        self.cells = cells  # by column
        self.right = right  # numbers are right-aligned
        self.widths = [max(len(header), *map(len, column)) for header, column in zip(headers, cells)]
        self.width = table_width(self.widths)

    @classmethod
    def of(cls, report: Report, columns: tuple[str, ...]) -> _Table | None:
        if not report.layers:
            return None
        headers, cells, right = [], [], []
        for key in columns:
            column = COLUMNS[key]
            texts = [column.cell(layer, report) for layer in report.layers]
            if not all(map(_plain, texts)) or not _plain(column.header):
                return None
            headers.append(column.header)
            cells.append(texts)
            right.append(column.numeric)
        return cls(report, headers, cells, right)

    def row(self, texts: list[str]) -> str:
        padded = [
            text.rjust(width) if right else text.ljust(width) for text, width, right in zip(texts, self.widths, self.right)
        ]
        return "  " + "   ".join(padded) + "  "

    def render(self, console_width: int) -> str | None:
        """The table (title if any, blank top edge, header, rule, rows, blank bottom edge), the totals and
        the closing note, at a console `console_width` wide (at least the table's own width)."""
        title = self.report.name
        if not _plain(title) or title != title.strip() or len(title) > self.width:
            return None
        lines = []
        if title:  # Rich draws no title line for an empty title
            left = (self.width - len(title)) // 2
            lines.append(" " * left + title + " " * (self.width - left - len(title)))
        lines += [" " * self.width, self.row(self.headers)]
        lines.append(" " + "─" * (self.width - 2) + " ")
        lines.extend(self.row(list(texts)) for texts in zip(*self.cells))
        lines.append(" " * self.width)
        totals = _totals(self.report, console_width)
        note = _wrapped(conventions(self.report), console_width)
        if totals is None or note is None:
            return None
        return "\n".join([*lines, *totals, *note]) + "\n"


def _totals(report: Report, console_width: int) -> list[str] | None:
    """The totals grid: labels, two spaces, values, each column as wide as its widest text."""
    pairs = total_lines(report)
    if not all(_plain(label) and _plain(value) for label, value in pairs):
        return None
    label_width = max(len(label) for label, _ in pairs)
    value_width = max(len(value) for _, value in pairs)
    if label_width + 2 + value_width > console_width:
        return None  # Rich would fold a column
    return [label.ljust(label_width) + "  " + value.ljust(value_width) for label, value in pairs]


def _wrapped(text: str, width: int) -> list[str] | None:
    """`text` word-wrapped to `width` as Rich wraps a paragraph (`rich._wrap.divide_line`, then
    each line's spaces past the width dropped); None for a word longer than a line."""
    if not _one_cell_each(text):  # a `Text` already: no markup to read, only widths to trust
        return None
    lines, line, used = [], "", 0
    for word in _WORD.findall(text):
        length = len(word.rstrip())
        if length > width:
            return None  # Rich folds such a word across lines
        if width - used < length and used:
            lines.append(line)
            line, used = "", 0
        line += word
        used += len(word)
    lines.append(line)
    return [line[:width] + line[width:].rstrip() if len(line) > width else line for line in lines]

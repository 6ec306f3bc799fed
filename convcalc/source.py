"""Where a piece of a spec came from: a file (or the command line) and a 1-based line and column.

Spans travel with every parsed value so that any error, however deep in the engine, can point
at the exact characters a person typed. They are left out of equality so that the same network
read from YAML and from CLI layer strings compares equal.
"""

from __future__ import annotations

from dataclasses import field

from convcalc.lazy_dataclass import lazy_dataclass


@lazy_dataclass(frozen=True, slots=True)
class Source:
    """The text a span points into, kept so errors can quote the offending line."""

    name: str
    text: str

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


@lazy_dataclass(frozen=True, slots=True)
class Span:
    """1-based line and column of the first character, and the width to underline."""

    source: Source = field(repr=False)
    line: int
    column: int
    width: int = 1

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"

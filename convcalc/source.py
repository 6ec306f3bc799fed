"""Where a piece of a spec came from: a file (or the command line) and a 1-based line and column.

Spans travel with every parsed value so that any error, however deep in the engine, can point
at the exact characters a person typed. They are left out of equality so that the same network
read from YAML and from CLI layer strings compares equal.
"""

from __future__ import annotations

import os
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


def stem_and_suffix(path: str) -> tuple[str, str]:
    """`pathlib.PurePath(path)`'s `stem` and `suffix` (`nets/resnet.yaml`: `resnet`, `.yaml`).

    Without importing pathlib (and urllib.parse and ipaddress with it, ~3 ms of every run) for a
    path spelled as pathlib spells it, as a typed path is; any other spelling (`a//b`, `dir/`,
    `./a`, `.`) is pathlib's to read.
    """
    if os.path.normpath(path) != path or path == os.curdir:
        from pathlib import PurePath

        pure = PurePath(path)
        return pure.stem, pure.suffix
    name = os.path.basename(path)
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if 0 < dot < len(name) - 1 else (name, "")

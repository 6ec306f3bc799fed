"""`convcalc conv` and `convcalc pool`: real values on small matrices, computed by hand.

Pure Python and exact: numbers are ints or Fractions (a decimal such as 0.5 is read exactly), so
25 prints as 25 and an average prints as the fraction's decimal, never 0.30000000000000004. The
output of `steps` is each window's arithmetic, as the lecture writes it on the board.
"""

from __future__ import annotations

import csv
import io
import re
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import yaml

from convcalc.errors import SpecError
from convcalc.layers.window import conv_out_len, effective_kernel
from convcalc.limits import TEACH_CELLS, check_digits
from convcalc.source import Source
from convcalc.spec.yaml_guard import yaml_error

Number = int | Fraction
Grid = list[list[Number]]  # rows of numbers
Tensor = list[Grid]  # channels of grids
Fill = TypeVar("Fill", int, None)  # what padding adds: 0 for conv, None (−∞) for max pooling


_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)")
MAX_EXPONENT = 30  # Fraction('1e999999999') computes 10**999999999 exactly: a hang


def parse_number(text: str) -> Number:
    check_digits(text, None)
    exponent = _EXPONENT.search(text)
    if exponent and abs(int(exponent.group(1))) > MAX_EXPONENT:
        raise SpecError(
            f"'{text.strip()[:40]}' is out of range: exponents are limited to ±{MAX_EXPONENT} here",
            hint="write numbers such as 3, -1.5, 2/3 or 1e6",
        )
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise SpecError(f"'{text.strip()}' is not a number", hint="write numbers such as 3, -1.5 or 2/3") from None
    return value.numerator if value.denominator == 1 else value


def read_tensor(text: str, what: str) -> Tensor:
    """A matrix inline ('1 2 3; 4 5 6', channels split by '|') or from a file (.yaml, .csv, text)."""
    path = Path(text)
    if "\n" not in text and len(text) < 256 and path.suffix and path.is_file():
        return _from_file(path, what)
    channels = [[_row(row) for row in part.split(";") if row.strip()] for part in text.split("|")]
    return _checked(channels, what)


def _row(text: str) -> list[Number]:
    return [parse_number(v) for v in text.replace(",", " ").split()]


def _from_file(path: Path, what: str) -> Tensor:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise SpecError(f"cannot read {what} file '{path}': {problem}", hint="a matrix file is text") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(content)
        except yaml.YAMLError as problem:
            raise yaml_error(problem, Source(str(path), content)) from None
        if isinstance(data, list) and data and all(isinstance(r, list) and r and not isinstance(r[0], list) for r in data):
            data = [data]
        try:
            channels = [[[parse_number(str(v)) for v in row] for row in grid] for grid in data]
        except TypeError:
            raise SpecError(f"{path}: {what} must be a list of rows (or of channels of rows)") from None
        return _checked(channels, what)
    blocks = [block for block in content.replace("\r\n", "\n").split("\n\n") if block.strip()]
    if path.suffix.lower() == ".csv":
        channels = [[[parse_number(v) for v in row if v.strip()] for row in csv.reader(io.StringIO(b)) if row] for b in blocks]
    else:
        channels = [[_row(line) for line in block.splitlines() if line.strip()] for block in blocks]
    return _checked(channels, f"{what} ({path})")


def _checked(channels: Tensor, what: str) -> Tensor:
    if not channels or not all(channels) or not all(row for grid in channels for row in grid):
        raise SpecError(f"{what} is empty", hint="write rows separated by ';', e.g. \"1 2; 3 4\"")
    width = len(channels[0][0])
    height = len(channels[0])
    for grid in channels:
        if len(grid) != height or any(len(row) != width for row in grid):
            raise SpecError(
                f"{what} is not rectangular: every row needs {width} values and every channel {height} rows",
                hint="rows are separated by ';' and channels by '|'",
            )
    return channels


def _pad(grid: Grid, p: int, fill: Fill) -> list[list[Number | Fill]]:
    width = len(grid[0]) + 2 * p
    rows: list[list[Number | Fill]] = [[fill] * width for _ in range(p)]
    rows += [[fill] * p + list(row) + [fill] * p for row in grid]
    rows += [[fill] * width for _ in range(p)]
    return rows


def _out_len(n: int, k: int, s: int, p: int, d: int) -> int:
    if effective_kernel(k, d) > n + 2 * p:
        raise SpecError(f"the kernel (size {k}, dilation {d}) does not fit the padded input ({n + 2 * p})")
    return conv_out_len(n, effective_kernel(k, d), s, p, p)


def _check_size(x: Tensor, padding: int, products: int) -> None:
    """Refuse a padded input or a window count too large to work by hand, before allocating it."""
    padded = len(x) * (len(x[0]) + 2 * padding) * (len(x[0][0]) + 2 * padding)
    TEACH_CELLS.check(padded, None, f"the input padded by {padding}", "has")
    TEACH_CELLS.check(len(x) * products, None, "the output's windows", "cover")


def text(value: Number) -> str:
    if isinstance(value, Fraction):
        return f"{float(value):.4f}".rstrip("0").rstrip(".")
    return str(value)


def convolve(x: Tensor, kernel: Tensor, stride: int, padding: int, dilation: int, bias: Number, flip: bool
             ) -> tuple[Grid, list[tuple[int, int, list[tuple[Number, Number]]]]]:
    """Cross-correlation summed over channels (true convolution with `flip`); each window's products."""
    if len(kernel) != len(x):
        raise SpecError(f"the kernel has {len(kernel)} channel(s) but the input has {len(x)}",
                        hint="give the kernel one matrix per input channel, separated by '|'")
    if flip:
        kernel = [[list(reversed(row)) for row in reversed(grid)] for grid in kernel]
    kh, kw = len(kernel[0]), len(kernel[0][0])
    rows = _out_len(len(x[0]), kh, stride, padding, dilation)
    cols = _out_len(len(x[0][0]), kw, stride, padding, dilation)
    _check_size(x, padding, rows * cols * kh * kw)
    padded = [_pad(grid, padding, 0) for grid in x]
    out: Grid = []
    steps = []
    for i in range(rows):
        line = []
        for j in range(cols):
            terms = [
                (kernel[c][a][b], padded[c][i * stride + a * dilation][j * stride + b * dilation])
                for c in range(len(x)) for a in range(kh) for b in range(kw)
            ]
            value = sum((w * v for w, v in terms), bias if bias else 0)
            line.append(value)
            steps.append((i, j, terms))
        out.append(line)
    return out, steps


def pool(x: Tensor, size: int, stride: int, padding: int, mode: str) -> tuple[Tensor, list[list[tuple[int, int, list[Number]]]]]:
    """Max or average pooling per channel (max pads with −∞, so padding never wins; avg counts it)."""
    if padding * 2 > size:
        raise SpecError(f"padding {padding} is more than half the window {size} (PyTorch refuses it)")
    out: Tensor = []
    steps = []
    for grid in x:
        rows = _out_len(len(grid), size, stride, padding, 1)
        cols = _out_len(len(grid[0]), size, stride, padding, 1)
        _check_size(x, padding, rows * cols * size * size)
        padded = _pad(grid, padding, None)
        result: Grid = []
        channel_steps = []
        for i in range(rows):
            line = []
            for j in range(cols):
                window = [padded[i * stride + a][j * stride + b] for a in range(size) for b in range(size)]
                if mode == "max":
                    value = max(v for v in window if v is not None)
                    shown = [v for v in window if v is not None]
                else:
                    shown = [0 if v is None else v for v in window]
                    total = Fraction(sum(shown), len(shown))
                    value = total.numerator if total.denominator == 1 else total
                line.append(value)
                channel_steps.append((i, j, shown))
            result.append(line)
        out.append(result)
        steps.append(channel_steps)
    return out, steps


def grid_lines(grid: Grid) -> list[str]:
    cells = [[text(v) for v in row] for row in grid]
    width = max(len(c) for row in cells for c in row)
    return ["  " + " ".join(c.rjust(width) for c in row) for row in cells]

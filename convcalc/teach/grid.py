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
from typing import Any, TypeVar

from convcalc.formats import decimal
from convcalc.layers.conv import Conv
from convcalc.layers.pool import MaxPool
from convcalc.layers.window import AxisWindow, Window, conv_out_len, effective_kernel
from convcalc.limits import DIGITS, FILE_BYTES, MATRIX_CELLS, PADDING
from convcalc.source import Source
from convcalc.spec.yaml_guard import load_plain
from convcalc.teach.text import check_limit, say, teaching_error

Number = int | Fraction
Grid = list[list[Number]]  # rows of numbers
Tensor = list[Grid]  # channels of grids
Fill = TypeVar("Fill", int, None)  # what padding adds: 0 for conv, None (−∞) for max pooling


_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_RATIO = re.compile(r"([+-]?\d+)\s*/\s*([+-]?\d+)")
PRECISION = 60  # digits after the point an exact number may need (1e-60 is still read)


def _too_big(text: str) -> bool:
    """Whether a number as typed needs more whole digits than DIGITS allows, or more than
    PRECISION decimals: Fraction would compute 10**999999999 for '1e999999999' (a hang)."""
    decimal_match = _DECIMAL.fullmatch(text)
    if decimal_match is not None:
        _, whole, part, exponent = decimal_match.groups()
        if len(exponent or "") > 6:
            return True
        shift, part = int(exponent or 0), part or ""
        if whole.strip("0"):
            magnitude = len(whole.lstrip("0")) + shift  # digits before the point
        else:
            magnitude = shift - (len(part) - len(part.lstrip("0"))) if part.strip("0") else 0
        return magnitude > DIGITS.value() or len(part) - shift > PRECISION
    ratio = _RATIO.fullmatch(text)
    return ratio is not None and max(len(g.lstrip("+-0")) for g in ratio.groups()) > DIGITS.value()


def exact_number(text: str) -> Fraction | None:
    """A number as typed ('3', '-1.5', '2/3', '1e3'), exactly; None when it is no number, or one
    too large or too precise to compute with (checked before it is converted, so never a hang)."""
    text = text.strip()
    if _too_big(text):
        return None
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def parse_number(text: str, lang: str = "en") -> Number:
    if _too_big(text.strip()):
        raise teaching_error(lang, "err.number_too_big", text=text.strip()[:40], digits=DIGITS.value(), env=DIGITS.env)
    value = exact_number(text)
    if value is None:
        raise teaching_error(lang, "err.not_number", text=text.strip())
    return value.numerator if value.denominator == 1 else value


def read_tensor(text: str, what: str, lang: str = "en") -> Tensor:
    """A matrix inline ('1 2 3; 4 5 6', channels split by '|') or from a file (.yaml, .csv, text)."""
    path = Path(text)
    if "\n" not in text and len(text) < 256 and path.suffix and path.is_file():
        return _from_file(path, what, lang)
    channels = [[_row(row, lang) for row in part.split(";") if row.strip()] for part in text.split("|")]
    return _checked(channels, what, lang)


def _row(text: str, lang: str) -> list[Number]:
    return [parse_number(v, lang) for v in text.replace(",", " ").split()]


# Bytes that separate a matrix file's values (text, CSV and YAML alike) become ' ', all others 'x'.
_SHAPE = bytes(0x20 if chr(byte) in " \t\n\r\x0b\x0c,;|[]" else 0x78 for byte in range(256))


def _cells_written(data: bytes) -> int:
    """How many values a matrix file holds, counted in C before any is converted (a 20 MB file
    in a moment, where converting it took minutes); YAML's '- ' item marks are no value."""
    return (b" " + data.replace(b"- ", b"  ").translate(_SHAPE)).count(b" x")


def _from_file(path: Path, what: str, lang: str) -> Tensor:
    try:
        check_limit(lang, FILE_BYTES, path.stat().st_size, path=path)
        raw = path.read_bytes()
        check_limit(lang, MATRIX_CELLS, _cells_written(raw), what=say(lang, "work.file"))
        content = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise teaching_error(lang, "err.cannot_read", what=what, path=path, problem=problem) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        data: Any = load_plain(content, Source(str(path), content))  # tags, aliases and bombs refused with a position
        if isinstance(data, list) and data and all(isinstance(r, list) and r and not isinstance(r[0], list) for r in data):
            data = [data]
        try:
            channels = [[[parse_number(str(v), lang) for v in row] for row in grid] for grid in data]
        except TypeError:
            raise teaching_error(lang, "err.rows", path=path, what=what) from None
        return _checked(channels, what, lang)
    blocks = [block for block in content.replace("\r\n", "\n").split("\n\n") if block.strip()]
    if path.suffix.lower() == ".csv":
        channels = [[[parse_number(v, lang) for v in row if v.strip()] for row in csv.reader(io.StringIO(b)) if row]
                    for b in blocks]
    else:
        channels = [[_row(line, lang) for line in block.splitlines() if line.strip()] for block in blocks]
    return _checked(channels, f"{what} ({path})", lang)


def _checked(channels: Tensor, what: str, lang: str = "en") -> Tensor:
    if not channels or not all(channels) or not all(row for grid in channels for row in grid):
        raise teaching_error(lang, "err.empty", what=what)
    width = len(channels[0][0])
    height = len(channels[0])
    for grid in channels:
        if len(grid) != height or any(len(row) != width for row in grid):
            raise teaching_error(lang, "err.rectangular", what=what, width=width, height=height)
    return channels


def _pad(grid: Grid, p: int, fill: Fill) -> list[list[Number | Fill]]:
    width = len(grid[0]) + 2 * p
    rows: list[list[Number | Fill]] = [[fill] * width for _ in range(p)]
    rows += [[fill] * p + list(row) + [fill] * p for row in grid]
    rows += [[fill] * width for _ in range(p)]
    return rows


def _out_len(n: int, k: int, s: int, p: int, d: int, lang: str) -> int:
    if effective_kernel(k, d) > n + 2 * p:
        raise teaching_error(lang, "err.kernel_fit", k=k, d=d, padded=n + 2 * p)
    return conv_out_len(n, effective_kernel(k, d), s, p, p)


def _check_work(lang: str, x: Tensor, padding: int, taps: int, stride: int, dilation: int, kh: int, kw: int) -> None:
    """Refuse, before anything is allocated, padding past PADDING and a padded input or a list of
    window products past MATRIX_CELLS (`conv --padding 10000` on one pixel is 400 million cells)."""
    check_limit(lang, PADDING, padding)
    channels, rows, cols = len(x), len(x[0]), len(x[0][0])
    check_limit(lang, MATRIX_CELLS, channels * (rows + 2 * padding) * (cols + 2 * padding), what=say(lang, "work.padded"))
    out_rows = max(0, (rows + 2 * padding - effective_kernel(kh, dilation)) // stride + 1)
    out_cols = max(0, (cols + 2 * padding - effective_kernel(kw, dilation)) // stride + 1)
    check_limit(lang, MATRIX_CELLS, channels * out_rows * out_cols * taps, what=say(lang, "work.products"))


def coverage(window: Window) -> list[tuple[int, AxisWindow, int]]:
    """(axis, geometry, rows never covered) for every axis of `window` whose last rows no window reaches."""
    return [(i, a, a.unseen(o)) for i, (a, o) in enumerate(zip(window.axes, window.outputs)) if a.unseen(o)]


def text(value: Number) -> str:
    """A cell as the lecture writes it: whole numbers plainly, others to four decimals."""
    return decimal(value, 4)


def conv_window(x: Tensor, kernel: Tensor, stride: int, padding: int, dilation: int) -> Window:
    """The geometry the engine's conv resolves for this input and kernel (for the coverage notes)."""
    size = (len(kernel[0]), len(kernel[0][0]))
    return Conv(out_channels=1, kernel_size=size, stride=stride, padding=padding, dilation=dilation).window(
        (len(x[0]), len(x[0][0])))


def convolve(x: Tensor, kernel: Tensor, stride: int, padding: int, dilation: int, bias: Number, flip: bool,
             lang: str = "en") -> tuple[Grid, list[tuple[int, int, list[tuple[Number, Number]]]]]:
    """Cross-correlation summed over channels (true convolution with `flip`); each window's products."""
    if len(kernel) != len(x):
        raise teaching_error(lang, "err.kernel_channels", k=len(kernel), c=len(x))
    _check_work(lang, x, padding, len(kernel[0]) * len(kernel[0][0]), stride, dilation, len(kernel[0]),
                len(kernel[0][0]))
    if flip:
        kernel = [[list(reversed(row)) for row in reversed(grid)] for grid in kernel]
    kh, kw = len(kernel[0]), len(kernel[0][0])
    padded = [_pad(grid, padding, 0) for grid in x]
    rows = _out_len(len(x[0]), kh, stride, padding, dilation, lang)
    cols = _out_len(len(x[0][0]), kw, stride, padding, dilation, lang)
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


def pool_window(x: Tensor, size: int, stride: int, padding: int) -> Window:
    """The geometry the engine's max pooling resolves for this input (for the coverage notes)."""
    return MaxPool(kernel_size=size, stride=stride, padding=padding).window((len(x[0]), len(x[0][0])))


def pool(x: Tensor, size: int, stride: int, padding: int, mode: str, lang: str = "en"
         ) -> tuple[Tensor, list[list[tuple[int, int, list[Number]]]]]:
    """Max or average pooling per channel (max pads with −∞, so padding never wins; avg counts it)."""
    if padding * 2 > size:
        raise teaching_error(lang, "err.pool_padding", p=padding, f=size)
    _check_work(lang, x, padding, size * size, stride, 1, size, size)
    out: Tensor = []
    steps = []
    for grid in x:
        padded = _pad(grid, padding, None)
        rows = _out_len(len(grid), size, stride, padding, 1, lang)
        cols = _out_len(len(grid[0]), size, stride, padding, 1, lang)
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

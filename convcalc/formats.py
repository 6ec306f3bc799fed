"""The one set of number and shape formatters: shapes as 1x64x55x55, decimals as the lecture
writes them, thousands separators, magnitudes, byte sizes, exact fractions.

The engine keeps raw ints and Fractions; every module that turns them into text (error messages,
renderers, the teaching commands, verify) formats them here, so the same number always reads the
same way. Pure Python: the layer rules use it for their messages.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction
    from typing import TypeGuard

    from convcalc.layers.rf import AxisRF, Exact


def grouped(n: int) -> str:
    """12345678 -> '12,345,678'."""
    return f"{n:,}"


def si(n: int) -> str:
    """Short magnitude for totals: 714197696 -> '714.20 M'."""
    for factor, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= factor:
            return f"{n / factor:.2f} {suffix}"
    return str(n)


def size_bytes(n: int) -> str:
    """Binary units: 244403360 -> '233.08 MiB'."""
    if n < 1024:
        return f"{n} B"
    value, unit = n / 1024, "KiB"
    for larger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{value:.2f} {unit}"


def shape_text(dims: tuple[int, ...]) -> str:
    """(1, 64, 55, 55) -> '1x64x55x55'; the empty shape of a scalar -> '()'."""
    return "x".join(str(d) for d in dims) if dims else "()"


def is_fraction(value: object) -> TypeGuard[Fraction]:
    """Whether `value` is a Fraction, asked without importing fractions (with decimal and numbers,
    ~1.3 ms of a run that makes none, as most do): no Fraction exists before its module does."""
    fractions = sys.modules.get("fractions")
    return fractions is not None and isinstance(value, fractions.Fraction)


def decimal(value: float | Fraction, places: int = 2) -> str:
    """A number as the lecture writes it: whole numbers plainly, others to `places` decimals
    with trailing zeros dropped (112.5, 2.33, never 0.30000000000000004)."""
    if isinstance(value, int):
        return str(value)
    if is_fraction(value):  # exact: a float would lose digits past 2^53 (33333333333333332)
        return ratio(value.numerator, value.denominator, places)
    return f"{float(value):.{places}f}".rstrip("0").rstrip(".")


def ratio(numerator: int, denominator: int, places: int = 2) -> str:
    """numerator/denominator (denominator > 0) as `decimal` writes that Fraction, in whole numbers."""
    if numerator % denominator == 0:
        return str(numerator // denominator)
    scaled = (2 * numerator * 10**places + denominator) // (2 * denominator)  # floor(value·10^places + 1/2)
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    whole, tail = digits[:-places] if places else digits, digits[-places:] if places else ""
    return (sign + whole + ("." + tail if tail else "")).rstrip("0").rstrip(".") if tail else sign + whole


def json_number(value: Exact) -> int | float:
    """JSON has no fractions: exact ints when whole, floats otherwise."""
    if type(value) is int:
        return value  # nearly every value, told apart before the slow isinstance on Fraction (an ABC)
    if is_fraction(value) and value.denominator != 1:
        return float(value)
    return int(value)


def rf_text(rf: tuple[AxisRF, ...] | None, attribute: str, *, places: int = 4, empty: str = "—") -> str:
    """'11x11', or '11' when every axis agrees; fractions as decimals (0.5, 0.3333), never p/q,
    which a spreadsheet reads as a date; `empty` when there is no spatial layout."""
    if not rf:
        return empty
    values = [decimal(getattr(axis, attribute), places) for axis in rf]
    return values[0] if len(set(values)) == 1 else "x".join(values)

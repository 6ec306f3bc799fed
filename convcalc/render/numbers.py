"""Number and shape formatting shared by the renderers (the engine keeps raw ints/Fractions)."""

from __future__ import annotations

from fractions import Fraction

from convcalc.layers.rf import AxisRF, Exact

CONVENTIONS = (
    "MACs: multiply-accumulates of conv/linear weights (bias adds not counted) and of norm "
    "scaling; FLOPs = 2·MACs. RF: receptive field in input pixels; jump: effective stride. "
    "BatchNorm running statistics are buffers, not parameters."
)


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


def shape(dims: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in dims)


def exact_text(value: Exact) -> str:
    """Whole numbers plainly, fractions as p/q (never 0.30000000000000004)."""
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    return str(int(value))


def json_number(value: Exact) -> int | float:
    """JSON has no fractions: exact ints when whole, floats otherwise."""
    if isinstance(value, Fraction) and value.denominator != 1:
        return float(value)
    return int(value)


def per_axis(rf: tuple[AxisRF, ...] | None, attribute: str) -> str:
    """'11x11', or '11' when every axis agrees; '—' when there is no spatial layout."""
    if rf is None:
        return "—"
    values = [exact_text(getattr(axis, attribute)) for axis in rf]
    if not values:
        return "—"
    return values[0] if len(set(values)) == 1 else "x".join(values)

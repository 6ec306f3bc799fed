"""Human numbers in budgets: `25M`, `4.1G`, `2GiB`, `1.5e9`, `25_557_032`.

Counts (parameters, MACs, FLOPs, layers) take the SI suffixes K, M, G, T (powers of 1000).
Byte sizes take the same SI suffixes (`2G`, `2GB`: 2·10⁹ bytes) and the binary ones KiB, MiB,
GiB, TiB (powers of 1024). The arithmetic is exact (`4.1G` is 4,100,000,000, never a float's
4099999999.9999995), and the result must be a whole number.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

COUNT_SUFFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BYTE_SUFFIXES = {
    "": 1, "B": 1,
    "k": 10**3, "K": 10**3, "kB": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6,
    "G": 10**9, "GB": 10**9, "T": 10**12, "TB": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}
_AMOUNT = re.compile(r"(?P<number>[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)\s*(?P<suffix>[A-Za-z]*)")

COUNT_EXPECTATION = "a count such as 25M, 4.1G, 1.5e9 or 25_557_032"
BYTES_EXPECTATION = "a size in bytes such as 2GiB, 512MiB, 4.1G or 1.5e9"


class BadAmount(ValueError):
    """The value is not a number of the expected form (the caller names the key and the place)."""


def parse_amount(value: Any, *, unit: str) -> int:
    """A non-negative whole number from an int, a whole float or a string with a suffix.

    `unit` is "count" or "bytes" and picks the suffixes. `True` is not a number (YAML reads
    `yes` as a boolean).
    """
    suffixes = BYTE_SUFFIXES if unit == "bytes" else COUNT_SUFFIXES
    if isinstance(value, bool):
        raise BadAmount
    if isinstance(value, int):
        number = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadAmount
        number = Fraction(value)
    elif isinstance(value, str):
        match = _AMOUNT.fullmatch(value.strip())
        if match is None or match["suffix"] not in suffixes:
            raise BadAmount
        number = Fraction(match["number"].replace("_", "")) * suffixes[match["suffix"]]
    else:
        raise BadAmount
    if number < 0 or number.denominator != 1:
        raise BadAmount
    return int(number)

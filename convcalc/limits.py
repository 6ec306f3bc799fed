"""Limits on what one input may ask of convcalc, each named, documented and raisable.

Specs, answer files and flags come from other people; without limits a 40-byte file can ask for
10^9 layers or a 10^100-wide tensor. Each limit has a default far above any real network, an
environment variable that raises it, and an error that says both (`LimitExceeded`). The README's
"Limits" table is generated from `LIMITS` (a test checks it).
"""

from __future__ import annotations

import os
import re

from convcalc.errors import SpecError
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.source import Span


@lazy_dataclass(frozen=True, slots=True)
class Limit:
    """One named limit: its default, the environment variable that raises it, what it counts."""

    name: str
    default: int
    env: str
    what: str  # "expanded layers", read as "at most 1,000,000 expanded layers"

    def value(self) -> int:
        """The limit in force: the environment variable when it holds a positive integer, else the default."""
        text = os.environ.get(self.env, "").strip().replace("_", "")
        return int(text) if text.isdigit() and 0 < len(text) <= 18 and int(text) > 0 else self.default

    def check(self, amount: int, span: Span | None, doing: str, verb: str = "needs") -> None:
        """Refuse `amount` past the limit, before the work is done."""
        limit = self.value()
        if amount > limit:
            if amount >= 10**18:  # past any limit a machine could honour: say so instead of a 100-digit number
                magnitude = int(amount.bit_length() * 0.30103)  # float() or str() of a 5,000-digit int fails
                raise SpecError(
                    f"{doing} {verb} about 10^{magnitude} {self.what}, far more than the limit of {limit:,}",
                    span,
                    "no machine could run this: check the number",
                )
            raise SpecError(
                f"{doing} {verb} {amount:,} {self.what}, more than the limit of {limit:,}",
                span,
                f"if this is intended, raise the limit: {self.env}={amount}",
            )


LAYERS = Limit("layers", 1_000_000, "CONVCALC_MAX_LAYERS", "expanded layers")
DEPTH = Limit("depth", 100, "CONVCALC_MAX_DEPTH", "levels of nesting (constructs, blocks, repeats)")
FILE_BYTES = Limit("file size", 20_000_000, "CONVCALC_MAX_FILE_BYTES", "bytes")
DIGITS = Limit("digits", 18, "CONVCALC_MAX_DIGITS", "digits")
# One tensor's elements, batch included: keeps every count and byte total exact and far below
# 2^63 (and JSON consumers' 2^53 for the totals of any real network).
ELEMENTS = Limit("tensor size", 10**12, "CONVCALC_MAX_ELEMENTS", "elements in one tensor (batch included)")
YAML_NODES = Limit("YAML nodes", 10_000_000, "CONVCALC_MAX_YAML_NODES", "YAML nodes (aliases counted at each use)")
# The teaching commands compute by hand, cell by cell: conv/pool hold the padded input and every
# window's products, explain rf one line per layer, grade recomputes a key's questions.
MATRIX_CELLS = Limit("matrix cells", 1_000_000, "CONVCALC_MAX_MATRIX_CELLS",
                     "matrix cells (conv/pool by hand: padded input, or windows × taps)")
PADDING = Limit("padding", 1_000, "CONVCALC_MAX_PADDING", "pixels of padding on a side (conv/pool by hand)")
RF_LAYERS = Limit("rf layers", 10_000, "CONVCALC_MAX_RF_LAYERS", "layers (explain rf, receptive-field questions)")
RF_PERIOD = Limit("rf period", 4_096, "CONVCALC_MAX_RF_PERIOD",
                  "outputs before the receptive fields repeat (after upsampling or uneven adaptive pooling)")

LIMITS = (LAYERS, DEPTH, FILE_BYTES, YAML_NODES, DIGITS, ELEMENTS, MATRIX_CELLS, PADDING, RF_LAYERS, RF_PERIOD)


_DIGIT_RUN = re.compile(r"\d+")


def check_digits(text: str, span: Span | None) -> None:
    """Refuse a number typed with more digits than DIGITS allows (flags, layer strings, shapes):
    Python refuses to convert past 4,300 digits, and exponents are the next hang (1e999999999)."""
    longest = max((m.group().lstrip("0") for m in _DIGIT_RUN.finditer(text)), key=len, default="")
    if len(longest) > DIGITS.value():
        DIGITS.check(len(longest), span, f"the number {longest[:20]}…", "has")

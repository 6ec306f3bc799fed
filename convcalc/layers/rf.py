"""Receptive fields, one axis at a time, by the recurrences of Araujo et al., "Computing
Receptive Fields of Convolutional Neural Networks" (Distill, 2019).

Coordinates are zero-indexed input pixels: pixel 0 is the first real input pixel, so a
negative `start` lies in the padding. Values stay exact (int or Fraction), never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from convcalc.quick_init import quick_init

Exact = int | Fraction


def exact(value: Exact) -> Exact:
    """A Fraction with denominator 1 becomes an int, so whole numbers print as whole numbers."""
    if type(value) is not int and isinstance(value, Fraction) and value.denominator == 1:
        return int(value)  # (an int is tested first: isinstance on Fraction, an ABC, is slow)
    return value


@quick_init
@dataclass(frozen=True, slots=True)
class AxisRF:
    """Receptive field of the first output element along one spatial axis.

    size:  input pixels seen (r in the article), jump: input pixels between neighbouring
    outputs (the effective stride, j), start: input coordinate of the first pixel seen (u).

    `size` is the largest field any output position has. `regular`: every output's field is the
    first one's moved by p·jump, as after convolutions and pooling; after a layer that upsamples
    (transposed conv, upsample, pixel shuffle) or adaptive pooling with uneven windows the fields
    vary with the position, `start + p·jump` is an average, and `regular` stays False.
    """

    size: Exact = 1
    jump: Exact = 1
    start: Exact = 0
    regular: bool = True

    @property
    def center(self) -> Exact:
        span, start = self.size - 1, self.start
        if type(span) is int and type(start) is int and not span % 2:
            return start + span // 2  # the common case, without building a Fraction
        return exact(start + Fraction(span, 2))

    def then(self, kernel: int, stride: Exact, pad_before: Exact) -> AxisRF:
        """One more sliding window on top: r += (k_eff − 1)·j, u −= p·j, j *= s.

        `kernel` is the effective (dilated) kernel d·(k − 1) + 1.
        """
        size, jump, start = self.size, self.jump, self.start
        if type(jump) is int and type(stride) is int and type(size) is type(start) is type(pad_before) is int:
            # whole numbers throughout (every field before an upsampling layer): no Fraction to normalise
            return AxisRF(size + (kernel - 1) * jump, jump * stride, start - pad_before * jump, self.regular)
        return AxisRF(
            size=exact(self.size + (kernel - 1) * self.jump),
            jump=exact(self.jump * stride),
            start=exact(self.start - pad_before * self.jump),
            regular=self.regular,
        )

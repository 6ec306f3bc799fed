"""Receptive fields, one axis at a time: the recurrences of Araujo et al., "Computing Receptive
Fields of Convolutional Neural Networks" (Distill, 2019), made exact for layers that upsample.

Coordinates are zero-indexed input pixels: pixel 0 is the first real input pixel, so a
negative `start` lies in the padding. Values stay exact (int or Fraction), never floats.

Why periods: after a convolution or a pooling every output's field is the first one's moved by
p·jump, three numbers describe them all, and the recurrence composes them. After a layer that
upsamples (transposed conv, upsample, pixel shuffle) or pools into uneven windows, neighbouring
outputs read different numbers of inputs (a 2x2, stride-2 up-convolution: outputs 0 and 1 read
the same input), and an average jump over-counts what a later window sees or under-counts its
largest field. Such fields repeat after a period of P outputs, moved by P·jump input pixels, so
they are kept exactly as the P spans of one period (`phases`); composing two layers composes
their spans (`through`). Convolutions and poolings on top keep the pattern periodic, and one
that strides across a whole period makes it regular again.
"""

from __future__ import annotations

from math import gcd
from typing import TYPE_CHECKING

from convcalc.formats import is_fraction
from convcalc.layers.tensor import LayerError
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.limits import RF_PERIOD

if TYPE_CHECKING:
    from fractions import Fraction

    Exact = int | Fraction  # Fraction is imported where one is made: most runs make none

Span = tuple[int, int] | None  # the first and last input pixel one output reads; None: it reads none


def exact(value: Exact) -> Exact:
    """A Fraction with denominator 1 becomes an int, so whole numbers print as whole numbers."""
    if type(value) is not int and is_fraction(value) and value.denominator == 1:
        return int(value)  # (an int is tested first: isinstance on Fraction, an ABC, is slow)
    return value


@lazy_dataclass(frozen=True, slots=True)
class AxisRF:
    """Receptive field along one spatial axis.

    size:  input pixels seen (r in the article): the largest field any output position has.
    jump:  input pixels between neighbouring outputs (the effective stride j), on average after upsampling.
    start: input coordinate of the first output's first pixel (u).
    phases: empty when `regular`, every output's field the first one's moved by p·jump; else the
        spans of outputs 0..P−1, and output p's span is that of p mod P moved by (p − p mod P)·jump.
    """

    size: Exact = 1
    jump: Exact = 1
    start: Exact = 0
    phases: tuple[Span, ...] = ()

    @property
    def regular(self) -> bool:
        return not self.phases

    @property
    def center(self) -> Exact:
        """The centre of the first output's field (of the first that reads any input)."""
        if self.phases:
            if not self.size:
                return self.start
            from fractions import Fraction

            first, low, high = _first_read(self.phases)
            return exact(Fraction(low + high, 2) - first * Fraction(self.jump))
        span, start = self.size - 1, self.start
        if type(span) is int and type(start) is int and not span % 2:
            return start + span // 2  # the common case, without building a Fraction
        from fractions import Fraction

        return exact(start + Fraction(span, 2))

    def span(self, position: int) -> Span:
        """The input pixels output `position` reads, padding included (Distill's convention)."""
        if not self.phases:
            low = self.start + position * self.jump
            return int(low), int(low + self.size - 1)
        period = len(self.phases)
        phase = position % period
        found = self.phases[phase]
        if found is None:
            return None
        shift = int((position - phase) * self.jump)
        return found[0] + shift, found[1] + shift

    def then(self, kernel: int, stride: int, pad_before: int, dilation: int = 1) -> AxisRF:
        """One more sliding window on top: r += (k_eff − 1)·j, u −= p·j, j *= s.

        `kernel` is the effective (dilated) kernel d·(k − 1) + 1; its taps are `dilation` apart.
        """
        if self.phases:
            return self.through(AxisRF(kernel, stride, -pad_before), step=dilation)
        size, jump, start = self.size, self.jump, self.start
        if type(jump) is int and type(size) is type(start) is int:
            # whole numbers throughout (every regular field is): no Fraction to normalise
            return AxisRF(size + (kernel - 1) * jump, jump * stride, start - pad_before * jump)
        return AxisRF(
            size=exact(self.size + (kernel - 1) * self.jump),
            jump=exact(self.jump * stride),
            start=exact(self.start - pad_before * self.jump),
        )

    def through(self, layer: AxisRF, step: int = 1) -> AxisRF:
        """The field of a layer's outputs, where `layer` maps each of its outputs to the inputs it
        reads (its own field; they are `step` apart, a dilation) and `self` is the field of those
        inputs."""
        if not self.phases and not layer.phases:
            return AxisRF(
                size=exact(self.size + (layer.size - 1) * self.jump),
                jump=exact(self.jump * layer.jump),
                start=exact(self.start + layer.start * self.jump),
            )
        inner = len(self.phases) or 1
        outer = len(layer.phases) or 1
        moved = int(outer * layer.jump)  # layer inputs a period of its outputs moves by: whole
        period = outer * (inner // gcd(inner, moved))
        check_period(period)
        phases = []
        for position in range(period):
            reads = layer.span(position)
            phases.append(None if reads is None else self._extent(*reads, step, inner))
        from fractions import Fraction

        return periodic(exact(Fraction(self.jump) * Fraction(layer.jump)), phases)

    def union(self, other: AxisRF) -> AxisRF | None:
        """Both fields at once (a join's paths), or None when their jumps differ: then outputs
        of the two paths do not line up, and no single field describes them."""
        if self is other or self == other:
            return self
        if self.jump != other.jump:
            return None
        if not self.phases and not other.phases:
            low = min(self.start, other.start)
            high = max(self.start + self.size, other.start + other.size)
            return AxisRF(exact(high - low), self.jump, low)
        mine, theirs = len(self.phases) or 1, len(other.phases) or 1
        period = mine * theirs // gcd(mine, theirs)
        check_period(period)
        phases: list[Span] = []
        for position in range(period):
            spans = [s for s in (self.span(position), other.span(position)) if s is not None]
            phases.append((min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None)
        return periodic(self.jump, phases)

    def _extent(self, first: int, last: int, step: int, period: int) -> Span:
        """The input pixels outputs first, first + step, ..., last read together. Spans need not
        grow with the position (a transposed conv dilated past its stride reads backwards), but a
        period later each has moved forward by period·jump: the lowest pixel is among the first
        `period` outputs' spans, the highest among the last `period`'s."""
        taps = range(first, last + 1, step)
        lows = [s[0] for p in taps[:period] if (s := self.span(p))]
        highs = [s[1] for p in taps[-period:] if (s := self.span(p))]
        return (min(lows), max(highs)) if lows and highs else None


def periodic(jump: Exact, phases: list[Span]) -> AxisRF:
    """The field whose outputs 0..P−1 read `phases`, in its shortest period; a period of one is
    the regular field of the recurrence."""
    period = len(phases)
    for shorter in range(1, period):
        if period % shorter or (shorter * jump) % 1:
            continue
        shift = int(shorter * jump)
        if all(_moved(phases[p], shift) == phases[p + shorter] for p in range(period - shorter)):
            phases = phases[:shorter]
            break
    spans = [s for s in phases if s is not None]
    if len(phases) == 1 and spans:
        low, high = spans[0]
        return AxisRF(size=high - low + 1, jump=exact(jump), start=low)
    if not spans:  # no output reads any input (only biases): an empty field
        return AxisRF(size=0, jump=exact(jump), start=0, phases=tuple(phases))
    first, low, _ = _first_read(phases)
    size = max(high - low + 1 for low, high in spans)
    from fractions import Fraction

    return AxisRF(size=size, jump=exact(jump), start=exact(low - first * Fraction(jump)), phases=tuple(phases))


def _moved(span: Span, shift: int) -> Span:
    return None if span is None else (span[0] + shift, span[1] + shift)


def _first_read(phases: tuple[Span, ...] | list[Span]) -> tuple[int, int, int]:
    """The first output of a period that reads any input, and its span."""
    return next((p, s[0], s[1]) for p, s in enumerate(phases) if s is not None)


def check_period(period: int) -> None:
    """Refuse a pattern too long to keep (upsampling by factors whose denominators multiply)."""
    limit = RF_PERIOD.value()
    if period > limit:
        raise LayerError(
            f"the receptive fields after this layer repeat only every {period:,} outputs, more than the "
            f"limit of {limit:,}",
            hint=f"if this is intended, raise the limit: {RF_PERIOD.env}={period}",
        )

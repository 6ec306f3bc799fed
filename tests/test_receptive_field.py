"""Receptive fields against a brute-force oracle.

In 1-D, output o of a window layer reads inputs o·s − p + j·d for j < k. Composing that backwards
through a random stack gives the set of input coordinates (padding included) that output 0 and
output 1 see; its extent, first pixel, centre and the shift between the two outputs must equal
the recurrence's size, start, centre and jump.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from convcalc.layers.rf import AxisRF
from convcalc.layers.window import effective_kernel

layer = st.tuples(
    st.integers(1, 5),  # kernel
    st.integers(1, 3),  # stride
    st.integers(0, 2),  # padding
    st.integers(1, 3),  # dilation
)


def seen(stack, output):
    positions = {output}
    for k, s, p, d in reversed(stack):
        positions = {o * s - p + j * d for o in positions for j in range(k)}
    return positions


@given(st.lists(layer, min_size=1, max_size=6))
def test_recurrence_matches_brute_force(stack):
    rf = AxisRF()
    for k, s, p, d in stack:
        rf = rf.then(effective_kernel(k, d), s, p)
    first, second = seen(stack, 0), seen(stack, 1)
    assert rf.start == min(first)
    assert rf.size == max(first) - min(first) + 1
    assert rf.center == Fraction(min(first) + max(first), 2)
    assert rf.jump == min(second) - min(first)


def seen_transposed(stack, transposed, output):
    """Input coordinates (padding included) that `output` of a transposed conv on top of `stack`
    reads: output o takes input i = (o + p − t·d)/s for every tap t where that is whole."""
    k, s, p, d = transposed
    reads = {(output + p - t * d) // s for t in range(k) if (output + p - t * d) % s == 0}
    return {x for i in reads for x in seen(stack, i)}


@given(st.lists(layer, max_size=4), layer)
def test_transposed_rule_matches_brute_force(stack, transposed):
    """The size is the largest field any output has; the start is the first reading output's,
    moved back by its distance; the jump is the average j/s."""
    from convcalc.layers.conv import transposed_rf
    from convcalc.layers.window import AxisWindow

    rf = AxisRF()
    for k, s, p, d in stack:
        rf = rf.then(effective_kernel(k, d), s, p)
    k, s, p, d = transposed
    after = transposed_rf(rf, AxisWindow(100, k, s, d, p, p))
    period = s * 4
    fields = [seen_transposed(stack, transposed, o) for o in range(period, 2 * period)]  # away from the edges
    assert after.size == max(max(f) - min(f) + 1 for f in fields if f)
    first = next(o for o in range(s) if seen_transposed(stack, transposed, o))
    assert after.start == min(seen_transposed(stack, transposed, first)) - Fraction(first * rf.jump, s)
    assert after.jump == Fraction(rf.jump, s)

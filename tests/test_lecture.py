"""The lecture's worked examples, reproduced from the example files and from layer strings."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES

from convcalc.engine import analyze
from convcalc.spec import load_spec, parse_layer_strings


@pytest.mark.parametrize(("stride", "side"), [(1, 5), (2, 3), (3, 2)])
def test_7x7_input_3x3_filter(stride, side):
    rep = analyze(load_spec(EXAMPLES / "lecture" / f"7x7_stride{stride}.yaml"))
    assert rep.output_shape == (1, 1, side, side)
    # (7 − 3)/S + 1 is whole for S = 1, 2 and is 2.33 for S = 3
    assert bool(rep.diagnostics) == (stride == 3)


def test_stride_3_says_it_does_not_fit_and_what_is_lost():
    rep = analyze(load_spec(EXAMPLES / "lecture" / "7x7_stride3.yaml"))
    (warning,) = rep.diagnostics
    assert warning.code == "non-whole"
    assert warning.message == (
        "conv1 (conv2d): (7 − 3)/3 + 1 = 2.33 is not whole along the height and width: PyTorch floors it "
        "to 2; the last input row and the last input column are never covered"
    )


def test_ten_5x5_filters_on_cifar():
    rep = analyze(load_spec(EXAMPLES / "lecture" / "cifar_ten_filters.yaml"))
    assert rep.output_shape == (1, 10, 32, 32)
    assert rep.totals.params == (5 * 5 * 3 + 1) * 10 == 760


@pytest.mark.parametrize("depth", range(1, 8))
def test_stack_of_3x3_stride_1_convs_sees_1_plus_2L(depth):
    rep = analyze(parse_layer_strings("3x64x64", ["conv:8,3,p=1"] * depth))
    rf = rep.layers[-1].receptive_field
    assert [a.size for a in rf] == [1 + depth * 2] * 2
    assert [a.jump for a in rf] == [1, 1]


def test_rf_stack_example_file():
    rep = analyze(load_spec(EXAMPLES / "lecture" / "rf_stack.yaml"))
    assert [layer.receptive_field[0].size for layer in rep.layers] == [3, 5, 7]

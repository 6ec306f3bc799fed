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


COVERAGE = [
    # F_eff < S: the rows between windows are skipped by design, so the finding is an info
    (
        "64x56x56", "conv:128,1,s=2", "info",
        ("(56 − 1)/2 + 1 = 28.5 is not whole along the height and width: PyTorch floors it to 28; alternate rows "
        "and columns are skipped: the kernel 1 is smaller than the stride 2, so the input between windows is "
        "never read (by design)"),
    ),
    (
        "1x11", "conv:1,1,s=3", "info",
        ("(11 − 1)/3 + 1 = 4.33 is not whole along the length: PyTorch floors it to 4; 2 of every 3 positions are "
        "skipped: the kernel 1 is smaller than the stride 3, so the input between windows is never read (by design)"),
    ),
    # F_eff = S: the windows tile the input; what is lost is the tail, a warning
    (
        "1x7x7", "conv:1,2,s=2", "warning",
        ("(7 − 2)/2 + 1 = 3.5 is not whole along the height and width: PyTorch floors it to 3; the last input row "
        "and the last input column are never covered"),
    ),
    # F_eff > S with a real tail loss: a warning
    (
        "1x8x8", "conv:1,3,s=2", "warning",
        ("(8 − 3)/2 + 1 = 3.5 is not whole along the height and width: PyTorch floors it to 3; the last input row "
        "and the last input column are never covered"),
    ),
    # F_eff > S where only padding is skipped (ResNet's stride-2 3x3): an info
    (
        "1x8x8", "conv:1,3,s=2,p=1", "info",
        ("(8 + 2·1 − 3)/2 + 1 = 4.5 is not whole along the height and width: PyTorch floors it to 4; only padding "
        "is skipped, every input row and column is still covered"),
    ),
]


@pytest.mark.parametrize(("shape", "layer", "severity", "message"), COVERAGE)
def test_coverage_says_what_is_really_lost(shape, layer, severity, message):
    (note,) = analyze(parse_layer_strings(shape, [layer])).diagnostics
    kind = f"conv{shape.count('x')}d"
    assert (note.code, note.severity, note.message) == ("non-whole", severity, f"conv1 ({kind}): {message}")


def test_summary_of_a_strided_1x1_says_alternate_rows_and_columns_are_skipped(run):
    code, _, err = run("summary", "-i", "64x56x56", "conv:128,1,s=2")
    assert code == 0 and "info:" in err and "alternate rows and columns are skipped" in err

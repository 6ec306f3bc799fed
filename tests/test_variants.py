"""The lecture's tour of convolution variants: every formula against hand-worked values and the
relationships of Dumoulin & Visin, "A guide to convolution arithmetic for deep learning"
(conv_arithmetic), and each impossible configuration's message. PyTorch's own numbers for the
same layers are in test_against_torch.py."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from conftest import EXAMPLES

from convcalc.engine import analyze
from convcalc.errors import SpecError
from convcalc.spec import load_spec, parse_layer_strings


def rows(shape: str, *layers: str):
    return analyze(parse_layer_strings(shape, list(layers))).layers


def out(shape: str, layer: str) -> tuple[int, ...]:
    return rows(shape, layer)[-1].output_shape[2:]


# (conv input i, kernel k, stride s, padding p) -> conv output o, and the transposed conv with the
# same k, s, p maps o back to i (relationships 6-13 of conv_arithmetic; output_padding a picks
# among the i that share one o, relationship 14: a = (i + 2p − k) mod s).
ARITHMETIC = [
    (4, 3, 1, 0, 2),  # no padding, unit stride
    (5, 4, 1, 2, 6),  # arbitrary padding
    (5, 3, 1, 1, 5),  # half ("same") padding
    (5, 3, 1, 2, 7),  # full padding
    (5, 3, 2, 0, 2),  # strided, no padding
    (5, 3, 2, 1, 3),  # strided and padded: the guide's figure 2.7
    (6, 3, 2, 1, 3),  # ... where i = 6 also gives 3, so the transpose needs a = 1
]


@pytest.mark.parametrize(("i", "k", "s", "p", "o"), ARITHMETIC)
def test_conv_arithmetic_relationships(i, k, s, p, o):
    assert out(f"1x{i}x{i}", f"conv:1,{k},{s},{p}") == (o, o)
    a = (i + 2 * p - k) % s
    assert out(f"1x{o}x{o}", f"convtranspose:1,{k},{s},{p},output_padding={a}") == (i, i)


def test_the_issues_worked_numbers():
    assert out("1x5x5", "conv:1,3,s=2,p=1") == (3, 3)
    assert out("1x3x3", "convtranspose:1,3,s=2,p=1") == (5, 5)
    assert out("1x3x3", "convtranspose:1,3,s=2,p=1,output_padding=1") == (6, 6)
    assert out("1x7x7", "conv:1,3,d=2") == (3, 3)  # dilated: effective kernel 2·(3 − 1) + 1 = 5


def test_transposed_params_and_macs_from_the_input_side():
    (layer,) = rows("4x3x3", "convtranspose:6,3,s=2,p=1,g=2")
    assert layer.output_shape == (1, 6, 5, 5)
    assert layer.params == 3 * 3 * (4 // 2) * 6 + 6  # weight (C, K/g, 3, 3) + bias
    # every one of the 4·3·3 input elements is multiplied by (6/2)·3·3 weights; counting from the
    # 5x5 output instead (6·25·(4/2)·9 = 2,700) overstates it
    assert layer.macs == 4 * 9 * 3 * 9 == 972


def test_transposed_receptive_field_is_exact():
    layers = rows("1x8x8", "conv:1,3,s=2,p=1", "convtranspose:1,3,s=2,p=1", "convtranspose:1,4,s=2,p=1")
    first, second, third = (layer.receptive_field[0] for layer in layers)
    assert (first.size, first.jump, first.start) == (3, 2, -1)
    # output o reads inputs (o + 1 − t)/2: even outputs one (t = 1), odd ones two (t = 0, 2), one
    # jump apart: the largest field is 3 + 2; output 0 reads input 0 alone, whose field starts at −1
    assert (second.size, second.jump, second.start, second.regular) == (5, 1, -1, False)
    # k = 4: every output reads two neighbouring inputs (t = 1, 3 or t = 0, 2), one even and one odd,
    # whose fields together span 5 (PyTorch's gradient: 5 at every inner position, not the 6 an
    # average jump gives); output 0 reads inputs −1 (rows −3..1) and 0
    assert (third.size, third.jump, third.start) == (5, Fraction(1, 2), -3)
    assert isinstance(third.jump, Fraction)


def test_transposed_field_is_the_largest_any_output_has():
    """Issue 17: after conv k3 s2, a k2 s2 transposed conv's outputs each read one input, so every
    output sees exactly 3 input rows (0-2, 0-2, 2-4, 2-4, ...): size 3, start 0 — not 4 and −1."""
    _, up = rows("1x16x16", "conv:1,3,2", "convtranspose:1,2,2")
    assert [(a.size, a.jump, a.start) for a in up.receptive_field] == [(3, 1, 0)] * 2


def test_grouped_and_depthwise():
    (grouped,) = rows("32x8x8", "conv:64,3,p=1,g=4")
    assert grouped.params == 3 * 3 * (32 // 4) * 64 + 64
    (depthwise,) = rows("32x8x8", "conv:32,3,p=1,g=32")
    assert depthwise.params == 3 * 3 * 1 * 32 + 32


def test_separable_rows_and_saving():
    depthwise, pointwise = rows("32x16x16", "separable:64,3,p=1")
    assert (depthwise.name, depthwise.params) == ("separable1.depthwise", 3 * 3 * 32 + 32)
    assert (pointwise.name, pointwise.params) == ("separable1.pointwise", 32 * 64 + 64)
    (note,) = pointwise.diagnostics
    assert note.severity == "info"
    assert note.message == (
        "separable1 (separable): 2,432 parameters where a plain 3x3 conv from 32 to 64 channels has 18,496 (7.6x fewer)"
    )


def test_spatial_separable_rows():
    vertical, horizontal = rows("16x9x9", "spatialseparable:32,7,s=2,p=3")
    assert (vertical.output_shape, vertical.params) == ((1, 32, 5, 9), 7 * 16 * 32 + 32)
    assert (horizontal.output_shape, horizontal.params) == ((1, 32, 5, 5), 7 * 32 * 32 + 32)
    assert horizontal.receptive_field[0].size == horizontal.receptive_field[1].size == 7


def test_deformable_conv_rows_and_nominal_field(run):
    offset, mask, conv = rows("64x16x16", "deformconv:128,3,p=1,modulated=true,offset_groups=2")
    assert (offset.output_shape[1], offset.params) == (2 * 9 * 2, 64 * 9 * 36 + 36)
    assert (mask.output_shape[1], mask.params) == (9 * 2, 64 * 9 * 18 + 18)
    assert (conv.output_shape, conv.params) == ((1, 128, 16, 16), 64 * 9 * 128 + 128)
    assert (offset.rf_nominal, conv.rf_nominal) == (False, True)
    code, text, _ = run("summary", "-i", "8x8x8", "deformconv:8,3,p=1", "relu", "--format", "json")
    payload = json.loads(text)
    assert code == 0
    assert [layer["receptive_field"]["nominal"] for layer in payload["layers"]] == [False, True, True]


def test_upsample_and_pixel_shuffle():
    nearest, bilinear, sized = rows("4x6x6", "upsample:scale_factor=2", "upsample:scale_factor=1.5,mode=bilinear", "upsample:size=[20,7]")
    assert nearest.output_shape == (1, 4, 12, 12)
    assert nearest.receptive_field[0].jump == Fraction(1, 2)  # nearest reads one input: size stays 1
    assert nearest.receptive_field[0].size == 1
    assert bilinear.output_shape == (1, 4, 18, 18)
    assert bilinear.receptive_field[0].jump == Fraction(1, 3)
    # bilinear reads two neighbouring outputs of the nearest upsample, which come from one input or
    # from two: the largest field is 2 (a whole number; the average recurrence said 3/2)
    assert bilinear.receptive_field[0].size == 2
    assert sized.output_shape == (1, 4, 20, 7)
    shuffle, unshuffle = rows("16x5x5", "pixelshuffle:2", "pixelunshuffle:2")
    assert shuffle.output_shape == (1, 4, 10, 10)
    assert unshuffle.output_shape == (1, 16, 5, 5)


def test_three_d_convolution_on_video():
    rep = analyze(load_spec(EXAMPLES / "c3d.yaml"))
    by_name = {layer.name: layer for layer in rep.layers}
    assert by_name["pool1"].output_shape == (1, 64, 16, 56, 56)  # time kept
    assert by_name["pool5"].output_shape == (1, 512, 1, 4, 4)
    assert by_name["conv1a.conv"].params == 3 * 3 * 3 * 3 * 64 + 64
    assert by_name["fc6"].params == 8192 * 4096 + 4096
    assert rep.output_shape == (1, 487)


def test_one_by_one_convolution_mixes_channels_only():
    mix, _, spatial, expand = analyze(load_spec(EXAMPLES / "lecture" / "conv1x1.yaml")).layers
    assert (mix.output_shape, mix.params) == ((1, 32, 56, 56), 64 * 32 + 32)
    assert mix.receptive_field[0].size == 1  # nothing spatial
    assert expand.receptive_field == spatial.receptive_field


@pytest.mark.parametrize(
    ("padding", "applied"),
    [
        ("same", "top 1, bottom 2, left 1, right 2"),  # PyTorch: the odd pixel at the end
        ("same_upper", "top 1, bottom 2, left 1, right 2"),
        ("same_lower", "top 2, bottom 1, left 2, right 1"),
    ],
)
def test_same_padding_modes_show_the_sides(padding, applied):
    (layer,) = rows("1x8x8", f"conv:1,4,p={padding}")
    assert layer.output_shape == (1, 1, 8, 8)
    assert [d.message for d in layer.diagnostics] == [f"conv1 (conv2d): padding applied: {applied}"]


def test_tf_same_with_stride():
    (layer,) = rows("1x7x7", "conv:1,3,s=2,p=tf_same")
    assert layer.output_shape == (1, 1, 4, 4)  # ceil(7/2)


def test_examples_match_their_papers():
    unet = analyze(load_spec(EXAMPLES / "unet.yaml"))
    assert (unet.input_shape, unet.output_shape) == ((1, 1, 572, 572), (1, 2, 388, 388))
    assert analyze(load_spec(EXAMPLES / "mobilenet_v1.yaml")).totals.params == 4_231_976  # Keras, trainable
    aspp = analyze(load_spec(EXAMPLES / "deeplab_aspp.yaml"))
    bn = 2 * 256
    by_hand = (2048 * 256 + bn) * 2 + 3 * (2048 * 256 * 9 + bn) + (5 * 256 * 256 + bn) + (256 * 256 * 9 + bn) + 256 * 21 + 21
    assert aspp.totals.params == by_hand == 16_130_837
    assert aspp.output_shape == (1, 21, 33, 33)


IMPOSSIBLE = {
    "convtranspose:4,3,s=2,output_padding=2": "output_padding 2 must be smaller than the stride 2 or the dilation 1",
    "convtranspose:4,1,p=3": "the output would be -1x-1: (N − 1)·S − 2P + d·(F − 1) + output_padding + 1 is below 1",
    "conv:6,3,g=3": "groups=3 does not divide in_channels=8",
    "convtranspose:6,3,g=4": "groups=4 does not divide out_channels=6",
    "upsample:size=16,scale_factor=2": "upsample needs either size or scale_factor, not both and not neither",
    "upsample:scale_factor=2,mode=trilinear": "mode 'trilinear' works on 3-d inputs",
    "upsample:scale_factor=2,align_corners=true": "align_corners applies to linear, bilinear, bicubic and trilinear modes",
    "pixelshuffle:3": "the 8 input channels are not a multiple of r² = 9",
    "pixelunshuffle:3": "the input's height and width 5x5 are not multiples of 3",
    "crop:6": "cannot crop 6x6 at offset 0x0 from 5x5",
    "deformconv:8,3,offset_groups=3": "offset_groups=3 does not divide the 8 input channels",
    "conv:8,3,p=same,s=2": "padding='same' is not supported for strided convolutions",
}


@pytest.mark.parametrize("layer", IMPOSSIBLE)
def test_impossible_configurations_say_why(layer):
    with pytest.raises(SpecError) as caught:
        rows("8x5x5", layer)
    assert IMPOSSIBLE[layer] in caught.value.message

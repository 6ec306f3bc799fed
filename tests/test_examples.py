"""Example specs against published numbers: torchvision's parameter counts, the Distill
receptive-field table, and LeNet-5's per-layer counts worked by hand from F²CK + K."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES

from convcalc.engine import analyze
from convcalc.spec import load_spec


def report(name: str):
    return analyze(load_spec(EXAMPLES / name))


def layer(rep, name):
    return next(item for item in rep.layers if item.name == name)


@pytest.mark.parametrize(
    ("spec", "params", "output"),
    [
        ("alexnet.yaml", 61_100_840, (1, 1000)),  # torchvision.models.alexnet
        ("vgg16.yaml", 138_357_544, (1, 1000)),  # torchvision.models.vgg16
        ("lenet5.yaml", 61_706, (1, 10)),
    ],
)
def test_totals_match_published_counts(spec, params, output):
    rep = report(spec)
    assert rep.totals.params == params
    assert rep.totals.trainable_params == params
    assert rep.output_shape == output


# LeNet-5 by hand: conv (5·5·C + 1)·K, linear (in + 1)·out.
LENET = {
    "c1": ((1, 6, 28, 28), (5 * 5 * 1 + 1) * 6),
    "s2": ((1, 6, 14, 14), 0),
    "c3": ((1, 16, 10, 10), (5 * 5 * 6 + 1) * 16),
    "s4": ((1, 16, 5, 5), 0),
    "flatten1": ((1, 400), 0),
    "c5": ((1, 120), (400 + 1) * 120),
    "f6": ((1, 84), (120 + 1) * 84),
    "output": ((1, 10), (84 + 1) * 10),
}


@pytest.mark.parametrize("name", LENET)
def test_lenet5_per_layer(name):
    shape, params = LENET[name]
    got = layer(report("lenet5.yaml"), name)
    assert (got.output_shape, got.params) == (shape, params)


# torchvision VGG-16, per layer: conv (3·3·C + 1)·K, fc (in + 1)·out.
VGG16 = {
    "conv1_1": ((1, 64, 224, 224), 1_792),
    "conv1_2": ((1, 64, 224, 224), 36_928),
    "pool1": ((1, 64, 112, 112), 0),
    "conv2_1": ((1, 128, 112, 112), 73_856),
    "conv2_2": ((1, 128, 112, 112), 147_584),
    "pool2": ((1, 128, 56, 56), 0),
    "conv3_1": ((1, 256, 56, 56), 295_168),
    "conv3_2": ((1, 256, 56, 56), 590_080),
    "conv3_3": ((1, 256, 56, 56), 590_080),
    "pool3": ((1, 256, 28, 28), 0),
    "conv4_1": ((1, 512, 28, 28), 1_180_160),
    "conv4_2": ((1, 512, 28, 28), 2_359_808),
    "conv4_3": ((1, 512, 28, 28), 2_359_808),
    "pool4": ((1, 512, 14, 14), 0),
    "conv5_1": ((1, 512, 14, 14), 2_359_808),
    "conv5_2": ((1, 512, 14, 14), 2_359_808),
    "conv5_3": ((1, 512, 14, 14), 2_359_808),
    "pool5": ((1, 512, 7, 7), 0),
    "fc6": ((1, 4096), 102_764_544),
    "fc7": ((1, 4096), 16_781_312),
    "fc8": ((1, 1000), 4_097_000),
}


@pytest.mark.parametrize("name", VGG16)
def test_vgg16_per_layer_matches_torchvision(name):
    shape, params = VGG16[name]
    got = layer(report("vgg16.yaml"), name)
    assert (got.output_shape, got.params) == (shape, params)


@pytest.mark.parametrize(
    ("spec", "name", "size", "jump"),
    [
        # Distill, "Computing Receptive Fields of CNNs", table of classic networks
        ("alexnet.yaml", "pool5", 195, 32),
        ("vgg16.yaml", "pool5", 212, 32),
    ],
)
def test_receptive_fields_match_distill(spec, name, size, jump):
    rf = layer(report(spec), name).receptive_field
    assert [(a.size, a.jump) for a in rf] == [(size, jump), (size, jump)]


def test_alexnet_first_layer_matches_the_json_contract_example():
    conv1 = layer(report("alexnet.yaml"), "conv1")
    # 64 filters of 11·11·3 + bias; every one of 55·55 outputs costs 11·11·3 MACs per filter
    assert conv1.params == (11 * 11 * 3 + 1) * 64
    assert conv1.macs == 55 * 55 * 64 * 11 * 11 * 3
    assert [(a.size, a.jump, a.start, a.center) for a in conv1.receptive_field] == [(11, 4, -2, 3)] * 2


def test_vgg16_macs_match_the_commonly_quoted_15_5_gmacs():
    # 3x3 conv: H·W·K·9·C per layer, summed by hand for VGG-16 at 224x224, plus the fc layers
    convs = [(224, 64, 3), (224, 64, 64), (112, 128, 64), (112, 128, 128), (56, 256, 128), (56, 256, 256),
             (56, 256, 256), (28, 512, 256), (28, 512, 512), (28, 512, 512), (14, 512, 512), (14, 512, 512),
             (14, 512, 512)]
    expected = sum(hw * hw * k * 9 * c for hw, k, c in convs) + 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert report("vgg16.yaml").totals.macs == expected

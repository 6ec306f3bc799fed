"""YAML and CLI layer strings are two spellings of one Network."""

from __future__ import annotations

import pytest

from convcalc.spec import parse_layer_strings, parse_spec
from convcalc.spec.from_cli import parse_value


def test_same_network_from_either_front_end():
    yaml_text = """
name: layers
input: [3, 32, 32]
layers:
  - conv: {out_channels: 10, kernel_size: 5, padding: 2}
  - relu
  - max_pool2d: {kernel: 2}
  - flatten
  - Linear: {out: 10}
"""
    from_yaml = parse_spec(yaml_text)
    from_cli = parse_layer_strings("3x32x32", ["conv:10,5,p=2", "relu", "maxpool2d:2", "flatten", "linear:10"])
    assert from_yaml == from_cli


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("MaxPool2d:2", "maxpool2d:2"), ("max_pool2d:2", "maxpool2d:2"),
     ("adaptive_avg_pool2d:1", "adaptiveavgpool2d:1"), ("BatchNorm2d", "batchnorm2d"), ("leaky_relu", "leakyrelu"),
     ("LogSoftmax", "logsoftmax")],
)
def test_pytorch_class_and_functional_spellings(spelling, canonical):
    a = parse_layer_strings("3x8x8", [spelling])
    b = parse_layer_strings("3x8x8", [canonical])
    assert a.layers[0].args == b.layers[0].args
    assert a.layers[0].kind == b.layers[0].kind == canonical.partition(":")[0]


def test_per_axis_values_from_the_command_line():
    net = parse_layer_strings("3x32x32", ["conv:8,1x7,p=0x3", "conv:8,k=[3,1],p=[1,0]"])
    assert net.layers[0].args.kernel_size == (1, 7)
    assert net.layers[0].args.padding == (0, 3)
    assert net.layers[1].args.kernel_size == (3, 1)


@pytest.mark.parametrize(
    ("text", "value"),
    [("10", 10), ("-1", -1), ("0.5", 0.5), ("true", True), ("False", False), ("null", None), ("same", "same"),
     ("3x3", [3, 3]), ("[1,2]", [1, 2])],
)
def test_cli_values_read_like_yaml(text, value):
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def test_auto_names_skip_explicit_ones():
    net = parse_layer_strings("3x8x8", ["conv:4,3,name=conv2", "conv:4,3", "conv:4,3", "relu"])
    assert [layer.name for layer in net.layers] == ["conv2", "conv1", "conv3", "relu1"]


def test_scalar_shorthand_is_the_first_positional():
    net = parse_spec("input: [3, 8, 8]\nlayers:\n  - maxpool: 2\n  - adaptiveavgpool: [1, 1]\n")
    assert net.layers[0].args.kernel_size == 2
    assert net.layers[1].args.output_size == (1, 1)

"""The engine against PyTorch itself: random single layers, built as real modules and run.

Shapes, parameter counts and buffer counts must be equal, and the engine must reject a
configuration if and only if PyTorch does — agreement on invalidity is what catches ceil_mode
and padding off-by-ones. `pytest --hypothesis-profile=long` runs thousands of cases.
"""

from __future__ import annotations

import pytest
from conftest import needs_torch
from hypothesis import given
from hypothesis import strategies as st

from convcalc.engine import analyze
from convcalc.errors import SpecError
from convcalc.layers.args import ArgValue
from convcalc.network import Network
from convcalc.spec.build import RawLayer, build_layers

pytestmark = needs_torch


def engine_result(shape, kind, args):
    layers = build_layers([RawLayer(kind, None, keywords={k: ArgValue(v) for k, v in args.items()})])
    try:
        rep = analyze(Network("t", shape, layers, batch=2))
    except SpecError as error:
        return ("rejected", error.message)
    layer = rep.layers[0]
    return ("ok", layer.output_shape, layer.params, layer.buffers)


def torch_result(shape, kind, args):
    import torch

    from convcalc.verify.builders import build_module

    layer = build_layers([RawLayer(kind, None, keywords={k: ArgValue(v) for k, v in args.items()})])[0]
    try:
        module = build_module(layer, shape)
        with torch.inference_mode():
            out = module(torch.zeros((2, *shape)))
    except (RuntimeError, ValueError, TypeError) as error:
        return ("rejected", str(error))
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers())
    return ("ok", tuple(out.shape), params, buffers)


def assert_agree(shape, kind, args):
    ours, theirs = engine_result(shape, kind, args), torch_result(shape, kind, args)
    if ours[0] == theirs[0] == "rejected":
        return
    assert ours == theirs, f"{kind} {args} on {shape}: engine {ours}, torch {theirs}"


def axes(rank, low, high):
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=rank, max_size=rank))


@st.composite
def conv_case(draw):
    rank = draw(st.integers(1, 3))
    channels = draw(st.integers(1, 6))
    shape = (channels, *draw(st.lists(st.integers(1, 9 if rank < 3 else 6), min_size=rank, max_size=rank)))
    args = {
        "out_channels": draw(st.integers(1, 6)),
        "kernel_size": draw(axes(rank, 1, 4)),
        "stride": draw(axes(rank, 1, 3)),
        "padding": draw(st.one_of(axes(rank, 0, 3), st.sampled_from(["same", "valid"]))),
        "dilation": draw(axes(rank, 1, 3)),
        "groups": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
    }
    return shape, f"conv{rank}d", args


@st.composite
def pool_case(draw):
    rank = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), *draw(st.lists(st.integers(1, 10 if rank < 3 else 6), min_size=rank, max_size=rank)))
    kind = draw(st.sampled_from(["maxpool", "avgpool"]))
    args = {
        "kernel_size": draw(axes(rank, 1, 4)),
        "padding": draw(axes(rank, 0, 2)),
        "ceil_mode": draw(st.booleans()),
    }
    if draw(st.booleans()):
        args["stride"] = draw(axes(rank, 1, 3))
    if kind == "maxpool":
        args["dilation"] = draw(axes(rank, 1, 2))
    else:
        args["count_include_pad"] = draw(st.booleans())
    return shape, f"{kind}{rank}d", args


@st.composite
def adaptive_case(draw):
    rank = draw(st.integers(1, 3))
    shape = (2, *draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank)))
    size = draw(st.one_of(st.integers(1, 6), st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=rank, max_size=rank)))
    return shape, draw(st.sampled_from(["adaptiveavgpool", "adaptivemaxpool"])) + f"{rank}d", {"output_size": size}


@given(conv_case())
def test_conv_agrees_with_torch(case):
    assert_agree(*case)


@given(pool_case())
def test_pooling_agrees_with_torch(case):
    assert_agree(*case)


@given(adaptive_case())
def test_adaptive_pooling_agrees_with_torch(case):
    assert_agree(*case)


SINGLE = [
    ((12,), "linear", {"out_features": 5}),
    ((3, 4, 12), "linear", {"out_features": 5, "bias": False}),
    ((3, 4, 5), "flatten", {}),
    ((3, 4, 5, 6), "flatten", {"start_dim": 2, "end_dim": 3}),
    ((3, 4, 5), "flatten", {"start_dim": -2}),
    ((6,), "batchnorm1d", {}),
    ((6, 7), "batchnorm1d", {}),
    ((6, 7, 7), "batchnorm2d", {}),
    ((6, 3, 7, 7), "batchnorm3d", {"affine": False}),
    ((6, 7, 7), "batchnorm2d", {"track_running_stats": False}),
    ((6, 7, 7), "batchnorm", {}),
    ((6, 7, 7), "batchnorm1d", {}),
    ((6, 7, 8), "layernorm", {}),
    ((6, 7, 8), "layernorm", {"normalized_shape": [7, 8]}),
    ((6, 7, 8), "layernorm", {"normalized_shape": [7, 8], "bias": False}),
    ((6, 7, 8), "layernorm", {"normalized_shape": [6, 8]}),
    ((6, 7, 8), "groupnorm", {"num_groups": 3}),
    ((6, 7, 8), "groupnorm", {"num_groups": 4}),
    ((6, 7, 8), "prelu", {}),
    ((6, 7, 8), "prelu", {"num_parameters": 6}),
    ((6, 7, 8), "prelu", {"num_parameters": 7}),
    ((6, 7, 8), "softmax", {"dim": 1}),
    ((6, 7, 8), "logsoftmax", {}),
    ((6, 7, 8), "dropout2d", {"p": 0.2}),
    ((6, 7, 8), "gelu", {"approximate": "tanh"}),
    ((6, 7, 8), "leakyrelu", {"negative_slope": 0.2}),
    ((6, 9, 9), "globalavgpool", {}),
    ((6, 9, 9, 9), "globalmaxpool", {}),
    ((4, 9, 9), "conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "tf_same"}),
    ((4, 9, 9), "conv2d", {"out_channels": 4, "kernel_size": 3, "padding": [[1, 2], [0, 1]]}),
]


@pytest.mark.parametrize(("shape", "kind", "args"), SINGLE)
def test_other_kinds_agree_with_torch(shape, kind, args):
    assert_agree(shape, kind, args)



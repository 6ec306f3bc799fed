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
    if out.numel() == 0:
        # An empty output is no result: some PyTorch kernels return one where others raise
        # (transposed convs trimmed to nothing); the engine rejects it in every case.
        return ("rejected", f"empty output {tuple(out.shape)}")
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


@st.composite
def transposed_case(draw):
    rank = draw(st.integers(1, 3))
    channels = draw(st.integers(1, 6))
    shape = (channels, *draw(st.lists(st.integers(1, 7 if rank < 3 else 4), min_size=rank, max_size=rank)))
    args = {
        "out_channels": draw(st.integers(1, 6)),
        "kernel_size": draw(axes(rank, 1, 4)),
        "stride": draw(axes(rank, 1, 3)),
        "padding": draw(axes(rank, 0, 3)),
        "output_padding": draw(axes(rank, 0, 2)),
        "dilation": draw(axes(rank, 1, 3)),
        "groups": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
    }
    return shape, f"convtranspose{rank}d", args


@st.composite
def upsample_case(draw):
    rank = draw(st.integers(1, 3))
    shape = (2, *draw(st.lists(st.integers(1, 7), min_size=rank, max_size=rank)))
    mode = draw(st.sampled_from(["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear"]))
    args = {"mode": mode}
    if draw(st.booleans()):
        args["size"] = draw(axes(rank, 1, 12))
    else:
        args["scale_factor"] = draw(st.one_of(st.sampled_from([0.5, 1.5, 2, 3, 2.25]), st.lists(st.sampled_from([1, 2, 1.5]), min_size=rank, max_size=rank)))
    if draw(st.booleans()):
        args["align_corners"] = draw(st.booleans())
    return shape, "upsample", args


@st.composite
def lppool_case(draw):
    rank = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), *draw(st.lists(st.integers(1, 9 if rank < 3 else 5), min_size=rank, max_size=rank)))
    args = {
        "norm_type": draw(st.sampled_from([1, 2, 3, 1.5])),
        "kernel_size": draw(axes(rank, 1, 4)),
        "ceil_mode": draw(st.booleans()),
    }
    if draw(st.booleans()):
        args["stride"] = draw(axes(rank, 1, 3))
    return shape, f"lppool{rank}d", args


@st.composite
def same_pool_case(draw):
    """TensorFlow's SAME and ONNX's SAME_UPPER/LOWER on max and average pooling."""
    rank = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), *draw(st.lists(st.integers(1, 9 if rank < 3 else 5), min_size=rank, max_size=rank)))
    kind = draw(st.sampled_from(["maxpool", "avgpool"]))
    args = {"kernel_size": draw(axes(rank, 1, 4)), "padding": draw(st.sampled_from(["tf_same", "same_upper", "same_lower", "valid"]))}
    if draw(st.booleans()):
        args["stride"] = draw(axes(rank, 1, 3))
    if kind == "maxpool" and draw(st.booleans()):
        args["dilation"] = draw(axes(rank, 1, 2))
    return shape, f"{kind}{rank}d", args


@st.composite
def channel_case(draw):
    """Channel shuffle, layer norm over channels, layer scale, stochastic depth, group norm's bias."""
    rank = draw(st.integers(0, 3))
    shape = (draw(st.integers(1, 8)), *draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    kind = draw(st.sampled_from(["channel_shuffle", "layernorm2d", "layer_scale", "stochastic_depth", "groupnorm"]))
    if kind == "channel_shuffle":
        return shape, kind, {"groups": draw(st.integers(1, 4))}
    if kind == "layernorm2d":
        return shape, kind, {"elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    if kind == "layer_scale":
        # any axis but the batch: a scale along the batch has no meaning per sample (the engine refuses it)
        dim = draw(st.sampled_from([*range(1, rank + 2), *range(-rank - 1, 0)]))
        return shape, kind, {"dim": dim, "init_values": 1e-6}
    if kind == "stochastic_depth":
        return shape, kind, {"p": draw(st.floats(0, 1)), "mode": draw(st.sampled_from(["row", "batch"]))}
    return shape, kind, {"num_groups": draw(st.integers(1, 4)), "affine": draw(st.booleans()), "bias": draw(st.booleans())}


@st.composite
def pad_case(draw):
    """Zero, constant, reflection and replication padding: one size, or PyTorch's last-axis-first pairs."""
    rank = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), *draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))
    kind = draw(st.sampled_from(["zeropad", "constantpad", "reflectionpad", "replicationpad"]))
    padding = draw(st.one_of(st.integers(0, 4), st.lists(st.integers(0, 4), min_size=2 * rank, max_size=2 * rank),
                             st.lists(st.integers(0, 2), min_size=2, max_size=6).filter(lambda v: len(v) % 2 == 0)))
    args = {"padding": padding}
    if kind == "constantpad":
        args["value"] = 0.5
    return shape, kind + draw(st.sampled_from(["", f"{rank}d"])), args


@st.composite
def new_norm_case(draw):
    """Instance norm (affine and running statistics off by default), local response norm, Mish."""
    rank = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 6)), *draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    kind = draw(st.sampled_from(["instancenorm", "localresponsenorm", "mish"]))
    if kind == "instancenorm":
        args = {"affine": draw(st.booleans()), "track_running_stats": draw(st.booleans())}
        return shape, kind + draw(st.sampled_from(["", f"{rank}d"])), args
    if kind == "localresponsenorm":
        return shape, kind, {"size": draw(st.integers(1, 7)), "k": draw(st.sampled_from([1.0, 2.0]))}
    return shape, kind, {}


@given(pad_case())
def test_padding_agrees_with_torch(case):
    shape, kind, args = case
    padding = args["padding"]
    if isinstance(padding, list) and len(padding) != 2 * (len(shape) - 1):
        # F.pad pads only the last len/2 axes, whatever the module's rank: a deliberate difference,
        # the engine wants every spatial axis's pair so that ZeroPad2d means the 2-D padding
        ours = engine_result(shape, kind, args)
        assert ours[0] == "rejected"
        assert "last axis first" in ours[1]
        return
    assert_agree(*case)


@given(new_norm_case())
def test_instance_and_response_norm_agree_with_torch(case):
    assert_agree(*case)


def test_padding_moves_the_receptive_field_by_the_left_padding():
    """(left, right, top, bottom): width grows by 1 + 2 and starts 1 early, height by 3 + 0."""
    from convcalc.spec import parse_layer_strings

    rep = analyze(parse_layer_strings("3x8x8", ["zeropad:[1,2,3,0]", "reflectionpad2d:1"]))
    first, second = rep.layers
    assert first.output_shape == (1, 3, 11, 11)
    assert [(a.size, a.start) for a in first.receptive_field] == [(1, -3), (1, -1)]
    assert second.output_shape == (1, 3, 13, 13)
    assert [(a.size, a.start) for a in second.receptive_field] == [(1, -4), (1, -2)]


@pytest.mark.parametrize(("spec", "message"), [
    (["reflectionpad:4"], "does not fit an axis of 4"),
    (["zeropad2d:[1,1]"], "needs 4"),
    (["zeropad:[1,1,1]"], "pair per padded axis"),
    (["zeropad:-1"], "deliberate limit"),
    (["adaptiveavgpool:1", "instancenorm"], "single spatial element"),
])
def test_padding_and_instance_norm_refusals(spec, message):
    from convcalc.spec import parse_layer_strings

    with pytest.raises(SpecError) as caught:
        analyze(parse_layer_strings("3x4x4", spec))
    assert message in caught.value.render()


@st.composite
def permute_case(draw):
    rank = draw(st.integers(0, 3))
    shape = (draw(st.integers(1, 4)), *draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    dims = list(range(rank + 2))
    if draw(st.booleans()):
        dims = [0, *draw(st.permutations(dims[1:]))]
    else:  # anything, including moving the batch axis, a wrong length or a negative axis
        dims = draw(st.lists(st.integers(-rank - 2, rank + 1), min_size=1, max_size=rank + 3))
    return shape, "permute", {"dims": dims}


@given(lppool_case())
def test_lppool_agrees_with_torch(case):
    assert_agree(*case)


@given(same_pool_case())
def test_same_pooling_agrees_with_torch(case):
    assert_agree(*case)


@given(channel_case())
def test_channel_kinds_agree_with_torch(case):
    assert_agree(*case)


@given(permute_case())
def test_permute_agrees_with_torch(case):
    shape, kind, args = case
    ours = engine_result(shape, kind, args)
    if ours[0] == "rejected":  # moving the batch axis is the format's deliberate limit; the rest PyTorch refuses too
        order = [d % (len(shape) + 1) for d in args["dims"]]
        moves_batch = sorted(order) == list(range(len(shape) + 1)) and order[0] != 0 and len(set(args["dims"])) == len(order)
        if moves_batch:
            assert "deliberate limit" in ours[1]
            return
    assert_agree(*case)


def test_tf_same_average_leaves_the_padding_out():
    """TensorFlow's SAME average divides each window by its real elements: a 3x3 input pooled
    2x2/2 pads one row and column at the end, so the last output is the corner pixel itself."""
    import torch

    from convcalc.verify.builders import build_module

    layer = build_layers([_raw("avgpool2d", kernel_size=2, stride=2, padding="tf_same")])[0]
    x = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    out = build_module(layer, (1, 3, 3))(x)
    assert out.tolist() == [[[[(1 + 2 + 4 + 5) / 4, (3 + 6) / 2], [(7 + 8) / 2, 9.0]]]]
    layer = build_layers([_raw("maxpool2d", kernel_size=2, stride=2, padding="same_lower")])[0]
    assert build_module(layer, (1, 3, 3))(-x).tolist() == [[[[-1.0, -2.0], [-4.0, -5.0]]]]


@given(transposed_case())
def test_transposed_conv_agrees_with_torch(case):
    assert_agree(*case)


@given(upsample_case())
def test_upsample_agrees_with_torch(case):
    assert_agree(*case)


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
    ((6, 7, 8), "groupnorm", {"num_groups": 3, "bias": False}),
    ((6, 7, 8), "layernorm2d", {}),
    ((6, 7, 8), "layer_scale", {}),
    ((6, 7, 8), "layer_scale", {"dim": -1}),
    ((6, 7, 8), "stochastic_depth", {"p": 0.1}),
    ((6, 7, 8), "channel_shuffle", {"groups": 3}),
    ((6, 7, 8), "permute", {"dims": [0, 2, 3, 1]}),
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
    ((4, 9, 8), "conv2d", {"out_channels": 4, "kernel_size": 2, "stride": 2, "padding": "same_lower"}),
    ((4, 9, 8), "conv2d", {"out_channels": 4, "kernel_size": 4, "stride": 3, "padding": "same_upper"}),
    ((8, 6, 6), "pixelshuffle", {"upscale_factor": 2}),
    ((6, 6, 6), "pixelshuffle", {"upscale_factor": 2}),
    ((3, 6, 6), "pixelunshuffle", {"downscale_factor": 3}),
    ((3, 6, 7), "pixelunshuffle", {"downscale_factor": 2}),
    ((3, 9, 9), "crop", {"size": 5}),
    ((3, 9, 9), "crop", {"size": [4, 9], "offset": [5, 0]}),
]


@pytest.mark.parametrize(("shape", "kind", "args"), SINGLE)
def test_other_kinds_agree_with_torch(shape, kind, args):
    assert_agree(shape, kind, args)




# Small random networks, run end to end by `verify` itself: every kind above plus norms,
# activations and graph joins, in chains of one to four nodes. The engine and PyTorch must agree
# on every row; when the engine rejects a layer, PyTorch must reject it too.

ELEMENTWISE = ["relu", "relu6", "silu", "gelu", "hardswish", "sigmoid", "tanh", "leakyrelu", "elu", "identity", "prelu"]


def _raw(kind, **args):
    return RawLayer(kind, None, keywords={k: ArgValue(v) for k, v in args.items()})


@st.composite
def random_layer(draw, rank):
    family = draw(st.sampled_from(
        ["conv", "transposed", "resize", "pool", "adaptive", "norm", "elementwise", "dropout", "channel", "permute"]
    ))
    if family == "channel":
        _, kind, args = draw(channel_case())
        if kind == "layer_scale":
            args["dim"] = 1  # drawn for another rank; the batch axis is the format's own limit (not PyTorch's)
        return _raw(kind, **args)
    if family == "permute":  # channels-last and back, with element-wise, norm and linear layers between
        dims = [0, *range(2, rank + 2), 1]
        return [_raw("permute", dims=dims), draw(st.sampled_from([_raw("layernorm"), _raw("linear", out_features=3),
                                                                  _raw("gelu")])),
                _raw("permute", dims=[0, rank + 1, *range(1, rank + 1)])]
    if family == "transposed":
        _, _, args = draw(transposed_case())
        if draw(st.booleans()):
            args["groups"] = 1
        return _raw("convtranspose", **args)
    if family == "resize":
        # pixel (un)shuffle on other ranks is a deliberate difference: PyTorch reads the last three
        # axes as (C, H, W) whatever they are, the engine refuses (README: pixelshuffle)
        kind = draw(st.sampled_from(["upsample", "crop"] + (["pixelshuffle", "pixelunshuffle"] if rank == 2 else [])))
        if kind == "upsample":
            return _raw(kind, scale_factor=draw(st.sampled_from([2, 1.5])), mode="nearest")
        if kind == "crop":
            return _raw(kind, size=draw(st.integers(1, 4)))
        return _raw(kind, **{"upscale_factor" if kind == "pixelshuffle" else "downscale_factor": draw(st.integers(1, 2))})
    if family == "conv":
        _, _, args = draw(conv_case())  # its own rank: per-axis values of another rank test rejection
        if draw(st.booleans()):
            args["groups"] = 1  # random groups rarely divide the channels that flow in
        return _raw("conv", **args)
    if family == "pool":
        kind = draw(st.sampled_from(["maxpool", "avgpool"]))
        args = {"kernel_size": draw(axes(rank, 1, 3)), "padding": draw(axes(rank, 0, 1)), "ceil_mode": draw(st.booleans())}
        if draw(st.booleans()):
            args["stride"] = draw(axes(rank, 1, 3))
        if kind == "maxpool" and draw(st.booleans()):
            args["dilation"] = draw(axes(rank, 1, 2))
        return _raw(kind, **args)
    if family == "adaptive":
        kind = draw(st.sampled_from(["adaptiveavgpool", "adaptivemaxpool"]))
        return _raw(kind, output_size=draw(st.integers(1, 4)))
    if family == "norm":
        kind = draw(st.sampled_from(["batchnorm", "groupnorm"]))
        return _raw(kind) if kind == "batchnorm" else _raw(kind, num_groups=draw(st.integers(1, 3)))
    if family == "dropout":
        return _raw("dropout", p=0.5)
    return _raw(draw(st.sampled_from(ELEMENTWISE)))


@st.composite
def random_network(draw):
    from convcalc.spec.build import RawBranches

    rank = draw(st.integers(1, 3))
    channels = draw(st.integers(1, 4))
    shape = (channels, *draw(st.lists(st.integers(3, 9 if rank < 3 else 6), min_size=rank, max_size=rank)))
    nodes = []
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.sampled_from(["layer", "layer", "residual", "concat", "split"]))
        if choice == "layer":
            drawn = draw(random_layer(rank))
            nodes.extend(drawn if isinstance(drawn, list) else [drawn])
            continue
        k = draw(st.sampled_from([1, 3]))
        same = _raw("conv", out_channels=draw(st.integers(1, 4)), kernel_size=k, padding="same")
        act = draw(random_layer(rank).filter(lambda raw: not isinstance(raw, list) and raw.kind in ELEMENTWISE))
        if choice == "residual":
            nodes.append(RawBranches("add", [[same, act], []], ("main", "shortcut"), None))
        elif choice == "split":
            options = {} if draw(st.booleans()) else {"sections": draw(st.integers(1, 3))}
            nodes.append(RawBranches("split", [[], [same, act]], ("branch1", "branch2"), None, options=options))
        else:
            nodes.append(RawBranches("concat", [[], [same, act]], ("branch1", "branch2"), None))
    return Network("random", shape, build_layers(nodes), batch=2)


@given(random_network())
def test_random_networks_verify(network):
    from convcalc.engine import trace
    from convcalc.verify.run import verify

    try:
        traced = trace(network)
    except SpecError:
        return  # a join whose paths do not fit: the engine's own rule, tested in test_graphs
    if traced.refusal is not None:
        result = verify(network, traced)
        assert result.first_divergence is None, result.first_divergence.divergence()
        assert result.rejected is not None and result.rejected.torch_agrees, result.rejected.divergence()
        return
    result = verify(network, traced)
    assert result.agrees, result.first_divergence.divergence() if result.first_divergence else result


def test_fields_after_upsampling_are_exact_per_position():
    """An upsample by 2 then a 2-wide max pool: every output reads exactly one input (the pool's
    window covers the two copies of it), not the 3/2 an average-jump recurrence gives."""
    from convcalc.engine import trace
    from convcalc.spec.from_cli import parse_layer_strings
    from convcalc.verify.run import verify

    network = parse_layer_strings("1x3", ["upsample:scale_factor=2", "maxpool:2"], batch=2)
    traced = trace(network)
    assert [(a.size, a.jump, a.start) for a in traced.rows[-1].receptive_field] == [(1, 1, 0)]
    assert verify(network, traced).agrees

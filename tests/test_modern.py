"""Modern CNNs end to end (issue 15): torchvision's exact parameter counts at 224x224 and 1000
classes, stage shapes, and the constructs they need (split, channel shuffle, permute, layer
scale). Every example also runs through `verify` in tests/test_verify.py (it globs examples/)."""

from __future__ import annotations

import textwrap

import pytest
from conftest import EXAMPLES

from convcalc.engine import analyze
from convcalc.engine.fold import fold
from convcalc.errors import SpecError
from convcalc.spec import load_spec, parse_layer_strings, parse_spec


def report(name: str):
    return analyze(load_spec(EXAMPLES / name))


# torchvision.models.<name>(): sum(p.numel() for p in model.parameters()), its model table's numbers
TORCHVISION = {
    "resnext50_32x4d.yaml": 25_028_904,
    "mobilenet_v3_large.yaml": 5_483_032,
    "shufflenet_v2_x1_0.yaml": 2_278_604,
    "convnext_tiny.yaml": 28_589_128,
    "efficientnet_v2_s.yaml": 21_458_488,
    "mnasnet1_0.yaml": 4_383_312,
}


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_totals(name):
    rep = report(name)
    assert (rep.totals.params, rep.output_shape) == (TORCHVISION[name], (1, 1000))


STAGES = {
    "resnext50_32x4d.yaml": {
        "layer1": (1, 256, 56, 56), "layer2": (1, 512, 28, 28), "layer3": (1, 1024, 14, 14), "layer4": (1, 2048, 7, 7),
    },
    "shufflenet_v2_x1_0.yaml": {"stage2": (1, 116, 28, 28), "stage3": (1, 232, 14, 14), "stage4": (1, 464, 7, 7)},
    "convnext_tiny.yaml": {
        "stage1": (1, 96, 56, 56), "down1": (1, 192, 28, 28), "stage2": (1, 192, 28, 28), "down2": (1, 384, 14, 14),
        "stage3": (1, 384, 14, 14), "down3": (1, 768, 7, 7), "stage4": (1, 768, 7, 7),
    },
    "mobilenet_v3_large.yaml": {"c1": (1, 24, 56, 56), "c2": (1, 40, 28, 28), "c3": (1, 80, 14, 14), "c4": (1, 160, 7, 7)},
    "efficientnet_v2_s.yaml": {
        "stem": (1, 24, 112, 112), "stage1": (1, 24, 112, 112), "stage2": (1, 48, 56, 56), "stage3": (1, 64, 28, 28),
        "stage4": (1, 128, 14, 14), "stage5": (1, 160, 14, 14), "stage6": (1, 256, 7, 7), "head": (1, 1280, 7, 7),
    },
    "mnasnet1_0.yaml": {
        "stack1": (1, 24, 56, 56), "stack2": (1, 40, 28, 28), "stack3": (1, 80, 14, 14), "stack4": (1, 96, 14, 14),
        "stack5": (1, 192, 7, 7), "stack6": (1, 320, 7, 7),
    },
}


@pytest.mark.parametrize("name", STAGES)
def test_stage_shapes(name):
    rows = {row.name: row.output_shape for row in fold(report(name), 1).layers}
    assert {stage: rows[stage] for stage in STAGES[name]} == STAGES[name]


@pytest.mark.parametrize("name", TORCHVISION)
def test_written_with_blocks_not_expanded(name):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert "define:" in text and "repeat:" in text and len(text.splitlines()) < 80


def test_efficientnet_v2_fused_and_se_blocks():
    rows = {row.name: row for row in report("efficientnet_v2_s.yaml").layers}
    # stage2.0: Fused-MBConv, a 3x3 stride-2 conv 24 -> 96, then a 1x1 projection 96 -> 48
    assert rows["stage2.0.expand.conv"].params == 24 * 96 * 9
    assert rows["stage2.0.project"].params == 96 * 48
    # stage4.1: SE squeezes 512 channels to 128 // 4 = 32 (fc1 and fc2 with biases)
    assert rows["stage4.1.mbconv1.fc1"].params == 512 * 32 + 32


def test_resnext_block_is_grouped_and_twice_as_wide():
    rows = {row.name: row for row in report("resnext50_32x4d.yaml").layers}
    # torchvision's layer1.0.conv2: Conv2d(128, 128, 3, groups=32): 128 · 128/32 · 3 · 3
    assert rows["layer1.0.conv2"].params == 128 * 4 * 9
    assert rows["layer1.0.conv1"].output_shape == (1, 128, 56, 56)


def test_shufflenet_unit_splits_and_shuffles():
    rows = {row.name: row for row in report("shufflenet_v2_x1_0.yaml").layers}
    # stage2.1: the second half (58 channels) runs the branch; the split row stacks 58 + 58 back
    assert rows["stage2.1.branch1.pw1"].params == 58 * 58
    assert (rows["stage2.1.split1"].kind, rows["stage2.1.split1"].output_shape) == ("split", (1, 116, 28, 28))
    assert rows["stage2.1.channelshuffle1"].output_shape == (1, 116, 28, 28)


def test_convnext_block_carries_the_receptive_field_through_channels_last():
    rows = {row.name: row for row in report("convnext_tiny.yaml").layers}
    assert rows["stage1.0.to_channels_last"].output_shape == (1, 56, 56, 96)
    assert rows["stage1.0.pwconv1"].output_shape == (1, 56, 56, 384)
    # stem 4x4/4 then a 7x7 depthwise: 4 + 6·4 = 28, kept through the channels-last linear layers
    sizes = [[a.size for a in rows[name].receptive_field] for name in
             ("stage1.0.dwconv", "stage1.0.pwconv2", "stage1.0.layer_scale", "stage1.0.add1")]
    assert sizes == [[28, 28]] * 4
    assert rows["stage1.0.layer_scale"].params == 96  # a (96, 1, 1) parameter
    assert rows["stage1.0.stochasticdepth1"].params == 0


def test_permute_follows_the_spatial_axes_and_swaps_them():
    rep = analyze(parse_layer_strings("4x9x5", ["conv:4,3x1", "permute:[0,3,2,1]", "relu", "permute:[0,3,1,2]"]))
    # (C, H, W) -> (W, H, C): the fields stay with H and W (3 and 1) wherever they are
    assert rep.layers[1].output_shape == (1, 5, 7, 4)
    assert [a.size for a in rep.layers[2].receptive_field] == [3, 1]
    # -> (C, W, H): channel-first again, with H and W swapped: the fields follow them
    assert rep.layers[3].output_shape == (1, 4, 5, 7)
    assert [a.size for a in rep.layers[3].receptive_field] == [1, 3]


def test_a_conv_on_a_channels_last_tensor_sees_it_positionally_with_the_field_unknown():
    rep = analyze(parse_layer_strings("4x8x8", ["permute:[0,2,3,1]", "conv:2,1"]))
    assert rep.layers[1].output_shape == (1, 2, 8, 4) and rep.layers[1].receptive_field is None


def split(text: str):
    return analyze(parse_spec(textwrap.dedent(text), "spec.yaml"))


@pytest.mark.parametrize(
    ("construct", "shapes"),
    [
        ("split: [[], [relu]]", [(1, 3, 4, 4), (1, 6, 4, 4)]),  # torch.chunk(6, 2): 3 + 3
        ("split: {sections: [1, 5], branches: [[relu], []]}", [(1, 1, 4, 4), (1, 6, 4, 4)]),
        ("split: {split_size_or_sections: 4, branches: [[relu], [relu]]}", [(1, 4, 4, 4), (1, 2, 4, 4), (1, 6, 4, 4)]),
    ],
)
def test_split_reads_slices_of_the_channels(construct, shapes):
    rep = split(f"""
        input: [6, 4, 4]
        layers:
          - {construct}
        """)
    assert [row.output_shape for row in rep.layers] == shapes


def test_a_split_with_more_branches_than_chunks_says_how_torch_chunk_cuts():
    with pytest.raises(SpecError) as caught:
        split("""
            input: [5, 4, 4]
            layers:
              - split: [[], [], [], []]
            """)
    assert caught.value.message == (
        "split1 (split): torch.chunk into 4 cuts 5 channels into 3 (2, 2, 1), but the split has 4 branches"
    )


def test_a_permute_of_the_batch_axis_is_a_deliberate_limit():
    with pytest.raises(SpecError) as caught:
        analyze(parse_layer_strings("4x8x8", ["permute:[1,0,2,3]"]))
    assert caught.value.message == (
        "permute1 (permute): 'dims' [1, 0, 2, 3] moves the batch axis: a deliberate limit of the format, "
        "whose shapes are per sample with the batch first"
    )


@pytest.mark.parametrize(
    ("shape", "layer", "message"),
    [
        ("3x8x8", "flatten:0",
         ("flatten1 (flatten): 'start_dim' 0 is the batch axis: reaching across the batch is a deliberate limit of "
         "the format, whose shapes are per sample")),
        ("3x8x8", "conv:4,3,p=-1",
         ("conv: 'padding' must be a non-negative integer, one per axis, [before, after] pairs per axis, or one of "
         "'same', 'valid', 'tf_same', 'same_upper', 'same_lower' (got -1): negative padding (cropping, which F.pad "
         "allows) is a deliberate limit of the format; use crop instead")),
        ("3x8", "pixelshuffle:2",
         ("pixelshuffle1 (pixelshuffle): pixelshuffle works on (C, H, W) inputs, got 3x8: other ranks are a "
         "deliberate limit of the format (PyTorch reads the last three axes as (C, H, W), whatever they mean)")),
        ("3x0x8", "relu",
         ("input shape '3x0x8' has a zero-size axis: zero-size dimensions are a deliberate limit of the format "
         "(PyTorch allows empty tensors; there is nothing to count in them)")),
        ("3x8x8x8x8", "relu",
         ("input shape must have 1 to 4 axes (C, then up to 3 spatial), got 5: more than three spatial axes is a "
         "deliberate limit of the format (PyTorch has no 4-d conv or pooling either)")),
    ],
)
def test_deliberate_limits_say_so(shape, layer, message):
    with pytest.raises(SpecError) as caught:
        analyze(parse_layer_strings(shape, [layer]))
    assert caught.value.message == message


def test_the_readme_lists_every_deliberate_limit():
    from conftest import ROOT

    table = (ROOT / "README.md").read_text(encoding="utf-8").split("### Deliberate limits of the format", 1)[1]
    table = table.split("\n### ", 1)[0]
    for refusal in ("batch axis", "zero-size axis", "negative", "pixelshuffle works on (C, H, W)", "1 to 4 axes"):
        assert refusal in table

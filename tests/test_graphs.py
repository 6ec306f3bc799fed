"""Graphs: residual, concat, gate, repeat, define, shared weights, --depth.

The totals are torchvision's published parameter counts (torchvision.models.*, the numbers in
its model table), never numbers computed by convcalc.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import EXAMPLES

from convcalc.engine import analyze
from convcalc.engine.fold import fold
from convcalc.spec import load_spec, parse_spec


def report(name: str):
    return analyze(load_spec(EXAMPLES / name))


def spec(text: str):
    return analyze(parse_spec(textwrap.dedent(text), "spec.yaml"))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("resnet18.yaml", 11_689_512),
        ("resnet50.yaml", 25_557_032),
        ("googlenet.yaml", 6_624_904),
        ("mobilenet_v2.yaml", 3_504_872),
        ("densenet121.yaml", 7_978_856),
        ("squeezenet1_1.yaml", 1_235_496),
        ("efficientnet_b0.yaml", 5_288_548),
    ],
)
def test_torchvision_totals_and_output(name, params):
    rep = report(name)
    assert rep.totals.params == params
    assert rep.output_shape == (1, 1000)


def test_resnet50_stage_outputs_and_blocks():
    rep = report("resnet50.yaml")
    stages = {row.name: row.output_shape for row in fold(rep, 1).layers if row.name.startswith("layer")}
    assert stages == {
        "layer1": (1, 256, 56, 56),
        "layer2": (1, 512, 28, 28),
        "layer3": (1, 1024, 14, 14),
        "layer4": (1, 2048, 7, 7),
    }
    blocks = [row.name for row in fold(rep, 2).layers if row.name.startswith("layer")]
    assert blocks == [f"layer{s}.{b}" for s, n in ((1, 3), (2, 4), (3, 6), (4, 3)) for b in range(n)]
    rows = {row.name: row for row in rep.layers}
    # torchvision's layer2.0: conv1 1x1 256->128, conv2 3x3 128->128 stride 2, downsample 1x1 256->512
    assert rows["layer2.0.conv1"].params == 256 * 128
    assert rows["layer2.0.conv2"].output_shape == (1, 128, 28, 28)
    assert rows["layer2.0.downsample"].params == 256 * 512
    assert rows["layer2.0.add1"].kind == "add"


def test_resnet50_spec_is_short():
    assert len((EXAMPLES / "resnet50.yaml").read_text().splitlines()) < 60


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_folding_keeps_totals(name, depth):
    rep = report(name)
    folded = fold(rep, depth)
    assert sum(row.params for row in folded.layers) == rep.totals.params
    assert sum(row.macs for row in folded.layers) == rep.totals.macs
    assert sum(row.buffers for row in folded.layers) == rep.totals.buffers
    assert folded.layers[-1].output_shape == rep.output_shape
    assert [row.index for row in folded.layers] == list(range(1, len(folded.layers) + 1))
    assert all(row.name.count(".") < depth for row in folded.layers)
    # a folded row shows its last row's field, nominal (after a deformable conv) or not
    for row in folded.layers:
        members = [r for r in rep.layers if r.name == row.name or r.name.startswith(row.name + ".")]
        if members:
            assert (row.receptive_field, row.rf_nominal) == (members[-1].receptive_field, members[-1].rf_nominal)


def test_shared_weights_count_once_and_run_twice():
    text = (EXAMPLES / "siamese.yaml").read_text()
    shared = analyze(parse_spec(text, "siamese.yaml"))
    unshared = analyze(parse_spec(text.replace(", shared: full", ""), "siamese.yaml"))
    tower = (3 * 9 * 32 + 32) + (32 * 9 * 64 + 64)  # conv1, conv2
    head = 2 * 64 * 10 + 10
    assert shared.totals.params == tower + head == 20_682
    assert unshared.totals.params == 2 * tower + head == 40_074
    assert shared.totals.macs == unshared.totals.macs
    rows = {row.name: row for row in shared.layers}
    assert (rows["small.conv1"].params, rows["small.conv1"].shares) == (0, "full.conv1")
    assert rows["small.relu1"].shares is None  # nothing to share


def test_join_rows_and_concat_identity():
    rep = spec(
        """\
        input: [16, 8, 8]
        layers:
          - concat: [[], [conv: {out: 8, kernel: 3, padding: 1}]]
          - gate: [adaptiveavgpool: 1, conv: {out: 24, kernel: 1}, sigmoid]
          - residual: [conv: {out: 24, kernel: 1}]
        """
    )
    joins = [(row.name, row.kind, row.output_shape, row.macs) for row in rep.layers if row.kind in ("add", "concat", "mul")]
    assert joins == [
        ("concat1", "concat", (1, 24, 8, 8), 0),
        ("mul1", "mul", (1, 24, 8, 8), 24 * 8 * 8),  # one multiply per element
        ("add1", "add", (1, 24, 8, 8), 0),
    ]
    assert [row.path for row in rep.layers][:2] == ["0.branch2.0", "0"]


def test_join_receptive_field_is_the_largest_and_misalignment_is_reported():
    rep = spec(
        """\
        input: [4, 8, 8]
        layers:
          - residual:
              main: [conv: {out: 4, kernel: 3, padding: 1}]
          - residual:
              main: [conv: {out: 4, kernel: 2, stride: 2}]
              shortcut: [conv: {out: 4, kernel: 1, stride: 2}]
        """
    )
    rows = {row.name: row for row in rep.layers}
    assert rows["add1"].receptive_field[0].size == 3  # conv 3 beats the identity's 1
    assert rows["add2"].receptive_field[0].size == 4  # 3 + (2 − 1)·1
    (warning,) = rows["add2"].diagnostics
    assert warning.code == "rf-misaligned"
    assert "centers 0x0 vs 1/2x1/2" in warning.message


def test_repeat_scopes_and_first():
    rep = spec(
        """\
        input: [4, 8, 8]
        define:
          unit:
            params: {width: 2, out: $width * 2}
            layers: [conv: {out: $out, kernel: 1}]
        layers:
          - {repeat: 3, name: stage, first: [unit: {width: 4}], layers: [unit]}
          - repeat: 2
            layers: [relu]
          - {repeat: 0, layers: [relu]}
        """
    )
    assert [(row.name, row.output_shape[1]) for row in rep.layers] == [
        ("stage.0.conv1", 8),
        ("stage.1.conv1", 4),
        ("stage.2.conv1", 4),
        ("relu1", 4),
        ("relu2", 4),
    ]


@pytest.mark.parametrize(
    ("expression", "env", "value"),
    [
        ("$mid * 4", {"mid": 64}, 256),
        ("($a - 1) // 2", {"a": 8}, 3),
        ("$a + $b * 2 - -1", {"a": 1, "b": 3}, 8),
        ("$a / 4", {"a": 12}, 3),
        ("$a % 5", {"a": 12}, 2),
        ("$k", {"k": [1, 7]}, [1, 7]),  # exactly one parameter: its value, whatever it is
    ],
)
def test_parameter_arithmetic(expression, env, value):
    from convcalc.spec.params import substitute

    assert substitute(expression, env, None) == value


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("$a / 5", "12 / 5 is not whole; use // to round down"),
        ("$a // 0", "division by zero"),
        ("$a.real", "'.' is not allowed in a parameter expression"),
        ("__import__('os') + $a", "'_' is not allowed in a parameter expression"),
        ("$a ** 99", "unexpected '*'"),
        ("$a * (2", "a '(' is not closed"),
        ("$flag + 1", "$flag is True, and arithmetic needs integers"),
        ("$a * 10 ** 20", "unexpected '*'"),
        ("$a * 9999999999 * 9999999999", "the result is out of range (more than 1e+15)"),
    ],
)
def test_parameter_arithmetic_is_safe(expression, problem):
    from convcalc.errors import SpecError
    from convcalc.spec.params import substitute

    with pytest.raises(SpecError) as caught:
        substitute(expression, {"a": 12, "flag": True}, None)
    assert caught.value.message.startswith(problem)


def test_depth_option_folds_the_table(run):
    code, out, _ = run("summary", str(EXAMPLES / "resnet50.yaml"), "--depth", "1", "--format", "csv")
    names = [line.split(",")[1] for line in out.splitlines()[1:-1]]  # the last row is the totals
    assert code == 0
    assert names == ["conv1", "bn1", "relu1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten1", "fc"]

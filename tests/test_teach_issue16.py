"""Issue 16, case by case: each test reproduces one reported problem (they failed before the fix)."""

from __future__ import annotations

import re

from conftest import EXAMPLES

# solve: ordering, degenerate answers, the "(—)" ending, upsampling, transposed


def test_solve_lists_proper_answers_before_degenerate_ones(run):
    code, out, _ = run("solve", "--input", "32", "--output", "16", "--kernel", "3")
    assert code == 0
    solutions = [line for line in out.splitlines() if line.startswith("  stride")]
    assert solutions[0].startswith("  stride 2, padding 1:")
    assert "degenerate" not in solutions[0]
    degenerate = [i for i, line in enumerate(solutions) if "degenerate" in line]
    assert degenerate and degenerate == list(range(degenerate[0], len(solutions)))
    assert "stride 3, padding 8" in solutions[degenerate[0]]


def test_solving_only_the_input_does_not_end_with_a_dash(run):
    code, out, _ = run("solve", "--output", "16", "--kernel", "3", "--stride", "2", "--padding", "1")
    assert code == 0
    assert "(—)" not in out
    assert out.rstrip().endswith("2 solution(s)")


def test_an_output_larger_than_the_input_points_at_transposed_convs(run):
    code, out, _ = run("solve", "--input", "5", "--output", "20", "--kernel", "3")
    assert code == 1
    assert "use a transposed convolution (solve --transposed) or upsampling" in out


def test_solve_transposed_finds_padding_and_output_padding(run):
    code, out, _ = run("solve", "--input", "64", "--output", "128", "--kernel", "3", "--stride", "2", "--transposed")
    assert code == 0
    assert "padding 1, output_padding 1: (64 − 1)·2 − 2 + 1·(3 − 1) + 1 + 1 = 128 (exact)" in out


def test_explain_convtranspose(run):
    code, out, _ = run("explain", "convtranspose", "--input", "64", "--kernel", "3", "--stride", "2", "--padding", "1")
    assert code == 0
    assert "= (64 − 1)·2 − 2 + 1·(3 − 1) + 0 + 1 = 127" in out
    assert "output_padding 0..1 gives 127, 128" in out


def test_summary_hints_output_padding_when_one_short(run, tmp_path):
    spec = tmp_path / "up.yaml"
    spec.write_text("name: up\ninput: [3, 64, 64]\nlayers:\n  - convtranspose: {out: 4, kernel: 3, stride: 2, padding: 1}\n")
    code, _, err = run("summary", str(spec))
    assert code == 0
    assert "the output is 127, one short of 128 (the input times the stride): output_padding 1 gives 128" in err
    spec.write_text("name: up\ninput: [3, 64, 64]\nlayers:\n  - convtranspose: {out: 4, kernel: 2, stride: 2}\n")
    assert "output_padding" not in run("summary", str(spec))[2]


def test_solve_in_chinese_uses_chinese_punctuation(run):
    code, out, _ = run("solve", "--input", "32", "--output", "16", "--kernel", "5", "--lang", "zh")
    assert code == 0
    assert ", " not in out and " (" not in out
    assert "步长、填充" in out


def test_the_docs_quote_the_question_mark():
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert "`'?'`" in readme
    assert " ? " not in readme.split("## Homework and teaching")[1].split("\n## ")[0].replace("`'?'`", "")


# explain on every row the summary shows, and on every group


import pytest

from convcalc.engine import analyze
from convcalc.spec.read import read_network
from convcalc.teach import explain

SPECS = sorted(EXAMPLES.glob("*.yaml")) + sorted((EXAMPLES / "lecture").glob("*.yaml"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_explain_works_on_every_row_and_group_of_every_example(spec):
    network = read_network([str(spec)])
    report = analyze(network)
    for name in explain.names(report):
        for lang in ("en", "zh"):
            lines = explain.spec_layer(lang, network, report, name, None)
            assert lines[0].startswith(name), name


@pytest.mark.parametrize(
    ("spec", "layer", "expected"),
    [
        ("resnet18.yaml", "layer1.0.add1", "residual add"),
        ("googlenet.yaml", "inception3a.concat1", "concat"),
        ("efficientnet_b0.yaml", "stage2.0.se1.mul1", "gate"),
        ("resnet18.yaml", "layer1", "a group of"),
    ],
)
def test_explain_joins_and_groups_from_the_command_line(spec, layer, expected, run):
    code, out, err = run("explain", str(EXAMPLES / spec), "--layer", layer)
    assert code == 0, err
    assert expected in out


def _spec(tmp_path, layers: str, shape: str = "[3, 16, 16]") -> str:
    path = tmp_path / "net.yaml"
    path.write_text(f"name: t\ninput: {shape}\nlayers:\n{layers}")
    return str(path)


def test_explain_composites_and_their_parts(run, tmp_path):
    spec = _spec(tmp_path, "  - separable: {name: separable1, out: 8, kernel: 3, padding: 1}\n")
    code, out, err = run("explain", spec, "--layer", "separable1.depthwise")
    assert code == 0, err
    assert "(3·3·3/3 + 1)·3 = 30" in out
    code, out, err = run("explain", spec, "--layer", "separable1")
    assert code == 0, err
    assert "separable1.depthwise" in out and "separable1.pointwise" in out


def test_explain_a_non_square_kernel(run, tmp_path):
    spec = _spec(tmp_path, "  - conv: {out: 2, kernel: [3, 5], padding: 1}\n", "[4, 8, 8]")
    code, out, err = run("explain", spec, "--layer", "conv1")
    assert code == 0, err
    assert "3×3" not in out.split("Receptive field")[0]
    assert "Receptive field (along the width)" in out and "sees 5×5 input pixels" in out
    assert "Output size (along the height)" in out and "Output size (along the width)" in out
    assert "(F_h·F_w·C + 1)·K" in out and "= (3·5·4 + 1)·2 = 122" in out
    assert "K × O_h × O_w = 2 × 8 × 6 = 96 values" in out


def test_the_receptive_field_walks_through_residual_blocks(run):
    code, out, _ = run("explain", str(EXAMPLES / "resnet50.yaml"), "--layer", "layer1.0.add1")
    assert code == 0
    assert "(layer1.0.conv2): on the previous layer 3×3" in out
    assert out.rstrip().endswith("sees 19×19 input pixels")


# conv / pool by hand: uncovered rows and channel boundaries


def test_conv_by_hand_notes_rows_no_window_reaches(run):
    code, out, _ = run("conv", "--input", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "--kernel", "1 1; 1 1",
                       "--stride", "3")
    assert code == 0
    assert "the last 2 input row(s) are never covered: (4 − 2)/3 + 1 = 1.67 is floored to 1" in out
    assert "the last 2 input column(s) are never covered" in out


def test_pool_by_hand_notes_rows_no_window_reaches(run):
    code, out, _ = run("pool", "--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "2")
    assert code == 0
    assert "the last 1 input row(s) are never covered" in out


def test_conv_steps_show_channel_boundaries(run):
    code, out, _ = run("conv", "--input", "1 2; 3 4 | 5 6; 7 8", "--kernel", "1 0; 0 1 | 0 1; 1 0", "--steps")
    assert code == 0
    assert "each bracket is one input channel's products (channels 0..1)" in out
    assert "out[0,0] = (1·1 + 0·2 + 0·3 + 1·4) + (0·5 + 1·6 + 1·7 + 0·8) = 18" in out


# --lang zh: no English words apart from names, numbers and formula symbols

ZH_COMMANDS = [
    ["explain", "conv", "--input", "7", "--kernel", "3", "--stride", "3", "--channels", "3", "--filters", "10"],
    ["explain", "conv", "--input", "224", "--kernel", "3", "--stride", "2", "--padding", "1", "--dilation", "2"],
    ["explain", "conv", "--input", "8", "--kernel", "3", "--stride", "2", "--padding", "tf_same"],
    ["explain", "pool", "--input", "8", "--kernel", "2", "--padding", "2"],
    ["explain", "convtranspose", "--input", "64", "--kernel", "3", "--stride", "2", "--padding", "1"],
    ["explain", "rf", "--kernel", "3", "--dilation", "1,2,4"],
    ["explain", str(EXAMPLES / "resnet18.yaml"), "--layer", "layer1.0.add1"],
    ["explain", str(EXAMPLES / "resnet18.yaml"), "--layer", "nothing"],
    ["explain", "conv", "--kernel", "3"],
    ["solve", "--input", "32", "--output", "16", "--kernel", "3"],
    ["solve", "--input", "5", "--output", "20", "--kernel", "3"],
    ["solve", "--input", "64", "--output", "128", "--kernel", "3", "--stride", "2", "--transposed"],
    ["solve", "--kernel", "3"],
    ["conv", "--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "0 1; 2 3", "--steps", "--stride", "2"],
    ["conv", "--input", "1 2; 3 x", "--kernel", "1"],
    ["pool", "--input", "1 2; 3 4", "--kernel", "3"],
    ["grade", str(EXAMPLES / "homework" / "key.yaml"), str(EXAMPLES / "homework" / "student.yaml")],
]
ALLOWED = {"PyTorch", "Padding", "max", "out", "same", "tf_same", "output_padding", "convcalc", "explain", "rf",
           "solve", "transposed", "conv", "pool", "flatten", "yaml", "net", "layer", "kernel", "layers", "input",
           "output", "stride", "padding", "dilation", "nan", "add", "concat", "mul", "maxpool", "avgpool", "relu",
           "batchnorm"}  # names: PyTorch's, the flags', the layer kinds' as the table shows them


@pytest.mark.parametrize("args", ZH_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_chinese_output_has_no_english_words(args, run):
    _, out, err = run(*args, "--lang", "zh")
    text = out + err
    text = re.sub(r"--[a-z-]+|/[\w./-]+|\b\w+\.\w[\w.]*|\b[a-z]+\d+d?\b|“[^”]*”|'[^']*'", " ", text)
    words = set(re.findall(r"\b[A-Za-z][A-Za-z_]+\b", text))
    symbols = {w for w in words if re.fullmatch(r"(OP|[NFSPDOKCGHW]_?\w*|[rj]_\w*)", w)}
    assert words - symbols - ALLOWED == set(), " ".join(args)


def test_the_quiz_names_its_level_in_chinese(run, tmp_path):
    code, _, _ = run("quiz", "--seed", "1", "--count", "3", "--level", "hard", "--out", str(tmp_path), "--lang", "zh")
    assert code == 0
    text = (tmp_path / "questions.md").read_text(encoding="utf-8")
    assert "难度 困难" in text and "hard" not in text

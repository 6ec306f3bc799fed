"""Issue 16, case by case: each test reproduces one reported problem (they failed before the fix)."""

from __future__ import annotations

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

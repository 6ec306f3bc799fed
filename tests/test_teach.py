"""Teaching commands: the lecture's worked numbers in both languages, golden outputs, conv and
pool against torch.nn.functional, solve's solutions, and a seeded quiz graded end to end."""

from __future__ import annotations

import json
import random

import pytest
import yaml
from conftest import EXAMPLES, GOLDEN, needs_torch
from goldens import stale_goldens
from hypothesis import given
from hypothesis import strategies as st

from convcalc.teach import grade, quiz
from convcalc.teach.grid import convolve, pool
from convcalc.teach.lang_en import MESSAGES as EN
from convcalc.teach.lang_zh import MESSAGES as ZH

# Every worked number of the lecture, as a command and what its output must contain.
LECTURE = [
    (["explain", "conv", "--input", "7", "--kernel", "3", "--stride", "1"], "(7 − 3)/1 + 1 = 5"),
    (["explain", "conv", "--input", "7", "--kernel", "3", "--stride", "2"], "(7 − 3)/2 + 1 = 3"),
    (["explain", "conv", "--input", "7", "--kernel", "3", "--stride", "3"], "(7 − 3)/3 + 1 = 2.33"),
    (["explain", "conv", "--input", "7", "--kernel", "3", "--stride", "3"], "padding 1 gives (7 + 2 − 3)/3 + 1 = 3"),
    (["explain", "params", "--kernel", "5", "--channels", "3", "--filters", "10"], "(5·5·3 + 1)·10 = 760"),
    (["explain", "rf", "--kernel", "3", "--layers", "3"], "= 1 + 3·(3 − 1) = 7"),
    (["explain", "conv", "--input", "7", "--kernel", "5"], "P = (F − 1)/2 = 2"),
    (["solve", "--input", "32", "--output", "16", "--kernel", "5", "--stride", "2"], "padding 2: (32 + 4 − 5)/2 + 1"),
    (["solve", "--input", "9", "--output", "same", "--kernel", "5", "--stride", "1"], "padding 2: (9 + 4 − 5)/1 + 1 = 9"),
    (["conv", "--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "0 1; 2 3", "--steps"], "0·1 + 1·2 + 2·4 + 3·5 = 25"),
    (["conv", "--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "0 1; 2 3"], "  25 31\n  43 49"),
    (["pool", "--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "--kernel", "2"], "  6 8\n  3 4"),
]
ZH_WORDS = {"padding 2: ": "填充 2：", "padding 1 gives ": "填充 1：", "P = (F − 1)/2 = 2": "P = (F − 1)/2 = 2"}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("args", "expected"), LECTURE)
def test_the_lectures_numbers(args, expected, lang, run):
    code, out, err = run(*args, "--lang", lang)
    assert code == 0, err
    if lang == "zh":  # the same arithmetic, Chinese words around it
        for english, chinese in ZH_WORDS.items():
            expected = expected.replace(english, chinese)
    assert expected in out


GOLDEN_CASES = {
    "explain_7x7_stride3": [
        "explain", "conv", "--input", "7", "--kernel", "3", "--stride", "3", "--channels", "3", "--filters", "10",
    ],
    "explain_alexnet_conv5_at": ["explain", str(EXAMPLES / "alexnet.yaml"), "--layer", "conv5", "--at", "3,4"],
    "explain_rf_strided": ["explain", "rf", "--kernel", "3,3,5", "--stride", "1,2,2"],
    "solve_stride_and_padding": ["solve", "--input", "32", "--output", "16", "--kernel", "5"],
    "conv_steps": ["conv", "--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "0 1; 2 3", "--steps"],
    "pool_avg_steps": ["pool", "--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "--kernel", "2", "--mode", "avg", "--steps"],
    "grade_student": ["grade", str(EXAMPLES / "homework" / "key.yaml"), str(EXAMPLES / "homework" / "student.yaml")],
}


LANGS = ["en", "zh"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden_outputs_in_both_languages(case, lang, run, golden):
    code, out, err = run(*GOLDEN_CASES[case], "--lang", lang)
    assert code == 0, err
    golden(GOLDEN / "teach" / f"{case}.{lang}.txt", out)


def test_no_stale_teaching_goldens():
    expected = [GOLDEN / "teach" / f"{case}.{lang}.txt" for case in GOLDEN_CASES for lang in LANGS]
    stale = stale_goldens(GOLDEN / "teach", expected, recursive=True)
    assert not stale, "goldens for no case of GOLDEN_CASES; `git rm` them: " + ", ".join(stale)


def test_catalogues_have_the_same_messages_and_the_lectures_terms():
    assert EN.keys() == ZH.keys()
    chinese = "".join(ZH.values())
    for term in ("步长", "填充", "Padding", "滤波器", "感受野", "参数量", "激活图"):
        assert term in chinese


def test_solve_reports_none_with_the_nearest(run):
    code, out, _ = run("solve", "--input", "5", "--output", "2", "--kernel", "3", "--stride", "1")
    assert code == 1
    assert "none: no integer padding gives output 2" in out
    assert "nearest: padding 0 gives (5 − 3)/1 + 1 = 3 → 3" in out


@needs_torch
@given(
    st.integers(1, 3),
    st.integers(3, 7),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 2),
    st.integers(0, 2**32 - 1),
)
def test_conv_by_hand_is_torchs_conv2d(channels, size, k, stride, padding, dilation, seed):
    import torch
    import torch.nn.functional as F

    rng = random.Random(seed)
    x = [[[rng.randint(-5, 5) for _ in range(size)] for _ in range(size)] for _ in range(channels)]
    w = [[[rng.randint(-3, 3) for _ in range(k)] for _ in range(k)] for _ in range(channels)]
    bias = rng.randint(-2, 2)
    if size + 2 * padding < dilation * (k - 1) + 1:
        return
    ours, _ = convolve(x, w, stride, padding, dilation, bias, False)
    theirs = F.conv2d(
        torch.tensor([x], dtype=torch.float64),
        torch.tensor([w], dtype=torch.float64),
        torch.tensor([float(bias)], dtype=torch.float64),
        stride,
        padding,
        dilation,
    )[0, 0]
    assert [[float(v) for v in row] for row in ours] == theirs.tolist()


@needs_torch
@given(
    st.integers(2, 7),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 1),
    st.sampled_from(["max", "avg"]),
    st.integers(0, 2**32 - 1),
)
def test_pool_by_hand_is_torchs_pooling(size, k, stride, padding, mode, seed):
    import torch
    import torch.nn.functional as F

    if padding * 2 > k or size + 2 * padding < k:
        return
    rng = random.Random(seed)
    x = [[[rng.randint(-5, 5) for _ in range(size)] for _ in range(size)] for _ in range(2)]
    ours, _ = pool(x, k, stride, padding, mode)
    t = torch.tensor([x], dtype=torch.float64)
    theirs = F.max_pool2d(t, k, stride, padding) if mode == "max" else F.avg_pool2d(t, k, stride, padding)
    flat = [float(v) for grid in ours for row in grid for v in row]
    assert flat == pytest.approx(theirs[0].flatten().tolist())


def test_flip_is_the_true_convolution():
    x = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
    flipped, _ = convolve(x, [[[0, 1], [2, 3]]], 1, 0, 1, 0, True)
    by_hand, _ = convolve(x, [[[3, 2], [1, 0]]], 1, 0, 1, 0, False)
    assert flipped == by_hand == [[11, 17], [29, 35]]


@pytest.mark.parametrize("level", quiz.LEVELS)
def test_a_seeded_quiz_is_reproducible_and_grades_end_to_end(level, run, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        assert run("quiz", "--seed", "11", "--count", "12", "--level", level, "--out", str(folder))[0] == 0
    for name in ("questions.md", "answers.md", "key.yaml"):
        assert (first / name).read_text() == (second / name).read_text()
    key = yaml.safe_load((first / "key.yaml").read_text())
    perfect = {q["id"]: q["answer"] for q in key["questions"]}
    assert None not in perfect.values()
    (tmp_path / "perfect.yaml").write_text(yaml.safe_dump(perfect))
    code, out, _ = run("grade", str(first / "key.yaml"), str(tmp_path / "perfect.yaml"), "--format", "gradescope")
    results = json.loads(out)
    assert (code, results["score"]) == (0, 12)
    assert all(test["score"] == test["max_score"] == 1 for test in results["tests"])


def test_other_seeds_give_other_quizzes():
    assert quiz.make(1, 10, "medium") != quiz.make(2, 10, "medium")


def test_grading_the_example_student(run):
    key, student = EXAMPLES / "homework" / "key.yaml", EXAMPLES / "homework" / "student.yaml"
    code, out, _ = run("grade", str(key), str(student), "--format", "json")
    payload = json.loads(out)
    assert (code, payload["score"], payload["total"]) == (0, 5, 9)
    wrong = {q["id"]: (q["expected"], q["answer"]) for q in payload["questions"] if not q["correct"]}
    assert wrong == {
        "q2": ("1480", "1470"),
        "q5": ("[[3, 1], [3, 3]]", "[[3, 1], [3, 2]]"),
        "q6": ("7", None),
        "q7": ("17", "21"),
    }


def test_grading_against_a_spec(run):
    code, out, _ = run("grade", str(EXAMPLES / "lenet5.yaml"), str(EXAMPLES / "homework" / "lenet5_answers.yaml"))
    assert code == 0
    assert "c3.params: ✗ wrong: the answer is 2416, you wrote 2400" in out
    assert out.rstrip().endswith("score: 5/6")


def test_answers_compare_to_two_decimals():
    assert grade.same(7 / 3, 2.33)
    assert grade.same([1, 6, 28, 28], "1x6x28x28")
    assert grade.same([3, 3], 3)
    assert not grade.same(3, 4)
    assert not grade.same(5, True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", str(EXAMPLES / "alexnet.yaml"), "--layer", "conv9"], "no layer named 'conv9'"),
        (["explain", str(EXAMPLES / "alexnet.yaml"), "--layer", "conv5", "--at", "13,0"], "--at 13,0 is not an output position"),
        (["explain", "conv", "--kernel", "3"], "this explanation needs input"),
        (["conv", "--input", "1 2; 3", "--kernel", "1"], "--input is not rectangular"),
        (["conv", "--input", "1 2; 3 4", "--kernel", "1 | 1"], "the kernel has 2 channel(s) but the input has 1"),
        (["conv", "--input", "1 2; 3 x", "--kernel", "1"], "'x' is not a number"),
        (["pool", "--input", "1 2; 3 4", "--kernel", "3"], "does not fit the padded input"),
        (["solve", "--kernel", "3"], "solve needs the input size or a numeric output size"),
    ],
)
def test_teaching_errors_exit_2(args, message, run):
    code, out, err = run(*args)
    assert (code, out) == (2, "")
    assert message in err


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.csv", "1,2,3\n4,5,6\n7,8,9\n"),
        ("x.yaml", "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]\n"),
        ("x.txt", "1 2 3\n4 5 6\n7 8 9\n"),
    ],
)
def test_matrices_from_files(name, content, run, tmp_path):
    (tmp_path / name).write_text(content)
    code, out, _ = run("conv", "--input", str(tmp_path / name), "--kernel", "0 1; 2 3")
    assert code == 0
    assert out.endswith("  25 31\n  43 49\n")


def test_channels_from_a_csv_file_are_separated_by_a_blank_line(run, tmp_path):
    (tmp_path / "x.csv").write_text("1,2\n3,4\n\n5,6\n7,8\n")
    code, out, _ = run("conv", "--input", str(tmp_path / "x.csv"), "--kernel", "1 | 1", "--bias", "0.5")
    assert code == 0
    assert out.endswith("   6.5  8.5\n  10.5 12.5\n")  # 1·1 + 1·5 + 0.5, ...: channels summed, bias once


def test_an_answer_to_no_question_is_reported_and_the_rest_graded(run, tmp_path):
    """Issue 16: one unknown key used to abort the whole grade with exit 2."""
    (tmp_path / "answers.yaml").write_text("q1: 4\nq01: 1480\n")
    code, out, err = run("grade", str(EXAMPLES / "homework" / "key.yaml"), str(tmp_path / "answers.yaml"))
    assert (code, err) == (0, "")
    assert "q1: ✓ correct" in out
    assert "q01: ✗ 'q01' is not a question of this key" in out
    assert out.rstrip().endswith("score: 1/9")


def test_a_broken_answer_file_points_at_the_place(run, tmp_path):
    (tmp_path / "answers.yaml").write_text("q1: [1, 2\nq2: 3\n")
    code, _, err = run("grade", str(EXAMPLES / "homework" / "key.yaml"), str(tmp_path / "answers.yaml"))
    assert code == 2
    assert err.startswith(f"{tmp_path / 'answers.yaml'}:2:3: error: invalid YAML: expected ',' or ']', but got ':'")


def test_a_broken_matrix_file_is_an_error_not_a_traceback(run, tmp_path):
    (tmp_path / "m.yaml").write_text("[[1, 2], [3\n")
    code, out, err = run("conv", "--input", str(tmp_path / "m.yaml"), "--kernel", "1")
    assert (code, out) == (2, "")
    assert err.startswith(f"{tmp_path / 'm.yaml'}:2:1: error: invalid YAML")

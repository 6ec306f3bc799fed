"""Issue 18 (teaching part): the teaching commands refuse, before allocating, what no lecture
needs, each limit named with the environment variable that raises it; numbers are read without
computing 10**exponent (an 11-character number used to hang conv and grade)."""

from __future__ import annotations

import json
import time

import pytest
from conftest import EXAMPLES

from convcalc.limits import LIMITS, MATRIX_CELLS, PADDING, RF_LAYERS
from convcalc.teach.grid import exact_number
from convcalc.teach.quiz import same


@pytest.mark.parametrize(("args", "message", "env"), [
    (["conv", "--input", "1", "--kernel", "1", "--padding", "10000"],
     "error: padding 10,000 is more than the limit of 1,000 pixels on a side", "CONVCALC_MAX_PADDING=10000"),
    (["pool", "--input", "1", "--kernel", "100000", "--padding", "50000"],
     "error: padding 50,000 is more than the limit of 1,000 pixels on a side", "CONVCALC_MAX_PADDING=50000"),
    (["explain", "rf", "--kernel", "3", "--layers", "100000000"],
     "error: 100,000,000 layers are more than the limit of 10,000", "CONVCALC_MAX_RF_LAYERS=100000000"),
    (["conv", "--input", "1", "--kernel", "1", "--padding", "900"],
     "error: this needs 3,243,601 cells (the padded input), more than the limit of 1,000,000",
     "CONVCALC_MAX_MATRIX_CELLS=3243601"),
])
def test_teaching_commands_refuse_work_past_the_limits_at_once(args, message, env, run):
    start = time.perf_counter()
    code, out, err = run(*args)
    assert time.perf_counter() - start < 2
    assert (code, out) == (2, "")
    assert err.splitlines() == [message, f"  hint: if this is intended, raise the limit: {env}"]


def test_limits_are_named_and_raised_by_their_environment_variable(run, monkeypatch):
    assert {MATRIX_CELLS, PADDING, RF_LAYERS} <= set(LIMITS)
    monkeypatch.setenv("CONVCALC_MAX_RF_LAYERS", "20000")
    code, out, _ = run("explain", "rf", "--kernel", "3", "--layers", "15000")
    assert code == 0 and "each output of #15000 sees 30001×30001 input pixels" in out


def test_limit_errors_are_in_chinese_too(run):
    code, _, err = run("conv", "--input", "1", "--kernel", "1", "--padding", "10000", "--lang", "zh")
    assert code == 2
    assert err == "错误：填充 10,000 超过了每边 1,000 像素的上限\n  提示：如确有需要，请提高上限：CONVCALC_MAX_PADDING=10000\n"


@pytest.mark.parametrize("number", ["1e999999999", "1e-999999999", "-1E+99999999999", "1" * 5000])
def test_a_huge_number_in_a_matrix_is_refused_not_a_hang(number, run):
    start = time.perf_counter()
    code, _, err = run("conv", "--input", number, "--kernel", "1")
    assert time.perf_counter() - start < 2
    assert code == 2 and "is too large or too precise to compute with" in err


def test_numbers_are_read_exactly_and_safely():
    assert exact_number("2/3") * 3 == 2
    assert exact_number(" -1.5e1 ") == -15
    assert exact_number("1e-6") * 10**6 == 1
    for text in ("1e999999999", "1e-999999999", "9" * 19, "nan", "inf", "1/0", "", "x"):
        assert exact_number(text) is None, text


@pytest.mark.parametrize("answer", ["1e999999999", "'1e999999999'", "-1e-999999999", "1.0e+999999999", ".nan", "1x1e99999999"])
def test_a_huge_answer_is_graded_wrong_at_once(answer, run, tmp_path):
    (tmp_path / "answers.yaml").write_text(f"q1: {answer}\nq2: 1480\n")
    start = time.perf_counter()
    code, out, _ = run("grade", str(EXAMPLES / "homework" / "key.yaml"), str(tmp_path / "answers.yaml"),
                       "--format", "json")
    assert time.perf_counter() - start < 2
    verdicts = {q["id"]: q for q in json.loads(out)["questions"]}
    assert code == 0 and not verdicts["q1"]["correct"] and verdicts["q2"]["correct"]
    assert not same(4, "1e999999999")


def test_a_matrix_file_is_counted_before_a_value_is_converted(tmp_path, run, monkeypatch):
    """Reproducer: `conv --input` a 50 MB text file converted 25 million values for minutes before
    the cell limit spoke; now the file's size and its count of values are refused first, and the
    count is exact in every format (a matrix at the limit is still read)."""
    big = tmp_path / "big.txt"
    big.write_text(("1 " * 1000 + "\n") * 1500)
    start = time.perf_counter()
    code, out, err = run("conv", "--input", str(big), "--kernel", "1")
    assert time.perf_counter() - start < 2
    assert (code, out) == (2, "")
    assert err.startswith("error: this needs 1,500,000 cells (the values in the matrix file), more than the limit")
    monkeypatch.setenv("CONVCALC_MAX_FILE_BYTES", "1000")
    code, _, err = run("conv", "--input", str(big), "--kernel", "1")
    assert code == 2 and err.startswith(f"error: the file '{big}' has 3,001,500 bytes, more than the limit of 1,000")
    monkeypatch.setenv("CONVCALC_MAX_MATRIX_CELLS", "6")
    for name, text in [("m.yaml", "- [1, 2, 3]\n- [4, -5, 6]\n"), ("m.csv", "1,2,3\n-4,5.5,6\n"), ("m.txt", "1 2/3 3\n4 5 6\n")]:
        (tmp_path / name).write_text(text)
        code, out, err = run("conv", "--input", str(tmp_path / name), "--kernel", "1")
        assert code == 0 and "output (2×3)" in out, (name, err)
        (tmp_path / name).write_text(text + ("- [7]\n" if name == "m.yaml" else "7\n"))
        code, _, err = run("conv", "--input", str(tmp_path / name), "--kernel", "1")
        assert code == 2 and err.startswith("error: this needs 7 cells (the values in the matrix file)"), (name, err)
